"""Counting a scenario's SQL: every statement, and the rows each write changed."""

import re
from collections import Counter
from dataclasses import dataclass, field

# The statement's target table; WITH … INSERT/UPDATE/DELETE is searched past the CTE.
WRITE = re.compile(r'\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
WRITE_STARTS = ("insert", "update", "delete", "with", "replace")
# COPY … FROM STDIN writes too: the engine loads PostgreSQL tables with it.
COPY_IN = re.compile(r'^\s*COPY\s+"?(\w+)"?[^;]*\bFROM\s+STDIN', re.IGNORECASE)


def written_table(sql: str) -> str | None:
    """The table an INSERT/UPDATE/DELETE/COPY FROM writes, or None for any other statement."""
    if copy := COPY_IN.match(sql):
        return copy.group(1)
    head = sql.lstrip()[:12].lower()
    if not head.startswith(WRITE_STARTS):
        return None
    match = WRITE.search(sql)
    if match is None or match.group(1).upper() == "SET":
        return None
    return match.group(1)


@dataclass
class SqlCounter:
    """A `connection.execute_wrapper`: statements, and rows written per table."""

    roster_tables: frozenset[str]
    queries: int = 0
    write_statements: Counter = field(default_factory=Counter)
    rows_written: Counter = field(default_factory=Counter)

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        result = execute(sql, params, many, context)
        table = written_table(sql)
        if table is not None:
            self.write_statements[table] += 1
            self.rows_written[table] += max(context["cursor"].rowcount, 0)
        return result

    def roster_statements(self) -> int:
        return sum(n for t, n in self.write_statements.items() if t in self.roster_tables)

    def roster_rows(self) -> int:
        return sum(n for t, n in self.rows_written.items() if t in self.roster_tables)

    def other_rows(self) -> int:
        return sum(n for t, n in self.rows_written.items() if t not in self.roster_tables)

"""How the engine describes a rostered table (TableSpec), and the SQL that is the same
on every database. How rows reach a particular database is its write backend's job
(rostering/sync/backends/)."""

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

# SQLite allows 32,766 bound parameters per statement; PostgreSQL 65,535.
MAX_PARAMS = 30_000
# Every roster table's last column: the run that created the row (insert only).
RUN_COLUMN = "created_run_id"
# Class-side rows of an archived school year are kept but never matched by an import.
LIVE_ROWS = "year_archive_id IS NULL"


def chunks(rows: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def returning_sql(returning: Sequence[str]) -> str:
    qn = connection.ops.quote_name
    return " RETURNING " + ",".join(qn(c) for c in returning) if returning else ""


def conflict_sql(conflict: Sequence[str], update: Sequence[str], where: str = "") -> str:
    """ON CONFLICT … DO UPDATE (or DO NOTHING): the same on PostgreSQL and SQLite 3.35+.
    `where` names the partial unique index of the conflict columns, if it is one."""
    qn = connection.ops.quote_name
    action = (
        "DO UPDATE SET " + ",".join(f"{qn(c)}=excluded.{qn(c)}" for c in update)
        if update
        else "DO NOTHING"
    )
    target = ",".join(qn(c) for c in conflict)
    return f" ON CONFLICT ({target}){f' WHERE {where}' if where else ''} {action}"


def char_limits(model) -> tuple[tuple[str, int], ...]:
    """(column, max_length) of a model's text columns with a limit."""
    return tuple(
        (f.attname, f.max_length)
        for f in model._meta.concrete_fields
        if f.get_internal_type() == "CharField" and f.max_length
    )


def rows_delete(*, table: str, column: str, values: Sequence) -> int:
    """DELETE FROM table WHERE column IN (values), chunked."""
    qn = connection.ops.quote_name
    deleted = 0
    with connection.cursor() as cursor:
        for part in chunks(values, MAX_PARAMS):
            marks = ",".join(["%s"] * len(part))
            cursor.execute(f"DELETE FROM {qn(table)} WHERE {qn(column)} IN ({marks})", list(part))
            deleted += cursor.rowcount
    return deleted


def rows_streamed(*, sql: str, params: Sequence, chunk: int = 20_000) -> Iterator[list[tuple]]:
    """A large result in batches, read through a server-side cursor where there is one."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield rows


@dataclass(frozen=True)
class TableSpec:
    """One rostered table as the engine writes it: columns, keys, kinds of values."""

    name: str
    table: str
    columns: tuple[str, ...]
    conflict: tuple[str, ...]
    fixed_on_update: frozenset[str]  # written on insert only (ids, password, created_at)
    json_columns: frozenset[str] = frozenset()
    datetime_columns: frozenset[str] = frozenset()
    date_columns: frozenset[str] = frozenset()
    archive_columns: tuple[str, ...] = ("status", "updated_at")
    # SQL the rows an import matches must meet (class-side tables: LIVE_ROWS).
    live_where: str = ""
    # column -> the most characters it holds (a longer value is a row error).
    max_lengths: tuple[tuple[str, int], ...] = ()

    @property
    def live_sql(self) -> str:
        """`AND <live_where>` for a WHERE clause, or nothing."""
        return f" AND {self.live_where}" if self.live_where else ""

    @property
    def update_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.fixed_on_update)

    @property
    def key_columns(self) -> tuple[str, ...]:
        """The conflict key within a district: what tells two rows of the table apart."""
        return tuple(c for c in self.conflict if c != "district_id")

    def index(self, column: str) -> int:
        return self.columns.index(column)

    def select_list(self, *leading: str) -> str:
        """The quoted column list `leading…, every column` ("primary" and "order" are
        SQL words)."""
        qn = connection.ops.quote_name
        return ", ".join(qn(c) for c in (*leading, *self.columns))

    def encode(self, row: Sequence) -> dict:
        """A JSON-safe copy of a row (for held changes)."""
        return json.loads(
            json.dumps(dict(zip(self.columns, row, strict=True)), cls=DjangoJSONEncoder)
        )

    def decode(self, payload: dict) -> list:
        row = [payload.get(c) for c in self.columns]  # held before a column was added: None
        for i, column in enumerate(self.columns):
            if row[i] is not None and column in self.datetime_columns:
                row[i] = datetime.fromisoformat(row[i].replace("Z", "+00:00"))
            elif row[i] is not None and column in self.date_columns:
                row[i] = date.fromisoformat(row[i])
        return row

"""What the import engine needs from a database, whichever it is."""

import sys
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from django.db import connection, transaction

from rostering.sync.upsert import TableSpec, conflict_sql, returning_sql, rows_streamed

Adapter = tuple[int, Callable]
# apply(file_index, parts, record) -> record, and skip(file_index): what a run's files
# are written with (see WriteBackend.file_writer).
FileApply = Callable
FileSkip = Callable[[int], None]


class WriteBackend:
    """How rows reach one kind of database. Chosen once per run (or per approval) by
    `write_backend()`; the writers call only these methods, never the database vendor.

    Subclasses implement the raw operations (`_upsert_rows`, `select_in`, `adapters`)
    and may override the faster paths (`insert_new`, `rows_insert_new`, `part_scope`).
    """

    name = ""
    # New people get their ids drawn ahead from the table's sequence (no RETURNING).
    draws_ids = False
    # A thread other than the run's own may write progress rows while the run writes.
    threads_write_progress = True

    # The files of a run -------------------------------------------------------------
    @contextmanager
    def file_writer(self, *, ctx, plan: list) -> Iterator[tuple[FileApply, FileSkip]]:
        """(apply, skip) for the plan's files, in order: apply(index, parts, record)
        writes one file in one transaction and returns its record; skip(index) passes
        over a file that will not be written."""
        raise NotImplementedError
        yield

    def part_scope(self) -> AbstractContextManager:
        """Wraps the writing of one part of a file (its pages and its finish())."""
        return nullcontext()

    # Rows ---------------------------------------------------------------------------
    def adapters(self, spec: TableSpec) -> list[Adapter]:
        """(column index, value -> database value) for the columns that need it."""
        raise NotImplementedError

    def prepared(self, spec: TableSpec, rows: Sequence[Sequence]) -> list[list]:
        adapters = self.adapters(spec)
        prepared = []
        for row in rows:
            row = list(row)
            for i, adapt in adapters:
                row[i] = adapt(row[i])
            prepared.append(row)
        return prepared

    def upsert(
        self, spec: TableSpec, rows: Sequence[Sequence], *, returning: Sequence[str] = ()
    ) -> list[tuple]:
        """Inserts the spec's rows, updating those whose conflict key exists."""
        return self.rows_upsert(
            table=spec.table,
            columns=spec.columns,
            rows=self.prepared(spec, rows),
            conflict=spec.conflict,
            update=spec.update_columns,
            returning=returning,
            conflict_where=spec.live_where,
        )

    def insert_new(self, spec: TableSpec, rows: Sequence[Sequence]) -> None:
        """Writes rows known not to exist yet (by default as an upsert)."""
        self.upsert(spec, rows)

    def rows_upsert(
        self,
        *,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence],
        conflict: Sequence[str],
        update: Sequence[str],
        returning: Sequence[str] = (),
        conflict_where: str = "",
    ) -> list[tuple]:
        """Inserts ready rows, updating `update` columns where `conflict` columns exist
        (among the rows `conflict_where` selects, when the unique index is partial).

        Rows must not repeat a conflict key. Runs in a transaction (a savepoint when one
        is open): all of the rows land, or none."""
        if not rows:
            return []
        tail = conflict_sql(conflict, update, conflict_where) + returning_sql(returning)
        with transaction.atomic():
            return self._upsert_rows(table, columns, rows, tail, bool(returning))

    def rows_insert_new(self, *, table: str, columns: Sequence[str], rows: Sequence) -> None:
        """Ready rows of a table without a spec (links) that cannot exist yet."""
        self.rows_upsert(table=table, columns=columns, rows=rows, conflict=columns, update=())

    def _upsert_rows(self, table, columns, rows, tail: str, returns: bool) -> list[tuple]:
        raise NotImplementedError

    def select_in(self, *, sql: str, params: Sequence, values: Sequence) -> list[tuple]:
        """Runs `sql`, which ends in `IN ({marks})`, over `values` (in chunks)."""
        raise NotImplementedError

    def digests_read(self, *, column: str, from_where: str, params: Sequence) -> tuple[array, bool]:
        """The 64-bit fingerprints the SQL expression `column` (16 hex digits) gives for
        the rows of `from_where`, and whether they come in ascending order."""
        digests = array("Q")
        for rows in rows_streamed(sql=f"SELECT {column} {from_where}", params=params):
            digests.extend(int(digest, 16) for (digest,) in rows)
        return digests, False

    def digests_refresh(
        self, spec: TableSpec, district_id: int, pairs: Sequence[tuple[tuple, str]]
    ) -> None:
        """Sets sis_digest alone on live rows, by key: [(key, sis_digest)]."""
        qn = connection.ops.quote_name
        keys = " AND ".join(f"{qn(c)} = %s" for c in spec.key_columns)
        sql = (
            f"UPDATE {qn(spec.table)} SET sis_digest = %s "
            f"WHERE district_id = %s AND {keys}{spec.live_sql}"
        )
        with connection.cursor() as cursor:
            cursor.executemany(sql, [(sis, district_id, *key) for key, sis in pairs])


def digests_unpacked(packed: bytes) -> array:
    """64-bit fingerprints from their bytes, each big-endian (as their hex digits read)."""
    digests = array("Q")
    digests.frombytes(packed)
    if sys.byteorder == "little":
        digests.byteswap()
    return digests


def cached_adapter(adapt: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`adapt` for dates and times (None stays None), remembering what it made: most
    rows of a batch share their created_at and updated_at (one value), and dates repeat.
    Equal values adapt alike (an aware time is written as the instant it is)."""
    made: dict = {}
    last: list = [None, None]  # the value adapted last, and what it made

    def adapted(value):
        if value is last[0]:
            return last[1]
        if value is None:
            return None
        result = made.get(value)
        if result is None:
            if len(made) > 10_000:
                made.clear()
            result = made[value] = adapt(value)
        last[0], last[1] = value, result
        return result

    return adapted


def one_value(sql: str, params: Sequence) -> Any:
    """The single value a query selects."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (value,) = cursor.fetchone()
    return value

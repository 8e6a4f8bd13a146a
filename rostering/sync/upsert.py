"""Batched writes: one multi-row INSERT ... ON CONFLICT ... RETURNING per chunk.

The same SQL runs on PostgreSQL and SQLite (3.35+), with no model instance per row.
"""

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from rostering.sync.copy_stream import stream_rows

# SQLite allows 32,766 bound parameters per statement; PostgreSQL 65,535.
MAX_PARAMS = 30_000


def _chunks(rows: Sequence[Sequence], size: int) -> Iterable[Sequence[Sequence]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _returning_sql(returning: Sequence[str]) -> str:
    qn = connection.ops.quote_name
    return " RETURNING " + ",".join(qn(c) for c in returning) if returning else ""


def _conflict_sql(conflict: Sequence[str], update: Sequence[str]) -> str:
    qn = connection.ops.quote_name
    action = (
        "DO UPDATE SET " + ",".join(f"{qn(c)}=excluded.{qn(c)}" for c in update)
        if update
        else "DO NOTHING"
    )
    return f" ON CONFLICT ({','.join(qn(c) for c in conflict)}) {action}"


def _upsert_values(cursor, table, columns, rows, tail) -> list[tuple]:
    qn = connection.ops.quote_name
    row_sql = "(" + ",".join(["%s"] * len(columns)) + ")"
    head = f"INSERT INTO {qn(table)} ({','.join(qn(c) for c in columns)}) VALUES "
    results: list[tuple] = []
    for part in _chunks(rows, max(1, MAX_PARAMS // len(columns))):
        params = [value for row in part for value in row]
        cursor.execute(head + ",".join([row_sql] * len(part)) + tail, params)
        if " RETURNING " in tail:
            results.extend(cursor.fetchall())
    return results


def _upsert_copy(cursor, table, columns, rows, tail) -> list[tuple]:
    """PostgreSQL: COPY into a staging table, then one INSERT ... SELECT (8x faster)."""
    qn = connection.ops.quote_name
    stage, cols = qn(f"stage_{table}"), ",".join(qn(c) for c in columns)
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS "
        f"SELECT {cols} FROM {qn(table)} WITH NO DATA"
    )
    cursor.execute(f"TRUNCATE {stage}")
    with (
        connection.wrap_database_errors,
        cursor.cursor.copy(f"COPY {stage} ({cols}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
    cursor.execute(f"INSERT INTO {qn(table)} ({cols}) SELECT {cols} FROM {stage}{tail}")
    return cursor.fetchall() if " RETURNING " in tail else []


def rows_upsert(
    *,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence],
    conflict: Sequence[str],
    update: Sequence[str],
    returning: Sequence[str] = (),
) -> list[tuple]:
    """Inserts rows, updating `update` columns where `conflict` columns already exist.

    Rows must not repeat a conflict key. Runs in a transaction (a savepoint when
    one is open) because PostgreSQL's staging table lives until commit.
    """
    if not rows:
        return []
    tail = _conflict_sql(conflict, update) + _returning_sql(returning)
    write = _upsert_copy if connection.vendor == "postgresql" else _upsert_values
    with transaction.atomic(), connection.cursor() as cursor:
        return write(cursor, table, columns, rows, tail)


def rows_delete(*, table: str, column: str, values: Sequence) -> int:
    """DELETE FROM table WHERE column IN (values), chunked."""
    qn = connection.ops.quote_name
    deleted = 0
    with connection.cursor() as cursor:
        for part in _chunks(values, MAX_PARAMS):
            marks = ",".join(["%s"] * len(part))
            cursor.execute(f"DELETE FROM {qn(table)} WHERE {qn(column)} IN ({marks})", list(part))
            deleted += cursor.rowcount
    return deleted


def rows_select(*, sql: str, params: Sequence, values: Sequence, chunk: int = 5_000) -> list[tuple]:
    """Runs `sql` (which ends in `IN ({marks})`) over `values` in chunks.

    On PostgreSQL the values travel as one array parameter (`= ANY(%s)`): binding
    thousands of separate parameters costs more than the query itself. Integers go as
    one array literal, which psycopg need not dump element by element in Python.
    """
    postgres = connection.vendor == "postgresql"
    integers = postgres and all(value.__class__ is int for value in values)
    if postgres:
        array = "= ANY(%s::bigint[])" if integers else "= ANY(%s)"
        sql, chunk = sql.replace("IN ({marks})", array), 50_000
    found: list[tuple] = []
    with connection.cursor() as cursor:
        for part in _chunks(values, chunk):
            if integers:
                cursor.execute(sql, [*params, "{" + ",".join(map(str, part)) + "}"])
            elif postgres:
                cursor.execute(sql, [*params, list(part)])
            else:
                cursor.execute(sql.format(marks=",".join(["%s"] * len(part))), [*params, *part])
            found.extend(cursor.fetchall())
    return found


def rows_streamed(*, sql: str, params: Sequence, chunk: int = 20_000) -> Iterator[list[tuple]]:
    """A large result in batches, read through a server-side cursor where there is one."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield rows


def _iso_text_cached() -> Callable:
    """date/datetime -> ISO 8601 text (None stays None), remembering what it formatted."""
    texts: dict = {}
    last = [None, None]  # the value formatted last, and its text: most rows repeat it

    def adapt(value):
        if value is last[0]:
            return last[1]
        if value is None:
            return None
        text = texts.get(value)
        if text is None:
            if len(texts) > 10_000:
                texts.clear()
            text = texts[value] = value.isoformat()
        last[0], last[1] = value, text
        return text

    return adapt


@dataclass(frozen=True)
class TableSpec:
    """One rostered table as the engine writes it: columns, keys, value adapters."""

    name: str
    table: str
    columns: tuple[str, ...]
    conflict: tuple[str, ...]
    fixed_on_update: frozenset[str]  # written on insert only (ids, password, created_at)
    json_columns: frozenset[str] = frozenset()
    datetime_columns: frozenset[str] = frozenset()
    date_columns: frozenset[str] = frozenset()
    archive_columns: tuple[str, ...] = ("status", "updated_at")

    @property
    def update_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.fixed_on_update)

    def index(self, column: str) -> int:
        return self.columns.index(column)

    def _adapters(self) -> list[tuple[int, Callable]]:
        if connection.vendor == "postgresql":
            return self._copy_adapters()
        ops = connection.ops
        adapters = []
        for i, column in enumerate(self.columns):
            if column in self.json_columns:
                adapters.append((i, lambda v: ops.adapt_json_value(v, None)))
            elif column in self.datetime_columns:
                adapters.append((i, ops.adapt_datetimefield_value))
            elif column in self.date_columns:
                adapters.append((i, ops.adapt_datefield_value))
        return adapters

    def _copy_adapters(self) -> list[tuple[int, Callable]]:
        """PostgreSQL's COPY: JSON through orjson, and dates and times as ISO text,
        formatted once per distinct value (psycopg's own datetime dumper costs ~3 us a
        value, and a batch's created_at and updated_at are one value)."""
        from psycopg.types.json import Jsonb

        def to_jsonb(value):
            return Jsonb(value, dumps=orjson.dumps)

        adapters = []
        for i, column in enumerate(self.columns):
            if column in self.json_columns:
                adapters.append((i, to_jsonb))
            elif column in self.datetime_columns or column in self.date_columns:
                adapters.append((i, _iso_text_cached()))
        return adapters

    def _prepared(self, rows: Sequence[Sequence]) -> list[list]:
        adapters = self._adapters()
        prepared = []
        for row in rows:
            row = list(row)
            for i, adapt in adapters:
                row[i] = adapt(row[i])
            prepared.append(row)
        return prepared

    def upsert(self, rows: Sequence[Sequence], *, returning: Sequence[str] = ()) -> list[tuple]:
        prepared = self._prepared(rows)
        return rows_upsert(
            table=self.table,
            columns=self.columns,
            rows=prepared,
            conflict=self.conflict,
            update=self.update_columns,
            returning=returning,
        )

    def insert_new(self, rows: Sequence[Sequence]) -> None:
        """Writes rows known not to exist yet. On PostgreSQL straight into the table with
        COPY (no staging, no conflict check); elsewhere as an upsert."""
        if not rows or connection.vendor != "postgresql":
            self.upsert(rows)
            return
        prepared = self._prepared(rows)
        if stream_rows(self.table, self.columns, prepared):
            return
        qn = connection.ops.quote_name
        sql = f"COPY {qn(self.table)} ({','.join(qn(c) for c in self.columns)}) FROM STDIN"

        def copy_rows(sql, params, many, context):
            with connection.wrap_database_errors, context["cursor"].cursor.copy(sql) as copy:
                for row in prepared:
                    copy.write_row(row)

        with transaction.atomic(), connection.cursor() as cursor:
            # Through Django's execute wrappers, so query counters and logs see it too.
            cursor._execute_with_wrappers(sql, None, False, executor=copy_rows)

    def encode(self, row: Sequence) -> dict:
        """A JSON-safe copy of a row (for held changes)."""
        return json.loads(
            json.dumps(dict(zip(self.columns, row, strict=True)), cls=DjangoJSONEncoder)
        )

    def decode(self, payload: dict) -> list:
        row = [payload[c] for c in self.columns]
        for i, column in enumerate(self.columns):
            if row[i] is not None and column in self.datetime_columns:
                row[i] = datetime.fromisoformat(row[i].replace("Z", "+00:00"))
            elif row[i] is not None and column in self.date_columns:
                row[i] = date.fromisoformat(row[i])
        return row

"""PostgreSQL: each file written as its pages arrive, new rows through COPY.

A reading thread hands pages over (streaming.py) and the run writes them inside the
file's one transaction; the new rows of a part flow through one open COPY
(copy_stream.py) while the next page is built; upserts go through COPY into a staging
table and one INSERT … SELECT … ON CONFLICT; look-ups send their values as one array.
"""

from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import partial

import orjson
from django.db import connection, transaction
from psycopg.types.json import Jsonb

from rostering.sync.backends.base import (
    Adapter,
    WriteBackend,
    cached_adapter,
    digests_unpacked,
    one_value,
)
from rostering.sync.copy_stream import copy_streaming, stream_rows
from rostering.sync.streaming import PageReader, file_apply_streamed
from rostering.sync.upsert import TableSpec, chunks

SELECT_CHUNK = 50_000
# A file that COPYs at least this many new rows into a table, and as many as this share
# of the rows PostgreSQL's statistics knew (a district's first load), has the table
# analyzed once it is committed: without statistics of the new rows, the next pull's
# look-ups by sourcedId are planned as a scan of the district's whole index range
# (0.4 s a look-up at 100,000 students), until autovacuum's analyze comes round.
ANALYZE_AFTER_ROWS = 20_000
ANALYZE_SHARE = 0.2


def _jsonb(value) -> Jsonb:
    return Jsonb(value, dumps=orjson.dumps)


def _iso_text(value) -> str:
    """psycopg's own datetime dumper costs ~3 us a value; COPY takes ISO 8601 text."""
    return value.isoformat()


def _copy_into(table: str, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """One COPY straight into the table, through Django's execute wrappers (so query
    counters and logs see it too)."""
    qn = connection.ops.quote_name
    sql = f"COPY {qn(table)} ({','.join(qn(c) for c in columns)}) FROM STDIN"

    def copy_rows(sql, params, many, context):
        with connection.wrap_database_errors, context["cursor"].cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    with transaction.atomic(), connection.cursor() as cursor:
        cursor._execute_with_wrappers(sql, None, False, executor=copy_rows)


class PostgresBackend(WriteBackend):
    name = "postgresql"
    draws_ids = True
    threads_write_progress = True

    def __init__(self) -> None:
        self.copied: Counter[str] = Counter()  # new rows COPYed per table, since analyzed

    @contextmanager
    def file_writer(self, *, ctx, plan: list) -> Iterator:
        with PageReader(ctx=ctx, plan=plan) as reader:

            def apply(index: int, parts: list, record):
                record = file_apply_streamed(
                    ctx=ctx, record=record, reader=reader, file_index=index, parts=parts
                )
                self.tables_analyze()
                return record

            yield apply, partial(reader.file_end, skip=True)

    def tables_analyze(self) -> list[str]:
        """ANALYZE the tables the committed file loaded a large share of (see
        ANALYZE_AFTER_ROWS); returns their names."""
        loaded = [t for t, n in self.copied.items() if n >= ANALYZE_AFTER_ROWS]
        if not loaded:
            return []
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [loaded]
            )
            known = dict(cursor.fetchall())
            analyzed = [t for t in loaded if self.copied[t] >= ANALYZE_SHARE * known.get(t, 0)]
            for table in analyzed:
                cursor.execute(f"ANALYZE {qn(table)}")
        for table in loaded:
            del self.copied[table]
        return analyzed

    def part_scope(self) -> AbstractContextManager:
        return copy_streaming()

    def adapters(self, spec: TableSpec) -> list[Adapter]:
        """COPY's values: JSON through orjson, dates and times as ISO text."""
        adapters = []
        for i, column in enumerate(spec.columns):
            if column in spec.json_columns:
                adapters.append((i, _jsonb))
            elif column in spec.datetime_columns or column in spec.date_columns:
                adapters.append((i, cached_adapter(_iso_text)))
        return adapters

    def insert_new(self, spec: TableSpec, rows: Sequence[Sequence]) -> None:
        """Straight into the table with COPY: no staging, no conflict check."""
        if rows:
            self.rows_insert_new(table=spec.table, columns=spec.columns,
                                 rows=self.prepared(spec, rows))  # fmt: skip

    def rows_insert_new(self, *, table: str, columns: Sequence[str], rows: Sequence) -> None:
        if rows and not stream_rows(table, columns, rows):
            _copy_into(table, columns, rows)
        self.copied[table] += len(rows)

    def _upsert_rows(self, table, columns, rows, tail: str, returns: bool) -> list[tuple]:
        """COPY into a staging table, then one INSERT … SELECT (8x multi-row VALUES)."""
        qn = connection.ops.quote_name
        stage, cols = qn(f"stage_{table}"), ",".join(qn(c) for c in columns)
        with connection.cursor() as cursor:
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
            return cursor.fetchall() if returns else []

    def digests_read(self, *, column: str, from_where: str, params: Sequence) -> tuple[array, bool]:
        """In order, as one value: the server sorts the hex digits (bytewise, which is
        their numeric order) and sends them as bytes, read straight into the array
        (the rows one by one cost ~0.3 s of Python a million)."""
        ordered = f"string_agg({column}, '' ORDER BY {column} COLLATE \"C\")"
        packed = one_value(f"SELECT decode({ordered}, 'hex') {from_where}", params)
        return digests_unpacked(bytes(packed or b"")), True

    def select_in(self, *, sql: str, params: Sequence, values: Sequence) -> list[tuple]:
        """The values travel as one array parameter (`= ANY(%s)`): binding thousands of
        separate parameters costs more than the query. Integers go as one array
        literal, which psycopg need not dump element by element in Python."""
        integers = all(value.__class__ is int for value in values)
        array = "= ANY(%s::bigint[])" if integers else "= ANY(%s)"
        sql = sql.replace("IN ({marks})", array)
        found: list[tuple] = []
        with connection.cursor() as cursor:
            for part in chunks(values, SELECT_CHUNK):
                value = "{" + ",".join(map(str, part)) + "}" if integers else list(part)
                cursor.execute(sql, [*params, value])
                found.extend(cursor.fetchall())
        return found

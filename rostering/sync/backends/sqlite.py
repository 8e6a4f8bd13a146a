"""SQLite: each file read whole into a spool, then written; multi-row INSERTs.

SQLite has a single writer, which a file's writing transaction holds: reading the
file from the SIS first keeps that transaction short, so the demo's web server and
workers sharing the file are not kept waiting (see files.py and spool.py).
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import connection

from rostering.sync.backends.base import Adapter, WriteBackend
from rostering.sync.files import file_apply, file_fetch
from rostering.sync.upsert import MAX_PARAMS, TableSpec, chunks

SELECT_CHUNK = 5_000


class SqliteBackend(WriteBackend):
    name = "sqlite"
    draws_ids = False
    # A second writer would wait for the run's transaction: the reading side never writes.
    threads_write_progress = False

    @contextmanager
    def file_writer(self, *, ctx, plan: list) -> Iterator:
        def apply(index: int, parts: list, record):
            return file_apply(ctx=ctx, record=record, fetched=file_fetch(ctx=ctx, parts=parts))

        yield apply, lambda index: None

    def adapters(self, spec: TableSpec) -> list[Adapter]:
        ops = connection.ops
        adapters = []
        for i, column in enumerate(spec.columns):
            if column in spec.json_columns:
                adapters.append((i, lambda v: ops.adapt_json_value(v, None)))
            elif column in spec.datetime_columns:
                adapters.append((i, ops.adapt_datetimefield_value))
            elif column in spec.date_columns:
                adapters.append((i, ops.adapt_datefield_value))
        return adapters

    def _upsert_rows(self, table, columns, rows, tail: str, returns: bool) -> list[tuple]:
        qn = connection.ops.quote_name
        row_sql = "(" + ",".join(["%s"] * len(columns)) + ")"
        head = f"INSERT INTO {qn(table)} ({','.join(qn(c) for c in columns)}) VALUES "
        results: list[tuple] = []
        with connection.cursor() as cursor:
            for part in chunks(rows, max(1, MAX_PARAMS // len(columns))):
                params = [value for row in part for value in row]
                cursor.execute(head + ",".join([row_sql] * len(part)) + tail, params)
                if returns:
                    results.extend(cursor.fetchall())
        return results

    def select_in(self, *, sql: str, params: Sequence, values: Sequence) -> list[tuple]:
        found: list[tuple] = []
        with connection.cursor() as cursor:
            for part in chunks(values, SELECT_CHUNK):
                cursor.execute(sql.format(marks=",".join(["%s"] * len(part))), [*params, *part])
                found.extend(cursor.fetchall())
        return found

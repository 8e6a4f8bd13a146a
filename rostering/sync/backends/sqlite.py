"""SQLite: each file read whole into a spool, then written; multi-row INSERTs.

SQLite has a single writer, which a file's writing transaction holds: reading the
file from the SIS first keeps that transaction short, so the demo's web server and
workers sharing the file are not kept waiting (see files.py and spool.py).
"""

import json
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, islice

import orjson
from django.db import connection

from rostering.sync.backends.base import (
    Adapter,
    WriteBackend,
    cached_adapter,
    digests_unpacked,
    one_value,
)
from rostering.sync.files import file_apply, file_fetch
from rostering.sync.upsert import MAX_PARAMS, TableSpec, chunks

SELECT_CHUNK = 5_000


def _json_text(value) -> str:
    """JSON text for a JSONField column: orjson (Django's json.dumps costs ~2 us a value);
    whatever orjson cannot write goes Django's way (json.dumps, as its SQLite backend)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


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
                adapters.append((i, _json_text))
            elif column in spec.datetime_columns:  # Django's: ~5 us a value
                adapters.append((i, cached_adapter(ops.adapt_datetimefield_value)))
            elif column in spec.date_columns:
                adapters.append((i, cached_adapter(ops.adapt_datefield_value)))
        return adapters

    def _upsert_rows(self, table, columns, rows, tail: str, returns: bool) -> list[tuple]:
        qn = connection.ops.quote_name
        row_sql = "(" + ",".join(["%s"] * len(columns)) + ")"
        head = f"INSERT INTO {qn(table)} ({','.join(qn(c) for c in columns)}) VALUES "
        results: list[tuple] = []
        with connection.cursor() as cursor:
            for part in chunks(rows, max(1, MAX_PARAMS // len(columns))):
                params = list(chain.from_iterable(part))
                cursor.execute(head + ",".join([row_sql] * len(part)) + tail, params)
                if returns:
                    results.extend(cursor.fetchall())
        return results

    def digests_read(self, *, column: str, from_where: str, params: Sequence) -> tuple[array, bool]:
        """As one value (the hex digits of every row, in order): read straight into the
        array, without a Python int per row. SQLite does not promise group_concat the
        subquery's order, so the order is checked (and made, if need be)."""
        in_order = f"SELECT {column} AS digest {from_where} ORDER BY 1"
        packed = one_value(f"SELECT group_concat(digest, '') FROM ({in_order})", params)
        digests = digests_unpacked(bytes.fromhex(packed or ""))
        if any(a > b for a, b in zip(digests, islice(digests, 1, None), strict=False)):
            digests = array("Q", sorted(digests))
        return digests, True

    def select_in(self, *, sql: str, params: Sequence, values: Sequence) -> list[tuple]:
        found: list[tuple] = []
        with connection.cursor() as cursor:
            for part in chunks(values, SELECT_CHUNK):
                cursor.execute(sql.format(marks=",".join(["%s"] * len(part))), [*params, *part])
                found.extend(cursor.fetchall())
        return found

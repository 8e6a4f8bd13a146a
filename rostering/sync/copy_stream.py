"""PostgreSQL: new rows of one table streamed through a single open COPY.

A COPY per page makes the import wait, page after page, for the server to finish
the rows it was sent. Inside `copy_streaming()` the COPY stays open across pages
instead: the server stores rows while Python builds the next ones (psycopg's queued
writer sends them from its own thread), and the import waits once, at the end.

A connection in COPY can run nothing else, so the stream is finished before any
other statement on the connection (an execute wrapper, outermost), when the scope
ends, or is aborted when the scope ends with an exception. The finished COPY passes
through the connection's execute wrappers like any statement, with its row count.
"""

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress

from django.db import connection


class _Scopes(threading.local):
    """Per thread (Django's connections are): connection alias -> open stream or None."""

    def __init__(self):
        self.streams: dict[str, CopyStream | None] = {}


_scope = _Scopes()


class CopyStream:
    def __init__(self, table: str, columns: Sequence[str]):
        from psycopg.copy import QueuedLibpqWriter

        qn = connection.ops.quote_name
        self.key = (table, tuple(columns))
        self.sql = f"COPY {qn(table)} ({','.join(qn(c) for c in columns)}) FROM STDIN"
        self.cursor = connection.cursor()
        raw = self.cursor.cursor
        self.copying = raw.copy(self.sql, writer=QueuedLibpqWriter(raw))  # a context manager
        with connection.wrap_database_errors:  # psycopg's errors as Django's
            self.copy = self.copying.__enter__()
        self.open = True
        connection.execute_wrappers.insert(0, self._before_statement)

    def write(self, rows: Iterable[Sequence]) -> None:
        write_row = self.copy.write_row
        with connection.wrap_database_errors:
            for row in rows:
                write_row(row)

    def _before_statement(self, execute, sql, params, many, context):
        self.finish()
        return execute(sql, params, many, context)

    def _detach(self) -> bool:
        if not self.open:
            return False
        self.open = False
        connection.execute_wrappers.remove(self._before_statement)
        if _scope.streams.get(connection.alias) is self:
            _scope.streams[connection.alias] = None
        return True

    def finish(self) -> None:
        """Ends the COPY: waits for the server to store the last rows (errors raise)."""
        if not self._detach():
            return

        def end_copy(sql, params, many, context):
            with connection.wrap_database_errors:
                self.copying.__exit__(None, None, None)

        try:
            self.cursor._execute_with_wrappers(self.sql, None, False, executor=end_copy)
        finally:
            self.cursor.close()

    def abort(self, error: BaseException) -> None:
        """Ends the COPY with an error: the server discards it (the transaction is
        rolled back by whoever handles the error)."""
        if not self._detach():
            return
        with suppress(Exception):
            self.copying.__exit__(type(error), error, error.__traceback__)
        with suppress(Exception):
            self.cursor.close()


@contextmanager
def copy_streaming() -> Iterator[None]:
    """Lets `stream_rows` keep a COPY open in this block (PostgreSQL, in a transaction)."""
    alias, streams = connection.alias, _scope.streams
    if alias in streams:
        yield  # nested: the outer block streams
        return
    streams[alias] = None
    try:
        yield
    except BaseException as exc:
        stream = streams.pop(alias, None)
        if stream is not None:
            stream.abort(exc)
        raise
    stream = streams.pop(alias, None)
    if stream is not None:
        stream.finish()


def stream_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence]) -> bool:
    """Writes rows through the open stream of `table` (opening it); False when no
    streaming scope is active here and the caller must write them itself."""
    alias, streams = connection.alias, _scope.streams
    if alias not in streams or not connection.in_atomic_block:
        return False
    stream = streams[alias]
    if stream is None or stream.key != (table, tuple(columns)):
        if stream is not None:
            stream.finish()
        stream = streams[alias] = CopyStream(table, columns)
    stream.write(rows)
    return True

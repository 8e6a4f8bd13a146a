"""One write backend per run, chosen from the database once (see base.WriteBackend)."""

from django.db import connection

from rostering.sync.backends.base import WriteBackend
from rostering.sync.backends.postgres import PostgresBackend
from rostering.sync.backends.sqlite import SqliteBackend

BACKENDS: dict[str, type[WriteBackend]] = {
    PostgresBackend.name: PostgresBackend,
    SqliteBackend.name: SqliteBackend,
}
NO_BACKEND = "The import engine writes to PostgreSQL or SQLite, not to {vendor}."


def write_backend() -> WriteBackend:
    """The backend for the default database."""
    try:
        return BACKENDS[connection.vendor]()
    except KeyError:
        raise NotImplementedError(NO_BACKEND.format(vendor=connection.vendor)) from None


__all__ = ["WriteBackend", "write_backend"]

"""The connection argument every command takes: an id, or a name only one connection has."""

from django.core.management.base import CommandError

from connections.models import Connection
from connections.services import connection_lookup


def connection_argument_add(parser) -> None:
    parser.add_argument("connection", help="Connection id or name.")


def connection_from_options(options: dict) -> Connection:
    """The named connection, or a CommandError that says what to type instead."""
    try:
        return connection_lookup(ref=options["connection"])
    except Connection.DoesNotExist as exc:
        raise CommandError(str(exc)) from None

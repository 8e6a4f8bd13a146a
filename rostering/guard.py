"""Holding connections' one-import guard for work that must not overlap an import.

An end-of-year archive, an undo of an import: while they run, each connection they
touch holds a run of its own (trigger ARCHIVE or UNDO) under the partial unique index
`one_active_run_per_connection`, so an import of those connections is refused on any
worker; and they are refused while an import is queued or running.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.utils import timezone

from connections.models import Connection
from rostering.models import RunStatus, SyncRun
from rostering.models.sync import ACTIVE_RUN_STATUSES


class ConnectionsBusy(Exception):
    """A connection has an import queued or running: `connection`, `run` say which."""

    def __init__(self, connection: Connection, run_id: int | None):
        super().__init__(f"{connection} has import #{run_id} queued or running")
        self.connection, self.run_id = connection, run_id


@contextmanager
def imports_held(
    *, connections: Iterable[Connection], trigger: str, message: str
) -> Iterator[None]:
    """Holds the connections' guard for the block (their runs end COMPLETED, or ERROR
    when the block raised); raises ConnectionsBusy, holding nothing, if one is busy."""
    connections, now, guards = list(connections), timezone.now(), []
    try:
        with transaction.atomic():
            for connection in connections:
                guards.append(
                    SyncRun.objects.create(
                        connection=connection, district_id=connection.district_id,
                        trigger=trigger, status=RunStatus.RUNNING, message=message,
                        started_at=now, heartbeat_at=now,
                    )
                )  # fmt: skip
    except IntegrityError:
        busy = SyncRun.objects.filter(connection__in=connections, status__in=ACTIVE_RUN_STATUSES)
        busy = busy.select_related("connection").first()
        connection = busy.connection if busy else connections[0]
        raise ConnectionsBusy(connection, busy.pk if busy else None) from None
    status = RunStatus.ERROR
    try:
        yield
        status = RunStatus.COMPLETED
    finally:
        SyncRun.objects.filter(pk__in=[g.pk for g in guards]).update(
            status=status, finished_at=timezone.now()
        )

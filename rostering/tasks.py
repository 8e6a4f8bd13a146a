"""django-q2 tasks: each takes ids, loads, and calls one service."""

import gc
import logging
from dataclasses import asdict

from django.utils import timezone

from connections.models import Connection
from rostering.imports import sync_run_process
from rostering.models import SyncRun
from rostering.scheduling import connection_scheduled_import, housekeeping_run

logger = logging.getLogger(__name__)


def sync_run_execute_task(run_id: int) -> str | None:
    run = SyncRun.objects.select_related("connection__district", "district").filter(pk=run_id)
    run = run.first()
    if run is None:
        logger.warning("import #%s no longer exists", run_id)
        return None
    try:
        return sync_run_process(run=run).status
    finally:
        # An import's writers refer to each other (a writer and its re-keys, closures):
        # without a full collection their key sets outlive the run until Python's rare
        # one, and a worker grows 3-5 MB per import (the fleet benchmark).
        gc.collect()


def scheduled_import(connection_id: int) -> int | None:
    connection = Connection.objects.select_related("district").filter(pk=connection_id).first()
    if connection is None:
        # Housekeeping removes the schedules of deleted connections.
        logger.warning("scheduled import of deleted connection %s", connection_id)
        return None
    run = connection_scheduled_import(connection=connection, now=timezone.now())
    return run.pk if run is not None else None


def housekeeping() -> dict:
    return asdict(housekeeping_run(now=timezone.now()))

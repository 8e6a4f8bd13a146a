"""The one import service. Every way to start an import calls it: the Pull button, the
daily schedule, `manage.py pull` (and its --dry-run preview).

Whatever the trigger, an import: frees the connection's runs whose worker died (and
tells their recipients), creates its run under the one-active-run guard (audited),
runs now (the command line) or is handed to a worker once the transaction commits,
and e-mails its summary when it ends.
"""

import datetime
import logging
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_q.tasks import async_task

from audit.models import AuditEvent
from audit.services import audit_record
from connections.models import Connection
from rostering.models import RunStatus, SyncRun
from rostering.models.sync import ACTIVE_RUN_STATUSES
from rostering.notifications import sync_run_notify
from rostering.preview import PreviewFile, preview_files
from rostering.sync.report import RunReport, run_report
from rostering.sync.runs import SOURCES, sync_run_create, sync_run_execute

logger = logging.getLogger(__name__)

RUN_TASK = "rostering.tasks.sync_run_execute_task"
RUN_STALE = (
    "The worker stopped reporting for {minutes} minutes (it may have been restarted or "
    "killed); the import was marked ERROR so that the connection can import again."
)
RUN_NEVER_STARTED = (
    "No worker picked this import up within {minutes} minutes; it was marked ERROR so "
    "that the connection can import again. Is the task cluster (qcluster) running?"
)
ENQUEUE_FAILED = "The import could not be handed to the task queue ({error}); pull again."
PREVIEWED = "Dry run ({mode}): {status}; nothing was written."


def sync_run_start(
    *,
    connection: Connection,
    actor: AbstractBaseUser | None,
    trigger: str,
    mode: str = SyncRun.Mode.FULL,
    inline: bool = False,
) -> SyncRun:
    """Starts an import of `connection`; with `inline`, runs it to its end here and
    returns the finished run, else returns the queued run a worker will take.

    Raises ConnectionBusy / ConnectionDisabled (nothing created) when the connection
    has an import queued or running, or is disabled.
    """
    _stale_release(connection)
    run = sync_run_create(connection=connection, actor=actor, trigger=trigger, mode=mode)
    if inline:
        return sync_run_process(run=run)
    transaction.on_commit(partial(_task_enqueue, run.pk))
    return run


def sync_run_process(*, run: SyncRun) -> SyncRun:
    """Runs a queued import to its end, then e-mails its summary (workers and inline)."""
    if run.status != RunStatus.QUEUED:
        # Recovered as stale while it waited, or a duplicate delivery of the task.
        logger.warning("import #%s is %s, not queued; not running it", run.pk, run.status)
        return run
    run = sync_run_execute(run=run)
    sync_run_notify(run=run)
    return run


class _PreviewRollback(Exception):
    pass


def sync_run_preview(
    *,
    connection: Connection,
    actor: AbstractBaseUser | None,
    mode: str = SyncRun.Mode.FULL,
    trigger: str = SyncRun.Trigger.COMMAND,
) -> RunReport:
    """What an import would change, computed in a transaction that is rolled back (no
    e-mail: nothing happened); the preview itself is audited."""
    report, _ = _previewed(connection=connection, actor=actor, mode=mode, trigger=trigger)
    return report


def sync_run_preview_changes(
    *,
    connection: Connection,
    actor: AbstractBaseUser | None,
    mode: str = SyncRun.Mode.FULL,
    trigger: str = SyncRun.Trigger.MANUAL,
    prepare: Callable[[], None] | None = None,
    inspect: Callable = preview_files,
) -> tuple[RunReport, list[PreviewFile]]:
    """sync_run_preview, and who each file would create, update, archive, restore or
    hold, by name (read before the rollback): the Preview changes button. `prepare`
    runs first inside the rolled-back transaction (settings not saved yet: a preview of
    a change of sync rules); `inspect(run=…)` reads what the page shows."""
    return _previewed(connection=connection, actor=actor, mode=mode, trigger=trigger,
                      inspect=inspect, prepare=prepare)  # fmt: skip


def _previewed(*, connection, actor, mode: str, trigger: str, inspect=None, prepare=None):
    _stale_release(connection)
    report: RunReport | None = None
    inspected = None
    try:
        with transaction.atomic():
            if prepare is not None:
                prepare()
            run = sync_run_create(connection=connection, actor=actor, trigger=trigger, mode=mode)
            run = sync_run_execute(run=run, progress=False)
            report = run_report(run=run)
            inspected = inspect(run=run) if inspect is not None else None
            raise _PreviewRollback
    except _PreviewRollback:
        pass
    audit_record(
        actor=actor,
        action=AuditEvent.Action.PREVIEW,
        obj=connection,
        message=PREVIEWED.format(
            mode=SyncRun.Mode(report.mode).label.lower(), status=RunStatus(report.status).label
        ),
        source=SOURCES[trigger],
    )
    return report, inspected


def _stale_release(connection: Connection) -> None:
    """Frees the connection of runs whose worker died, once this transaction commits
    their recipients hear of it."""
    for stale in sync_runs_recover_stale(now=timezone.now(), connection=connection):
        transaction.on_commit(partial(sync_run_notify, run=stale))


def _task_enqueue(run_id: int) -> None:
    try:
        task_id = async_task(RUN_TASK, run_id, task_name=f"autoroster-run-{run_id}")
    except Exception as exc:
        logger.exception("could not queue import #%s", run_id)
        SyncRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.ERROR,
            message=ENQUEUE_FAILED.format(error=exc),
            finished_at=timezone.now(),
        )
        return
    SyncRun.objects.filter(pk=run_id).update(task_id=task_id or "")


def _stale_reason(run: SyncRun) -> str:
    if run.status == RunStatus.RUNNING:
        return RUN_STALE.format(minutes=settings.SYNC_STALE_AFTER_SECONDS // 60)
    return RUN_NEVER_STARTED.format(minutes=settings.SYNC_QUEUED_STALE_AFTER_SECONDS // 60)


def sync_runs_recover_stale(
    *, now: datetime.datetime, connection: Connection | None = None
) -> list[SyncRun]:
    """Marks runs whose worker went silent as ERROR, which frees their connection.

    Running: no heartbeat for SYNC_STALE_AFTER_SECONDS. Queued: not picked up for
    SYNC_QUEUED_STALE_AFTER_SECONDS (a busy queue may legitimately hold runs longer
    than a heartbeat interval).
    """
    running_before = now - datetime.timedelta(seconds=settings.SYNC_STALE_AFTER_SECONDS)
    queued_before = now - datetime.timedelta(seconds=settings.SYNC_QUEUED_STALE_AFTER_SECONDS)
    stale = SyncRun.objects.annotate(
        last_sign=Coalesce("heartbeat_at", "started_at", "created_at")
    ).filter(
        Q(status=RunStatus.RUNNING, last_sign__lt=running_before)
        | Q(status=RunStatus.QUEUED, created_at__lt=queued_before)
    )
    if connection is not None:
        stale = stale.filter(connection=connection)
    recovered = []
    for run in stale:
        reason = _stale_reason(run)
        with transaction.atomic():
            changed = SyncRun.objects.filter(pk=run.pk, status=run.status).update(
                status=RunStatus.ERROR, message=reason, stage="", finished_at=now
            )
            if changed:
                run.records.filter(status__in=ACTIVE_RUN_STATUSES).update(
                    status=RunStatus.ERROR, message=reason, finished_at=now
                )
        if changed:
            logger.warning("import #%s was stale: %s", run.pk, reason)
            run.refresh_from_db()
            recovered.append(run)
    return recovered

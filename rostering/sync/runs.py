"""Starting and executing an import run of one connection."""

import logging
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from connections.models import Connection
from connections.services import connection_client
from rostering.models import FieldPin
from rostering.models.sync import ImportRecord, RunStatus, SyncRun, SyncSettings
from rostering.naming import name_formats_load
from rostering.pins import PIN_MODELS
from rostering.school_year import SchoolYearChanged, run_school_year_settle
from rostering.schools import sis_schools_refresh
from rostering.sync.backends import write_backend
from rostering.sync.changes import ChangeLog
from rostering.sync.context import RunContext, SchoolScope
from rostering.sync.files import file_parts
from rostering.sync.identity import aliases_load
from rostering.sync.progress import Progress
from rostering.sync.rules import rules_load
from rostering.sync.tuning import import_tuning
from sis.errors import SisError
from sis.records import Role

logger = logging.getLogger(__name__)

CONNECTION_BUSY = (
    "{connection} already has an import queued or running (import #{run}); wait for it to finish."
)
CONNECTION_DISABLED = "{connection} is disabled; enable it before importing."
ENROLLMENTS_NEED_CLASSES = "Enrollments were not imported because the classes could not be."
RUN_CRASHED = "The import stopped unexpectedly ({error}); nothing after this point was written."
# Delta runs re-read a little before the last run started: clocks differ.
DELTA_OVERLAP = timedelta(minutes=10)
FILE_ROLES = {
    ImportRecord.Kind.STAFF: (Role.TEACHER, Role.STAFF, Role.ADMINISTRATOR),
    ImportRecord.Kind.STUDENTS: (Role.STUDENT,),
}
SOURCES = {
    SyncRun.Trigger.MANUAL: "admin",
    SyncRun.Trigger.SCHEDULE: "scheduler",
    SyncRun.Trigger.COMMAND: "command line",
}


class ConnectionBusy(Exception):
    pass


class ConnectionDisabled(Exception):
    pass


def sync_settings_for(*, connection: Connection) -> SyncSettings:
    settings, _ = SyncSettings.objects.get_or_create(connection=connection)
    return settings


def _delta_since(connection: Connection) -> timezone.datetime | None:
    last = (
        SyncRun.objects.filter(
            connection=connection,
            status__in=[RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR],
            started_at__isnull=False,
        )
        .exclude(trigger=SyncRun.Trigger.ARCHIVE)
        .order_by("-started_at")
        .first()
    )
    return last.started_at - DELTA_OVERLAP if last else None


def sync_run_create(
    *, connection: Connection, actor: AbstractBaseUser | None, trigger: str, mode: str
) -> SyncRun:
    """Creates a queued run; refuses when the connection already has one (any worker)."""
    if not connection.enabled:
        raise ConnectionDisabled(CONNECTION_DISABLED.format(connection=connection))
    since = _delta_since(connection) if mode == SyncRun.Mode.DELTA else None
    mode = SyncRun.Mode.DELTA if since else SyncRun.Mode.FULL
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                connection=connection,
                district_id=connection.district_id,
                trigger=trigger,
                actor=actor if actor is not None and actor.is_authenticated else None,
                mode=mode,
                since=since,
            )
            audit_record(
                actor=actor,
                action=AuditEvent.Action.PULL,
                obj=connection,
                message=f"Import #{run.pk} ({run.get_mode_display().lower()})",
                source=SOURCES.get(trigger, "system"),
            )
    except IntegrityError:
        active = SyncRun.objects.filter(connection=connection, status__in=["queued", "running"])
        raise ConnectionBusy(
            CONNECTION_BUSY.format(
                connection=connection, run=active.values_list("pk", flat=True).first()
            )
        ) from None
    return run


def _scope(connection: Connection) -> SchoolScope:
    rows = connection.sis_schools.filter(vanished_at__isnull=True).values_list(
        "sourced_id", "school_id"
    )
    rows = list(rows)
    return SchoolScope(
        known=frozenset(sid for sid, _ in rows),
        mapped={sid: school for sid, school in rows if school is not None},
    )


def _refresh_schools(connection: Connection, actor, client) -> None:
    sis_schools_refresh(connection=connection, actor=actor, source="import", client=client)


def _run_files(ctx: RunContext) -> None:
    settings = ctx.settings
    off = {
        Role.STUDENT: not settings.sync_students,
        Role.TEACHER: not settings.sync_teachers,
        Role.STAFF: not settings.sync_staff,
        Role.ADMINISTRATOR: not settings.sync_administrators,
    }
    ctx.unavailable_roles |= {role for role, disabled in off.items() if disabled}
    plan = list(file_parts(settings).items())
    records = {kind: ImportRecord.objects.create(run=ctx.run, kind=kind) for kind, _ in plan}
    with ctx.backend.file_writer(ctx=ctx, plan=plan) as (apply, skip):
        _files_apply(ctx, plan, records, apply=apply, skip=skip)


def _file_ended(ctx: RunContext, kind: str, record: ImportRecord) -> bool:
    """Notes what a file that ended in ERROR makes unavailable (and forgets what its
    rollback undid); True if it was classes."""
    if record.status != RunStatus.ERROR:
        return False
    ctx.unavailable_roles |= set(FILE_ROLES.get(kind, ()))
    ctx.username_owners = None  # it may hold names the rolled-back file gave out
    return kind == ImportRecord.Kind.CLASSES


def _files_apply(ctx: RunContext, plan: list, records: dict, *, apply, skip) -> None:
    """Writes the plan's files in order; enrollments are not written without classes."""
    classes_failed = False
    for index, (kind, parts) in enumerate(plan):
        if kind == ImportRecord.Kind.CLASSES:
            ctx.people_files_done()
        if kind == ImportRecord.Kind.ENROLLMENTS and classes_failed:
            skip(index)
            _record_not_run(records[kind], ENROLLMENTS_NEED_CLASSES)
            continue
        record = apply(index, parts, records[kind])
        classes_failed = _file_ended(ctx, kind, record) or classes_failed


def _record_not_run(record: ImportRecord, message: str) -> None:
    record.status, record.message = RunStatus.ERROR, message
    record.started_at = record.finished_at = timezone.now()
    record.save()


def _final_status(run: SyncRun) -> str:
    statuses = set(run.records.values_list("status", flat=True))
    if RunStatus.ERROR in statuses:
        return RunStatus.ERROR
    if RunStatus.COMPLETED_WITH_ERROR in statuses:
        return RunStatus.COMPLETED_WITH_ERROR
    return RunStatus.COMPLETED


def _pins(district_id: int) -> dict:
    """table -> sourcedId -> field -> (pin id, value), by the sourcedId each pinned row
    carries now (a relink or a merge changes it); pins of rows of an archived school
    year stay with them (a class id Aeries reuses next year is another class)."""
    pins: dict = {}
    rows = list(
        FieldPin.objects.filter(district_id=district_id).values_list(
            "table", "row_id", "field", "pk", "value"
        )
    )
    current = {}
    for table, model in PIN_MODELS.items():
        ids = [row_id for t, row_id, *_ in rows if t == table]
        live = model.objects.filter(pk__in=ids)
        if table != "person":  # people are matched across school years
            live = live.filter(year_archive__isnull=True)
        current[table] = dict(live.values_list("pk", "sourced_id")) if ids else {}
    for table, row_id, field, pk, value in rows:
        sourced_id = current.get(table, {}).get(row_id)
        if sourced_id is not None:
            pins.setdefault(table, {}).setdefault(sourced_id, {})[field] = (pk, value)
    return pins


def _context(run: SyncRun, client, *, progress: bool) -> RunContext:
    backend, now = write_backend(), timezone.now()
    return RunContext(
        run=run,
        settings=sync_settings_for(connection=run.connection),
        client=client,
        scope=_scope(run.connection),
        progress=Progress(run, enabled=progress, threads_write=backend.threads_write_progress),
        now=now,
        full=run.mode == SyncRun.Mode.FULL,
        since=run.since,
        backend=backend,
        changes=ChangeLog(run_id=run.pk, district_id=run.district_id, now=now),
        pins=_pins(run.district_id),
        aliases=aliases_load(run.district_id),
        rules=rules_load(run.connection_id),
        names=name_formats_load(run.connection_id),
    )


def _execute(run: SyncRun, *, progress: bool = True) -> None:
    connection = run.connection
    with connection_client(connection=connection) as client:
        if run.mode == SyncRun.Mode.DELTA and not client.supports_delta:
            run.mode, run.since = SyncRun.Mode.FULL, None
        year_notes: list[str] = []
        run.school_year = run_school_year_settle(
            run=run, client=client, notes=year_notes, source=SOURCES.get(run.trigger, "system")
        )
        _refresh_schools(connection, run.actor, client)
        ctx = _context(run, client, progress=progress)
        ctx.run_notes[:0] = year_notes
        _run_files(ctx)
        # What the SIS said of the whole run (a token for fewer scopes), once each.
        run.message = "\n".join(dict.fromkeys(ctx.run_notes))


def sync_run_execute(*, run: SyncRun, progress: bool = True) -> SyncRun:
    """Runs a queued import to its end; never raises for SIS or data problems."""
    SyncRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    run.refresh_from_db()
    try:
        with import_tuning():
            _execute(run, progress=progress)
        run.status = _final_status(run)
    except SchoolYearChanged as held:
        run.status, run.message = RunStatus.HELD, str(held)
    except SisError as exc:
        run.status, run.message = RunStatus.ERROR, str(exc)
    except Exception as exc:
        logger.exception("import #%s crashed", run.pk)
        run.status, run.message = RunStatus.ERROR, RUN_CRASHED.format(error=exc)
    run.finished_at = timezone.now()
    run.stage = ""
    run.save(
        update_fields=["status", "message", "finished_at", "stage", "mode", "since", "school_year"]
    )
    return run

"""Daily schedules, pause periods and housekeeping (imports start in rostering.imports).

django-q2 runs DAILY schedules in the cluster's TIME_ZONE (UTC), so across a
daylight-saving change its "+1 day" lands an hour off the district's local time.
Every scheduled import therefore re-computes its Schedule's next run in the
district's zone once the scheduler has committed (see connection_scheduled_import).
"""

import datetime
import logging
import zoneinfo
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from connections.models import Connection
from rostering.imports import sync_run_start, sync_runs_recover_stale
from rostering.models import ImportIssue, RunStatus, SchedulePause, SyncRun, SyncSettings
from rostering.notifications import sync_run_notify
from rostering.sync.runs import ConnectionBusy, ConnectionDisabled

logger = logging.getLogger(__name__)

SCHEDULE_PREFIX = "autoroster-import-"
SCHEDULED_IMPORT_TASK = "rostering.tasks.scheduled_import"

RUN_PAUSED = "Skipped: daily imports are paused from {start} to {end}{reason}."


def schedule_name_for(connection_id: int) -> str:
    return f"{SCHEDULE_PREFIX}{connection_id}"


def daily_next_run(*, at: datetime.time, zone: str, now: datetime.datetime) -> datetime.datetime:
    """The first local time `at` in `zone` strictly after `now`, as UTC.

    Computed from the local calendar, so the local time holds across DST changes.
    """
    tz = zoneinfo.ZoneInfo(zone)
    today = now.astimezone(tz).date()
    for offset in range(3):
        local = datetime.datetime.combine(today + datetime.timedelta(days=offset), at, tz)
        if local > now:
            return local.astimezone(datetime.UTC)
    raise AssertionError("unreachable: a local time recurs within three days")


def _daily_settings(connection: Connection) -> SyncSettings | None:
    """The settings of a connection that should import daily, else None."""
    if connection.pk is None or not connection.enabled or not connection.district.active:
        return None
    sync_settings = SyncSettings.objects.filter(connection=connection).first()
    return sync_settings if sync_settings and sync_settings.daily_import else None


def _still_due(schedule: Schedule, *, at: datetime.time, zone: str, now) -> bool:
    """A run that fell due but has not fired yet keeps its time (a save at 19:00:10)."""
    if schedule.pk is None or schedule.next_run is None or schedule.next_run > now:
        return False
    local = schedule.next_run.astimezone(zoneinfo.ZoneInfo(zone))
    return (local.hour, local.minute) == (at.hour, at.minute)


@transaction.atomic
def connection_schedule_sync(
    *, connection: Connection, now: datetime.datetime | None = None
) -> Schedule | None:
    """Creates, updates or removes the connection's one daily import Schedule."""
    now = now or timezone.now()
    name = schedule_name_for(connection.pk)
    # The row lock waits for a scheduler that is still committing this schedule.
    existing = list(Schedule.objects.select_for_update().filter(name=name).order_by("pk"))
    wanted = _daily_settings(connection)
    if wanted is None:
        Schedule.objects.filter(name=name).delete()
        return None
    schedule, *duplicates = existing or [Schedule(name=name)]
    for duplicate in duplicates:
        duplicate.delete()
    zone = connection.district.timezone
    if not _still_due(schedule, at=wanted.daily_time, zone=zone, now=now):
        schedule.next_run = daily_next_run(at=wanted.daily_time, zone=zone, now=now)
    schedule.func, schedule.args = SCHEDULED_IMPORT_TASK, repr((connection.pk,))
    schedule.schedule_type, schedule.repeats = Schedule.DAILY, -1
    schedule.save()
    return schedule


def connection_schedule_remove(*, connection_id: int) -> int:
    """Removes a (deleted) connection's Schedule; returns how many rows went."""
    deleted, _ = Schedule.objects.filter(name=schedule_name_for(connection_id)).delete()
    return deleted


def connection_schedules_sync_all(*, now: datetime.datetime) -> int:
    """Re-syncs every connection's Schedule; removes those of deleted connections."""
    names = []
    for connection in Connection.objects.select_related("district"):
        connection_schedule_sync(connection=connection, now=now)
        names.append(schedule_name_for(connection.pk))
    orphans = Schedule.objects.filter(name__startswith=SCHEDULE_PREFIX).exclude(name__in=names)
    deleted, _ = orphans.delete()
    return deleted


def schedule_pause_active(*, connection: Connection, day: datetime.date) -> SchedulePause | None:
    return (
        SchedulePause.objects.filter(connection=connection, start_date__lte=day, end_date__gte=day)
        .order_by("-end_date")
        .first()
    )


@dataclass(frozen=True)
class NextImport:
    """When a connection's daily import will next run, and the pauses it skips first."""

    at: datetime.datetime
    skipped: tuple[SchedulePause, ...] = ()


def connection_next_import(
    *, connection: Connection, scheduled: datetime.datetime | None
) -> NextImport | None:
    """The first daily run from `scheduled` (the Schedule's next run) that no pause
    period skips; None when nothing is scheduled."""
    if scheduled is None:
        return None
    tz = zoneinfo.ZoneInfo(connection.district.timezone)
    pauses = list(SchedulePause.objects.filter(
        connection=connection, end_date__gte=scheduled.astimezone(tz).date()
    ).order_by("start_date"))  # fmt: skip
    at, skipped = scheduled, []
    for pause in pauses:
        local = at.astimezone(tz)
        if pause.covers(local.date()):
            skipped.append(pause)
            resume = datetime.datetime.combine(pause.end_date, datetime.time.max, tz)
            at = daily_next_run(at=local.time(), zone=connection.district.timezone, now=resume)
    return NextImport(at=at, skipped=tuple(skipped))


def sync_run_skip(*, connection: Connection, reason: str, now: datetime.datetime) -> SyncRun:
    """Records a scheduled import that did not run, and why."""
    return SyncRun.objects.create(
        connection=connection,
        district_id=connection.district_id,
        trigger=SyncRun.Trigger.SCHEDULE,
        status=RunStatus.SKIPPED,
        message=reason,
        started_at=now,
        finished_at=now,
    )


def _pause_reason(pause: SchedulePause) -> str:
    return RUN_PAUSED.format(
        start=f"{pause.start_date:%b %-d, %Y}",
        end=f"{pause.end_date:%b %-d, %Y}",
        reason=f" ({pause.reason})" if pause.reason else "",
    )


def connection_scheduled_import(
    *, connection: Connection, now: datetime.datetime
) -> SyncRun | None:
    """What the daily Schedule runs: a queued import, or a skipped run saying why."""
    # After the scheduler's own commit: its "+1 day" is in UTC, not the district's zone.
    transaction.on_commit(partial(connection_schedule_sync, connection=connection))
    if _daily_settings(connection) is None:
        return None
    local_day = now.astimezone(zoneinfo.ZoneInfo(connection.district.timezone)).date()
    pause = schedule_pause_active(connection=connection, day=local_day)
    if pause is not None:
        return sync_run_skip(connection=connection, reason=_pause_reason(pause), now=now)
    try:
        return sync_run_start(connection=connection, actor=None, trigger=SyncRun.Trigger.SCHEDULE)
    except (ConnectionBusy, ConnectionDisabled) as exc:
        return sync_run_skip(connection=connection, reason=f"Skipped: {exc}", now=now)


def import_issues_prune(*, now: datetime.datetime) -> int:
    """Deletes row-level issues older than ISSUE_RETENTION_DAYS; runs and records stay."""
    cutoff = now - datetime.timedelta(days=settings.ISSUE_RETENTION_DAYS)
    deleted, _ = ImportIssue.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@dataclass(frozen=True)
class HousekeepingResult:
    recovered_runs: list[int] = field(default_factory=list)
    issues_deleted: int = 0
    schedules_removed: int = 0


def housekeeping_run(*, now: datetime.datetime) -> HousekeepingResult:
    """The daily chores: free stale runs (and tell their recipients), prune old issues,
    repair the import schedules."""
    recovered = sync_runs_recover_stale(now=now)
    for run in recovered:
        sync_run_notify(run=run)
    return HousekeepingResult(
        recovered_runs=[run.pk for run in recovered],
        issues_deleted=import_issues_prune(now=now),
        schedules_removed=connection_schedules_sync_all(now=now),
    )

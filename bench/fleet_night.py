"""One night of the fleet: districts connected to the sandbox SIS, every daily import
scheduled for the same time, the clusters' real scheduler firing them, and what the
database and the clusters' logs say happened (each district exactly once?)."""

import collections
import datetime
import re
import statistics
import time
import zoneinfo

ZONE = "America/Los_Angeles"
SCHEDULE_FIRED = re.compile(r"created task \S+ from schedule \[autoroster-import-(\d+)\]")
IMPORT_TASK_RAN = re.compile(
    r"processing \S+ 'rostering\.tasks\.scheduled_import' \[autoroster-import-(\d+)\]"
)
RUN_TASK_RAN = re.compile(r"processing (\S+) 'rostering\.tasks\.sync_run_execute_task'")
NOT_RUN_AGAIN = re.compile(r"import #(\d+) is \w+, not queued; not running it")


def fleet_prepare(*, servers: list, districts: int) -> list[int]:
    """`districts` districts, district n connected to servers[n % len(servers)], every role
    and all guardians (as bench.run's district), no e-mail; returns the connection ids."""
    from bench.database import bench_sync_settings
    from rostering.models import District
    from tests.sandbox_connection import sandbox_connection_create

    ids = []
    for n in range(districts):
        district = District.objects.create(name=f"Fleet district {n + 1:04}", timezone=ZONE)
        connection = sandbox_connection_create(
            server=servers[n % len(servers)],
            district=district,
            name=f"Fleet SIS {n + 1:04}",
            notify_emails="",
            **bench_sync_settings(),
        )
        ids.append(connection.pk)
    return ids


def fleet_schedule(*, connection_ids: list[int], lead_seconds: float) -> datetime.datetime:
    """Turns every connection's daily import on at the same local time, `lead_seconds`
    from now (whole seconds), through the service the settings page calls; returns it."""
    from django.utils import timezone

    from connections.models import Connection
    from rostering.models import SyncSettings
    from rostering.scheduling import connection_schedule_sync

    at = (timezone.now() + datetime.timedelta(seconds=lead_seconds)).replace(microsecond=0)
    local = at.astimezone(zoneinfo.ZoneInfo(ZONE)).time()
    SyncSettings.objects.filter(connection_id__in=connection_ids).update(
        daily_import=True, daily_time=local
    )
    for connection in Connection.objects.filter(pk__in=connection_ids).select_related("district"):
        schedule = connection_schedule_sync(connection=connection)
        if schedule is None or schedule.next_run != at:
            raise RuntimeError(
                f"{connection} was scheduled for {schedule and schedule.next_run}, not {at}: "
                "scheduling took longer than the lead; raise --lead-seconds"
            )
    return at


def night_progress() -> dict[str, int]:
    from rostering.models import SyncRun

    rows = SyncRun.objects.filter(trigger=SyncRun.Trigger.SCHEDULE).values_list("status")
    return collections.Counter(status for (status,) in rows)


def night_wait(*, districts: int, clusters, queue_length, timeout: float, on_tick) -> bool:
    """Until every district's scheduled run has ended and the queue is empty (then a
    few seconds more, for a late second delivery); False on timeout."""
    from rostering.models import RunStatus

    deadline, settled_at = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        for cluster in clusters:
            cluster.sample()
        progress = night_progress()
        active = progress[RunStatus.QUEUED] + progress[RunStatus.RUNNING]
        ended = sum(progress.values()) - active
        on_tick(progress)
        if ended >= districts and not active and queue_length() == 0:
            settled_at = settled_at or time.monotonic()
            if time.monotonic() - settled_at >= 3:
                return True
        else:
            settled_at = None
        time.sleep(1)
    return False


def _seconds(later, earlier) -> float | None:
    return (later - earlier).total_seconds() if later and earlier else None


def quantiles(values: list[float]) -> dict[str, float]:
    """Median, p95 and max (nearest rank) of the values; zeros when there are none."""
    if not values:
        return {"median": 0.0, "p95": 0.0, "max": 0.0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"median": statistics.median(ordered), "p95": p95, "max": ordered[-1]}


def night_runs(*, connection_ids: list[int], scheduled_at: datetime.datetime) -> dict:
    """Timings of the night's runs and whether each district ran exactly once."""
    from audit.models import AuditEvent
    from rostering.models import ImportRecord, RunStatus, SyncRun

    done = {RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR}
    runs = list(SyncRun.objects.filter(connection_id__in=connection_ids).order_by("pk"))
    per_district = collections.Counter(run.connection_id for run in runs)
    finished = [run for run in runs if run.status in done]
    finished_of = collections.Counter(run.connection_id for run in finished)
    received = collections.Counter()
    for run_id, count in ImportRecord.objects.filter(run__in=runs).values_list("run", "received"):
        received[run_id] += count
    audited = collections.Counter(
        AuditEvent.objects.filter(
            action=AuditEvent.Action.PULL, connection_id__in=connection_ids
        ).values_list("connection_id", flat=True)
    )
    return {
        "runs": len(runs),
        "statuses": dict(collections.Counter(run.status for run in runs)),
        "lost": sum(1 for pk in connection_ids if finished_of[pk] == 0),
        "twice": sum(1 for pk in connection_ids if per_district[pk] > 1),
        "audit_not_once": sum(1 for pk in connection_ids if audited[pk] != 1),
        "records": quantiles([received[run.pk] for run in finished]),
        "records_total": sum(received.values()),
        "picked": quantiles([_seconds(run.created_at, scheduled_at) for run in runs]),
        "queued": quantiles([_seconds(run.started_at, run.created_at) for run in finished]),
        "wait": quantiles([_seconds(run.started_at, scheduled_at) for run in finished]),
        "run": quantiles([_seconds(run.finished_at, run.started_at) for run in finished]),
        "first_started": min((run.started_at for run in finished), default=None),
        "last_finished": max((run.finished_at for run in finished), default=None),
    }


def night_schedules(*, connection_ids: list[int], scheduled_at: datetime.datetime) -> int:
    """Districts whose next import is not the same local time the next day."""
    from django_q.models import Schedule

    from rostering.scheduling import schedule_name_for

    zone = zoneinfo.ZoneInfo(ZONE)
    local = scheduled_at.astimezone(zone)
    tomorrow = datetime.datetime.combine(
        local.date() + datetime.timedelta(days=1), local.time(), zone
    )
    names = {schedule_name_for(pk) for pk in connection_ids}
    good = Schedule.objects.filter(name__in=names, next_run=tomorrow).count()
    return len(connection_ids) - good


def night_logs(*, connection_ids: list[int], outputs: list[str]) -> dict:
    """What the clusters' logs say: schedules fired, import tasks and run tasks executed
    (over all clusters), and duplicate deliveries the run task refused."""
    fired, ran, run_tasks = collections.Counter(), collections.Counter(), collections.Counter()
    refused = 0
    for output in outputs:
        fired.update(int(pk) for pk in SCHEDULE_FIRED.findall(output))
        ran.update(int(pk) for pk in IMPORT_TASK_RAN.findall(output))
        run_tasks.update(RUN_TASK_RAN.findall(output))
        refused += len(NOT_RUN_AGAIN.findall(output))
    return {
        "fired_not_once": sum(1 for pk in connection_ids if fired[pk] != 1),
        "import_tasks_not_once": sum(1 for pk in connection_ids if ran[pk] != 1),
        "run_tasks": run_tasks.total(),
        "run_tasks_not_once": sum(1 for count in run_tasks.values() if count != 1),
        "refused": refused,
    }

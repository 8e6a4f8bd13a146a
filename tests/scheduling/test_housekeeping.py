"""Pause periods, stale runs, issue retention: the daily chores and their records."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.utils import timezone
from django_q.models import Schedule

from rostering.imports import (
    RUN_NEVER_STARTED,
    RUN_STALE,
    sync_run_start,
    sync_runs_recover_stale,
)
from rostering.models import ImportIssue, ImportRecord, RunStatus, SchedulePause, SyncRun
from rostering.scheduling import (
    RUN_PAUSED,
    SCHEDULED_IMPORT_TASK,
    connection_scheduled_import,
    housekeeping_run,
    schedule_name_for,
)
from rostering.sync.runs import CONNECTION_BUSY, ConnectionBusy, sync_run_create
from rostering.tasks import housekeeping
from tests.factories import ConnectionFactory, SyncRunFactory
from tests.scheduling.conftest import RECIPIENT

NOW = datetime.datetime(2026, 7, 1, 2, 0, tzinfo=datetime.UTC)  # June 30, 21:00 in Chicago


@pytest.fixture
def daily(sis_connection):
    sis_connection.sync_settings.daily_import = True
    sis_connection.sync_settings.save()
    return sis_connection


def test_pause_skips_the_scheduled_run_and_records_why(daily):
    SchedulePause.objects.create(
        connection=daily,
        start_date=datetime.date(2026, 6, 15),
        end_date=datetime.date(2026, 6, 30),
        reason="Summer break",
    )
    run = connection_scheduled_import(connection=daily, now=NOW)
    assert (run.status, run.trigger) == (RunStatus.SKIPPED, SyncRun.Trigger.SCHEDULE)
    assert run.message == RUN_PAUSED.format(
        start="Jun 15, 2026", end="Jun 30, 2026", reason=" (Summer break)"
    )
    assert not run.records.exists() and mail.outbox == []


def test_pause_uses_the_districts_local_day(daily):
    # 02:00 UTC on July 1 is still June 30 in Chicago: a pause of July 1 does not apply.
    SchedulePause.objects.create(
        connection=daily, start_date=datetime.date(2026, 7, 1), end_date=datetime.date(2026, 7, 1)
    )
    run = connection_scheduled_import(connection=daily, now=NOW)
    assert run.status == RunStatus.QUEUED


def test_scheduled_run_on_a_busy_connection_is_skipped_with_the_reason(daily):
    running = SyncRunFactory(connection=daily, status=RunStatus.RUNNING)
    running.heartbeat_at = timezone.now()
    running.save()
    run = connection_scheduled_import(connection=daily, now=timezone.now())
    assert run.status == RunStatus.SKIPPED
    assert CONNECTION_BUSY.format(connection=daily, run=running.pk) in run.message


def _stale_running(connection, *, minutes: int) -> SyncRun:
    run = SyncRunFactory(connection=connection, status=RunStatus.RUNNING)
    beat = timezone.now() - datetime.timedelta(minutes=minutes)
    SyncRun.objects.filter(pk=run.pk).update(started_at=beat, heartbeat_at=beat)
    ImportRecord.objects.create(run=run, kind="students", status=RunStatus.RUNNING)
    return run


def test_stale_run_recovery_releases_the_connection(
    sis_connection, settings, q_sync, django_capture_on_commit_callbacks
):
    settings.SYNC_STALE_AFTER_SECONDS = 600
    stale = _stale_running(sis_connection, minutes=11)
    with pytest.raises(ConnectionBusy):
        sync_run_create(connection=sis_connection, actor=None, trigger="manual", mode="full")
    # Enqueueing recovers the stale run first, so the Pull goes through.
    with django_capture_on_commit_callbacks(execute=True):
        run = sync_run_start(connection=sis_connection, actor=None, trigger="manual")
    stale.refresh_from_db()
    assert stale.status == RunStatus.ERROR
    assert stale.message == RUN_STALE.format(minutes=10)
    assert stale.records.get().status == RunStatus.ERROR
    assert run.pk != stale.pk
    # The stale run's recipients hear about it; the new run ran (sync mode) and mailed too.
    subjects = [m.subject for m in mail.outbox]
    assert any(f"ERROR — Roosevelt USD import #{stale.pk}" in s for s in subjects), subjects
    assert any(f"import #{run.pk}" in s for s in subjects), subjects


def test_recent_heartbeat_and_queued_runs_are_left_alone(sis_connection, settings):
    settings.SYNC_STALE_AFTER_SECONDS = 600
    alive = _stale_running(sis_connection, minutes=9)
    queued = SyncRunFactory(
        connection=ConnectionFactory(district=sis_connection.district), status=RunStatus.QUEUED
    )
    assert sync_runs_recover_stale(now=timezone.now()) == []
    alive.refresh_from_db()
    queued.refresh_from_db()
    assert (alive.status, queued.status) == (RunStatus.RUNNING, RunStatus.QUEUED)


def test_queued_run_never_picked_up_is_recovered(sis_connection, settings):
    settings.SYNC_QUEUED_STALE_AFTER_SECONDS = 3600
    queued = SyncRunFactory(connection=sis_connection, status=RunStatus.QUEUED)
    later = timezone.now() + datetime.timedelta(hours=1, minutes=1)
    assert [r.pk for r in sync_runs_recover_stale(now=later)] == [queued.pk]
    queued.refresh_from_db()
    assert queued.message == RUN_NEVER_STARTED.format(minutes=60)


def test_housekeeping_recovers_notifies_prunes_and_repairs(daily, settings):
    settings.SYNC_STALE_AFTER_SECONDS = 600
    settings.ISSUE_RETENTION_DAYS = 90
    stale = _stale_running(daily, minutes=30)
    old_run = SyncRunFactory(connection=daily, status=RunStatus.COMPLETED_WITH_ERROR)
    record = ImportRecord.objects.create(run=old_run, kind="staff", status="completed_with_error")
    old = ImportIssue.objects.create(record=record, code="missing_name", severity="error")
    new = ImportIssue.objects.create(record=record, code="invalid_grade", severity="error")
    ImportIssue.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=91)
    )
    Schedule.objects.create(name=schedule_name_for(987654), func=SCHEDULED_IMPORT_TASK)

    result = housekeeping()

    assert result["recovered_runs"] == [stale.pk]
    assert result["issues_deleted"] == 1 and result["schedules_removed"] == 1
    assert list(ImportIssue.objects.values_list("pk", flat=True)) == [new.pk]
    assert ImportRecord.objects.filter(pk=record.pk).exists()
    assert Schedule.objects.get(func=SCHEDULED_IMPORT_TASK).name == schedule_name_for(daily.pk)
    assert [m.to for m in mail.outbox] == [[RECIPIENT]]
    assert "ERROR" in mail.outbox[0].subject


def test_housekeeping_schedule_is_created_once(db):
    migration = importlib.import_module("rostering.migrations.0004_schedule_pause")
    for _ in range(2):
        migration.housekeeping_schedule_create(django_apps, None)
    schedules = Schedule.objects.filter(func="rostering.tasks.housekeeping")
    assert schedules.count() == 1
    assert schedules.get().schedule_type == Schedule.DAILY
    assert housekeeping_run(now=timezone.now()).issues_deleted == 0

"""One django-q2 Schedule per connection, following its settings and the district's clock."""

import datetime
import re
import socket
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule
from django_q.scheduler import scheduler

from audit.models import AuditEvent
from rostering.models import RunStatus, SchedulePause, SyncRun, SyncSettings
from rostering.scheduling import (
    SCHEDULED_IMPORT_TASK,
    connection_schedule_sync,
    connection_schedules_sync_all,
    daily_next_run,
    schedule_name_for,
)
from tests.factories import ConnectionFactory

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
UTC = datetime.UTC


def chicago(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=CHICAGO)


def import_schedules():
    return Schedule.objects.filter(func=SCHEDULED_IMPORT_TASK)


@pytest.fixture
def daily(district):
    connection = ConnectionFactory(district=district)
    SyncSettings.objects.create(
        connection=connection, daily_import=True, daily_time=datetime.time(19, 0)
    )
    return connection


@pytest.mark.parametrize(
    ("now", "expected_utc"),
    [
        # Standard time: 19:00 CST is 01:00 UTC the next day.
        (chicago(2026, 3, 7, 12, 0), datetime.datetime(2026, 3, 8, 1, 0, tzinfo=UTC)),
        # Already past 19:00 on the evening before spring forward: next is Sunday, CDT.
        (chicago(2026, 3, 7, 20, 0), datetime.datetime(2026, 3, 9, 0, 0, tzinfo=UTC)),
        # Fall back: Saturday 19:00 CDT, then Sunday 19:00 CST.
        (chicago(2026, 10, 31, 12, 0), datetime.datetime(2026, 11, 1, 0, 0, tzinfo=UTC)),
        (chicago(2026, 10, 31, 20, 0), datetime.datetime(2026, 11, 2, 1, 0, tzinfo=UTC)),
    ],
)
def test_daily_next_run_keeps_local_time_across_dst(now, expected_utc):
    next_run = daily_next_run(at=datetime.time(19, 0), zone="America/Chicago", now=now)
    assert next_run == expected_utc
    assert next_run.astimezone(CHICAGO).time() == datetime.time(19, 0)


def test_many_syncs_make_one_schedule(daily):
    for _ in range(5):
        connection_schedule_sync(connection=daily)
    schedule = import_schedules().get()
    assert schedule.name == schedule_name_for(daily.pk)
    assert schedule.schedule_type == Schedule.DAILY
    assert schedule.args == f"({daily.pk},)"
    assert schedule.next_run.astimezone(CHICAGO).time() == datetime.time(19, 0)
    assert schedule.next_run > timezone.now()


def test_schedule_follows_time_and_zone_changes(daily):
    connection_schedule_sync(connection=daily)
    daily.sync_settings.daily_time = datetime.time(6, 30)
    daily.sync_settings.save()
    daily.district.timezone = "America/Los_Angeles"
    daily.district.save()
    connection_schedule_sync(connection=daily)
    local = import_schedules().get().next_run.astimezone(zoneinfo.ZoneInfo("America/Los_Angeles"))
    assert local.time() == datetime.time(6, 30)


@pytest.mark.parametrize("change", ["daily_off", "disabled", "district_inactive"])
def test_schedule_removed_when_not_wanted(daily, change):
    connection_schedule_sync(connection=daily)
    assert import_schedules().count() == 1
    if change == "daily_off":
        SyncSettings.objects.filter(connection=daily).update(daily_import=False)
    elif change == "disabled":
        daily.enabled = False
        daily.save()
    else:
        daily.district.active = False
        daily.district.save()
    assert connection_schedule_sync(connection=daily) is None
    assert not import_schedules().exists()


def test_duplicate_schedules_are_collapsed(daily):
    for _ in range(3):
        Schedule.objects.create(name=schedule_name_for(daily.pk), func=SCHEDULED_IMPORT_TASK)
    connection_schedule_sync(connection=daily)
    assert import_schedules().count() == 1


def test_a_due_schedule_keeps_its_run_when_saved_again(daily):
    due = chicago(2026, 3, 3, 19, 0)
    Schedule.objects.create(
        name=schedule_name_for(daily.pk), func=SCHEDULED_IMPORT_TASK, next_run=due
    )
    connection_schedule_sync(connection=daily, now=chicago(2026, 3, 3, 19, 0, 10))
    assert import_schedules().get().next_run == due


def test_sync_all_removes_schedules_of_deleted_connections(daily):
    connection_schedule_sync(connection=daily)
    Schedule.objects.create(name=schedule_name_for(999999), func=SCHEDULED_IMPORT_TASK)
    assert connection_schedules_sync_all(now=timezone.now()) == 1
    assert list(import_schedules().values_list("name", flat=True)) == [schedule_name_for(daily.pk)]


def test_scheduler_firing_across_dst_keeps_local_time(
    daily, q_sync, monkeypatch, django_capture_on_commit_callbacks
):
    """django-q2 adds a UTC day; the scheduled import puts the next run back at 19:00."""
    clock = {"now": chicago(2026, 3, 7, 12, 0)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    # A pause keeps this test off the network: the run is recorded as skipped.
    SchedulePause.objects.create(
        connection=daily, start_date=datetime.date(2026, 3, 7), end_date=datetime.date(2026, 3, 7)
    )
    connection_schedule_sync(connection=daily)
    assert import_schedules().get().next_run == chicago(2026, 3, 7, 19, 0)

    clock["now"] = chicago(2026, 3, 7, 19, 0, 20)
    with django_capture_on_commit_callbacks(execute=True):
        scheduler()
    run = SyncRun.objects.get(connection=daily)
    assert (run.trigger, run.status) == (SyncRun.Trigger.SCHEDULE, RunStatus.SKIPPED)
    next_run = import_schedules().get().next_run
    # Without the correction it would be 2026-03-08 20:00 CDT (01:00 UTC).
    assert next_run == chicago(2026, 3, 8, 19, 0)
    assert next_run.astimezone(UTC).hour == 0


def _settings_post(connection, **overrides) -> dict:
    settings_row = SyncSettings.objects.filter(connection=connection).first()
    data = {
        "district": connection.district_id,
        "name": connection.name,
        "kind": connection.kind,
        "enabled": "on",
        "base_url": "https://district.aeries.net/aeries/",
        "client_id": connection.client_id,
        "new_client_secret": "",
        "new_certificate": "",
        "school_codes": "",
        "notes": "",
        "sync_settings-TOTAL_FORMS": "1",
        "sync_settings-INITIAL_FORMS": "1" if settings_row else "0",
        "sync_settings-MIN_NUM_FORMS": "0",
        "sync_settings-MAX_NUM_FORMS": "1",
        "sync_settings-0-id": settings_row.pk if settings_row else "",
        "sync_settings-0-connection": connection.pk,
        "sync_settings-0-sync_students": "on",
        "sync_settings-0-sync_teachers": "on",
        "sync_settings-0-guardians": "off",
        "sync_settings-0-existing_accounts": "skip",
        "sync_settings-0-archive_threshold_pct": "10",
        "sync_settings-0-update_threshold_pct": "50",
        "sync_settings-0-notify_emails": "",
        "sync_settings-0-daily_import": "on",
        "sync_settings-0-daily_time": "19:00",
        "schedule_pauses-TOTAL_FORMS": "0",
        "schedule_pauses-INITIAL_FORMS": "0",
        "schedule_pauses-MIN_NUM_FORMS": "0",
        "schedule_pauses-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def public_dns(monkeypatch):
    def getaddrinfo(host, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_saving_the_connection_page_syncs_the_schedule_and_audits(
    client, manager, connection, public_dns
):
    client.force_login(manager)
    url = reverse("admin:connections_connection_change", args=[connection.pk])
    html = client.get(url).content.decode()
    time_box = re.search(r'<input[^>]*name="sync_settings-0-daily_time"[^>]*>', html).group()
    assert 'value="19:00"' in time_box
    # The zone is named once, in the page's header (the box needs no second one).
    assert "Times in America/Chicago" in html and html.count("America/Chicago") == 1
    for _ in range(3):
        response = client.post(url, _settings_post(connection))
        assert response.status_code == 302, response.context["errors"]
    assert import_schedules().count() == 1
    event = AuditEvent.objects.get(object_type="sync settings", action=AuditEvent.Action.CREATE)
    assert event.actor == manager and event.district_id == connection.district_id

    response = client.post(
        url, _settings_post(connection, **{"sync_settings-0-daily_import": None})
    )
    assert response.status_code == 302
    assert not import_schedules().exists()
    change = AuditEvent.objects.get(object_type="sync settings", action=AuditEvent.Action.UPDATE)
    assert change.changes == {"daily_import": [True, False]}


def test_pause_periods_on_the_connection_page_are_audited(client, manager, connection, public_dns):
    client.force_login(manager)
    url = reverse("admin:connections_connection_change", args=[connection.pk])
    pause = {
        "schedule_pauses-TOTAL_FORMS": "1",
        "schedule_pauses-0-connection": connection.pk,
        "schedule_pauses-0-start_date": "2026-06-15",
        "schedule_pauses-0-end_date": "2026-08-15",
        "schedule_pauses-0-reason": "Summer break",
    }
    response = client.post(url, _settings_post(connection, **pause))
    assert response.status_code == 302
    assert SchedulePause.objects.get(connection=connection).reason == "Summer break"
    assert AuditEvent.objects.filter(object_type="pause period", actor=manager).exists()

    backwards = {**pause, "schedule_pauses-0-end_date": "2026-06-01"}
    response = client.post(url, _settings_post(connection, **backwards))
    assert response.status_code == 200  # the inline refuses an end before the start
    assert SchedulePause.objects.count() == 1


def test_deleting_a_connection_removes_its_schedule(client, manager, daily):
    connection_schedule_sync(connection=daily)
    client.force_login(manager)
    url = reverse("admin:connections_connection_delete", args=[daily.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not import_schedules().exists()


def test_a_post_without_the_settings_sections_leaves_them_unchanged(
    client, manager, daily, public_dns
):
    connection_schedule_sync(connection=daily)
    client.force_login(manager)
    url = reverse("admin:connections_connection_change", args=[daily.pk])
    data = {
        k: v
        for k, v in _settings_post(daily, name="Renamed").items()
        if not k.startswith(("sync_settings", "schedule_pauses"))
    }
    assert client.post(url, data).status_code == 302
    daily.refresh_from_db()
    assert daily.name == "Renamed" and daily.sync_settings.daily_import
    assert import_schedules().count() == 1

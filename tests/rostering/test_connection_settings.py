"""Sync settings and pause periods: one service each, used by the admin and the commands."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django_q.models import Schedule

from audit.models import AuditEvent
from rostering.connection_settings import (
    UNKNOWN_SETTING,
    schedule_pause_add,
    sync_settings_update,
)
from rostering.models import SchedulePause, SyncSettings
from rostering.models.scheduling import PAUSE_ENDS_BEFORE_START
from rostering.scheduling import schedule_name_for


def _command(name: str, *args) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def test_the_service_validates_saves_audits_and_schedules(
    connection, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sync_settings_update(
            connection=connection,
            values={"daily_import": True, "daily_time": datetime.time(6, 30)},
            actor=manager,
        )
    settings = SyncSettings.objects.get(connection=connection)
    assert settings.daily_import and settings.daily_time == datetime.time(6, 30)
    assert Schedule.objects.filter(name=schedule_name_for(connection.pk)).exists()
    event = AuditEvent.objects.get(object_type="sync settings")
    assert event.action == AuditEvent.Action.CREATE and event.actor == manager
    assert event.changes == {"daily_import": [None, True], "daily_time": [None, "06:30:00"]}


def test_the_service_refuses_unknown_and_invalid_settings(connection):
    with pytest.raises(ValidationError) as unknown:
        sync_settings_update(connection=connection, values={"colour": "blue"}, actor=None)
    assert unknown.value.messages[0].startswith(UNKNOWN_SETTING.split("{")[0] + "'colour'")
    with pytest.raises(ValidationError, match="archive_threshold_pct"):
        sync_settings_update(connection=connection, values={"archive_threshold_pct": 101},
                             actor=None)  # fmt: skip
    assert not SyncSettings.objects.exists() and not AuditEvent.objects.exists()


def test_sync_settings_command_changes_settings_through_the_service(connection):
    out = _command("sync_settings", str(connection.pk), "--set", "archive_missing=true",
                   "--set", "guardians=all")  # fmt: skip
    assert "archive_missing = True" in out and "guardians = all" in out
    event = AuditEvent.objects.get(object_type="sync settings")
    assert event.actor_label == "command line"
    assert event.changes["archive_missing"] == [None, True]
    with pytest.raises(CommandError, match="write true or false"):
        _command("sync_settings", str(connection.pk), "--set", "archive_missing=maybe")
    with pytest.raises(CommandError, match="'colour' is not a sync setting"):
        _command("sync_settings", str(connection.pk), "--set", "colour=blue")


def test_pause_imports_command_adds_lists_and_removes_audited(connection):
    out = _command("pause_imports", connection.name, "--from", "2027-06-10", "--to",
                   "2027-08-15", "--reason", "Summer break")  # fmt: skip
    pause = SchedulePause.objects.get(connection=connection)
    assert f"#{pause.pk} Jun 10, 2027 to Aug 15, 2027 (Summer break)" in out
    assert _command("pause_imports", connection.name).strip() == out.strip()
    with pytest.raises(CommandError, match=PAUSE_ENDS_BEFORE_START):
        _command("pause_imports", connection.name, "--from", "2027-06-10", "--to", "2027-06-01")
    _command("pause_imports", connection.name, "--remove", str(pause.pk))
    assert not SchedulePause.objects.exists()
    actions = AuditEvent.objects.filter(object_type="pause period").values_list(
        "action", "actor_label"
    )
    assert sorted(actions) == [("create", "command line"), ("delete", "command line")]


def test_a_pause_service_refuses_an_end_before_its_start(connection):
    with pytest.raises(ValidationError):
        schedule_pause_add(connection=connection, start_date=datetime.date(2027, 6, 10),
                           end_date=datetime.date(2027, 6, 1), actor=None)  # fmt: skip
    assert not SchedulePause.objects.exists() and not AuditEvent.objects.exists()

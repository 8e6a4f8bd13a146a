"""The one import service (rostering/imports.py): every trigger frees stale runs,
creates its run under the guard, runs or queues it, audits it and e-mails its summary."""

import datetime
import gc
import io
import json

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from rostering.imports import RUN_STALE, sync_run_preview
from rostering.models import ImportRecord, Person, RunStatus, SyncRun
from tests.factories import MembershipFactory, SyncRunFactory
from tests.scheduling.conftest import RECIPIENT


def _pull_command(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("pull", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


def _running(connection, *, minutes_silent: int) -> SyncRun:
    """A run whose worker stopped `minutes_silent` minutes ago (killed, say)."""
    run = SyncRunFactory(connection=connection, status=RunStatus.RUNNING)
    beat = timezone.now() - datetime.timedelta(minutes=minutes_silent)
    SyncRun.objects.filter(pk=run.pk).update(started_at=beat, heartbeat_at=beat)
    ImportRecord.objects.create(run=run, kind="students", status=RunStatus.RUNNING)
    return run


def test_pull_command_after_a_dead_worker_succeeds_once_the_run_is_stale(
    sis_connection, settings, django_capture_on_commit_callbacks
):
    settings.SYNC_STALE_AFTER_SECONDS = 600
    dead = _running(sis_connection, minutes_silent=9)
    with pytest.raises(CommandError, match="already has an import queued or running"):
        _pull_command(str(sis_connection.pk))  # its heartbeat is still recent

    SyncRun.objects.filter(pk=dead.pk).update(
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    with django_capture_on_commit_callbacks(execute=True):
        code, out = _pull_command(str(sis_connection.pk), "--json")
    assert code == 3  # Completed with ERROR: the sandbox's bad rows
    dead.refresh_from_db()
    assert (dead.status, dead.message) == (RunStatus.ERROR, RUN_STALE.format(minutes=10))
    assert dead.records.get().status == RunStatus.ERROR
    new = SyncRun.objects.get(pk=json.loads(out)["run"])
    assert new.pk != dead.pk and new.status == RunStatus.COMPLETED_WITH_ERROR
    subjects = [m.subject for m in mail.outbox]
    assert any(f"ERROR — Roosevelt USD import #{dead.pk}" in s for s in subjects), subjects


def test_pull_command_sends_the_same_email_summary_as_a_scheduled_run(sis_connection):
    code, out = _pull_command(str(sis_connection.pk), "--json")
    run = SyncRun.objects.get(pk=json.loads(out)["run"])
    assert code == 3 and run.trigger == SyncRun.Trigger.COMMAND
    (message,) = mail.outbox
    assert message.to == [RECIPIENT]
    assert message.subject.startswith(
        f"[Autoroster] Completed with ERROR — Roosevelt USD import #{run.pk}"
    )
    assert reverse("admin:rostering_syncrun_change", args=[run.pk]) in message.body


def test_every_trigger_writes_its_audit_event(
    sis_connection, client, q_sync, django_capture_on_commit_callbacks
):
    manager = MembershipFactory(district=sis_connection.district, role="manager").user
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs it (sync mode)
        client.post(reverse("admin:connections_connection_pull", args=[sis_connection.pk]))
    _pull_command(str(sis_connection.pk))
    events = AuditEvent.objects.filter(action=AuditEvent.Action.PULL).order_by("pk")
    assert [e.actor_label for e in events] == [manager.username, "command line"]
    assert all(e.district_name == "Roosevelt USD" for e in events)
    assert SyncRun.objects.filter(status=RunStatus.COMPLETED_WITH_ERROR).count() == 2
    assert len(mail.outbox) == 2  # the Pull button's run (a worker, in sync mode) and the CLI's


def test_a_preview_writes_nothing_sends_nothing_and_is_audited(sis_connection):
    report = sync_run_preview(connection=sis_connection, actor=None)
    assert next(r for r in report.records if r["kind"] == "students")["created"] > 50
    assert not Person.objects.exists() and not SyncRun.objects.exists()
    assert mail.outbox == []
    event = AuditEvent.objects.get(action=AuditEvent.Action.PREVIEW)
    assert "nothing was written" in event.message
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PULL).exists()


def test_an_import_task_leaves_no_writer_behind_in_the_worker(sis_connection):
    """A worker runs import after import: the run's writers (which refer to each other)
    and their key sets are freed when the task ends, not at Python's next full
    collection (a worker grew 3-5 MB per import in the fleet benchmark)."""
    from rostering.sync.rows import RowWriter
    from rostering.tasks import sync_run_execute_task

    run = SyncRunFactory(connection=sis_connection, status=RunStatus.QUEUED)
    gc.collect()
    gc.disable()  # only the task's own collection may free the cycles
    try:
        assert sync_run_execute_task(run.pk) == RunStatus.COMPLETED_WITH_ERROR
        left = [o for o in gc.get_objects() if isinstance(o, RowWriter)]
    finally:
        gc.enable()
    assert not left

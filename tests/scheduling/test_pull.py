"""Pull (button and action) and the daily schedule enqueue the same run through one path."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from rostering.admin.connection_runs import PULL_NOT_MANAGER, PULL_QUEUED
from rostering.imports import sync_run_start
from rostering.models import Membership, RunStatus, SyncRun
from rostering.scheduling import connection_scheduled_import
from rostering.sync.runs import CONNECTION_BUSY, CONNECTION_DISABLED
from rostering.tasks import scheduled_import
from tests.factories import ConnectionFactory, MembershipFactory, SyncRunFactory


def pull_url(connection) -> str:
    return reverse("admin:connections_connection_pull", args=[connection.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def member(sis_connection):
    def make(role):
        return MembershipFactory(district=sis_connection.district, role=role).user

    return make


def test_pull_button_queues_and_runs_the_import(
    client, member, sis_connection, q_sync, django_capture_on_commit_callbacks
):
    manager = member(Membership.Role.MANAGER)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(pull_url(sis_connection))
    run = SyncRun.objects.get(connection=sis_connection)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:rostering_syncrun_change", args=[run.pk])
    assert any(PULL_QUEUED.format(run=run.pk) in m for m in messages_of(response))
    assert (run.trigger, run.actor) == (SyncRun.Trigger.MANUAL, manager)
    assert run.status == RunStatus.COMPLETED_WITH_ERROR  # the sandbox serves some bad rows
    assert run.task_id and run.records.get(kind="students").created > 0
    assert len(mail.outbox) == 1


def test_scheduled_import_runs_through_the_same_path(
    sis_connection, q_sync, django_capture_on_commit_callbacks
):
    sis_connection.sync_settings.daily_import = True
    sis_connection.sync_settings.save()
    with django_capture_on_commit_callbacks(execute=True):
        run_id = scheduled_import(sis_connection.pk)
    run = SyncRun.objects.get(pk=run_id)
    assert (run.trigger, run.actor) == (SyncRun.Trigger.SCHEDULE, None)
    assert run.status == RunStatus.COMPLETED_WITH_ERROR and run.task_id
    assert run.records.get(kind="students").created > 0
    assert len(mail.outbox) == 1


def test_scheduled_import_when_daily_is_off_does_nothing(sis_connection, q_sync):
    assert connection_scheduled_import(connection=sis_connection, now=timezone.now()) is None
    assert not SyncRun.objects.exists()


def test_busy_connection_refused_by_the_button(client, member, sis_connection):
    client.force_login(member(Membership.Role.MANAGER))
    running = SyncRunFactory(connection=sis_connection, status=RunStatus.RUNNING)
    running.heartbeat_at = timezone.now()
    running.save()
    response = client.post(pull_url(sis_connection))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:connections_connection_change", args=[sis_connection.pk]
    )
    busy = CONNECTION_BUSY.format(connection=sis_connection, run=running.pk)
    assert busy in messages_of(response)
    assert SyncRun.objects.filter(connection=sis_connection).count() == 1


def test_disabled_connection_refused(client, member, sis_connection):
    client.force_login(member(Membership.Role.MANAGER))
    sis_connection.enabled = False
    sis_connection.save()
    response = client.post(pull_url(sis_connection))
    assert CONNECTION_DISABLED.format(connection=sis_connection) in messages_of(response)
    assert not SyncRun.objects.exists()


def test_pull_is_post_only_and_for_managers(client, member, sis_connection, other_district):
    reviewer = member(Membership.Role.REVIEWER)
    client.force_login(reviewer)
    assert client.post(pull_url(sis_connection)).status_code == 403
    assert client.get(pull_url(sis_connection)).status_code == 403
    client.force_login(member(Membership.Role.MANAGER))
    assert client.get(pull_url(sis_connection)).status_code == 405
    theirs = ConnectionFactory(district=other_district)
    assert client.post(pull_url(theirs)).status_code == 404
    assert not SyncRun.objects.exists()


def test_pull_action_on_the_list(client, member, sis_connection, other_district, superuser):
    mine_busy = ConnectionFactory(district=sis_connection.district)
    queued = SyncRunFactory(connection=mine_busy, status=RunStatus.QUEUED)
    client.force_login(member(Membership.Role.MANAGER))
    url = reverse("admin:connections_connection_changelist")
    ids = [sis_connection.pk, mine_busy.pk]
    response = client.post(url, {"action": "pull", "_selected_action": ids}, follow=True)
    run = SyncRun.objects.get(connection=sis_connection)
    texts = messages_of(response)
    assert any(PULL_QUEUED.format(run=run.pk) in text for text in texts)
    assert CONNECTION_BUSY.format(connection=mine_busy, run=queued.pk) in texts
    assert run.status == RunStatus.QUEUED  # no worker in this test: it waits


def test_pull_action_refuses_districts_only_reviewed(
    client, member, sis_connection, other_district
):
    user = member(Membership.Role.MANAGER)
    MembershipFactory(user=user, district=other_district, role=Membership.Role.REVIEWER)
    reviewed = ConnectionFactory(district=other_district)
    client.force_login(user)
    url = reverse("admin:connections_connection_changelist")
    response = client.post(url, {"action": "pull", "_selected_action": [reviewed.pk]})
    assert PULL_NOT_MANAGER.format(connection=reviewed) in messages_of(response)
    assert not SyncRun.objects.exists()


def test_enqueue_hands_the_run_to_the_queue_only_after_commit(
    sis_connection, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        "rostering.imports.async_task", lambda func, run_id, **kw: sent.append(run_id) or "t-1"
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = sync_run_start(connection=sis_connection, actor=None, trigger="manual")
        assert sent == []
    for callback in callbacks:
        callback()
    run.refresh_from_db()
    assert sent == [run.pk] and run.task_id == "t-1"


def test_a_queue_failure_marks_the_run_error(
    sis_connection, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr("rostering.imports.async_task", broken)
    with django_capture_on_commit_callbacks(execute=True):
        run = sync_run_start(connection=sis_connection, actor=None, trigger="manual")
    run.refresh_from_db()
    assert run.status == RunStatus.ERROR and "redis is down" in run.message
    # The connection is free again.
    sync_run_start(connection=sis_connection, actor=None, trigger="manual")

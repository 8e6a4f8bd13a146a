"""Live progress: numbers that move during a run, the polling endpoint and the run page."""

import itertools
import re
import threading
import time

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from rostering.admin.runs import sync_run_progress
from rostering.models import Membership, RunStatus, SyncRun, SyncSettings
from rostering.scheduling import connection_schedule_sync
from rostering.sync.runs import sync_run_create, sync_run_execute
from tests.factories import ConnectionFactory, MembershipFactory, SyncRunFactory
from tests.scheduling.conftest import sandbox_connection


def _execute_in_thread(run: SyncRun) -> threading.Thread:
    def work():
        try:
            sync_run_execute(run=SyncRun.objects.get(pk=run.pk))
        finally:
            connections.close_all()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def connection_vendor() -> str:
    return connections["default"].vendor


def _stages(seen: list[dict]) -> list:
    """(stage, processed, total) with how many polls saw it: the failure message."""
    keys = ((s["stage"], s["processed"], s["total"]) for s in seen)
    return [(key, len(list(group))) for key, group in itertools.groupby(keys)]


@pytest.mark.django_db(transaction=True)
def test_progress_numbers_increase_during_a_slow_run(sandbox_sis_factory, settings):
    settings.SIS_PAGE_SIZE, settings.SIS_CONCURRENCY = 20, 1
    server = sandbox_sis_factory(students=300, seed=5, latency_ms=200)
    connection = sandbox_connection(server)
    run = sync_run_create(connection=connection, actor=None, trigger="manual", mode="full")
    thread = _execute_in_thread(run)
    # PostgreSQL writes pages as they are read (one stage a part); SQLite reads, then writes.
    reading = "Importing students" if connection_vendor() == "postgresql" else "Reading students"
    seen = []
    deadline = time.monotonic() + 45
    while thread.is_alive() and time.monotonic() < deadline:
        # This thread has its own database connection: it sees only committed writes.
        row = SyncRun.objects.values("status", "stage", "processed", "total", "heartbeat_at")
        seen.append(row.get(pk=run.pk))
        counted = {s["processed"] for s in seen if s["stage"] == reading and s["total"]}
        if len(counted) >= 2:
            server.faults.latency_ms = 0  # seen what we came for; finish quickly
        time.sleep(0.1)
    thread.join(timeout=5)
    assert not thread.is_alive()

    students = [s for s in seen if s["stage"] == reading and s["total"]]
    counts = sorted({s["processed"] for s in students})
    assert len(counts) >= 2, _stages(seen)  # two different snapshots of one stage
    assert 0 < counts[0] < counts[-1] <= students[-1]["total"]
    beats = [s["heartbeat_at"] for s in seen if s["heartbeat_at"]]
    assert len(set(beats)) >= 3 and beats == sorted(beats)
    # Running (or queued) while polled, then, if the last polls came after the end, done.
    statuses = [s["status"] for s in seen]
    active = (RunStatus.RUNNING, RunStatus.QUEUED)
    live = list(itertools.takewhile(lambda status: status in active, statuses))
    assert len(live) >= 3
    assert set(statuses[len(live) :]) <= {RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR}
    run.refresh_from_db()
    assert run.status in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR)


def test_progress_numbers_and_percent(db):
    run = SyncRunFactory(status=RunStatus.RUNNING, stage="Reading students", total=800)
    started = timezone.now() - timezone.timedelta(seconds=95)
    run.processed, run.started_at, run.heartbeat_at = 200, started, timezone.now()
    progress = sync_run_progress(run=run, now=started + timezone.timedelta(seconds=95))
    assert progress["percent"] == 25 and progress["active"] is True
    assert (progress["elapsed"], progress["elapsed_label"]) == (95, "1 min 35 s")


def test_progress_endpoint_is_scoped_like_the_page(client, district, other_district):
    reviewer = MembershipFactory(district=district, role=Membership.Role.REVIEWER).user
    mine = SyncRunFactory(
        connection=ConnectionFactory(district=district),
        status=RunStatus.RUNNING,
        stage="Reading teachers",
        processed=40,
        total=120,
    )
    theirs = SyncRunFactory(connection=ConnectionFactory(district=other_district))
    client.force_login(reviewer)
    url = reverse("admin:rostering_syncrun_progress", args=[mine.pk])
    data = client.get(url).json()
    assert (data["stage"], data["processed"], data["total"], data["percent"]) == (
        "Reading teachers",
        40,
        120,
        33,
    )
    assert data["status_label"] == "Running"
    other = reverse("admin:rostering_syncrun_progress", args=[theirs.pk])
    assert client.get(other).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_run_page_shows_live_progress_and_polls(client, manager, district):
    run = SyncRunFactory(
        connection=ConnectionFactory(district=district),
        status=RunStatus.RUNNING,
        stage="Reading students",
        processed=300,
        total=819,
        started_at=timezone.now(),
    )
    client.force_login(manager)
    html = client.get(reverse("admin:rostering_syncrun_change", args=[run.pk])).content.decode()
    assert 'data-active="1"' in html
    assert reverse("admin:rostering_syncrun_progress", args=[run.pk]) in html
    assert "Reading students" in html and "300 of 819" in html
    assert 'name="_save"' not in html


def test_connection_list_shows_last_and_next_import(client, manager, district):
    connection = ConnectionFactory(district=district)
    SyncSettings.objects.create(connection=connection, daily_import=True)
    connection_schedule_sync(connection=connection)
    run = SyncRunFactory(connection=connection, status=RunStatus.COMPLETED_WITH_ERROR)
    client.force_login(manager)
    html = client.get(reverse("admin:connections_connection_changelist")).content.decode()
    assert f"#{run.pk}</a>" in html and "Completed with ERROR" in html
    assert re.search(r"\w{3} \w{3} \d+, 19:00<", html)  # local time, the zone named once:
    assert html.count("America/Chicago") == 1 and "Times in America/Chicago" in html

"""One import per connection at a time; `manage.py pull`; dry runs; query counts."""

import io
import json
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from rostering.models import Person, RunStatus, SyncRun
from rostering.sync.runs import CONNECTION_BUSY, ConnectionBusy, sync_run_create
from tests.sync.conftest import connect
from tests.sync.helpers import pull, pull_capturing

pytestmark = pytest.mark.django_db


def test_second_run_is_refused_while_one_is_queued(connection):
    first = sync_run_create(connection=connection, actor=None, trigger="command", mode="full")
    with pytest.raises(ConnectionBusy) as info:
        sync_run_create(connection=connection, actor=None, trigger="command", mode="full")
    assert str(info.value) == CONNECTION_BUSY.format(connection=connection, run=first.pk)
    first.status = RunStatus.COMPLETED
    first.save()
    assert sync_run_create(connection=connection, actor=None, trigger="command", mode="full")


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_from_two_workers_start_one_run(sis):
    connection = connect(sis)
    barrier, outcomes = threading.Barrier(2), []

    def request():
        try:
            barrier.wait()
            sync_run_create(connection=connection, actor=None, trigger="schedule", mode="full")
            outcomes.append("started")
        except ConnectionBusy:
            outcomes.append("busy")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(outcomes) == ["busy", "started"]
    assert SyncRun.objects.filter(connection=connection).count() == 1


def _pull_command(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("pull", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


def test_pull_command_json_and_exit_code(connection):
    code, out = _pull_command(str(connection.pk), "--json")
    assert code == 3  # Completed with ERROR: the sandbox's bad rows
    report = json.loads(out)
    assert report["status"] == "completed_with_error"
    assert {r["kind"] for r in report["records"]} == {"staff", "students", "classes", "enrollments"}
    students = next(r for r in report["records"] if r["kind"] == "students")
    assert students["created"] > 0 and students["failed"] == 2
    assert {"code", "sourced_id", "field", "message"} <= set(report["issues"][0])


def test_pull_command_clean_district_exits_zero(sandbox_sis_factory):
    connection = connect(sandbox_sis_factory(students=60, seed=4, clean=True))
    code, out = _pull_command(connection.name)
    assert code == 0 and "completed" in out


def test_pull_command_error_exits_one(connection):
    connection.client_secret = "wrong"
    connection.save()
    code, out = _pull_command(str(connection.pk))
    assert code == 1 and "error" in out


def test_pull_command_refuses_busy_connection(connection):
    sync_run_create(connection=connection, actor=None, trigger="command", mode="full")
    with pytest.raises(CommandError, match="already has an import"):
        _pull_command(str(connection.pk))


def test_dry_run_reports_and_writes_nothing(connection):
    code, out = _pull_command(str(connection.pk), "--dry-run", "--json")
    assert code == 3  # what the real pull would end as
    report = json.loads(out)
    assert next(r for r in report["records"] if r["kind"] == "students")["created"] > 100
    assert not Person.objects.exists()
    assert not SyncRun.objects.exists()


def test_delta_pull_reads_only_changes(sis, connection):
    from rostering.models import SyncSettings

    SyncSettings.objects.filter(connection=connection).update(existing_accounts="update")
    pull(connection)
    changed = sis.mutate(8)
    run, queries = pull_capturing(connection, mode="delta")
    assert run.mode == "delta" and run.since is not None
    # A few rows are looked up; no table is read whole into memory (known.py).
    assert not [q for q in queries if "content_hash, status FROM" in q["sql"]
                and "sourced_id IN" not in q["sql"] and "ANY(" not in q["sql"]]  # fmt: skip
    students = run.records.get(kind="students")
    assert students.received < 60  # only what changed, not the whole district
    assert students.updated >= len(changed["grade_changed"])
    for sid in changed["new"]:
        assert Person.objects.filter(sourced_id=sid).exists()


def test_first_delta_request_runs_full(connection):
    run = pull(connection, mode="delta")
    assert run.mode == "full"


@pytest.mark.parametrize("students", [100, 300])
def test_queries_grow_with_pages_not_rows(sandbox_sis_factory, settings, students):
    """O(pages): per page of 50 records a bounded number of queries, whatever the rows."""
    settings.SIS_PAGE_SIZE = 50
    connection = connect(sandbox_sis_factory(students=students, seed=5))
    run, queries = pull_capturing(connection)
    received = sum(r.received for r in run.records.all())
    pages = received / 50 + 12  # each collection's partial last page
    assert len(queries) < 8 * pages + 80, len(queries)
    assert len(queries) < received / 4

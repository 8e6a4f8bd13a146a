"""Two task clusters (two worker machines) on one Redis and one PostgreSQL.

Imports are queued the way the daily schedule queues them (the public task
`rostering.tasks.scheduled_import`), several at once; every import runs exactly once,
the work is shared, the one-import-per-connection guard holds across the two, and a
machine killed mid-import loses nothing: its run ends as ERROR once the stale window
has passed and the connection's next scheduled import runs it.
"""

import collections
import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection as db
from django.utils import timezone
from django_q.models import Task

from rostering.models import RunStatus, SyncRun
from tests.factories import DistrictFactory
from tests.scheduling.conftest import sandbox_connection
from tests.scheduling.test_qcluster import (
    ROOT,
    child_env,
    q_keys_delete,
    q_name_unique,
    redis_or_skip,
)

SCHEDULED_IMPORT = "rostering.tasks.scheduled_import"
RUN_TASK = "rostering.tasks.sync_run_execute_task"
STALE_SECONDS = 4
WAIT_SECONDS = 90
QUEUE = "from django_q.tasks import async_task\nfor pk in {pks!r}:\n    async_task({task!r}, pk)\n"
DONE = {RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR}


class Cluster:
    """`manage.py qcluster` in a process group of its own: one worker machine."""

    def __init__(self, name: str, env: dict, directory: Path) -> None:
        self.name, self.log = name, directory / f"{name}.log"
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
            stdout=self.log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text()

    def runs_started(self) -> int:
        """Import runs (the run task) this cluster's workers took up."""
        return sum(
            1 for line in self.output().splitlines() if " processing " in line and RUN_TASK in line
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while "running." not in self.output():
            assert self.process.poll() is None, self.output()[-2000:]
            assert time.monotonic() < deadline, f"{self.name} did not start"
            time.sleep(0.2)

    def kill(self) -> None:
        """The machine is lost: every process of the cluster dies at once, no clean-up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def queue_scheduled_imports(env: dict, connection_ids: list[int]) -> None:
    code = QUEUE.format(pks=connection_ids, task=SCHEDULED_IMPORT)
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def wait_for(condition, *, what: str, clusters: list[Cluster]):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.25)
    logs = "\n".join(c.output()[-1500:] for c in clusters)
    pytest.fail(f"timed out waiting for {what}:\n{logs}")


def runs_of(connection) -> list[SyncRun]:
    return list(SyncRun.objects.filter(connection=connection).order_by("pk"))


def finished(connections) -> bool:
    runs = SyncRun.objects.filter(connection__in=connections)
    return runs.exists() and not runs.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])


def run_task_deliveries() -> collections.Counter:
    """How many times a worker executed each run's task (django-q2's result rows)."""
    return collections.Counter(task.args[0] for task in Task.objects.filter(func=RUN_TASK))


@pytest.fixture
def connections(sandbox_sis_factory, settings):
    if db.vendor != "postgresql":
        pytest.skip("many worker machines share PostgreSQL (SQLite is one machine's file)")
    settings.ALLOW_INSECURE_SIS_URLS = True  # the sandboxes listen on loopback
    slow = sandbox_sis_factory(students=40, seed=11, latency_ms=150)
    quick = sandbox_sis_factory(students=40, seed=12)

    def make(name: str, server):
        district = DistrictFactory(name=name, timezone="America/Chicago")
        return sandbox_connection(server, district=district, notify_emails="", daily_import=True)

    return {
        "guarded": make("Guarded USD", slow),
        "killed": make("Killed USD", slow),
        **{f"quick{n}": make(f"Quick {n} USD", quick) for n in range(3)},
    }


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_two_clusters_share_imports_guard_connections_and_survive_a_lost_machine(
    connections, tmp_path
):
    if db.vendor != "postgresql":
        pytest.skip("many worker machines share PostgreSQL (SQLite is one machine's file)")
    redis_or_skip()
    q_name = q_name_unique()
    env = {**child_env("redis", q_name=q_name), "SYNC_STALE_AFTER_SECONDS": str(STALE_SECONDS)}
    clusters = [Cluster(name, env, tmp_path) for name in ("machine-a", "machine-b")]
    try:
        for cluster in clusters:
            cluster.wait_ready()
        _many_at_once(connections, env, clusters)
        _one_machine_lost(connections["killed"], env, clusters)
    finally:
        for cluster in clusters:
            cluster.stop()
        q_keys_delete(q_name)


def _many_at_once(connections, env, clusters) -> None:
    guarded = connections["guarded"]
    quick = [c for name, c in connections.items() if name.startswith("quick")]
    # The guarded connection three times first, while its first run is queued or running.
    queue_scheduled_imports(env, [guarded.pk] * 3 + [c.pk for c in quick])
    wait_for(lambda: finished([guarded, *quick]), what="the imports", clusters=clusters)
    for connection in quick:
        (run,) = runs_of(connection)
        assert run.status in DONE, (run.status, run.message)
    guarded_runs = collections.Counter(run.status for run in runs_of(guarded))
    assert guarded_runs.total() == 3 and guarded_runs[RunStatus.SKIPPED] == 2, guarded_runs
    skipped = [r.message for r in runs_of(guarded) if r.status == RunStatus.SKIPPED]
    assert all(message.startswith("Skipped:") for message in skipped), skipped
    # A task's result row is saved by the cluster's monitor after the task returns (the
    # run is finished before then): wait for the four, then none may come twice.
    wait_for(lambda: len(run_task_deliveries()) >= 4, what="the task results", clusters=clusters)
    time.sleep(1)  # a second delivery of a run's task would be saved by now
    deliveries = run_task_deliveries()
    assert len(deliveries) == 4 and set(deliveries.values()) == {1}, deliveries
    assert all(cluster.runs_started() >= 1 for cluster in clusters), [
        cluster.runs_started() for cluster in clusters
    ]


def _one_machine_lost(connection, env, clusters) -> None:
    started = {cluster.name: cluster.runs_started() for cluster in clusters}
    queue_scheduled_imports(env, [connection.pk])
    run = wait_for(
        lambda: SyncRun.objects.filter(connection=connection, status=RunStatus.RUNNING).first(),
        what="the import to start",
        clusters=clusters,
    )
    (running_it,) = wait_for(
        lambda: [c for c in clusters if c.runs_started() > started[c.name]],
        what="a cluster to take the run up",
        clusters=clusters,
    )
    running_it.kill()
    survivor = next(c for c in clusters if c is not running_it)
    time.sleep(1)
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING  # nobody finishes it: its worker is gone
    # Once its heartbeat is older than the stale window, the next scheduled import
    # releases the connection and runs it.
    last_sign = run.heartbeat_at or run.started_at
    wait_for(
        lambda: timezone.now() > last_sign + datetime.timedelta(seconds=STALE_SECONDS + 1),
        what="the stale window",
        clusters=[survivor],
    )
    queue_scheduled_imports(env, [connection.pk])
    wait_for(lambda: finished([connection]), what="the next import", clusters=[survivor])
    lost, rerun = runs_of(connection)
    assert lost.pk == run.pk and lost.status == RunStatus.ERROR and lost.finished_at
    assert "worker" in lost.message, lost.message
    assert rerun.status in DONE, (rerun.status, rerun.message)
    assert survivor.process.poll() is None

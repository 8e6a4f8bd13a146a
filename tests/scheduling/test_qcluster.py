"""A real `manage.py qcluster` process picks up a queued pull and finishes it.

The test database is shared with the subprocesses (a file on SQLite, the test
database on PostgreSQL), so rows are committed (transaction=True).
"""

import email
import os
import subprocess
import sys
import time
import uuid
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection as db

from rostering.models import RunStatus, SyncRun
from tests.scheduling.conftest import sandbox_connection

ROOT = Path(settings.BASE_DIR)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
WAIT_SECONDS = 60
ENQUEUE = (
    "from connections.models import Connection;"
    "from rostering.imports import sync_run_start;"
    "run = sync_run_start(connection=Connection.objects.get(pk={pk}), actor=None,"
    " trigger='manual');"
    "print('RUN', run.pk)"
)


def database_url() -> str:
    s = db.settings_dict
    if db.vendor == "sqlite":
        if "memory" in str(s["NAME"]):
            pytest.fail("qcluster tests need the SQLite test database in a file")
        return f"sqlite:///{s['NAME']}"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis is required in CI and unreachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis unreachable at {REDIS_URL}")


def q_name_unique() -> str:
    """A cluster name of its own: the test's Redis queue, apart from other tests' (and
    other xdist workers') sharing the Redis database."""
    return f"autoroster-test-{uuid.uuid4().hex[:12]}"


def q_keys_delete(q_name: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"django_q:{q_name}:*"):
        client.delete(key)


def child_env(broker: str, *, q_name: str = "autoroster") -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "ALLOW_INSECURE_SIS_URLS": "true",
        "Q_BROKER": REDIS_URL if broker == "redis" else "",
        "Q_NAME": q_name,
        "Q_WORKERS": "1",
        # The worker prints the summary e-mail; the test reads it from its output.
        "EMAIL_URL": "consolemail://",
        "SITE_URL": "http://autoroster.test",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def wait_finished(run_id: int, cluster: subprocess.Popen) -> SyncRun:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        run = SyncRun.objects.get(pk=run_id)
        if not run.is_active:
            return run
        assert cluster.poll() is None, "qcluster exited"
        time.sleep(0.25)
    pytest.fail(f"import #{run_id} still {run.status} after {WAIT_SECONDS}s")


def stop(cluster: subprocess.Popen) -> None:
    cluster.terminate()
    try:
        cluster.wait(timeout=15)
    except subprocess.TimeoutExpired:
        cluster.kill()
        cluster.wait()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["orm", pytest.param("redis", marks=pytest.mark.redis)])
def test_qcluster_runs_a_queued_pull(broker, sandbox_sis_factory, tmp_path):
    if broker == "redis":
        redis_or_skip()
    connection = sandbox_connection(sandbox_sis_factory(students=120, seed=4))
    q_name = q_name_unique()
    env = child_env(broker, q_name=q_name)
    log = (tmp_path / "qcluster.log").open("w+")
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        enqueued = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", ENQUEUE.format(pk=connection.pk)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        run_id = int(enqueued.stdout.split("RUN")[-1])
        run = wait_finished(run_id, cluster)
    finally:
        stop(cluster)
        if broker == "redis":
            q_keys_delete(q_name)
    log.seek(0)
    output = log.read()
    assert run.status == RunStatus.COMPLETED_WITH_ERROR, (run.message, output[-3000:])
    assert run.task_id and run.records.get(kind="students").created > 0
    mail = mailed(output)
    subject = str(make_header(decode_header(mail["Subject"])))
    assert subject == f"[Autoroster] Completed with ERROR — Roosevelt USD import #{run_id}"
    # The printed message is text: characters below U+0100 come back as single bytes.
    body = mail.get_payload()[0].get_payload(decode=True).decode("utf-8", errors="replace")
    assert f"http://autoroster.test/admin/rostering/syncrun/{run_id}/change/" in body


def mailed(output: str) -> email.message.Message:
    """The e-mail the console backend printed among the worker's log lines."""
    start = output.index("Content-Type: multipart/alternative")
    end = output.index("-" * 79, start)
    return email.message_from_string(output[start:end])

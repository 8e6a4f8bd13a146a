"""The fleet benchmark's own code path on a small fleet, so `make bench` cannot rot: two
qcluster processes on Redis + PostgreSQL, every district's scheduled import run once."""

import os
import subprocess
import sys
from pathlib import Path

import environ
import pytest

from bench.database import postgres_admin
from tests.scheduling.test_qcluster import REDIS_URL, redis_or_skip

ROOT = Path(__file__).resolve().parents[2]
DISTRICTS = 4


def _fleet_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the fleet shares PostgreSQL between worker machines (SQLite cannot)")
    name = f"{environ.Env.db_url_config(url)['NAME']}_fleet_bench_smoke_{os.getpid()}"
    return url.rsplit("/", 1)[0] + "/" + name


def _drop(url: str) -> None:
    admin, name = postgres_admin(url)
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.redis
def test_every_district_of_the_fleet_runs_exactly_once(tmp_path):
    redis_or_skip()
    url = _fleet_database_url()
    output = tmp_path / "RESULTS.md"
    command = [
        *(sys.executable, "-m", "bench.fleet", "--districts", str(DISTRICTS)),
        *("--students", "50", "--workers", "2", "--sandboxes", "2", "--redis", REDIS_URL),
        *("--output", str(output), "--log-dir", str(tmp_path / "logs"), "--timeout", "90"),
    ]
    try:
        done = subprocess.run(
            command, cwd=ROOT, env={**os.environ, "DATABASE_URL": url},
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
    finally:
        _drop(url)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = output.read_text()
    assert f"| no run lost (2 workers) | lost 0 of {DISTRICTS} | met |" in report
    twice = next(line for line in report.splitlines() if line.startswith("| no run twice"))
    assert twice.endswith("| met |") and "twice 0;" in twice, twice
    assert f"run tasks executed {DISTRICTS} for {DISTRICTS} runs, not once 0" in twice
    assert "| every district's next import is the same time tomorrow (2 workers) | 0 not |" in (
        report
    )
    assert f"{DISTRICTS} districts of 50 students" in report

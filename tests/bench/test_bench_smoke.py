"""The benchmark's own code path on a small district, so `make bench` cannot rot."""

import os
import subprocess
import sys
from pathlib import Path

import environ
import pytest

from bench.counting import written_table
from bench.database import postgres_admin

ROOT = Path(__file__).resolve().parents[2]
SMOKE_STUDENTS = 2000


def _bench_environment(tmp_path: Path) -> dict[str, str]:
    """SQLite in tmp_path, or a PostgreSQL database of its own when the suite runs there."""
    env = {**os.environ}
    url = env.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        config = environ.Env.db_url_config(url)
        name = f"{config['NAME']}_bench_smoke_{os.getpid()}"
        env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    return env


def _drop_smoke_database(env: dict[str, str]) -> None:
    url = env.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return
    admin, name = postgres_admin(url)
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_benchmark_runs_and_a_no_change_pull_writes_nothing(tmp_path):
    output = tmp_path / "RESULTS.md"
    env = _bench_environment(tmp_path)
    command = [
        *(sys.executable, "-m", "bench.run", "--students", str(SMOKE_STUDENTS)),
        *("--scenarios", "floor,fetch,first,nochange", "--output", str(output)),
        *("--sqlite-file", str(tmp_path / "bench.sqlite3")),
    ]
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
        )
    finally:
        _drop_smoke_database(env)
    assert done.returncode == 0, done.stderr
    lines = {line.split("  ")[0].strip(): line for line in done.stdout.splitlines()}
    assert {"floor", "fetch-only", "first full pull", "no-change pull"} <= lines.keys()
    assert "x floor" in lines["first full pull"]
    assert " 0 rows written" in lines["no-change pull"]
    report = output.read_text()
    zero = (
        "| no-change pull writes zero rows | 0 rows in 0 statements; tables changed: none | met |"
    )
    assert zero in report
    assert f"{SMOKE_STUDENTS:,} students" in report


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        (
            'INSERT INTO "rostering_person" ("a") VALUES (1) ON CONFLICT DO UPDATE SET a=1',
            "rostering_person",
        ),
        ('UPDATE "rostering_enrollment" SET "x" = 1', "rostering_enrollment"),
        ("DELETE FROM rostering_guardian WHERE id IN (1)", "rostering_guardian"),
        ('WITH s AS (SELECT 1) UPDATE "rostering_section" SET a=1', "rostering_section"),
        ('SELECT "id" FROM "rostering_person" FOR UPDATE', None),
        ('COPY "rostering_enrollment" ("a") FROM STDIN', "rostering_enrollment"),
        ("COPY (SELECT 1) TO STDOUT", None),
    ],
)
def test_writes_are_attributed_to_their_table(sql, table):
    assert written_table(sql) == table

"""`python -m bench.fleet`: the vendor's night of issue #16 (see bench/README.md, "Fleet").

Many districts, every daily import scheduled for the same time, `manage.py qcluster`
processes on Redis + PostgreSQL running them through the real scheduler path (the
Schedule fires rostering.tasks.scheduled_import, which queues the run's task); once
per worker count, each on a fresh database, so every night is every district's first
full pull.
"""

import argparse
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

from bench.report import engine_version, machine_describe, results_append
from bench.settings import django_setup, environment_configure

ROOT = Path(__file__).resolve().parent.parent
NEEDS_POSTGRES = (
    "The fleet benchmark needs PostgreSQL (several worker machines share one database): "
    "set DATABASE_URL to a database whose name contains 'bench', e.g. "
    "postgres://postgres@127.0.0.1:5432/autoroster_fleet_bench (it is dropped and re-created)."
)
NEEDS_REDIS = "The fleet benchmark needs Redis at {url} (--redis): {error}"


def _counts(value: str) -> list[int]:
    try:
        counts = [int(x) for x in value.split(",") if x.strip()]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("worker counts are positive integers, e.g. 2,4")
    return counts


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet", description=__doc__)
    parser.add_argument("--districts", type=int, default=200)
    parser.add_argument("--students", type=int, default=2000, help="per district")
    parser.add_argument("--workers", type=_counts, default=[2, 4], help="one night per count")
    parser.add_argument(
        "--per-cluster", type=int, default=1,
        help="worker processes per qcluster (Q_WORKERS); a night runs workers/per-cluster "
        "qcluster processes",
    )  # fmt: skip
    parser.add_argument(
        "--sandboxes", type=int, default=4,
        help="sandbox SIS districts generated (seeds --seed, --seed+1, ...); district n "
        "reads sandbox n mod this",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--redis", default=os.environ.get("FLEET_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--night-hours", type=float, default=8.0)
    parser.add_argument("--vendor-districts", type=int, default=2000)
    parser.add_argument("--lead-seconds", type=float, default=None)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per night")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--log-dir", type=Path, default=None, help="keep the clusters' logs")
    args = parser.parse_args(argv)
    for workers in args.workers:
        if workers % args.per_cluster:
            parser.error(f"{workers} workers is not a multiple of --per-cluster")
    return args


def preconditions(*, redis_url: str) -> None:
    import redis

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or "bench" not in url.rsplit("/")[-1]:
        raise SystemExit(NEEDS_POSTGRES)
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        raise SystemExit(NEEDS_REDIS.format(url=redis_url, error=exc)) from None


def _rss_mb() -> float:
    from bench.fleet_cluster import proc_status_mb

    return proc_status_mb(os.getpid(), "VmRSS") or 0.0


def sandboxes_start(*, count: int, students: int, seed: int) -> tuple[list, str]:
    from sandbox.server import SandboxServer

    started, rss = time.perf_counter(), _rss_mb()
    servers = [SandboxServer(students=students, seed=seed + n).start() for n in range(count)]
    records = sum(v for k, v in servers[0].district.counts().items() if not k.startswith("role_"))
    described = (
        f"{count} sandbox SIS district(s) of {students:,} students (seeds {seed} to "
        f"{seed + count - 1}, ~{records:,} records each), generated in "
        f"{time.perf_counter() - started:.1f} s and served over HTTP by the benchmark's "
        f"parent process ({_rss_mb() - rss:.0f} MB for all of them)"
    )
    return servers, described


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    environment_configure(sqlite_file=ROOT / "var" / "unused.sqlite3")
    preconditions(redis_url=args.redis)
    django_setup()
    from bench.database import database_describe
    from bench.fleet_report import capacity, fleet_line, fleet_section, statements
    from bench.fleet_run import night_run

    machine = machine_describe()
    servers, sandbox = sandboxes_start(count=args.sandboxes, students=args.students, seed=args.seed)
    log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="fleet-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"{sandbox}; cluster logs in {log_dir}", flush=True)
    nights = []
    try:
        for workers in args.workers:
            night = night_run(args=args, servers=servers, workers=workers, log_dir=log_dir)
            nights.append(night)
            print(fleet_line(night), flush=True)
    finally:
        for server in servers:
            server.stop()
    command = shlex.join(["python", "-m", "bench.fleet", *(sys.argv[1:] if argv is None else argv)])
    run = {
        "database": database_describe(),
        "redis": nights[0]["redis_version"],
        "machine": machine,
        "command": command,
        "engine": engine_version(ROOT),
        "sandbox": sandbox,
        "districts": args.districts,
        "students": args.students,
        "per_cluster": args.per_cluster,
        "capacity": capacity(
            nights,
            night_hours=args.night_hours,
            vendor_districts=args.vendor_districts,
            cores=int(machine["cores"]),
        ),
        "load_end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    for statement, figure, met in statements(nights):
        print(f"{met.strip('*'):<8} {statement}: {figure}")
    print(run["capacity"])
    results_append(path=args.output, section=fleet_section(nights=nights, run=run))
    print(f"results appended to {args.output}")
    return 0 if all(n["exactly_once"] for n in nights) else 1


if __name__ == "__main__":
    sys.exit(main())

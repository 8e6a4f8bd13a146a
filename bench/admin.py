"""`python -m bench.admin`: the admin at scale (issue 16) — 10 districts of 100,000
students on PostgreSQL, every list page timed as a district manager and as vendor
support (see bench/README.md, "Admin at scale")."""

import argparse
import dataclasses
import json
import os
import shlex
import sys
import time
from pathlib import Path

from bench.report import engine_version, machine_describe, results_append
from bench.settings import django_setup, environment_configure

ROOT = Path(__file__).resolve().parent.parent
NOT_POSTGRES = (
    "The admin benchmark runs on PostgreSQL: set DATABASE_URL to a database whose name "
    "contains 'bench' (it is dropped and re-created), e.g. "
    "postgres://postgres@127.0.0.1:5432/autoroster_admin_bench"
)


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.admin", description=__doc__)
    parser.add_argument("--students", type=int, default=100_000, help="per district")
    parser.add_argument("--districts", type=int, default=10)
    parser.add_argument("--issues", type=int, default=50_000,
                        help="student descriptions of the large import (and a fifth as "
                        "many enrollment errors)")  # fmt: skip
    parser.add_argument("--audit-events", type=int, default=100_000, help="per district")
    parser.add_argument("--repeat", type=int, default=5, help="timed views of each page")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument(
        "--reuse", action="store_true",
        help="measure the database the last run loaded (var/admin_bench.json), no load",
    )  # fmt: skip
    parser.add_argument("--only", default="", help="measure the pages whose name holds this")
    return parser.parse_args(argv)


def load(args, state: Path, log):
    from bench.admin_load import admin_load
    from bench.scenarios import Bench
    from sandbox.server import SandboxServer

    started = time.perf_counter()
    server = SandboxServer(students=args.students, seed=args.seed).start()
    log(f"sandbox of {args.students:,} students generated in {time.perf_counter() - started:.1f} s")
    try:
        loaded = admin_load(
            bench=Bench(server=server, latency_ms=0), districts=args.districts,
            issues=args.issues, audit_per_district=args.audit_events, log=log,
        )  # fmt: skip
    finally:
        server.stop()
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps(dataclasses.asdict(loaded), indent=1))
    return loaded


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit(NOT_POSTGRES)
    environment_configure(sqlite_file=ROOT / "var" / "unused.sqlite3")
    django_setup()
    from bench.admin_load import Loaded
    from bench.admin_pages import pages_measure
    from bench.admin_report import admin_section
    from bench.database import database_describe

    def log(line: str) -> None:
        print(line, flush=True)

    machine, state = machine_describe(), ROOT / "var" / "admin_bench.json"
    started = time.perf_counter()
    loaded = Loaded(**json.loads(state.read_text())) if args.reuse else load(args, state, log)
    load_seconds = time.perf_counter() - started
    results = pages_measure(loaded=loaded, repeat=args.repeat, log=log, only=args.only)
    command = shlex.join(["python", "-m", "bench.admin", *(sys.argv[1:] if argv is None else argv)])
    run = {
        "database": database_describe(), "machine": machine, "command": command,
        "engine": engine_version(ROOT), "students": args.students, "districts": args.districts,
        "repeat": args.repeat, "load_seconds": None if args.reuse else load_seconds,
        "load_end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }  # fmt: skip
    met = sum(m.met for m in results)
    log(f"{met} of {len(results)} page views met the targets")
    results_append(path=args.output, section=admin_section(results=results, loaded=loaded, run=run))
    log(f"results appended to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

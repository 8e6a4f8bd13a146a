"""`python -m bench.run`: the district benchmark of issues #7 and #16 (see bench/README.md)."""

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

from bench.report import (
    engine_version,
    machine_describe,
    results_append,
    results_section,
    scenario_line,
)
from bench.scenarios import SCENARIOS, Bench
from bench.settings import django_setup, environment_configure
from bench.targets import targets_evaluate

ROOT = Path(__file__).resolve().parent.parent


def _scenario_list(value: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown or not names:
        known = ",".join(SCENARIOS)
        raise argparse.ArgumentTypeError(
            f"unknown scenario(s) {', '.join(unknown) or '(none)'}; choose from {known}"
        )
    return names


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenarios", type=_scenario_list, default=list(SCENARIOS))
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument(
        "--sqlite-file",
        type=Path,
        default=ROOT / "var" / "bench.sqlite3",
        help="the SQLite file to (re)create when DATABASE_URL is not PostgreSQL",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run pyinstrument in every scenario; writes profile-<db>.txt next to --output",
    )
    return parser.parse_args(argv)


def sandbox_start(*, students: int, seed: int):
    from sandbox.server import SandboxServer

    started = time.perf_counter()
    server = SandboxServer(students=students, seed=seed).start()
    counts = server.district.counts()
    shown = ", ".join(f"{k} {v:,}" for k, v in counts.items() if not k.startswith("role_"))
    roles = ", ".join(f"{k[5:]} {v:,}" for k, v in counts.items() if k.startswith("role_"))
    described = (
        f"generated in {time.perf_counter() - started:.1f} s in the parent process; "
        f"{shown} ({roles})"
    )
    return server, described


def profile_write(*, path: Path, header: str, results: dict) -> None:
    parts = [header, ""]
    for name, result in results.items():
        parts += [f"=== {name} ({result['wall']:.1f} s) ===", result["profile"], ""]
    path.write_text("\n".join(parts))


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    environment_configure(sqlite_file=args.sqlite_file)
    django_setup()
    from bench.database import database_describe

    machine = machine_describe()
    server, sandbox = sandbox_start(students=args.students, seed=args.seed)
    bench = Bench(server=server, latency_ms=args.latency_ms, profile=args.profile)
    try:
        results = bench.run(
            args.scenarios,
            on_result=lambda name, result: print(
                scenario_line(name, result, bench.results), flush=True
            ),
        )
    finally:
        server.stop()
    command = shlex.join(["python", "-m", "bench.run", *(sys.argv[1:] if argv is None else argv)])
    run = {
        "database": database_describe(),
        "students": args.students,
        "seed": args.seed,
        "machine": machine,
        "command": command,
        "engine": engine_version(ROOT),
        "profile": args.profile,
        "sandbox": sandbox,
        "load_end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    for target, figure, met in targets_evaluate(results, database=run["database"]):
        print(f"{met.strip('*'):<12} {target}: {figure}")
    results_append(path=args.output, section=results_section(results=results, run=run))
    print(f"results appended to {args.output}")
    if args.profile:
        vendor = run["database"].split()[0].lower()
        path = args.output.parent / f"profile-{vendor}.txt"
        header = f"{run['database']}, {args.students:,} students, {machine['date']}: {command}"
        profile_write(path=path, header=header, results=results)
        print(f"profile written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

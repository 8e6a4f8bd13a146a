"""Turning the figures into one printed line per scenario and a RESULTS.md section."""

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench.targets import targets_evaluate, vendor_of

LABELS = {
    "floor": "floor",
    "fetch": "fetch-only",
    "first": "first full pull",
    "nochange": "no-change pull",
    "delta": "delta pull (1%)",
    "latency": "first pull, latency",
}
PROFILED = " (profiled: pyinstrument's overhead is in the times)"
RESULTS_HEADER = """# Benchmark results

Written by `python -m bench.run` (see bench/README.md); one section per run, newest last.
Records are those received from the SIS (ImportRecord `received`; rows read for the floor
and fetch-only). The floor reads the same pages with plain `requests` + `orjson.loads`,
converting nothing; "x floor" is a scenario's wall time over the floor's.
Peak RSS is the scenario process's own `ru_maxrss`. Rows written are the rows changed by
INSERT/UPDATE/DELETE statements on roster tables (people, school links, guardians,
sessions, courses, sections, enrollments), from the statements' row counts.
"""


def machine_describe() -> dict[str, str]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if "model name" in line),
        platform.processor() or "unknown",
    )
    mem_kb = next(
        (int(line.split()[1]) for line in _lines("/proc/meminfo") if "MemTotal" in line), 0
    )
    return {
        "cores": str(os.cpu_count()),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GB",
        "cpu": cpu,
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": _load(os.getloadavg()),
    }


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def engine_version(root: Path) -> str:
    """The last commit outside the benchmark, and whether the checkout had changes."""
    outside = ["--", ".", ":!bench", ":!tests/bench"]
    try:
        commit = _git(root, "log", "-1", "--format=%h (%cs) %s", *outside)
        dirty = _git(root, "status", "--porcelain", "--untracked-files=no", *outside)
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    subject = commit if len(commit) <= 100 else commit[:99] + "…"
    return subject + (" + uncommitted changes" if dirty else "")


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def _load(load: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.2f}" for x in load)


def ratio(results: dict, name: str, base: str = "fetch") -> float | None:
    """A scenario's wall time over the base scenario's (the floor, fetch-only)."""
    other = results.get(base)
    return results[name]["wall"] / other["wall"] if other and name != base else None


def _ratios_text(results: dict, name: str) -> str:
    shown = ((ratio(results, name, base), base) for base in ("floor", "fetch"))
    return "".join(f"  {r:5.2f}x {base}" for r, base in shown if r is not None)


def scenario_line(name: str, result: dict, results: dict) -> str:
    return (
        f"{LABELS[name]:<20} {result['wall']:8.1f} s {result['records']:>10,} records "
        f"{result['records'] / result['wall']:>9,.0f}/s  peak RSS {result['peak_rss_mb']:6.0f} MB  "
        f"{result['queries']:>8,} queries  {result['roster_rows']:>10,} rows written"
        + _ratios_text(results, name)
        + _cpu_text(result)
        + f"  (load {_load(result['load'])})"
    )


def _cpu_split(result: dict) -> str:
    """CPU seconds of the pulling process, the sandbox SIS and the rest of the machine."""
    cpu = result.get("cpu")
    if not cpu:
        return ""
    return (
        f"puller {cpu['puller']:.1f}, SIS {cpu['sis']:.1f}, "
        f"database and other {cpu['database']:.1f}; stolen by the host {cpu['steal']:.1f}"
    )


def _cpu_text(result: dict) -> str:
    split = _cpu_split(result)
    return f"  CPU s: {split}" if split else ""


def _table(results: dict) -> list[str]:
    rows = [
        "| scenario | wall s | records | records/s | peak RSS MB | SQL queries "
        "| rows written | x floor | x fetch-only | puller CPU s | status "
        "| load avg (1/5/15 min) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for name in LABELS:
        if name not in results:
            continue
        res = results[name]
        floor, fetch = (ratio(results, name, base) for base in ("floor", "fetch"))
        rows.append(
            f"| {LABELS[name]} | {res['wall']:.1f} | {res['records']:,} "
            f"| {res['records'] / res['wall']:,.0f} | {res['peak_rss_mb']:.0f} "
            f"| {res['queries']:,} | {res['roster_rows']:,} | {_times(floor)} | {_times(fetch)} "
            f"| {res['cpu']['puller']:.1f} | {res.get('status', '—')} | {_load(res['load'])} |"
        )
    return rows


def _times(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "—"


def _notes(results: dict, run: dict) -> list[str]:
    notes = [f"- Sandbox: {run['sandbox']}."]
    for name in ("floor", "fetch"):
        if name in results:
            per = ", ".join(f"{k} {v:,}" for k, v in results[name]["per_entity"].items())
            notes.append(
                f"- {LABELS[name].capitalize()} read {results[name]['pages']:,} pages: {per}."
            )
    for name in ("first", "nochange", "delta", "latency"):
        if name in results:
            counts = results[name]["counts"]
            shown = ", ".join(f"{k} {v:,}" for k, v in counts.items() if v)
            other = results[name]["other_rows"]
            notes.append(f"- {LABELS[name]}: {shown}; rows written to other tables {other:,}.")
    for name in LABELS:
        if name in results and results[name].get("cpu"):
            notes.append(f"- CPU seconds, {LABELS[name]}: {_cpu_split(results[name])}.")
    if "nochange" in results:
        changed = results["nochange"]["changed_tables"] or "none"
        notes.append(f"- No-change pull: roster tables whose rows or content changed: {changed}.")
    if "delta" in results:
        notes.append(f"- Delta: the sandbox changed {results['delta']['mutated']:,} people first.")
    return notes


def section_header(*, title: str, run: dict, command_note: str = "") -> list[str]:
    """A section's heading (the title, then the date) and its machine, engine and
    command lines: the same in every benchmark's section of RESULTS.md."""
    m = run["machine"]
    return [
        f"## {title} — {m['date']}",
        "",
        f"Machine: {m['cores']} cores, {m['memory']}, {m['cpu']}; Python {m['python']}; "
        f"load average at start {m['load']}, at end {run['load_end']}.",
        f"Engine: {run['engine']}",
        f"Command: `{run['command']}`" + command_note,
    ]


def results_section(*, results: dict, run: dict) -> str:
    title = f"{run['database']} — {run['students']:,} students, seed {run['seed']}"
    lines = [
        *section_header(title=title, run=run, command_note=PROFILED if run["profile"] else ""),
        "",
        *_table(results),
        "",
        f"| target (issue #16, {vendor_of(run['database'])}) | figure | met |",
        "|---|---|---|",
        *(
            f"| {t} | {figure} | {met} |"
            for t, figure, met in targets_evaluate(results, database=run["database"])
        ),
        "",
        *_notes(results, run),
        "",
    ]
    return "\n".join(lines)


def results_append(*, path: Path, section: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text() if path.exists() else RESULTS_HEADER
    path.write_text(existing.rstrip("\n") + "\n\n" + section)

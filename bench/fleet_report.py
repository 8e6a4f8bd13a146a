"""The fleet benchmark's printed lines and its RESULTS.md section."""

import math

from bench.report import section_header


def _last_done(night: dict) -> float | None:
    if night["last_finished"] is None:
        return None
    return (night["last_finished"] - night["scheduled_at"]).total_seconds()


def districts_per_hour(night: dict) -> float:
    """Finished districts over the time from the first run's start to the last's end."""
    if night["first_started"] is None or night["last_finished"] is None:
        return 0.0
    span = (night["last_finished"] - night["first_started"]).total_seconds()
    finished = night["districts"] - night["lost"]
    return finished / span * 3600 if span > 0 else 0.0


def _q(figures: dict) -> str:
    return f"{figures['median']:.1f} / {figures['p95']:.1f}"


def fleet_line(night: dict) -> str:
    last = _last_done(night)
    return (
        f"{night['workers']} workers: {night['districts']} districts, last done "
        f"{last if last is not None else float('nan'):.0f} s after the scheduled time; "
        f"wait (scheduled → started) median/p95 {_q(night['wait'])} s, run {_q(night['run'])} s; "
        f"{districts_per_hour(night):,.0f} districts/hour; lost {night['lost']}, "
        f"twice {night['twice']}; worker peak {night['worker_peak_mb']['max']:.0f} MB; "
        f"CPU s: {_cpu_text(night['cpu'])} ({cpu_per_district(night):.2f} per district in the "
        "clusters)"
    )


def _cpu_text(cpu: dict) -> str:
    return (
        f"clusters {cpu['clusters']:.0f}, SIS {cpu['sis']:.0f}, database and other "
        f"{cpu['database']:.0f}; stolen by the host {cpu['steal']:.0f}"
    )


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def statements(nights: list[dict]) -> list[tuple[str, str, str]]:
    """(statement, figure, met) for each night, then the scaling."""
    rows = []
    for night in nights:
        w = f"{night['workers']} workers"
        rows.append((
            f"no run lost ({w})",
            f"lost {night['lost']} of {night['districts']}"
            + ("" if night["completed"] else " (timed out)"),
            _met(night["lost"] == 0 and night["completed"]),
        ))  # fmt: skip
        rows.append((
            f"no run twice ({w})",
            f"twice {night['twice']}; audit events not one per district "
            f"{night['audit_not_once']}; schedules not fired once {night['fired_not_once']}; "
            f"import tasks not run once {night['import_tasks_not_once']}; run tasks executed "
            f"{night['run_tasks']} for {night['runs']} runs, not once "
            f"{night['run_tasks_not_once']}",
            _met(night["exactly_once"]),
        ))  # fmt: skip
        rows.append((
            f"every district's next import is the same time tomorrow ({w})",
            f"{night['wrong_schedules']} not",
            _met(night["wrong_schedules"] == 0),
        ))  # fmt: skip
        last = _last_done(night)
        rows.append((
            f"last district done ({w})",
            f"{last:.0f} s after the scheduled time" if last is not None else "never",
            "—",
        ))  # fmt: skip
    if len(nights) > 1:
        base, *others = nights
        for night in others:
            ratio = districts_per_hour(night) / max(districts_per_hour(base), 1e-9)
            rows.append((
                f"scaling {base['workers']} → {night['workers']} workers",
                f"{ratio:.2f}x the districts per hour",
                "—",
            ))  # fmt: skip
    return rows


def cpu_per_district(night: dict) -> float:
    """The qcluster processes' CPU seconds per finished district."""
    return night["cpu"]["clusters"] / max(night["districts"] - night["lost"], 1)


def capacity(nights: list[dict], *, night_hours: float, vendor_districts: int, cores: int) -> str:
    best = max(nights, key=districts_per_hour)
    per_hour = districts_per_hour(best)
    per_night = int(per_hour * night_hours)
    machines = math.ceil(vendor_districts / per_night) if per_night else "—"
    per_worker = night_hours * 3600 / best["run"]["median"] if best["run"]["median"] else 0
    cpu = min(cpu_per_district(n) for n in nights)
    bound = cores * 3600 / cpu if cpu else 0
    return (
        f"Capacity (assuming an {night_hours:g}-hour night window and every district's "
        f"first full pull, the worst night): this machine ran {per_hour:,.0f} districts/hour "
        f"at best ({best['workers']} workers), so one such worker machine serves "
        f"~{per_night:,} districts per night (each of its worker processes, at the median "
        f"run of {best['run']['median']:.1f} s under that load, ~{per_worker:,.0f}). A vendor "
        f"with {vendor_districts:,} districts needs {machines} such machine(s) for the night "
        f"(~{vendor_districts / per_hour:.1f} hours on one). Here the workers share the "
        f"{cores} cores with PostgreSQL, the sandbox SIS and whatever else runs; the workers "
        f"themselves spent {cpu:.2f} CPU s per district, so a {cores}-core worker machine of "
        f"its own (the database elsewhere, no SIS latency) is bounded at ~{bound:,.0f} "
        f"districts/hour (~{bound * night_hours:,.0f} a night)."
    )


def shared_note(nights: list[dict], *, cores: int) -> str | None:
    """A warning when the machine was busier than its cores during a night."""
    loads = [n["load_after"][0] for n in nights] + [n["load"][0] for n in nights]
    if max(loads) <= cores:
        return None
    return (
        f"- The machine was shared: load average up to {max(loads):.1f} on {cores} cores. "
        "Wall times include waiting for other work, and more worker processes take a larger "
        "share of a shared machine (which flatters the scaling); the CPU seconds per "
        "district ("
        + ", ".join(f"{n['workers']} workers {cpu_per_district(n):.2f}" for n in nights)
        + ") are the steadier figure."
    )


def _table(nights: list[dict]) -> list[str]:
    rows = [
        "| workers (qcluster processes) | districts | last done s | scheduler → queued "
        "median / p95 s | wait (scheduled → started) median / p95 s | queued → started "
        "median / p95 s | run (started → finished) median / p95 / max s | districts/hour "
        "| lost | twice | worker peak MB median / max | CPU s: clusters / SIS / database "
        "and other / steal | load avg (1/5/15 min) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for n in nights:
        last, cpu, peak = _last_done(n), n["cpu"], n["worker_peak_mb"]
        rows.append(
            f"| {n['workers']} ({n['clusters']}) | {n['districts']} "
            f"| {last:.0f} | {_q(n['picked'])} | {_q(n['wait'])} | {_q(n['queued'])} "
            f"| {_q(n['run'])} / {n['run']['max']:.1f} | {districts_per_hour(n):,.0f} "
            f"| {n['lost']} | {n['twice']} | {peak['median']:.0f} / {peak['max']:.0f} "
            f"| {cpu['clusters']:.0f} / {cpu['sis']:.0f} / {cpu['database']:.0f} "
            f"/ {cpu['steal']:.0f} | {' '.join(f'{x:.2f}' for x in n['load_after'])} |"
            if last is not None
            else f"| {n['workers']} ({n['clusters']}) | {n['districts']} | never | | | | | "
            f"| {n['lost']} | {n['twice']} | | | |"
        )
    return rows


def _notes(nights: list[dict], run: dict) -> list[str]:
    first = nights[0]
    notes = [
        f"- Sandbox: {run['sandbox']}. Each of the {run['districts']} connections is a "
        "district of its own in our database (its own people, classes and runs), reading "
        "its sandbox over real HTTP; districts on the same sandbox read the same roster.",
        f"- Records received per district (ImportRecords): median "
        f"{first['records']['median']:,.0f}; the night's total {first['records_total']:,}.",
        "- Each night: a fresh database, the districts and their connections prepared "
        "(every school mapped, every role, all guardians), the qcluster processes started "
        f"({run['per_cluster']} worker each unless stated), then every district's daily import "
        "set to the same local time a few seconds ahead through connection_schedule_sync; "
        "django-q2's scheduler (every 30 s in each cluster) fires the Schedules, a worker runs "
        "rostering.tasks.scheduled_import, which queues the import's task.",
        "- Wait = the run's start minus the scheduled time (scheduler tick + queue); "
        "scheduler → queued = the run row's creation minus the scheduled time; run = "
        "started → finished (SyncRun). Districts/hour = finished districts over first start "
        "to last end.",
        "- Exactly once, from four sources: SyncRun rows (each district one run, finished), "
        "the audit trail (one 'Started import' per connection), the clusters' logs (each "
        "Schedule fired once, each scheduled_import and run task executed once) and the "
        "Schedules (next run: the same local time the next day).",
        "- Worker peak = VmHWM of each django-q2 worker process (/proc), read while it lives. "
        "CPU: clusters = every qcluster process (utime + stime, /proc); SIS = the parent "
        "process serving the sandboxes; database and other = the rest of the machine "
        "(/proc/stat: PostgreSQL, Redis and anything else running).",
    ]
    for n in nights:
        notes.append(_memory_note(n))
    for n in nights:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(n["statuses"].items()))
        notes.append(
            f"- {n['workers']} workers: runs {statuses}; runs taken per cluster "
            f"{n['runs_per_cluster']}; {n['worker_processes']} worker processes; "
            f"districts prepared in {n['prepare_seconds']:.0f} s; duplicate deliveries "
            f"refused {n['refused']}."
        )
    shared = shared_note(nights, cores=int(run["machine"]["cores"]))
    notes += [shared] if shared else []
    notes.append(f"- {run['capacity']}")
    return notes


def _memory_note(night: dict) -> str:
    """A worker's memory before its first import and at its peak, and the growth per
    import between them (a worker lives through many imports)."""
    start, peak = night["worker_start_mb"]["median"], night["worker_peak_mb"]["median"]
    imports = (night["districts"] - night["lost"]) / max(night["worker_processes"], 1)
    return (
        f"- Worker memory, {night['workers']} workers: {start:.0f} MB (median) when first "
        f"read, before or at its first import; peak {peak:.0f} MB (median; max "
        f"{night['worker_peak_mb']['max']:.0f}) after ~{imports:.0f} imports each: "
        f"~{(peak - start) / max(imports, 1):.1f} MB more per import."
    )


def fleet_section(*, nights: list[dict], run: dict) -> str:
    title = (
        f"Fleet — {run['database']} + {run['redis']} — {run['districts']} districts of "
        f"{run['students']:,} students"
    )
    lines = [
        *section_header(title=title, run=run),
        "",
        *_table(nights),
        "",
        "| statement (issue #16, fleet) | figure | met |",
        "|---|---|---|",
        *(f"| {s} | {figure} | {met} |" for s, figure, met in statements(nights)),
        "",
        *_notes(nights, run),
        "",
    ]
    return "\n".join(lines)

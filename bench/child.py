"""One scenario, run in a process of its own so its peak memory is the puller's alone."""

import resource
import time
import traceback

from bench.counting import SqlCounter
from bench.floor import floor_fetch
from bench.settings import django_setup

PROFILE_TREE_LINES = 140
PROFILE_FLAT_LINES = 40


def child_main(spec: dict, pipe) -> None:
    """The process target: sets Django up, runs the scenario, sends back its figures."""
    try:
        django_setup()
        pipe.send(("ok", scenario_execute(spec)))
    except BaseException:
        pipe.send(("error", traceback.format_exc()))
    finally:
        pipe.close()


def scenario_execute(spec: dict) -> dict:
    from django.db import connection as db

    from bench.database import roster_tables
    from connections.models import Connection

    connection = Connection.objects.select_related("district").get(pk=spec["connection_id"])
    counter = SqlCounter(roster_tables=frozenset(roster_tables()))
    profiler = _profiler_start() if spec.get("profile") else None
    cpu_before = _cpu_seconds(resource.RUSAGE_SELF)  # not Django's set-up
    started = time.perf_counter()
    with db.execute_wrapper(counter):
        if spec["kind"] == "floor":
            outcome = floor_fetch(connection=connection)
        elif spec["kind"] == "fetch":
            outcome = fetch_all(connection=connection)
        else:
            outcome = pull(connection=connection, mode=spec["mode"])
    wall = time.perf_counter() - started
    if profiler is not None:
        profiler.stop()
    outcome = outcome if spec["kind"] in ("floor", "fetch") else pull_outcome(run=outcome)
    return {
        **outcome,
        "wall": wall,
        "queries": counter.queries,
        "roster_statements": counter.roster_statements(),
        "roster_rows": counter.roster_rows(),
        "other_rows": counter.other_rows(),
        "rows_by_table": dict(counter.rows_written),
        **peak_memory(),
        "cpu_self": _cpu_seconds(resource.RUSAGE_SELF) - cpu_before,
        "profile": profile_text(profiler) if profiler is not None else "",
    }


def pull_entities(*, connection) -> list:
    """The collections a full pull of the connection reads after the schools, in order."""
    from rostering.sync.files import file_parts
    from rostering.sync.runs import sync_settings_for

    settings = sync_settings_for(connection=connection)
    return [part.entity for parts in file_parts(settings).values() for part in parts]


def fetch_all(*, connection) -> dict:
    """Pages through every collection a full pull reads, parsing and discarding them."""
    from connections.services import connection_client

    per_entity, pages = {}, 0
    with connection_client(connection=connection) as client:
        per_entity["schools"] = len(client.schools())
        for entity in pull_entities(connection=connection):
            received = 0
            for page in client.iter_pages(entity, since=None):
                received += len(page.records) + len(page.problems)
                pages += 1
            per_entity[str(entity)] = received
    return {"records": sum(per_entity.values()), "pages": pages, "per_entity": per_entity}


def pull(*, connection, mode: str):
    from rostering.imports import sync_run_start

    return sync_run_start(
        connection=connection, actor=None, mode=mode, trigger="command", inline=True
    )


def pull_outcome(*, run) -> dict:
    """What the run's ImportRecords say it received and did."""
    from rostering.models import ImportRecord

    records = list(ImportRecord.objects.filter(run=run))
    totals = {name: sum(getattr(r, name) for r in records) for name in ImportRecord.COUNT_FIELDS}
    return {
        "records": totals["received"],
        "counts": totals,
        "status": run.status,
        "mode": run.mode,
        "files": {r.kind: r.status for r in records},
        "message": run.message,
    }


def _cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def peak_memory() -> dict:
    """Peak RSS in MB: getrusage, and the kernel's VmHWM for this address space."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    hwm = None
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) / 1024
    except OSError:
        pass
    return {"peak_rss_mb": rss, "vm_hwm_mb": hwm}


def _profiler_start():
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.002)
    profiler.start()
    return profiler


def profile_text(profiler) -> str:
    flat = profiler.output_text(unicode=False, color=False, flat=True)
    tree = profiler.output_text(unicode=False, color=False, show_all=False)
    return (
        "Self time by function (flat, top):\n"
        + "\n".join(flat.splitlines()[:PROFILE_FLAT_LINES])
        + "\n\nCall tree (top):\n"
        + "\n".join(tree.splitlines()[:PROFILE_TREE_LINES])
        + "\n"
    )

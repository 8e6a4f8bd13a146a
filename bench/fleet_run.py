"""One measured night: a fresh database, the districts, the clusters, the schedule, the
wait, then the figures (timings, exactly-once checks, worker memory, where the CPU went)."""

import os
import time
from pathlib import Path

from bench.fleet_cluster import (
    cluster_environment,
    clusters_start,
    clusters_wait_ready,
    q_name_unique,
    redis_keys_delete,
    redis_queue_length,
)
from bench.fleet_night import (
    fleet_prepare,
    fleet_schedule,
    night_logs,
    night_runs,
    night_schedules,
    night_wait,
    quantiles,
)
from bench.scenarios import _machine_busy_seconds, _own_cpu_seconds

PROGRESS_EVERY = 15


def _progress_printer(started: float):
    last = [0.0]

    def tick(progress: dict) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            shown = ", ".join(f"{k} {v}" for k, v in sorted(progress.items())) or "nothing yet"
            print(f"  {now - started:6.0f} s: {shown}", flush=True)

    return tick


def _redis_version(url: str) -> str:
    import redis

    return "Redis " + redis.Redis.from_url(url).info("server")["redis_version"]


def night_run(*, args, servers: list, workers: int, log_dir: Path) -> dict:
    from django.db import connections

    from bench.database import database_reset

    q_name = q_name_unique()
    env = cluster_environment(
        database_url=os.environ["DATABASE_URL"], redis_url=args.redis, q_name=q_name,
        workers=args.per_cluster,
    )  # fmt: skip
    directory = log_dir / f"workers-{workers}"
    directory.mkdir(parents=True, exist_ok=True)
    # The clusters boot while the database is migrated and the districts prepared: they
    # touch the database first at their scheduler's first tick, 30 s after they start
    # (a tick before the migration has ended fails, is logged, and the next one runs).
    clusters = clusters_start(count=workers // args.per_cluster, env=env, directory=directory)
    try:
        database_reset()
        connections.close_all()
        started = time.perf_counter()
        ids = fleet_prepare(servers=servers, districts=args.districts)
        prepared = time.perf_counter() - started
        clusters_wait_ready(clusters)
        return {
            **_night_measure(args=args, clusters=clusters, ids=ids, q_name=q_name),
            "workers": workers,
            "clusters": len(clusters),
            "prepare_seconds": prepared,
            "redis_version": _redis_version(args.redis),
        }
    finally:
        for cluster in clusters:
            cluster.stop()
        redis_keys_delete(redis_url=args.redis, q_name=q_name)


def _night_measure(*, args, clusters, ids: list[int], q_name: str) -> dict:
    from django.db import connections

    for cluster in clusters:
        cluster.sample()
    cluster_cpu = sum(c.tree_cpu for c in clusters)
    machine, own, load = _machine_busy_seconds(), _own_cpu_seconds(), os.getloadavg()
    lead = args.lead_seconds if args.lead_seconds is not None else 3 + 0.02 * args.districts
    scheduled_at = fleet_schedule(connection_ids=ids, lead_seconds=lead)
    print(f"{len(ids)} districts scheduled at {scheduled_at:%H:%M:%S} UTC", flush=True)
    completed = night_wait(
        districts=len(ids), clusters=clusters, timeout=args.timeout,
        queue_length=lambda: redis_queue_length(redis_url=args.redis, q_name=q_name),
        on_tick=_progress_printer(time.monotonic()),
    )  # fmt: skip
    for cluster in clusters:
        cluster.sample()
    (busy, steal), (busy_before, steal_before) = _machine_busy_seconds(), machine
    cpu = {
        "clusters": sum(c.tree_cpu for c in clusters) - cluster_cpu,
        "sis": _own_cpu_seconds() - own,
        "steal": steal - steal_before,
    }
    cpu["database"] = max(0.0, busy - busy_before - cpu["clusters"] - cpu["sis"])
    runs = night_runs(connection_ids=ids, scheduled_at=scheduled_at)
    logs = night_logs(connection_ids=ids, outputs=[c.output() for c in clusters])
    wrong_schedules = night_schedules(connection_ids=ids, scheduled_at=scheduled_at)
    connections.close_all()
    samples = [w for c in clusters for w in c.workers.values()]
    once = (
        completed
        and runs["lost"] == runs["twice"] == runs["audit_not_once"] == 0
        and logs["fired_not_once"] == logs["import_tasks_not_once"] == 0
        and logs["run_tasks"] == len(ids) == runs["runs"]
        and logs["run_tasks_not_once"] == 0
    )
    return {
        **runs,
        **logs,
        "districts": len(ids),
        "completed": completed,
        "exactly_once": once,
        "wrong_schedules": wrong_schedules,
        "scheduled_at": scheduled_at,
        "cpu": cpu,
        "load": load,
        "load_after": os.getloadavg(),
        "worker_peak_mb": quantiles([w.vm_hwm_mb for w in samples]),
        "worker_start_mb": quantiles([w.first_mb for w in samples if w.first_mb is not None]),
        "worker_processes": len(samples),
        "runs_per_cluster": [c.runs_taken() for c in clusters],
    }

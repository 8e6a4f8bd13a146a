"""The scenarios, driven from the parent process (which also hosts the sandbox SIS).

Each measured run happens in a child process started by a fork server: a forked
child's getrusage() peak is its own, whereas a spawned (exec'd) one inherits the
parent's peak, which here includes the sandbox's district of a gigabyte or more.
"""

import multiprocessing
import os
import resource
from dataclasses import dataclass, field

from bench.child import child_main
from bench.database import database_reset, district_prepare, roster_fingerprint

SCENARIOS = ("floor", "fetch", "first", "nochange", "delta", "latency")
# Latency runs before the mutation, so it pulls exactly the district `first` pulled.
EXECUTION_ORDER = ("floor", "fetch", "first", "nochange", "latency", "delta")
DELTA_SHARE = 0.01
# The sandbox lists contacts as users too; the 1% is of the people a pull imports.
CONTACT_ROLES = ("parent", "guardian", "relative")


class ScenarioFailed(Exception):
    pass


@dataclass
class Bench:
    server: object
    latency_ms: int
    profile: bool = False
    connection_id: int | None = None
    populated: bool = False
    # Nothing pulled since the last reset (the floor and fetch-only write nothing).
    pristine: bool = False
    results: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.context = multiprocessing.get_context("forkserver")

    def run(self, names: list[str], on_result=None) -> dict[str, dict]:
        for name in EXECUTION_ORDER:
            if name in names:
                load = os.getloadavg()
                result = getattr(self, f"scenario_{name}")()
                self.results[name] = {**result, "load": load, "load_after": os.getloadavg()}
                if on_result is not None:
                    on_result(name, self.results[name])
        return self.results

    # the scenarios -------------------------------------------------------------------
    def scenario_floor(self) -> dict:
        if self.connection_id is None:
            self.database_fresh()
        return self.child_run(kind="floor")

    def scenario_fetch(self) -> dict:
        if self.connection_id is None:
            self.database_fresh()
        return self.child_run(kind="fetch")

    def scenario_first(self) -> dict:
        if not self.pristine:
            self.database_fresh()
        self.pristine = False
        result = self.child_run(kind="pull", mode="full")
        self.populated = True
        return result

    def scenario_nochange(self) -> dict:
        self.ensure_populated()
        before = roster_fingerprint()
        result = self.child_run(kind="pull", mode="full")
        after = roster_fingerprint()
        changed = sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
        return {**result, "changed_tables": changed, "table_rows": _rows(after)}

    def scenario_latency(self) -> dict:
        self.database_fresh()
        self.pristine = False
        self.server.set_faults(latency_ms=self.latency_ms)
        try:
            result = self.child_run(kind="pull", mode="full")
        finally:
            self.server.set_faults(latency_ms=0)
        self.populated = True
        return {**result, "latency_ms": self.latency_ms}

    def scenario_delta(self) -> dict:
        self.ensure_populated()
        people = sum(p.role not in CONTACT_ROLES for p in self.server.district.people.values())
        mutated = max(1, round(people * DELTA_SHARE))
        self.server.mutate(mutated)
        return {**self.child_run(kind="pull", mode="delta"), "mutated": mutated}

    # helpers -------------------------------------------------------------------------
    def database_fresh(self) -> None:
        from django.db import connections

        database_reset()
        self.connection_id = district_prepare(server=self.server)
        self.populated, self.pristine = False, True
        connections.close_all()

    def ensure_populated(self) -> None:
        """nochange and delta need the first pull's result; make it unmeasured if absent."""
        if not self.populated:
            self.database_fresh()
            self.pristine = False
            self.child_run(kind="pull", mode="full")
            self.populated = True

    def child_run(self, *, kind: str, mode: str = "full") -> dict:
        from django.db import connections

        connections.close_all()
        spec = {
            "kind": kind,
            "mode": mode,
            "connection_id": self.connection_id,
            "profile": self.profile,
        }
        machine_before, sis_before = _machine_busy_seconds(), _own_cpu_seconds()
        receiver, sender = self.context.Pipe(duplex=False)
        process = self.context.Process(target=child_main, args=(spec, sender), daemon=True)
        process.start()
        sender.close()
        try:
            status, payload = receiver.recv()
        except EOFError:
            process.join()
            status, payload = "error", f"the scenario process died (exit {process.exitcode})"
        process.join()
        if status != "ok":
            raise ScenarioFailed(payload)
        (busy_after, steal_after), (busy_before, steal_before) = (
            _machine_busy_seconds(),
            machine_before,
        )
        busy, steal = busy_after - busy_before, steal_after - steal_before
        sis = _own_cpu_seconds() - sis_before
        cpu = {"puller": payload["cpu_self"], "sis": sis, "steal": steal}
        cpu["database"] = max(0.0, busy - cpu["puller"] - sis)
        return {**payload, "cpu": cpu}


def _own_cpu_seconds() -> float:
    """This process's CPU: the sandbox SIS's serving threads (the parent does little else)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _machine_busy_seconds() -> tuple[float, float]:
    """CPU seconds all cores spent busy since boot (/proc/stat, every process), and the
    seconds the hypervisor gave to other machines (steal: a noisy host)."""
    try:
        with open("/proc/stat") as stat:
            user, nice, system, _idle, _iowait, irq, softirq, steal = (
                int(x) for x in stat.readline().split()[1:9]
            )
    except (OSError, ValueError):
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


def _rows(fingerprint: dict[str, tuple[int, str]]) -> dict[str, int]:
    return {table: rows for table, (rows, _) in fingerprint.items()}

"""The scenarios, driven from the parent process (which also hosts the sandbox SIS).

Each measured run happens in a child process started by a fork server: a forked
child's getrusage() peak is its own, whereas a spawned (exec'd) one inherits the
parent's peak, which here includes the sandbox's district of a gigabyte or more.
"""

import multiprocessing
import os
from dataclasses import dataclass, field

from bench.child import child_main
from bench.database import database_reset, district_prepare, roster_fingerprint

SCENARIOS = ("fetch", "first", "nochange", "delta", "latency")
# Latency runs before the mutation, so it pulls exactly the district `first` pulled.
EXECUTION_ORDER = ("fetch", "first", "nochange", "latency", "delta")
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
    # Nothing pulled since the last reset (fetch-only writes nothing).
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
        return payload


def _rows(fingerprint: dict[str, tuple[int, str]]) -> dict[str, int]:
    return {table: rows for table, (rows, _) in fingerprint.items()}

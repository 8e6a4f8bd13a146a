"""The fleet benchmark's worker machines: `manage.py qcluster` processes on one Redis and
one PostgreSQL, and what /proc says about their worker processes (peak memory, CPU)."""

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY_SECONDS = 90
# django-q2's worker announces itself: "Process-1:1 ready for work at 12345".
WORKER_READY = re.compile(r"ready for work at (\d+)")
RUN_TASK = "rostering.tasks.sync_run_execute_task"


def q_name_unique() -> str:
    """A cluster name of our own: the benchmark's Redis keys, apart from anybody else's."""
    return f"autoroster-fleet-{uuid.uuid4().hex[:10]}"


def cluster_environment(*, database_url: str, redis_url: str, q_name: str, workers: int) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "Q_BROKER": redis_url,
        "Q_NAME": q_name,
        "Q_WORKERS": str(workers),
        # The sandbox serves plain http on loopback.
        "ALLOW_INSECURE_SIS_URLS": "true",
        "DEBUG": "true",  # turned off once set up: bench/fleet_qcluster.py
        "EMAIL_URL": "memorymail://",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def redis_keys_delete(*, redis_url: str, q_name: str) -> int:
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"django_q:{q_name}:*"))
    return client.delete(*keys) if keys else 0


def redis_queue_length(*, redis_url: str, q_name: str) -> int:
    """Tasks still waiting in the cluster's Redis list."""
    import redis

    return redis.Redis.from_url(redis_url).llen(f"django_q:{q_name}:q")


@dataclass
class WorkerSample:
    """The last /proc reading of one worker process."""

    pid: int
    vm_hwm_mb: float = 0.0
    cpu_seconds: float = 0.0
    # The first reading: the worker's resident memory before its first import.
    first_mb: float | None = None


def proc_status_mb(pid: int, key: str = "VmHWM") -> float | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def proc_cpu_seconds(pid: int) -> float | None:
    """utime + stime of one process (/proc/<pid>/stat), children not included."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(root: int) -> list[int]:
    """`root` and every process below it (/proc/<pid>/task/*/children)."""
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                pending.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                continue
    return found


@dataclass
class Cluster:
    """One qcluster (bench/fleet_qcluster.py) in a process group of its own: one worker
    machine."""

    name: str
    env: dict
    directory: Path
    process: subprocess.Popen | None = None
    workers: dict[int, WorkerSample] = field(default_factory=dict)
    tree_cpu: float = 0.0

    def start(self) -> "Cluster":
        self.log = self.directory / f"{self.name}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.fleet_qcluster"], cwd=ROOT, env=self.env,
            stdout=self.log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited:\n{self.output()[-3000:]}")
        return "running." in self.output()

    def worker_pids(self) -> list[int]:
        return [int(pid) for pid in WORKER_READY.findall(self.output())]

    def runs_taken(self) -> int:
        """Import runs this cluster's workers took up (its log's "processing" lines)."""
        return sum(
            1 for line in self.output().splitlines() if " processing " in line and RUN_TASK in line
        )

    def sample(self) -> None:
        """Reads every worker's peak memory and CPU while it lives (a recycled worker
        keeps its last reading), and the whole cluster's CPU."""
        for pid in self.worker_pids():
            hwm, cpu = proc_status_mb(pid), proc_cpu_seconds(pid)
            if hwm is None or cpu is None:
                continue
            worker = self.workers.setdefault(pid, WorkerSample(pid=pid, first_mb=hwm))
            worker.vm_hwm_mb, worker.cpu_seconds = max(worker.vm_hwm_mb, hwm), cpu
        tree = [proc_cpu_seconds(pid) for pid in process_tree(self.process.pid)]
        self.tree_cpu = max(self.tree_cpu, sum(cpu for cpu in tree if cpu is not None))

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def clusters_start(*, count: int, env: dict, directory: Path) -> list[Cluster]:
    return [Cluster(f"machine-{n + 1}", env, directory).start() for n in range(count)]


def clusters_wait_ready(clusters: list[Cluster]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while not all(cluster.ready() for cluster in clusters):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the task clusters did not start within {READY_SECONDS} s")
        time.sleep(0.2)

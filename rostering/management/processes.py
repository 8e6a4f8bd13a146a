"""Processes that run side by side and stop together (`manage.py demo`, `manage.py serve`)."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TextIO

from django.conf import settings

STOP_GRACE_SECONDS = 15


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def terminate_as_interrupt() -> None:
    """`kill` (SIGTERM) stops the supervising command as Ctrl-C does, children included."""
    signal.signal(signal.SIGTERM, _interrupt)


class ProcessGroup:
    """Child processes, each in a process group of its own, stopped together."""

    def __init__(self, *, stderr: TextIO) -> None:
        self.stderr = stderr
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def spawn(self, label: str, *argv: str) -> subprocess.Popen:
        # Its own process group: stopping it stops what it started (qcluster's and
        # gunicorn's workers); Ctrl-C in the terminal reaches only the supervisor.
        process = subprocess.Popen(argv, cwd=Path(settings.BASE_DIR), start_new_session=True)
        self.processes.append((label, process))
        return process

    def manage(self, label: str, *args: str) -> subprocess.Popen:
        return self.spawn(label, sys.executable, "manage.py", *args)

    def wait(self) -> None:
        """Returns when one of the processes stopped (saying which), or on Ctrl-C."""
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                for label, process in self.processes:
                    if process.poll() is not None:
                        self.stderr.write(f"The {label} stopped (exit {process.returncode}).\n")
                        return
                time.sleep(0.5)

    def stop(self) -> None:
        # SIGTERM to each leader, which stops its own workers in order (qcluster hangs
        # when its workers get the signal at the same time as it does); whatever is
        # left after the grace period is killed, group-wide.
        for _, process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
        for _, process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=STOP_GRACE_SECONDS)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    def __enter__(self) -> "ProcessGroup":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from rostering.demo import demo_connection_seed, demo_seed
from rostering.imports import sync_run_start
from rostering.models import SyncRun

SANDBOX_PORT = 8765
SANDBOX_STUDENTS = 2000
SANDBOX_WAIT_SECONDS = 120
STOP_GRACE_SECONDS = 15


def _stop_on_terminate(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Run the demo: migrate, seed, then serve the admin beside the task cluster "
        "(Ctrl-C stops everything)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sandbox-port", type=int, default=SANDBOX_PORT)
        parser.add_argument("--students", type=int, default=SANDBOX_STUDENTS)

    def _sandbox_info(self, base_url: str, process: subprocess.Popen) -> dict:
        """Waits until the sandbox SIS answers, then returns its /_sandbox/info."""
        deadline = time.monotonic() + SANDBOX_WAIT_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(base_url + "_sandbox/info", timeout=2) as answer:
                    return json.load(answer)
            except OSError:
                time.sleep(0.5)
        raise SystemExit("The sandbox SIS did not start; see its messages above.")

    def _seed_sandbox_connection(self, seed, base_url: str, info: dict) -> None:
        credentials = info["credentials"]
        connection, _ = demo_connection_seed(
            district=seed.district, base_url=base_url, client_id=credentials["client_id"],
            secret=credentials["client_secret"],
        )  # fmt: skip
        if not SyncRun.objects.filter(connection=connection).exists():
            sync_run_start(connection=connection, actor=None, trigger=SyncRun.Trigger.MANUAL)
        self.stdout.write(f"Sandbox Aeries SIS: {base_url} ({info['district']})")
        self.stdout.write(f"  Consumer ID {credentials['client_id']}")
        self.stdout.write(f"  connection '{connection.name}' seeded; a first import is queued")

    def _spawn(self, *args: str) -> subprocess.Popen:
        # Its own process group: stopping it stops what it started (qcluster's workers).
        return subprocess.Popen([sys.executable, "manage.py", *args], start_new_session=True)

    def handle(self, *args, **options):
        signal.signal(signal.SIGTERM, _stop_on_terminate)  # `kill` stops children too
        call_command("migrate", interactive=False, verbosity=0)
        seed = demo_seed()
        port = options["port"]
        # Everything the demo runs; each entry is (label, process), stopped together.
        sandbox_url = f"http://127.0.0.1:{options['sandbox_port']}/aeries/"
        sandbox = self._spawn("sandbox_sis", "--port", str(options["sandbox_port"]),
                              "--students", str(options["students"]), "--seed", "1")  # fmt: skip
        processes = [
            ("sandbox SIS", sandbox),
            ("web server", self._spawn("runserver", "--noreload", f"127.0.0.1:{port}")),
            ("task cluster", self._spawn("qcluster")),
        ]
        try:
            self._seed_sandbox_connection(
                seed, sandbox_url, self._sandbox_info(sandbox_url, sandbox)
            )
        except BaseException:
            self._stop(processes)
            raise
        self.stdout.write(self.style.SUCCESS(f"\nAutoroster demo: http://127.0.0.1:{port}/admin/"))
        for username, password, label in seed.logins:
            self.stdout.write(f"  login {username} / {password}  — {label}")
        if mail_folder := getattr(settings, "EMAIL_FILE_PATH", None):
            self.stdout.write(f"E-mailed import summaries are written to {mail_folder}")
        self.stdout.write("Press Ctrl-C to stop.\n")
        try:
            self._wait(processes)
        except KeyboardInterrupt:
            pass
        finally:
            self._stop(processes)

    def _wait(self, processes: list[tuple[str, subprocess.Popen]]) -> None:
        while True:
            for label, process in processes:
                if process.poll() is not None:
                    self.stderr.write(f"The {label} stopped (exit {process.returncode}).")
                    return
            time.sleep(0.5)

    def _stop(self, processes: list[tuple[str, subprocess.Popen]]) -> None:
        # SIGTERM stops each cleanly, even when the demo runs as a background job (which
        # ignores SIGINT); whatever is left after the grace period is killed, group-wide.
        for _, process in processes:
            _signal_group(process, signal.SIGTERM)
        for _, process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=STOP_GRACE_SECONDS)
            _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)

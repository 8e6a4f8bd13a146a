import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from rostering.demo import demo_seed


class Command(BaseCommand):
    help = (
        "Run the demo: migrate, seed, then serve the admin beside the task cluster "
        "(Ctrl-C stops everything)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def _spawn(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "manage.py", *args])

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        seed = demo_seed()
        port = options["port"]
        # Everything the demo runs; each entry is (label, process), stopped together.
        processes = [
            ("web server", self._spawn("runserver", "--noreload", f"127.0.0.1:{port}")),
            ("task cluster", self._spawn("qcluster")),
        ]
        time.sleep(1.5)
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
        for _, process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for _, process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from rostering.demo import demo_seed


class Command(BaseCommand):
    help = "Run the demo: migrate, seed, then serve the admin (Ctrl-C stops everything)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def _spawn(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "manage.py", *args])

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        seed = demo_seed()
        port = options["port"]
        processes = [self._spawn("runserver", "--noreload", f"127.0.0.1:{port}")]
        time.sleep(1.5)
        self.stdout.write(self.style.SUCCESS(f"\nAutoroster demo: http://127.0.0.1:{port}/admin/"))
        for username, password, label in seed.logins:
            self.stdout.write(f"  login {username} / {password}  — {label}")
        self.stdout.write("Press Ctrl-C to stop.\n")
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
            for process in processes:
                process.wait(timeout=10)

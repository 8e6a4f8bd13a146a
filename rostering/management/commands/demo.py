import json
import os
import threading
import time
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections
from django.urls import reverse

from rostering.demo import demo_connection_seed, demo_seed, demo_story_play
from rostering.imports import sync_run_start
from rostering.management.processes import ProcessGroup, terminate_as_interrupt
from rostering.models import SyncRun

SANDBOX_PORT = 8765
SANDBOX_STUDENTS = 2000
SANDBOX_WAIT_SECONDS = 120


class Command(BaseCommand):
    help = (
        "Run the demo: migrate, seed, then serve the admin beside the task cluster "
        "(Ctrl-C stops everything)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sandbox-port", type=int, default=SANDBOX_PORT)
        parser.add_argument("--students", type=int, default=SANDBOX_STUDENTS)

    def _sandbox_info(self, base_url: str, process) -> dict:
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
        return connection

    def _story(self, connection, base_url: str, port: int) -> None:
        """In the background, once the first import is in: a pinned first name and three
        relinks waiting for approval (rostering/demo.py)."""

        def renumber(n: int) -> dict:
            request = urllib.request.Request(
                base_url + "_sandbox/renumber", data=json.dumps({"n": n}).encode(), method="POST"
            )
            with urllib.request.urlopen(request, timeout=30) as answer:
                return json.load(answer)

        try:
            story = demo_story_play(connection=connection, renumber=renumber)
        except Exception as exc:  # the demo goes on without its story
            self.stderr.write(f"The demo's relink and pinned field could not be set up: {exc}")
            return
        finally:
            connections.close_all()
        if story is not None:
            site = f"http://127.0.0.1:{port}"
            held = reverse("admin:rostering_syncrun_held", args=[story.run.pk])
            person = reverse("admin:rostering_person_change", args=[story.person.pk])
            self.stdout.write(
                f"\nDemo: {len(story.renumbered)} students got new Student IDs in Aeries; "
                f"import #{story.run.pk} holds their relinks for approval: {site}{held}\n"
                f"Demo: {story.person.given_name} {story.person.family_name} has a pinned "
                f"first name: {site}{person}"
            )

    def handle(self, *args, **options):
        terminate_as_interrupt()
        call_command("migrate", interactive=False, verbosity=0)
        seed = demo_seed()
        port = options["port"]
        # The e-mailed summaries link to this demo's own port (the workers read it).
        os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
        sandbox_url = f"http://127.0.0.1:{options['sandbox_port']}/aeries/"
        with ProcessGroup(stderr=self.stderr) as processes:
            sandbox = processes.manage(
                "sandbox SIS", "sandbox_sis", "--port", str(options["sandbox_port"]),
                "--students", str(options["students"]), "--seed", "1",
            )  # fmt: skip
            processes.manage("web server", "runserver", "--noreload", f"127.0.0.1:{port}")
            processes.manage("task cluster", "qcluster")
            connection = self._seed_sandbox_connection(
                seed, sandbox_url, self._sandbox_info(sandbox_url, sandbox)
            )
            self._welcome(seed, port)
            threading.Thread(
                target=self._story, args=(connection, sandbox_url, port), daemon=True
            ).start()
            processes.wait()

    def _welcome(self, seed, port: int) -> None:
        self.stdout.write(self.style.SUCCESS(f"\nAutoroster demo: http://127.0.0.1:{port}/admin/"))
        for username, password, label in seed.logins:
            self.stdout.write(f"  login {username} / {password}  — {label}")
        if mail_folder := getattr(settings, "EMAIL_FILE_PATH", None):
            self.stdout.write(f"E-mailed import summaries are written to {mail_folder}")
        self.stdout.write("Press Ctrl-C to stop.\n")

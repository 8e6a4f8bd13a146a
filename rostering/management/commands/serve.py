import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

from rostering.management.processes import ProcessGroup, terminate_as_interrupt

GUNICORN = (sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn", "config.wsgi")


class Command(BaseCommand):
    help = (
        "Run the production shape on this machine from the environment's settings: "
        "migrate, collect static files, then gunicorn (the admin and its static files) "
        "beside a task cluster (qcluster). Ctrl-C stops everything."
    )

    def handle(self, *args, **options):
        terminate_as_interrupt()
        call_command("migrate", interactive=False, verbosity=1)
        call_command("collectstatic", interactive=False, verbosity=0)
        with ProcessGroup(stderr=self.stderr) as processes:
            processes.spawn("web server (gunicorn)", *GUNICORN)
            processes.manage("task cluster", "qcluster")
            self.stdout.write("Serving; press Ctrl-C to stop.")
            processes.wait()

from django.core.management.base import BaseCommand, CommandError

from connections.connection_test import connection_test, probe_report_text
from connections.models import Connection
from connections.services import connection_lookup


class Command(BaseCommand):
    help = "Test a SIS connection: token, then one small read per collection. Exit 0 when healthy."

    def add_arguments(self, parser):
        parser.add_argument("connection", help="Connection id or name.")

    def handle(self, *args, **options):
        try:
            connection = connection_lookup(ref=options["connection"])
        except Connection.DoesNotExist as exc:
            raise CommandError(str(exc)) from None
        report = connection_test(connection=connection, actor=None, source="command line")
        self.stdout.write(probe_report_text(report))
        if not report.healthy:
            raise SystemExit(1)

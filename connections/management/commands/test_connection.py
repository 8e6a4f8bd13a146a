from django.core.management.base import BaseCommand

from connections.connection_test import connection_test, probe_report_text
from connections.management.arguments import connection_argument_add, connection_from_options


class Command(BaseCommand):
    help = "Test a SIS connection: token, then one small read per collection. Exit 0 when healthy."

    def add_arguments(self, parser):
        connection_argument_add(parser)

    def handle(self, *args, **options):
        connection = connection_from_options(options)
        report = connection_test(connection=connection, actor=None, source="command line")
        self.stdout.write(probe_report_text(report))
        if not report.healthy:
            raise SystemExit(1)

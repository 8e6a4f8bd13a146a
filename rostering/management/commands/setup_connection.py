import os
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from connections.models import Connection
from connections.services import connection_save, connection_snapshot
from rostering.districts import district_get_or_create

SECRET_MISSING = (
    "No secret given: set the environment variable SIS_SECRET or pipe the secret "
    "(or certificate) on standard input. It is never taken from the command line."
)


class Command(BaseCommand):
    help = (
        "Create or update a SIS connection for scripted provisioning. The Consumer Secret "
        "(oneroster) or certificate (aeries_api) is read from $SIS_SECRET or standard input. "
        "Prints the connection id."
    )

    def add_arguments(self, parser):
        parser.add_argument("--district", required=True, help="District name (created if missing).")
        parser.add_argument("--name", required=True, help="Connection name within the district.")
        parser.add_argument("--kind", required=True, choices=[k.value for k in Connection.Kind])
        parser.add_argument("--url", required=True, help="Aeries base URL with its sub-directory.")
        parser.add_argument("--client-id", default="", help="Consumer ID (oneroster).")
        parser.add_argument("--school-codes", default="", help="e.g. 994,995")

    def _read_secret(self) -> str:
        secret = os.environ.get("SIS_SECRET", "")
        if not secret and not sys.stdin.isatty():
            secret = sys.stdin.read()
        return secret.strip()

    def handle(self, *args, **options):
        district, _ = district_get_or_create(name=options["district"], actor=None)
        connection = Connection.objects.filter(district=district, name=options["name"]).first()
        before = connection_snapshot(connection) if connection else None
        connection = connection or Connection(district=district, name=options["name"])
        connection.kind = options["kind"]
        connection.base_url = options["url"]
        connection.client_id = options["client_id"] or connection.client_id
        connection.school_codes = options["school_codes"] or connection.school_codes
        secret = self._read_secret()
        if not secret and not connection.has_secret:
            raise CommandError(SECRET_MISSING)
        is_cert = connection.kind == Connection.Kind.AERIES_API
        try:
            connection_save(
                connection=connection,
                actor=None,
                before=before,
                new_secret="" if is_cert else secret,
                new_certificate=secret if is_cert else "",
                source="command line",
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(str(connection.pk))

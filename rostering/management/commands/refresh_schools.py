from django.core.management.base import BaseCommand, CommandError

from connections.models import Connection
from rostering.models import SisSchool
from rostering.schools import SchoolListError, sis_school_list, sis_schools_refresh

CONNECTION_NOT_FOUND = "No connection with id or name {identifier!r}."
CONNECTION_AMBIGUOUS = "{count} connections are named {identifier!r}; use the id: {ids}."
NOT_MAPPED = "not mapped"


def connection_find(identifier: str) -> Connection:
    """The connection with this id, else the only one with this name."""
    if identifier.isdigit() and (found := Connection.objects.filter(pk=identifier).first()):
        return found
    matches = list(Connection.objects.filter(name=identifier).order_by("pk"))
    if not matches:
        raise CommandError(CONNECTION_NOT_FOUND.format(identifier=identifier))
    if len(matches) > 1:
        ids = ", ".join(str(c.pk) for c in matches)
        raise CommandError(
            CONNECTION_AMBIGUOUS.format(count=len(matches), identifier=identifier, ids=ids)
        )
    return matches[0]


def mapping_line(row: SisSchool) -> str:
    target = row.school.name if row.school else NOT_MAPPED
    notes = [row.get_mapping_method_display().lower()] if row.school else []
    if row.match_score is not None and row.school:
        notes.append(f"score {row.match_score:g}")
    if row.needs_review:
        best = ", ".join(f"{c['name']} {c['score']:g}" for c in row.candidates)
        notes.append(f"review: {best}")
    if row.vanished_at:
        notes.append("no longer in the SIS")
    suffix = f" ({'; '.join(notes)})" if notes else ""
    return f"  {row.school_code or row.sourced_id:>8}  {row.name} → {target}{suffix}"


class Command(BaseCommand):
    help = (
        "Update list: fetch the SIS's schools for a connection, auto-map the unmapped ones "
        "and print each SIS school with its vendor school. Exits 1 when the SIS cannot be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("connection", help="Connection id or name.")

    def handle(self, *args, **options):
        connection = connection_find(options["connection"])
        try:
            result = sis_schools_refresh(connection=connection, actor=None, source="command line")
        except SchoolListError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(result.summary)
        for row in sis_school_list(connection=connection):
            self.stdout.write(mapping_line(row))

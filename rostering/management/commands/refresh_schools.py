from django.core.management.base import BaseCommand, CommandError

from connections.management.arguments import connection_argument_add, connection_from_options
from rostering.models import SisSchool
from rostering.schools import SchoolListError, sis_school_list, sis_schools_refresh

NOT_MAPPED = "not mapped"


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
        connection_argument_add(parser)

    def handle(self, *args, **options):
        connection = connection_from_options(options)
        try:
            result = sis_schools_refresh(connection=connection, actor=None, source="command line")
        except SchoolListError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(result.summary)
        for row in sis_school_list(connection=connection):
            self.stdout.write(mapping_line(row))

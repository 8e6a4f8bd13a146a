import json

from django.core.management.base import BaseCommand

from connections.management.arguments import connection_argument_add, connection_from_options
from rostering.models import YearArchive
from rostering.rollover import ArchiveRefused, year_archive_run, year_archive_undo
from rostering.rollover_preview import (
    COUNT_KEYS,
    PEOPLE_ROLES,
    people_roles_for,
    year_archive_preview,
)

NOTHING_TO_UNDO = "{district} has no end-of-year archive to undo."
PAUSE_HINT = (
    "Daily imports go on as scheduled; to pause them until the new year starts:\n"
    "  manage.py pause_imports {connection} --from YYYY-MM-DD --to YYYY-MM-DD --reason 'Summer'"
)


class Command(BaseCommand):
    help = (
        "End-of-year rollover of the connection's district: archive its school year (classes, "
        "enrollments, parent contacts; with --people its accounts too), preview it with "
        "--dry-run, or --undo the latest archive. Exit 0 on success, 1 when refused."
    )

    def add_arguments(self, parser):
        connection_argument_add(parser)
        parser.add_argument("--label", default="", help="School year, e.g. 2025-2026.")
        parser.add_argument("--people", action="store_true", help="Archive accounts too.")
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")
        parser.add_argument("--undo", action="store_true", help="Undo the latest archive.")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options):
        district = connection_from_options(options).district
        roles = people_roles_for(list(PEOPLE_ROLES)) if options["people"] else ()
        try:
            if options["undo"]:
                result = self._undo(district)
            elif options["dry_run"]:
                preview = year_archive_preview(
                    district=district, label=options["label"], people_roles=roles
                )
                result = preview.as_dict(dry_run=True) | {"warnings": preview.warnings}
            else:
                archive = year_archive_run(district=district, actor=None, confirm=district.name,
                                           label=options["label"], people_roles=roles,
                                           source="command line")  # fmt: skip
                result = {"label": archive.label, "archived": archive.counts, "dry_run": False}
        except ArchiveRefused as exc:
            self.stderr.write(str(exc))
            raise SystemExit(1) from None
        self._print(result, as_json=options["json"], connection=options["connection"])

    def _undo(self, district) -> dict:
        archive = YearArchive.objects.filter(
            district=district, status=YearArchive.Status.ARCHIVED
        ).first()
        if archive is None:
            raise ArchiveRefused(NOTHING_TO_UNDO.format(district=district))
        archive = year_archive_undo(archive=archive, actor=None, source="command line")
        return {"label": archive.label, "restored": archive.undo_counts,
                "not_restored": archive.not_restored, "dry_run": False}  # fmt: skip

    def _print(self, result: dict, *, as_json: bool, connection: str) -> None:
        if as_json:
            self.stdout.write(json.dumps(result, indent=2))
            return
        verb = "restored" if "restored" in result else "archived"
        what = "Would archive" if result["dry_run"] else verb.capitalize()
        counts = result[verb]
        self.stdout.write(f"{what} school year {result['label']}:")
        for key in COUNT_KEYS:
            self.stdout.write(f"  {key:<12} {counts.get(key, 0):>8,}")
        for table, left in result.get("not_restored", {}).items():
            self.stdout.write(f"  {left['count']:,} {table} stay archived (a later import "
                              f"rebuilt them), e.g. {', '.join(left['sample'][:5])}")  # fmt: skip
        for warning in result.get("warnings", []):
            self.stdout.write(f"  ! {warning}")
        if verb == "archived" and not result["dry_run"]:
            self.stdout.write(PAUSE_HINT.format(connection=connection))

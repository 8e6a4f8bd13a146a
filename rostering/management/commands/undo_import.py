import json

from django.core.management.base import BaseCommand, CommandError

from rostering.models import SyncRun
from rostering.undo import UndoRefused, sync_run_undo

NO_SUCH_RUN = "No import #{run}."


class Command(BaseCommand):
    help = (
        "Undo an import: archive what it created, give what it updated its previous values, "
        "restore what it archived. Refused (exit 1) when a later import changed those rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("run", type=int, help="The import's number (#).")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options):
        run = SyncRun.objects.select_related("connection").filter(pk=options["run"]).first()
        if run is None:
            raise CommandError(NO_SUCH_RUN.format(run=options["run"]))
        try:
            result = sync_run_undo(run=run, actor=None, source="command line")
        except UndoRefused as exc:
            self.stderr.write(str(exc))
            for conflict in exc.conflicts:
                self.stderr.write(f"  {conflict.table} {conflict.sourced_id}: {conflict.action} "
                                  f"by import #{conflict.run_id}")  # fmt: skip
            raise SystemExit(1) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
            return
        self.stdout.write(f"Undid import #{run.pk}:")
        for label, counts in result.as_dict().items():
            for table, count in sorted(counts.items()):
                self.stdout.write(f"  {label:<9} {count:>7,} {table}")

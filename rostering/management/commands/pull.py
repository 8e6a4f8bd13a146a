import json

from django.core.management.base import BaseCommand, CommandError

from connections.management.arguments import connection_argument_add, connection_from_options
from rostering.imports import sync_run_preview, sync_run_start
from rostering.models import ImportRecord, SyncRun
from rostering.sync.report import run_report
from rostering.sync.runs import ConnectionBusy, ConnectionDisabled

ROW_COUNTS = [name for name in ImportRecord.COUNT_FIELDS if not name.startswith("held_")]


class Command(BaseCommand):
    help = (
        "Import a connection's roster now and wait for it. Exit status: 0 Completed, "
        "3 Completed with ERROR, 1 ERROR, 4 Held (the SIS's school year changed)."
    )

    def add_arguments(self, parser):
        connection_argument_add(parser)
        parser.add_argument("--dry-run", action="store_true", help="Report, write nothing.")
        modes = parser.add_mutually_exclusive_group()
        modes.add_argument("--full", dest="mode", action="store_const", const="full")
        modes.add_argument(
            "--delta",
            dest="mode",
            action="store_const",
            const="delta",
            help="Only records changed since the last successful import.",
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options):
        connection = connection_from_options(options)
        mode = options["mode"] or SyncRun.Mode.FULL
        try:
            if options["dry_run"]:
                report = sync_run_preview(connection=connection, actor=None, mode=mode)
            else:
                run = sync_run_start(
                    connection=connection,
                    actor=None,
                    mode=mode,
                    trigger=SyncRun.Trigger.COMMAND,
                    inline=True,
                )
                report = run_report(run=run)
        except (ConnectionBusy, ConnectionDisabled) as exc:
            raise CommandError(str(exc)) from None
        self._print(report, as_json=options["json"], dry_run=options["dry_run"])
        if report.exit_code:
            raise SystemExit(report.exit_code)

    def _print(self, report, *, as_json: bool, dry_run: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, default=str))
            return
        title = "Dry run (nothing written)" if dry_run else f"Import #{report.run}"
        self.stdout.write(f"{title}: {report.status} ({report.mode})")
        if report.message:
            self.stdout.write(f"  {report.message}")
        for r in report.records:
            counts = ", ".join(f"{k} {r[k]}" for k in ROW_COUNTS if r[k])
            held = r["held_updates"] + r["held_archives"]
            self.stdout.write(
                f"  {r['kind']:<12} {r['status']:<22} {counts}" + (f", held {held}" if held else "")
            )
            if r["message"]:
                self.stdout.write(f"    {r['message']}")
        for issue in report.issues[:20]:
            self.stdout.write(f"  ! {issue['code']} {issue['sourced_id']}: {issue['message']}")
        if report.issues_total > 20:
            self.stdout.write(f"  … and {report.issues_total - 20} more issues")

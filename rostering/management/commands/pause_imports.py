import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from connections.management.arguments import connection_argument_add, connection_from_options
from rostering.connection_settings import (
    PAUSE_NOT_OF_CONNECTION,
    schedule_pause_add,
    schedule_pause_delete,
)
from rostering.models import SchedulePause

BAD_DATE = "Write dates as YYYY-MM-DD, not {value!r}."
NEED_BOTH_DAYS = "Give the first and the last day of the pause: --from YYYY-MM-DD --to YYYY-MM-DD."


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(BAD_DATE.format(value=value)) from None


class Command(BaseCommand):
    help = (
        "Pause a connection's daily imports (e.g. over summer): --from and --to add a pause "
        "period, --remove ID deletes one; without them, lists the pause periods."
    )

    def add_arguments(self, parser):
        connection_argument_add(parser)
        parser.add_argument("--from", dest="start", help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="end", help="Last day, YYYY-MM-DD.")
        parser.add_argument("--reason", default="", help="e.g. Summer break")
        parser.add_argument("--remove", type=int, metavar="ID", help="Delete pause period ID.")

    def handle(self, *args, **options):
        connection = connection_from_options(options)
        if options["remove"] is not None:
            pause = SchedulePause.objects.filter(pk=options["remove"], connection=connection)
            if not (pause := pause.first()):
                message = PAUSE_NOT_OF_CONNECTION.format(pause=options["remove"],
                                                         connection=connection)  # fmt: skip
                raise CommandError(message)
            schedule_pause_delete(pause=pause, actor=None, source="command line")
        elif options["start"] or options["end"]:
            if not (options["start"] and options["end"]):
                raise CommandError(NEED_BOTH_DAYS)
            try:
                schedule_pause_add(
                    connection=connection,
                    start_date=_date(options["start"]),
                    end_date=_date(options["end"]),
                    reason=options["reason"],
                    actor=None,
                    source="command line",
                )
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None
        for pause in SchedulePause.objects.filter(connection=connection).order_by("start_date"):
            self.stdout.write(f"#{pause.pk} {pause}")

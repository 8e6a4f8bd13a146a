from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from connections.management.arguments import connection_argument_add, connection_from_options
from rostering.models.rules import RULE_FIELDS
from rostering.rules_settings import sync_rules_get, sync_rules_preview, sync_rules_update
from rostering.sync.rules import SKIP_RULE_LABELS

BAD_ASSIGNMENT = "Write each rule as name=values (e.g. grades_include=09,10,11,12), not {text!r}."
NOT_SAVED = "Not saved: add --save to save these rules (the next import applies them)."


def rule_parse(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep:
        raise ValidationError(BAD_ASSIGNMENT.format(text=text))
    return name.strip(), value


class Command(BaseCommand):
    help = (
        "Show a connection's sync rules, or preview a change with --set name=values "
        "(repeated; an empty value clears a rule) and save it with --save: the same "
        "validation, preview and audit trail as the connection's Sync rules page."
    )

    def add_arguments(self, parser):
        connection_argument_add(parser)
        parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUES")
        parser.add_argument("--save", action="store_true", help="save after the preview")

    def handle(self, *args, **options):
        connection = connection_from_options(options)
        try:
            values = dict(rule_parse(text) for text in options["set"])
            if values:
                self._preview(connection, values)
                if options["save"]:
                    sync_rules_update(connection=connection, values=values, actor=None,
                                      source="command line")  # fmt: skip
                else:
                    self.stdout.write(NOT_SAVED)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        current = sync_rules_get(connection=connection).values()
        for name in RULE_FIELDS:
            self.stdout.write(f"{name} = {', '.join(current[name])}")

    def _preview(self, connection, values) -> None:
        preview = sync_rules_preview(connection=connection, values=values, actor=None)
        summary = preview.summary
        self.stdout.write(
            f"Preview (nothing written): {summary['added']} added, {summary['archived']} "
            f"archived, {summary['held']} held for approval, {summary['skipped']} skipped "
            "by the rules."
        )
        for reason, count in preview.rule_skips.items():
            self.stdout.write(f"  {count} {SKIP_RULE_LABELS[reason]}")
        if preview.teacher_skips:
            self.stdout.write(
                f"  among them {preview.teacher_skips} teacher(s) who teach no class these "
                "rules keep"
            )

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import models

from connections.management.arguments import connection_argument_add, connection_from_options
from rostering.connection_settings import (
    UNKNOWN_SETTING,
    sync_settings_fields,
    sync_settings_get,
    sync_settings_update,
)
from rostering.models import SyncSettings

BAD_ASSIGNMENT = "Write each setting as name=value (e.g. archive_missing=true), not {text!r}."
TRUE_WORDS, FALSE_WORDS = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}
BAD_BOOLEAN = "{name} is on or off: write true or false, not {value!r}."


def setting_parse(text: str) -> tuple[str, object]:
    """(name, value) from `name=value`; ValidationError naming what is wrong."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep:
        raise ValidationError(BAD_ASSIGNMENT.format(text=text))
    known = sync_settings_fields()
    if name not in known:
        raise ValidationError(UNKNOWN_SETTING.format(name=name, known=", ".join(known)))
    field = SyncSettings._meta.get_field(name)
    if isinstance(field, models.BooleanField):
        word = value.strip().lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            raise ValidationError(BAD_BOOLEAN.format(name=name, value=value))
        return name, word in TRUE_WORDS
    return name, field.to_python(value)


class Command(BaseCommand):
    help = (
        "Show a connection's sync settings, or change some with --set name=value (repeated): "
        "the same validation and audit trail as the connection page."
    )

    def add_arguments(self, parser):
        connection_argument_add(parser)
        parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")

    def handle(self, *args, **options):
        connection = connection_from_options(options)
        try:
            values = dict(setting_parse(text) for text in options["set"])
            if values:
                sync_settings_update(
                    connection=connection, values=values, actor=None, source="command line"
                )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        current = sync_settings_get(connection=connection)
        for name in sync_settings_fields():
            self.stdout.write(f"{name} = {getattr(current, name)}")

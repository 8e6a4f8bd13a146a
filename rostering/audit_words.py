"""The audit trail in words: "Parent contacts: primary contact → every contact", with the
labels a manager knows (the fields' own), for the trail's pages and its CSV."""

from functools import cache

from django.apps import apps
from django.db import models
from django.utils.text import capfirst

from audit.models import AuditEvent
from audit.services import MASK

EMPTY = "—"
# Choices whose labels are sentences on the form; in the trail a few words say it.
SHORT_VALUES = {
    ("sync settings", "guardians"): {
        "off": "none",
        "primary": "primary contact",
        "all": "every contact",
    },
    ("sync settings", "existing_accounts"): {
        "skip": "skip existing accounts",
        "update": "update existing accounts",
    },
}
# The connection form's words (the guides'), not the model's.
FIELD_WORDS = {
    "client_secret": "Consumer Secret Key",
    "certificate": "API certificate",
    "school_codes": "School ID(s)",
}


@cache
def _models_by_name() -> dict[str, type[models.Model]]:
    return {str(m._meta.verbose_name): m for m in apps.get_models()}


def _field(object_type: str, name: str) -> models.Field | None:
    model = _models_by_name().get(object_type)
    if model is None:
        return None
    for field in model._meta.concrete_fields:
        if name in (field.name, field.attname):
            return field
    return None


def _value(object_type: str, name: str, field, value) -> str:
    if value in (None, "", []):
        return EMPTY
    if value == MASK:
        return "(secret)"
    short = SHORT_VALUES.get((object_type, name), {})
    if isinstance(value, str) and value in short:
        return short[value]
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or EMPTY
    return str(value)


def audit_change_words(event: AuditEvent) -> list[str]:
    """Each changed field of the event as "Label: old → new" (secrets only as changed)."""
    words = []
    for name, pair in sorted((event.changes or {}).items()):  # jsonb keeps no order
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        field = _field(event.object_type, name)
        label = FIELD_WORDS.get(name) or capfirst(
            str(field.verbose_name) if field is not None else name.replace("_", " ")
        )
        if old == MASK or new == MASK:
            words.append(f"{label}: changed" if old else f"{label}: set")
            continue
        old_words = _value(event.object_type, name, field, old)
        new_words = _value(event.object_type, name, field, new)
        if event.action == AuditEvent.Action.CREATE:
            words.append(f"{label}: {new_words}")
        elif event.action == AuditEvent.Action.DELETE:
            words.append(f"{label} was {old_words}")
        else:
            words.append(f"{label}: {old_words} → {new_words}")
    return words


def audit_summary(event: AuditEvent) -> str:
    """ "Changed sync settings of Demo — Aeries", "Approved held changes" …"""
    what = event.get_action_display()
    if event.action in (AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE,
                        AuditEvent.Action.DELETE):  # fmt: skip
        return f"{what} {event.object_type}".strip()
    return what

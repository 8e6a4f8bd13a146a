"""A connection's sync rules and name formats: the one writer of each (validated,
audited), and their previews. The rules page and name formats page of a connection and
the `sync_rules` and `name_format` commands go through these services."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from audit.models import AuditEvent
from audit.services import audit_changes, audit_record, field_values
from connections.models import Connection
from rostering.imports import sync_run_preview_changes
from rostering.models import NameFormat, SyncRules, SyncRun
from rostering.models.rules import RULE_FIELDS
from rostering.naming import template_errors
from rostering.preview import PreviewFile, preview_files
from rostering.sync.report import RunReport
from rostering.sync.rules import SKIP_RULE_LABELS
from sis.records import CEDS_GRADES, grade_normalise

UNKNOWN_RULE = "{name!r} is not a sync rule; known rules: {known}."
UNKNOWN_GRADE = "{values} {is_are} not a grade level; use CEDS codes: {codes}."
BOTH_SIDES = "{value!r} is both included and excluded in {what}; keep it on one side."
NO_SUBJECTS = (
    "The Aeries API sends no subjects for its classes, so a subject rule would match no "
    "class of {connection}; use course codes instead."
)
UNKNOWN_NAME_FIELD = "{name!r} is not a name format setting; known: {known}."
NAME_FORMAT_FIELDS = (*NameFormat.TEMPLATE_FIELDS, "max_length")


def rule_values_parse(text: str | list | tuple) -> list[str]:
    """A list of rule values from "09, 10" or one per line (trimmed, repeats dropped)."""
    items = text if isinstance(text, list | tuple) else str(text).replace("\n", ",").split(",")
    return list(dict.fromkeys(str(v).strip() for v in items if str(v).strip()))


def sync_rules_get(*, connection: Connection) -> SyncRules:
    found = SyncRules.objects.filter(connection=connection).first()
    return found or SyncRules(connection=connection)


def sync_rules_clean(*, connection: Connection, values: Mapping[str, Any]) -> dict[str, list]:
    """The rules as stored (grades as CEDS codes); ValidationError naming what is wrong."""
    unknown = [name for name in values if name not in RULE_FIELDS]
    if unknown:
        raise ValidationError(UNKNOWN_RULE.format(name=unknown[0], known=", ".join(RULE_FIELDS)))
    cleaned = {name: rule_values_parse(value) for name, value in values.items()}
    errors: dict[str, list[str]] = {}
    for name in ("grades_include", "grades_exclude"):
        if name not in cleaned:
            continue
        codes = [grade_normalise(v) for v in cleaned[name]]
        bad = [v for v, code in zip(cleaned[name], codes, strict=True) if code not in CEDS_GRADES]
        if bad:
            errors[name] = [UNKNOWN_GRADE.format(
                values=", ".join(repr(b) for b in bad), is_are="is" if len(bad) == 1 else "are",
                codes=", ".join(CEDS_GRADES))]  # fmt: skip
        cleaned[name] = list(dict.fromkeys(codes))
    if connection.kind == Connection.Kind.AERIES_API and any(
        cleaned.get(n) for n in ("subjects_include", "subjects_exclude")
    ):
        errors["subjects_include"] = [NO_SUBJECTS.format(connection=connection)]
    for kind in ("grades", "course_codes", "subjects", "terms"):
        include = {v.casefold() for v in cleaned.get(f"{kind}_include", [])}
        for value in cleaned.get(f"{kind}_exclude", []):
            if value.casefold() in include:
                what = kind.replace("_", " ")
                errors.setdefault(f"{kind}_exclude", []).append(
                    BOTH_SIDES.format(value=value, what=what)
                )
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def sync_rules_update(
    *,
    connection: Connection,
    values: Mapping[str, Any],
    actor: AbstractBaseUser | None,
    source: str = "admin",
    remote_addr: str | None = None,
) -> SyncRules:
    """Sets some of a connection's sync rules (validated, audited); the next import
    applies them (what it would archive goes through the safeguard)."""
    cleaned = sync_rules_clean(connection=connection, values=values)
    stored = SyncRules.objects.select_for_update().filter(connection=connection).first()
    rules = stored or SyncRules(connection=connection)
    before = field_values(rules, list(cleaned)) if stored else {}
    for name, value in cleaned.items():
        setattr(rules, name, value)
    rules.save()
    changes = audit_changes(before=before, after=field_values(rules, list(cleaned)))
    if changes or stored is None:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE if stored else AuditEvent.Action.CREATE,
            obj=rules,
            district_id=connection.district_id,
            changes=changes,
            source=source,
            remote_addr=remote_addr,
        )
    return rules


@dataclass(frozen=True)
class RulesPreview:
    report: RunReport
    files: list[PreviewFile]
    # rule skip reason -> rows it would skip, over every file
    rule_skips: dict[str, int]
    # teachers it would leave out (they teach no class the rules keep): among rule_skips
    teacher_skips: int = 0

    def total(self, *names: str) -> int:
        return sum(record[name] for record in self.report.records for name in names)

    @property
    def summary(self) -> dict[str, int]:
        """What the import would do over every file, as the rules page sums it up."""
        return {
            "added": self.total("created", "restored"),
            "archived": self.total("archived"),
            "held": self.total("held_updates", "held_archives", "held_relinks"),
            "skipped": sum(self.rule_skips.values()),
        }


def _inspect(*, run: SyncRun) -> tuple[list[PreviewFile], dict[str, int], int]:
    skips: dict[str, int] = {}
    teachers = 0
    for reasons, parts in run.records.values_list("skipped_reasons", "part_counts"):
        for reason, count in (reasons or {}).items():
            if reason in SKIP_RULE_LABELS:
                skips[reason] = skips.get(reason, 0) + count
        skipped_by = (parts or {}).get("teachers", {}).get("skipped_by", {})
        teachers += sum(n for reason, n in skipped_by.items() if reason in SKIP_RULE_LABELS)
    return preview_files(run=run), skips, teachers


def sync_rules_preview(
    *, connection: Connection, values: Mapping[str, Any], actor: AbstractBaseUser | None
) -> RulesPreview:
    """What a full import would do with these rules (not saved): the rules are set inside
    the preview's rolled-back transaction. ValidationError when they are not valid."""
    cleaned = sync_rules_clean(connection=connection, values=values)

    def prepare() -> None:
        rules = sync_rules_get(connection=connection)
        for name, value in cleaned.items():
            setattr(rules, name, value)
        rules.save()

    report, (files, skips, teachers) = sync_run_preview_changes(
        connection=connection, actor=actor, prepare=prepare, inspect=_inspect
    )
    return RulesPreview(report, files, skips, teachers)


def name_format_get(*, connection: Connection) -> NameFormat:
    found = NameFormat.objects.filter(connection=connection).first()
    return found or NameFormat(connection=connection)


def name_format_clean(*, values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = [name for name in values if name not in NAME_FORMAT_FIELDS]
    if unknown:
        known = ", ".join(NAME_FORMAT_FIELDS)
        raise ValidationError(UNKNOWN_NAME_FIELD.format(name=unknown[0], known=known))
    cleaned, errors = {}, {}
    for name, value in values.items():
        if name == "max_length":
            cleaned[name] = value
            continue
        text = str(value or "").strip()
        if text and (found := template_errors(text, email=name.endswith("_email"))):
            errors[name] = found
        cleaned[name] = text
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def name_format_update(
    *,
    connection: Connection,
    values: Mapping[str, Any],
    actor: AbstractBaseUser | None,
    source: str = "admin",
    remote_addr: str | None = None,
) -> NameFormat:
    """Sets a connection's name format (validated, audited). New accounts get its names
    from the next import on; existing accounts are renamed only when a manager approves
    the renames the next import holds."""
    cleaned = name_format_clean(values=values)
    stored = NameFormat.objects.select_for_update().filter(connection=connection).first()
    fmt = stored or NameFormat(connection=connection)
    before = field_values(fmt, list(cleaned)) if stored else {}
    for name, value in cleaned.items():
        setattr(fmt, name, value)
    fmt.full_clean(validate_unique=False)
    fmt.save()
    changes = audit_changes(before=before, after=field_values(fmt, list(cleaned)))
    if changes or stored is None:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE if stored else AuditEvent.Action.CREATE,
            obj=fmt,
            district_id=connection.district_id,
            changes=changes,
            source=source,
            remote_addr=remote_addr,
        )
    return fmt

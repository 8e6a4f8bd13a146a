"""A changed row's columns in words: "Family name: Lopez → López", "Class: Algebra I →
Geometry", for held changes, the preview, the change lists and a person's history."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.text import capfirst

from rostering.models import AcademicSession, Course, Enrollment, Guardian, Person, Section
from rostering.roster_labels import shown, value_names
from rostering.sync.changes import NOT_SHOWN

TABLE_MODELS: dict[str, type[models.Model]] = {
    "person": Person,
    "section": Section,
    "enrollment": Enrollment,
    "guardian": Guardian,
    "term": AcademicSession,
    "course": Course,
}
TABLE_NOUNS = {
    "person": ("account", "accounts"),
    "section": ("class", "classes"),
    "enrollment": ("enrollment", "enrollments"),
    "guardian": ("parent contact", "parent contacts"),
    "term": ("term", "terms"),
    "course": ("course", "courses"),
}
COLUMN_LABELS = {"archive_reason": "Why archived", "status": "Status"}
ID_COLUMNS = ("person_id", "student_id", "section_id", "school_id")


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"


def table_noun(table: str, count: int) -> str:
    one, many = TABLE_NOUNS.get(table, (table, table + "s"))
    return one if count == 1 else many


def column_label(table: str, column: str) -> str:
    if column in COLUMN_LABELS:
        return COLUMN_LABELS[column]
    model = TABLE_MODELS.get(table)
    if model is not None:
        for field in model._meta.concrete_fields:
            if column in (field.attname, field.name):
                return capfirst(str(field.verbose_name))
    return capfirst(column.replace("_", " "))


def _choice_labels(table: str, column: str) -> dict:
    model = TABLE_MODELS.get(table)
    if model is None:
        return {}
    for field in model._meta.concrete_fields:
        if field.attname == column and field.choices:
            return dict(field.choices)
    return {}


def _names(items: Iterable[tuple[str, dict, dict]]) -> dict[str, dict]:
    """Names of every id the id columns of these changes hold, one query per column."""
    wanted: dict[str, set] = defaultdict(set)
    for _table, before, after in items:
        for column in ID_COLUMNS:
            for side in (before, after):
                if column in side:
                    wanted[column].add(side[column])
    return {column: value_names(column=column, values=ids) for column, ids in wanted.items()}


def _named(labels: dict, value):
    return labels.get(value, value) if isinstance(value, int | str) else value


def field_changes_many(
    items: list[tuple[str, dict, dict]],
) -> list[tuple[FieldChange, ...]]:
    """For each (table, before, after), its changed columns in words (ids named)."""
    names = _names(items)
    result = []
    for table, before, after in items:
        changes = []
        for column in [*before, *(c for c in after if c not in before)]:
            if column in NOT_SHOWN:
                continue  # bookkeeping the change log keeps for undo, not a change to read
            labels = names.get(column) or _choice_labels(table, column)
            old, new = before.get(column), after.get(column)
            changes.append(
                FieldChange(
                    column_label(table, column),
                    shown(_named(labels, old)),
                    shown(_named(labels, new)),
                )
            )
        result.append(tuple(changes))
    return result


def field_changes(*, table: str, before: dict, after: dict) -> tuple[FieldChange, ...]:
    return field_changes_many([(table, before, after)])[0]

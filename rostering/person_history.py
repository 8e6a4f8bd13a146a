"""A person's history: every import that created, changed, archived or restored them,
their enrollments and their parent contacts, with the field changes — what support needs
to answer "why did this student lose their class?"."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from rostering.change_words import FieldChange, field_changes_many
from rostering.models import Enrollment, Guardian, Person, RosterChange, Section
from rostering.roster_labels import class_title

HISTORY_LIMIT = 300
ACTION_WORDS = {
    RosterChange.Action.UPDATED: "changed",
    RosterChange.Action.ARCHIVED: "archived",
    RosterChange.Action.RESTORED: "restored",
    RosterChange.Action.RELINKED: "relinked to a new sourcedId",
}


@dataclass(frozen=True)
class HistoryEvent:
    at: datetime | None
    run_id: int | None
    what: str
    changes: tuple[FieldChange, ...] = ()


def _class_names(enrollments: list[Enrollment]) -> dict[int, str]:
    sections = Section.objects.in_bulk({e.section_id for e in enrollments})
    return {
        e.pk: class_title(sections[e.section_id]) if e.section_id in sections else "a class"
        for e in enrollments
    }


def _created(person: Person, enrollments, contacts, classes) -> list[HistoryEvent]:
    events = [HistoryEvent(person.created_at, person.created_run_id, "Account created")]
    events += [
        HistoryEvent(e.created_at, e.created_run_id, f"Enrolled in {classes[e.pk]} ({e.role})")
        for e in enrollments
    ]
    events += [
        HistoryEvent(g.created_at, g.created_run_id, f"Parent contact {g} added") for g in contacts
    ]
    return events


def _what(change: RosterChange, classes: dict[int, str], contacts: dict[int, Guardian]) -> str:
    verb = ACTION_WORDS.get(change.action, change.action)
    if change.table == "enrollment":
        return f"Enrollment in {classes.get(change.row_id, 'a class')} {verb}"
    if change.table == "guardian":
        contact = contacts.get(change.row_id)
        return f"Parent contact {contact if contact else change.sourced_id} {verb}"
    return f"Account {verb}"


def person_history(*, person: Person, limit: int = HISTORY_LIMIT) -> list[HistoryEvent]:
    """Newest first: the person's own changes, their enrollments' and their contacts'."""
    enrollments = list(Enrollment.objects.filter(person=person))
    contacts = {g.pk: g for g in Guardian.objects.filter(student=person)}
    classes = _class_names(enrollments)
    rows = Q(table="person", row_id=person.pk)
    rows |= Q(table="enrollment", row_id__in=[e.pk for e in enrollments])
    rows |= Q(table="guardian", row_id__in=list(contacts))
    changes = list(
        RosterChange.objects.filter(rows, district_id=person.district_id).order_by(
            "-created_at", "-pk"
        )[:limit]
    )
    words = field_changes_many([(c.table, c.before, c.after) for c in changes])
    events = [
        HistoryEvent(c.created_at, c.run_id, _what(c, classes, contacts), w)
        for c, w in zip(changes, words, strict=True)
    ]
    events += _created(person, enrollments, contacts.values(), classes)
    events.sort(key=lambda e: (e.at is not None, e.at), reverse=True)
    return events[:limit]

"""Teachers a connection's sync rules leave out: those who teach no class the rules keep.

A district that syncs only grades 6-8, or only some courses, wants the teachers of those
classes, not every teacher. Whether a teacher teaches a kept class is told by the classes
and the teacher enrollments, but the staff file is written first: an account must exist
before its enrollments, which name it. So when the connection has sync rules (every kind
of rule cuts classes), reading the teachers begins with a read of what decides — terms
and courses (the codes and titles class rules match), classes, enrollments — through a
client of its own (its notices and caches are not the run's: the classes and enrollments
files read and report them as always). A teacher with an enrollment (role teacher) in a
class the rules keep stays; any other is skipped with the rule named — the rule that cut
most of his classes, or "teaches no class" when the SIS lists none — and, when stored,
archived through the safeguard like a student the rules leave out. Staff and
administrators are not tied to classes: never cut.

The trade-off: a connection with rules reads its classes and enrollments twice per
import (the second read, in their own files, is the one written); without rules nothing
more is read. Deciding after the enrollments file instead would either create accounts
only to archive them, or write teachers inside the enrollments file's transaction and
count them on a file already closed; reading first keeps every file whole and its own.
The decision rests on rows outside the teacher's own (his classes), so a teacher whose
row is unchanged is not passed over when the rules cut him (people.PersonWriter).
"""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

from rostering.sync.context import RunContext
from rostering.sync.rules import SKIP_RULE, SKIP_TEACHER_NO_CLASS, SectionRules
from sis import client_for
from sis.errors import SisError
from sis.records import Entity, Status

TEACHER_ROLE = "teacher"
UNREADABLE = (
    "The connection's sync rules import only the teachers of the classes they keep, and the "
    "classes could not be read to tell which: {error}"
)
RULE_ORDER = tuple(SKIP_RULE.values())  # a tie between rules names the first kind


@dataclass(frozen=True)
class TeacherScope:
    """Who teaches a class the rules keep, and why the others are out."""

    kept: frozenset[str]
    reasons: dict[str, str]  # a teacher teaching only cut classes -> the rule named

    def cut(self, sourced_id: str) -> str | None:
        """The skip reason of a teacher the rules leave out, or None."""
        if sourced_id in self.kept:
            return None
        return self.reasons.get(sourced_id, SKIP_TEACHER_NO_CLASS)


def rule_teachers_read(ctx: RunContext) -> None:
    """Sets ctx.rule_teachers when the connection has sync rules (before the teachers
    are read); SisError, saying what it was for, when the classes cannot be read."""
    if ctx.rules is None:
        return
    try:
        with _own_client(ctx) as client:
            ctx.rule_teachers = _scope(ctx, client)
    except SisError as exc:
        raise SisError(UNREADABLE.format(error=exc.message), fix=exc.fix, status=exc.status,
                       entity=exc.entity) from exc  # fmt: skip


def _own_client(ctx: RunContext):
    """A client like the run's, reading the same school year."""
    run_client = ctx.client
    options = {f.name: getattr(run_client.options, f.name) for f in fields(run_client.options)}
    client = client_for(run_client.credentials, **options)
    if ctx.run.school_year and hasattr(client, "year_select"):
        client.year_select(ctx.run.school_year)
    return client


def _records(client, entity: Entity) -> Iterator[Any]:
    for page in client.iter_pages(entity):
        for record in page.records:
            if record.status != Status.TOBEDELETED:
                yield record


def _scope(ctx: RunContext, client) -> TeacherScope:
    courses = {c.sourced_id: c.course_code for c in _records(client, Entity.COURSES)}
    terms = {t.sourced_id: t.title for t in _records(client, Entity.TERMS)}
    rules = SectionRules(ctx.rules, courses=courses, terms=terms)
    cut = {
        c.sourced_id: rules.cut(grades=c.grades, subjects=c.subjects,
                                course_sourced_id=c.course_sourced_id,
                                term_sourced_ids=c.term_sourced_ids)
        for c in _records(client, Entity.CLASSES)
    }  # fmt: skip
    kept: set[str] = set()
    counted: dict[str, Counter] = {}
    for e in _records(client, Entity.ENROLLMENTS):
        if e.role != TEACHER_ROLE or e.class_sourced_id not in cut:
            continue
        reason = cut[e.class_sourced_id]
        if reason is None:
            kept.add(e.user_sourced_id)
        else:
            counted.setdefault(e.user_sourced_id, Counter())[reason] += 1
    reasons = {teacher: _named(found) for teacher, found in counted.items()}
    for former, current in ctx.aliases.items():  # the writer sees a teacher's current id
        if former in kept:
            kept.add(current)
        elif former in reasons:
            reasons.setdefault(current, reasons[former])
    return TeacherScope(frozenset(kept), reasons)


def _named(found: Counter) -> str:
    """The rule that cut most of a teacher's classes."""
    return max(found, key=lambda reason: (found[reason], -RULE_ORDER.index(reason)))

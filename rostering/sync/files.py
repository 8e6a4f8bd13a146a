"""One file of a run (staff, students, classes, enrollments): fetch, then apply atomically."""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.db import DatabaseError, transaction
from django.utils import timezone

from rostering.models.sync import ImportRecord, RunStatus, SyncSettings
from rostering.sync.classes import COURSE, SECTION, TERM, course_writer, section_writer, term_writer
from rostering.sync.context import RunContext
from rostering.sync.counts import Counts
from rostering.sync.enrollments import ENROLLMENT, enrollment_writer
from rostering.sync.fingerprints import StoredDigests, stored_digests
from rostering.sync.guardians import GUARDIAN, guardian_writer
from rostering.sync.issues import (
    SCHOOL_MISSING,
    SIS_NOTICE,
    IssueCollector,
    sis_warnings_report,
)
from rostering.sync.people import PERSON, PersonWriter
from rostering.sync.rule_teachers import rule_teachers_read
from rostering.sync.spool import spool_fetch
from rostering.sync.upsert import TableSpec
from sis.errors import SisError
from sis.records import ENTITY_ROLE, Entity, SisPage

logger = logging.getLogger(__name__)

DATABASE_FAILED = "The database refused the import ({error}); nothing of this file was written."
OPTIONAL_PART_FAILED = "{label} could not be read and were not imported: {error}"


@dataclass(frozen=True)
class Part:
    entity: Entity
    label: str
    writer: Callable
    optional: bool = False
    table: TableSpec | None = None  # the table its writer writes (for its fingerprints)
    # What must be read before the part's own pages (the teachers: their classes, when
    # the connection's sync rules cut classes; sync/rule_teachers.py).
    before: Callable[[RunContext], None] | None = None

    def digests(self, ctx: RunContext) -> StoredDigests | None:
        """What a full run may pass over in this part (fingerprints.py)."""
        return stored_digests(ctx=ctx, entity=self.entity, spec=self.table) if self.table else None

    def pages(self, ctx: RunContext, stored: StoredDigests | None) -> Iterator[SisPage]:
        """The part's pages from the SIS, passing over the rows of `stored`."""
        since = ctx.since if not ctx.full else None
        if stored is None:
            pages = ctx.client.iter_pages(self.entity, since=since)
        else:
            pages = ctx.client.iter_pages(self.entity, since=since, known=stored.known())
        return pages if self.before is None else _after(self.before, ctx, pages)


def _after(before: Callable[[RunContext], None], ctx: RunContext, pages) -> Iterator[SisPage]:
    """The pages, once `before` has read what the part needs first (a SisError there is
    the part's: it cannot be read)."""
    before(ctx)
    yield from pages


def _person_part(entity: Entity, label: str) -> Part:
    role = ENTITY_ROLE[entity].value
    before = rule_teachers_read if entity is Entity.TEACHERS else None
    return Part(entity, label, partial(PersonWriter, role=role), table=PERSON, before=before)


def file_parts(settings: SyncSettings) -> dict[str, list[Part]]:
    """The files a connection's settings ask for, in import order."""
    staff = [
        _person_part(entity, label)
        for entity, label, on in (
            (Entity.TEACHERS, "teachers", settings.sync_teachers),
            (Entity.STAFF, "staff", settings.sync_staff),
            (Entity.ADMINISTRATORS, "administrators", settings.sync_administrators),
        )
        if on
    ]
    students = [_person_part(Entity.STUDENTS, "students")] if settings.sync_students else []
    if students and settings.guardians != SyncSettings.Guardians.OFF:
        students.append(
            Part(Entity.CONTACTS, "parent contacts", guardian_writer, optional=True, table=GUARDIAN)
        )
    classes = [
        Part(Entity.TERMS, "terms", term_writer, table=TERM),
        Part(Entity.COURSES, "courses", course_writer, table=COURSE),
        Part(Entity.CLASSES, "classes", section_writer, table=SECTION),
    ]
    files = {ImportRecord.Kind.STAFF: staff, ImportRecord.Kind.STUDENTS: students}
    if staff or students:
        files[ImportRecord.Kind.CLASSES] = classes
        files[ImportRecord.Kind.ENROLLMENTS] = [
            Part(Entity.ENROLLMENTS, "enrollments", enrollment_writer, table=ENROLLMENT)
        ]
    return {kind: parts for kind, parts in files.items() if parts}


@dataclass
class Fetched:
    """A file's pages, read and spooled (or the SIS error that stopped the reading)."""

    spools: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""
    started_at: datetime = field(default_factory=timezone.now)

    def close(self) -> None:
        for _, spool in self.spools:
            spool.close()


def file_fetch(*, ctx: RunContext, parts: list[Part]) -> Fetched:
    """Reads every part of a file; never raises for the SIS (the error is kept)."""
    fetched = Fetched()
    try:
        for part in parts:
            try:
                spool = spool_fetch(ctx=ctx, entity=part.entity, label=part.label,
                                    pages=part.pages(ctx, part.digests(ctx)))  # fmt: skip
                fetched.spools.append((part, spool))
            except SisError as exc:
                if not part.optional:
                    raise
                fetched.notes.append(
                    OPTIONAL_PART_FAILED.format(label=part.label.capitalize(), error=exc)
                )
    except SisError as exc:
        fetched.close()
        fetched.spools, fetched.error = [], str(exc)
    except BaseException:
        fetched.close()
        raise
    return fetched


class FileUnreadable(Exception):
    """A required part of the file could not be read from the SIS (its message says why)."""


@dataclass
class FileCounts:
    """A file's counts, and each of its parts' (students and parent contacts), and what
    its record says: `notes` make it Completed with ERROR (data is missing: an optional
    part unreadable, a school code the SIS does not know), `infos` do not (the data is
    complete but was read differently than asked)."""

    total: Counts = field(default_factory=Counts)
    parts: dict[str, dict] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)

    def add(self, part: "Part", counts: Counts) -> None:
        self.total.add(counts)
        self.parts[part.label] = counts.as_dict()

    def add_to(self, record: ImportRecord) -> None:
        self.total.add_to(record)
        record.part_counts = {**(record.part_counts or {}), **self.parts}


def part_write(
    *, ctx: RunContext, part: Part, pages, issues: IssueCollector, outcome: FileCounts
) -> Counts:
    """Writes one part's pages through its writer (inside the file's transaction), in
    the write backend's scope for a part (one open COPY on PostgreSQL); its counts.
    What the SIS said about its rows and its read goes to the issues and `outcome`."""
    counts = Counts()
    writer = part.writer(ctx=ctx, issues_=issues, counts=counts)
    try:
        with ctx.backend.part_scope():
            for page in pages:
                writer.apply_page(page.records, page.problems)
                sis_warnings_report(page.warnings, issues)
                notices_record(ctx, page.notices, issues, outcome)
                issues.flush()
                ctx.changes.flush()
            writer.finish()
            ctx.changes.flush()
            outcome.infos.extend(writer.notes)
    except BaseException:
        ctx.changes.discard()  # what it noted is rolled back with the part
        raise
    return counts


def notices_record(ctx: RunContext, notices: list, issues: IssueCollector, outcome) -> None:
    """A SIS notice about a read: an error on the file (a school code the SIS does not
    know), a note (read differently, data complete), or, naming no collection, on the run."""
    for notice in notices:
        line = notice.message + (f" {notice.fix}" if notice.fix and notice.severity == "error"
                                 else "")  # fmt: skip
        if notice.entity is None:
            ctx.run_notes.append(notice.message)
        elif notice.severity == "error":
            issues.add(SCHOOL_MISSING if notice.code == "school_missing" else SIS_NOTICE,
                       sourced_id=notice.school_code, field="school_code" if notice.school_code
                       else "", value=notice.message)  # fmt: skip
            outcome.notes.append(line)
        else:
            outcome.infos.append(line)


def apply_outcome(
    *, record: ImportRecord, counts: FileCounts, write: Callable[[], None]
) -> ImportRecord:
    """Runs a file's `write` and records how it ended: Completed, Completed with ERROR
    (rows failed or held, or notes), or ERROR (unreadable, or refused by the database)."""
    notes = counts.notes
    try:
        write()
        total = counts.total
        held = total.held_updates or total.held_archives or total.held_relinks
        failed = total.failed or held or notes
        record.status = RunStatus.COMPLETED_WITH_ERROR if failed else RunStatus.COMPLETED
        counts.add_to(record)
    except FileUnreadable as exc:
        record.status, notes = RunStatus.ERROR, [str(exc)]
    except DatabaseError as exc:
        logger.exception("import of %s failed in the database", record.kind)
        record.status, notes = RunStatus.ERROR, [DATABASE_FAILED.format(error=exc)]
    record.message = "\n".join(dict.fromkeys([*notes, *counts.infos]))
    record.finished_at = timezone.now()
    record.save()
    return record


def file_apply(*, ctx: RunContext, record: ImportRecord, fetched: Fetched) -> ImportRecord:
    """Writes a fetched (spooled) file in one transaction."""
    counts = FileCounts(notes=list(fetched.notes))
    record.started_at = fetched.started_at

    def write() -> None:
        if fetched.error:
            raise FileUnreadable(fetched.error)
        issues = IssueCollector(record)
        ctx.progress.start_stage(f"Writing {record.get_kind_display().lower()}")
        with transaction.atomic():
            for part, spool in fetched.spools:
                written = part_write(ctx=ctx, part=part, pages=spool.pages(), issues=issues,
                                     outcome=counts)  # fmt: skip
                counts.add(part, written)
            issues.flush()

    try:
        return apply_outcome(record=record, counts=counts, write=write)
    finally:
        fetched.close()

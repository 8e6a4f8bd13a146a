"""Undo an import, or a manager's approval of held changes, within a window.

What an import did is in its change log: every row it created names it
(`created_run_id`), and every row it updated, archived or restored has a RosterChange
with the changed columns' values before (and the row's content hash before). An undo
archives what the import created, gives every updated row its previous values (and
hash: the next import compares the SIS with the row as it was), restores what it
archived and archives again what it restored. It is refused, with the list, when a
later import or action changed one of those rows since: undoing would overwrite newer
data. Undoing an approval reverts only the changes the approval applied.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from rostering import guard
from rostering.models import (
    AcademicSession,
    Course,
    Enrollment,
    FieldPin,
    Guardian,
    ImportRecord,
    Person,
    PersonAlias,
    RosterChange,
    RosterStatus,
    RunStatus,
    Section,
    SisSchool,
    SyncRun,
    YearArchive,
)
from rostering.sync.backends import write_backend
from rostering.sync.people_links import school_links_replace

# The engine's table names (TableSpec.name, RosterChange.table) and their models.
MODELS: dict[str, type[models.Model]] = {
    "person": Person,
    "guardian": Guardian,
    "term": AcademicSession,
    "course": Course,
    "section": Section,
    "enrollment": Enrollment,
}
UNDONE_REASON = "Import #{run} was undone"
UNDOABLE = (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR)
CONFLICTS_SHOWN = 50

NOT_UNDOABLE = "Import #{run} is {status}: only a completed import can be undone."
ALREADY_UNDONE = "Import #{run} was already undone on {when:%b %-d, %Y} by {who}."
UNDO_TOO_LATE = "Import #{run} finished {days} days ago; imports can be undone for {window} days."
UNDO_BUSY = "{connection} has an import queued or running (import #{run}); undo after it ends."
UNDO_CONFLICTS = (
    "{count} row(s) this import changed were changed again since (by import #{later} and "
    "later): undoing would overwrite newer data, so nothing was undone."
)
NOTHING_APPROVED = "No approved held changes of {record} to undo."
ARCHIVED_SINCE = (
    "School year {label} was archived after import #{run}: an import of the old year can "
    "no longer be undone."
)


class UndoRefused(Exception):
    """The undo cannot run; str() says why. `conflicts` lists the rows that block it."""

    def __init__(self, message: str, conflicts: list["Conflict"] | None = None):
        super().__init__(message)
        self.conflicts = conflicts or []


@dataclass(frozen=True)
class Conflict:
    table: str
    sourced_id: str
    run_id: int | None  # the later import (None: a manager's action)
    action: str


@dataclass
class UndoResult:
    archived: dict[str, int] = field(default_factory=dict)  # rows the import created
    reverted: dict[str, int] = field(default_factory=dict)  # rows given their old values
    restored: dict[str, int] = field(default_factory=dict)  # rows it had archived

    def as_dict(self) -> dict:
        return {"archived": self.archived, "reverted": self.reverted, "restored": self.restored}


def _created(run: SyncRun) -> dict[str, models.QuerySet]:
    return {
        table: model.objects.filter(district_id=run.district_id, created_run_id=run.pk)
        for table, model in MODELS.items()
    }


def _later_changes(run: SyncRun, rows: dict[str, set[int]], since) -> list[Conflict]:
    """Changes after `since` (by later imports or managers' actions) to these rows."""
    later = RosterChange.objects.filter(district_id=run.district_id, created_at__gt=since)
    later = later.filter(Q(run__isnull=True) | ~Q(run_id=run.pk))
    found = []
    for table, ids in rows.items():
        if ids:
            hits = later.filter(table=table, row_id__in=ids).order_by("run_id", "pk")
            found += [Conflict(table, c.sourced_id, c.run_id, c.action) for c in hits]
    return found


def _check(run: SyncRun, now) -> None:
    if run.undone_at is not None:
        raise UndoRefused(ALREADY_UNDONE.format(run=run.pk, when=run.undone_at, who=run.undone_by))
    if run.status not in UNDOABLE or run.trigger in (SyncRun.Trigger.ARCHIVE, SyncRun.Trigger.UNDO):
        raise UndoRefused(NOT_UNDOABLE.format(run=run.pk, status=run.get_status_display()))
    window = settings.IMPORT_UNDO_DAYS
    if run.finished_at and (days := (now - run.finished_at).days) >= window:
        raise UndoRefused(UNDO_TOO_LATE.format(run=run.pk, days=days, window=window))
    archives = YearArchive.objects.filter(
        district_id=run.district_id, status=YearArchive.Status.ARCHIVED,
        created_at__gt=run.finished_at or run.created_at,
    )  # fmt: skip
    if archive := archives.first():
        raise UndoRefused(ARCHIVED_SINCE.format(label=archive.label, run=run.pk))


def _value(model: type[models.Model], column: str, value):
    field_ = model._meta.get_field(column)
    return field_.to_python(value) if value is not None else None


def _revert(changes: list[RosterChange], now, result: UndoResult) -> None:
    """Each change undone, latest first: values and hash back as they were."""
    for change in sorted(changes, key=lambda c: c.pk, reverse=True):
        model = MODELS[change.table]
        values = {c: _value(model, c, v) for c, v in change.before.items()}
        if change.before_hash:
            values["content_hash"] = change.before_hash
        if change.before_digest is not None:
            values["sis_digest"] = change.before_digest
        if change.action == RosterChange.Action.ARCHIVED:
            values = {"status": RosterStatus.ACTIVE}
            if model is Person:
                values |= {"archived_at": None, "archive_reason": ""}
            bucket = result.restored
        elif change.action == RosterChange.Action.RESTORED:
            values["status"] = RosterStatus.ARCHIVED
            bucket = result.archived
        else:
            bucket = result.reverted
            if change.action == RosterChange.Action.RELINKED:
                _relink_forget(change)
        values["updated_at"] = now
        model.objects.filter(pk=change.row_id).update(**values)
        bucket[change.table] = bucket.get(change.table, 0) + 1
    people = {c.row_id for c in changes if c.table == "person" and "sis_school_ids" in c.before}
    _school_links_refresh(people)


def _relink_forget(change: RosterChange) -> None:
    """A relink undone: the account's former sourcedId is its own again, not an alias
    (the one the relink made), and its pins name it. A re-keyed class, enrollment or
    contact (sync/rekeys.py) has no alias: its pins alone follow."""
    former = change.before.get("sourced_id")
    if not former:
        return
    if change.table == "person":
        PersonAlias.objects.filter(
            person_id=change.row_id, sourced_id=former, created_at__gte=change.created_at
        ).delete()
    FieldPin.objects.filter(table=change.table, row_id=change.row_id).update(sourced_id=former)


def _school_links_refresh(person_ids: set[int]) -> None:
    """Links to vendor schools as an import would make them from the SIS schools the
    reverted rows name again (their connection's mapping as it is now)."""
    if not person_ids:
        return
    people = Person.objects.filter(pk__in=person_ids).only("pk", "connection_id", "sis_school_ids")
    mapping = dict(
        SisSchool.objects.filter(connection_id__in={p.connection_id for p in people})
        .exclude(school=None)
        .values_list("sourced_id", "school_id")
    )
    pairs = [(p.pk, sorted({mapping[s] for s in p.sis_school_ids if s in mapping})) for p in people]
    school_links_replace(write_backend(), pairs=pairs)


def _archive_created(run: SyncRun, now, result: UndoResult) -> None:
    for table, rows in _created(run).items():
        values = {"status": RosterStatus.ARCHIVED, "updated_at": now}
        if table == "person":
            values |= {"archived_at": now, "archive_reason": UNDONE_REASON.format(run=run.pk)}
        count = rows.exclude(status=RosterStatus.ARCHIVED).update(**values)
        if count:
            result.archived[table] = result.archived.get(table, 0) + count


def sync_run_undo_conflicts(*, run: SyncRun) -> list[Conflict]:
    """What later imports or actions changed among the rows this import touched."""
    rows: dict[str, set[int]] = defaultdict(set)
    for table, created in _created(run).items():
        rows[table] |= set(created.values_list("pk", flat=True))
    for table, row_id in RosterChange.objects.filter(run=run).values_list("table", "row_id"):
        rows[table].add(row_id)
    return _later_changes(run, rows, since=run.finished_at or run.created_at)


def _guarded(run: SyncRun):
    return guard.imports_held(
        connections=[run.connection], trigger=SyncRun.Trigger.UNDO,
        message=f"Undo of import #{run.pk}",
    )  # fmt: skip


def sync_run_undo(
    *,
    run: SyncRun,
    actor: AbstractBaseUser | None,
    source: str = "admin",
    remote_addr: str | None = None,
    now: datetime.datetime | None = None,
) -> UndoResult:
    """Reverts everything the import did (and approvals of its held changes); raises
    UndoRefused when it cannot, with the rows in the way."""
    now = now or timezone.now()
    _check(run, now)
    conflicts = sync_run_undo_conflicts(run=run)
    if conflicts:
        message = UNDO_CONFLICTS.format(count=len(conflicts), later=conflicts[0].run_id or "—")
        raise UndoRefused(message, conflicts[:CONFLICTS_SHOWN])
    result = UndoResult()
    try:
        with _guarded(run), transaction.atomic():
            _revert(list(RosterChange.objects.filter(run=run)), now, result)
            _archive_created(run, now, result)
            who = actor.get_username() if actor is not None else source
            SyncRun.objects.filter(pk=run.pk).update(undone_at=now, undone_by=who)
            run.undone_at, run.undone_by = now, who
            audit_record(
                actor=actor, action=AuditEvent.Action.UNDO_IMPORT, obj=run,
                district_id=run.district_id, changes=result.as_dict(),
                message=f"Undid import #{run.pk}: " + _summary(result),
                source=source, remote_addr=remote_addr,
            )  # fmt: skip
    except guard.ConnectionsBusy as busy:
        raise UndoRefused(UNDO_BUSY.format(connection=busy.connection, run=busy.run_id)) from None
    return result


def held_approval_undo(
    *,
    record: ImportRecord,
    actor: AbstractBaseUser | None,
    source: str = "admin",
    remote_addr: str | None = None,
    now: datetime.datetime | None = None,
) -> UndoResult:
    """Reverts what approving the record's held changes applied (not the import)."""
    now = now or timezone.now()
    approved = list(RosterChange.objects.filter(record=record, approved=True))
    if not approved:
        raise UndoRefused(NOTHING_APPROVED.format(record=record))
    run = record.run
    window = settings.IMPORT_UNDO_DAYS
    if (days := (now - approved[0].created_at).days) >= window:
        raise UndoRefused(UNDO_TOO_LATE.format(run=run.pk, days=days, window=window))
    rows: dict[str, set[int]] = defaultdict(set)
    for change in approved:
        rows[change.table].add(change.row_id)
    since = max(c.created_at for c in approved)
    conflicts = _later_changes(run, rows, since=since)
    if conflicts:
        message = UNDO_CONFLICTS.format(count=len(conflicts), later=conflicts[0].run_id or "—")
        raise UndoRefused(message, conflicts[:CONFLICTS_SHOWN])
    result = UndoResult()
    try:
        with _guarded(run), transaction.atomic():
            _revert(approved, now, result)
            RosterChange.objects.filter(pk__in=[c.pk for c in approved]).update(approved=False)
            audit_record(
                actor=actor, action=AuditEvent.Action.UNDO_IMPORT, obj=record,
                district_id=run.district_id, changes=result.as_dict(),
                message=f"Undid the approval of {record}: " + _summary(result),
                source=source, remote_addr=remote_addr,
            )  # fmt: skip
    except guard.ConnectionsBusy as busy:
        raise UndoRefused(UNDO_BUSY.format(connection=busy.connection, run=busy.run_id)) from None
    return result


def _summary(result: UndoResult) -> str:
    parts = []
    for label, counts in (("archived", result.archived), ("reverted", result.reverted),
                          ("restored", result.restored)):  # fmt: skip
        total = sum(counts.values())
        if total:
            parts.append(f"{total:,} {label}")
    return ", ".join(parts) or "nothing to do"

"""Held changes: a manager applies (approves) or discards what a safeguard held back.

Approval is refused while the connection has an import queued or running (it may be
writing the same rows), and once a newer import of the same file has completed: that
import read the SIS again, so these held rows may be out of date and would overwrite
newer data. Discarding is always allowed; it only changes the held rows' status.
The record's status is left as the import ended (it did hold changes); its updated
and archived counts grow by what the approval applied.
"""

import logging
from collections.abc import Iterable, Iterator
from itertools import islice

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from rostering.models import Enrollment, Guardian, Person, School, Section
from rostering.models.changes import RosterChange
from rostering.models.people import RosterStatus
from rostering.models.sync import (
    ACTIVE_RUN_STATUSES,
    HeldChange,
    ImportRecord,
    RunStatus,
    SyncRun,
)
from rostering.sync.backends import write_backend
from rostering.sync.backends.base import WriteBackend
from rostering.sync.changes import ChangeLog, row_diff
from rostering.sync.classes import SECTION
from rostering.sync.enrollments import ENROLLMENT
from rostering.sync.guardians import GUARDIAN
from rostering.sync.identity import person_relink
from rostering.sync.people_links import alternative_username, school_links_replace
from rostering.sync.people_rows import PERSON
from rostering.sync.safeguard import ARCHIVE_REASON, CARRIED_FROM, rows_archive
from rostering.sync.upsert import TableSpec

logger = logging.getLogger(__name__)

# HeldChange.table -> how the engine writes that table, and its model.
HELD_SPECS: dict[str, TableSpec] = {s.name: s for s in (PERSON, SECTION, ENROLLMENT, GUARDIAN)}
HELD_MODELS: dict[str, type[models.Model]] = {
    PERSON.name: Person,
    SECTION.name: Section,
    ENROLLMENT.name: Enrollment,
    GUARDIAN.name: Guardian,
}
BATCH = 2000

NOTHING_HELD = "Import #{run} ({kind}) has no held changes waiting for approval."
NOTHING_HELD_RUN = "Import #{run} has no held changes waiting for approval."
HELD_RUN_ACTIVE = (
    "{connection} has an import queued or running (import #{run}); approve the held "
    "changes after it finishes."
)
HELD_SUPERSEDED = (
    "Import #{newer} read the {kind} file again after these changes were held, so they "
    "may be out of date. Review the newest import's held changes instead, or discard these."
)
HELD_CONFLICT = (
    "The held changes conflict with data written since they were held (a username or "
    "sourcedId is now taken); nothing was applied. Discard them and run a new import."
)
HELD_APPROVED = (
    "Applied {count} held change{s} of import #{run} ({kind}): {updated} updated, "
    "{archived} archived."
)
HELD_DISCARDED = "Discarded {count} held change{s} of import #{run} ({kind}); no data was changed."
ACTIVE_IDS_WHERE = "district_id = %s AND status = %s AND id IN ({marks})"
COMPLETED = (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR)


class HeldChangesRefused(Exception):
    pass


def _locked(record: ImportRecord) -> ImportRecord:
    """The record, row-locked so two approvals of one record cannot both apply."""
    return (
        ImportRecord.objects.select_for_update(of=("self",))
        .select_related("run__connection")
        .get(pk=record.pk)
    )


def _pending(record: ImportRecord) -> models.QuerySet:
    return record.held_changes.filter(status=HeldChange.Status.PENDING).order_by("pk")


def _batches(items: Iterable, size: int = BATCH) -> Iterator[list]:
    items = iter(items)
    while batch := list(islice(items, size)):
        yield batch


def _label(record: ImportRecord) -> dict:
    return {"run": record.run_id, "kind": record.get_kind_display().lower()}


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


def _check_approvable(record: ImportRecord) -> None:
    run = record.run
    active = SyncRun.objects.filter(connection_id=run.connection_id, status__in=ACTIVE_RUN_STATUSES)
    if busy := active.values_list("pk", flat=True).first():
        raise HeldChangesRefused(HELD_RUN_ACTIVE.format(connection=run.connection, run=busy))
    if newest := held_changes_superseded_by(record=record):
        raise HeldChangesRefused(HELD_SUPERSEDED.format(newer=newest, **_label(record)))


def held_changes_superseded_by(*, record: ImportRecord) -> int | None:
    """The newest later import of the connection that completed the same file, if any."""
    newer = ImportRecord.objects.filter(
        run__connection_id=record.run.connection_id,
        run_id__gt=record.run_id,
        kind=record.kind,
        status__in=COMPLETED,
    )
    return newer.order_by("-run_id").values_list("run_id", flat=True).first()


def _stored_rows(backend: WriteBackend, spec: TableSpec, district_id: int, sourced_ids) -> dict:
    """key -> (id, *row) of the stored rows with these sourcedIds."""
    keys = spec.key_columns
    sql = (f"SELECT {spec.select_list(*keys, 'id')} FROM {spec.table} "
           f"WHERE district_id = %s{spec.live_sql} AND sourced_id IN ({{marks}})")  # fmt: skip
    found = backend.select_in(sql=sql, params=[district_id], values=sorted(set(sourced_ids)))
    return {tuple(r[: len(keys)]): r[len(keys) :] for r in found}


def _updates_note(log: ChangeLog, record, spec: TableSpec, stored: dict, rows: list) -> None:
    """What each approved update changed, against the row as it is now."""
    key_index = [spec.index(c) for c in spec.key_columns]
    for row in rows:
        found = stored.get(tuple(row[i] for i in key_index))
        if found is not None:
            before, after = row_diff(spec, found[1:], row)
            log.add(record_id=record.pk, table=spec.name, row_id=found[0],
                    sourced_id=row[spec.index("sourced_id")],
                    action=RosterChange.Action.UPDATED, before=before, after=after,
                    before_hash=found[1 + spec.index("content_hash")])  # fmt: skip


def _updates_apply(backend: WriteBackend, record: ImportRecord, held: list[HeldChange], now) -> int:
    log = ChangeLog(
        run_id=record.run_id, district_id=record.run.district_id, now=now, approved=True
    )
    by_table: dict[str, list[HeldChange]] = {}
    for change in held:
        by_table.setdefault(change.table, []).append(change)
    schools = set(
        School.objects.filter(district_id=record.run.district_id).values_list("pk", flat=True)
    )
    for table, changes in by_table.items():
        spec = HELD_SPECS[table]
        rows = [spec.decode(change.payload["row"]) for change in changes]
        for row in rows:
            row[spec.index("updated_at")] = now
        stored = _stored_rows(
            backend, spec, record.run.district_id, [c.sourced_id for c in changes]
        )
        _updates_note(log, record, spec, stored, rows)
        log.flush()
        if spec is not PERSON:
            backend.upsert(spec, rows)
            continue
        links = {
            c.sourced_id: [s for s in c.payload.get("schools", []) if s in schools] for c in changes
        }
        returned = backend.upsert(spec, rows, returning=("id", "sourced_id"))
        school_links_replace(backend, pairs=[(pk, links[sid]) for pk, sid in returned])
    return len(held)


def _archives_apply(
    backend: WriteBackend, record: ImportRecord, held: list[HeldChange], now
) -> int:
    """Archives the held rows that are still active; returns how many were archived."""
    log = ChangeLog(
        run_id=record.run_id, district_id=record.run.district_id, now=now, approved=True
    )
    archived = 0
    by_table: dict[tuple[str, str], list[int]] = {}
    for change in held:
        reason = change.payload.get("reason", ARCHIVE_REASON)
        by_table.setdefault((change.table, reason), []).append(change.payload["id"])
    for (table, reason), ids in by_table.items():
        spec = HELD_SPECS[table]
        sql = f"SELECT id, sourced_id FROM {spec.table} WHERE {ACTIVE_IDS_WHERE}"
        params = [record.run.district_id, RosterStatus.ACTIVE]
        active = [(pk, sid) for pk, sid in backend.select_in(sql=sql, params=params, values=ids)]
        archived += rows_archive(spec=spec, ids=[pk for pk, _ in active], now=now, reason=reason)
        log.archived(record_id=record.pk, table=spec.name, rows=active, reason=reason)
    log.flush()
    return archived


def _relinks_apply(backend: WriteBackend, record: ImportRecord, held: list[HeldChange], now) -> int:
    """Each held relink: the old account carries on under the new sourcedId (its username
    stays free of anyone else's: another owner gives the usual deterministic alternative)."""
    log = ChangeLog(
        run_id=record.run_id, district_id=record.run.district_id, now=now, approved=True
    )
    for change in held:
        row = PERSON.decode(change.payload["row"])
        row[PERSON.index("updated_at")] = now
        username = row[PERSON.index("username")]
        taken = Person.objects.filter(district_id=record.run.district_id, username=username)
        if taken.exclude(pk=change.payload["old_id"]).exists():
            row[PERSON.index("username")] = alternative_username(username, change.sourced_id)
        person_relink(backend=backend, spec=PERSON, old_pk=change.payload["old_id"],
                      old_sourced_id=change.payload["old_sourced_id"], row=row,
                      schools=change.payload.get("schools", []), log=log,
                      record_id=record.pk)  # fmt: skip
    log.flush()
    return len(held)


def _apply(record: ImportRecord) -> tuple[int, int, int]:
    now, backend = timezone.now(), write_backend()
    count = updated = archived = 0
    for batch in _batches(_pending(record).iterator(chunk_size=BATCH)):
        count += len(batch)
        relinks = [c for c in batch if c.kind == HeldChange.Kind.RELINK]
        updated += _relinks_apply(backend, record, relinks, now)
        # A rename (a name format's) is the full row with its new names: an update.
        updates = [c for c in batch if c.kind in (HeldChange.Kind.UPDATE, HeldChange.Kind.RENAME)]
        updated += _updates_apply(backend, record, updates, now)
        archives = [c for c in batch if c.kind == HeldChange.Kind.ARCHIVE]
        archived += _archives_apply(backend, record, archives, now)
    return count, updated, archived


def held_changes_approve(
    *, record: ImportRecord, actor: AbstractBaseUser | None, remote_addr: str | None = None
) -> int:
    """Applies a record's pending held changes, audited; returns how many were applied.

    Raises HeldChangesRefused (nothing written) when nothing is pending, the connection
    is importing, a newer import of the same file completed, or the rows now conflict.
    """
    try:
        with transaction.atomic():
            record = _locked(record)
            if not _pending(record).exists():
                raise HeldChangesRefused(NOTHING_HELD.format(**_label(record)))
            _check_approvable(record)
            count, updated, archived = _apply(record)
            _pending(record).update(status=HeldChange.Status.APPLIED)
            before = {"updated": record.updated, "archived": record.archived}
            record.updated += updated
            record.archived += archived
            record.save(update_fields=["updated", "archived"])
            audit_record(
                actor=actor,
                action=AuditEvent.Action.APPROVE,
                obj=record,
                district_id=record.run.district_id,
                changes={k: [v, getattr(record, k)] for k, v in before.items()},
                message=HELD_APPROVED.format(
                    count=count,
                    s=_plural(count),
                    updated=updated,
                    archived=archived,
                    **_label(record),
                ),
                remote_addr=remote_addr,
            )
    except IntegrityError:
        logger.warning("held changes of import record %s conflict", record.pk, exc_info=True)
        raise HeldChangesRefused(HELD_CONFLICT) from None
    return count


def held_changes_discard(
    *, record: ImportRecord, actor: AbstractBaseUser | None, remote_addr: str | None = None
) -> int:
    """Marks a record's pending held changes discarded, audited; the data stays as it is."""
    with transaction.atomic():
        record = _locked(record)
        count = _pending(record).update(status=HeldChange.Status.DISCARDED)
        if not count:
            raise HeldChangesRefused(NOTHING_HELD.format(**_label(record)))
        audit_record(
            actor=actor,
            action=AuditEvent.Action.DISCARD,
            obj=record,
            district_id=record.run.district_id,
            changes={"held changes discarded": [0, count]},
            message=HELD_DISCARDED.format(count=count, s=_plural(count), **_label(record)),
            remote_addr=remote_addr,
        )
    return count


def _pending_records(run: SyncRun) -> list[ImportRecord]:
    """The run's files with pending held changes, in file order."""
    pending = HeldChange.objects.filter(record=OuterRef("pk"), status=HeldChange.Status.PENDING)
    records = run.records.filter(Exists(pending))
    order = [kind for kind, _ in ImportRecord.Kind.choices]
    return sorted(records, key=lambda r: order.index(r.kind))


def _each_file(run: SyncRun, decide, actor, remote_addr) -> int:
    records = _pending_records(run)
    if not records:
        raise HeldChangesRefused(NOTHING_HELD_RUN.format(run=run.pk))
    with transaction.atomic():
        return sum(decide(record=r, actor=actor, remote_addr=remote_addr) for r in records)


def held_changes_approve_run(
    *, run: SyncRun, actor: AbstractBaseUser | None, remote_addr: str | None = None
) -> int:
    """Approves every file of a run that has held changes, in one transaction (all of
    them are applied, or none); each file's approval is audited. Raises
    HeldChangesRefused when nothing is pending or a file's approval is refused."""
    return _each_file(run, held_changes_approve, actor, remote_addr)


def held_changes_discard_run(
    *, run: SyncRun, actor: AbstractBaseUser | None, remote_addr: str | None = None
) -> int:
    """Discards the held changes of every file of a run, each audited."""
    return _each_file(run, held_changes_discard, actor, remote_addr)


def held_changes_outcome(*, record: ImportRecord) -> dict[str, int]:
    """How many of a record's held changes are pending, applied and discarded, and how
    many earlier discards it kept ("kept": not held again, the SIS still said the same)."""
    changes = record.held_changes.order_by()
    kept = changes.filter(payload__has_key=CARRIED_FROM)
    rows = changes.exclude(payload__has_key=CARRIED_FROM).values_list("status")
    outcome = {status: n for status, n in rows.annotate(n=Count("id"))}
    if count := kept.count():
        outcome["kept"] = count
    return outcome

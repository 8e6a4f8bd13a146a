"""End-of-year rollover: archive a district's school year, start the next one clean,
undo a mistake within a window.

An archive sets aside every live class-side row of the district (terms, courses,
sections, enrollments, parent contacts) under a school-year label, and, when the
manager chooses, its active accounts. Archived class-side rows are kept and readable,
but no import matches them again (they are outside the partial unique indexes and the
engine's look-ups), so the next pull builds the new year's classes fresh even where
Aeries reuses last year's section numbers. Accounts are never deleted: a person who
appears in the new year's pull is restored with the same id.

While an archive or its undo runs, each connection of the district holds an
"End-of-year archive" run: the one-import-per-connection index refuses an import,
and an archive is refused while an import is queued or running.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from rostering import guard
from rostering.models import (
    District,
    Person,
    RosterChange,
    RosterStatus,
    SyncRun,
    YearArchive,
)
from rostering.models.rollover import LIVE
from rostering.rollover_notify import year_archive_notify
from rostering.rollover_preview import (
    CLASS_TABLES,
    COUNT_KEYS,
    active_people,
    archive_counts,
    live_rows,
    year_label_default,
)
from rostering.school_year import school_years_rolled_over, school_years_rollover_undone

ARCHIVE_REASON = "End of school year {label}"
CONFIRM_MISMATCH = "Type the district's name, {district}, exactly to confirm the archive."
ARCHIVE_IMPORT_ACTIVE = (
    "{connection} has an import queued or running (import #{run}); archive the year "
    "after it finishes."
)
NOTHING_TO_ARCHIVE = "{district} has no live classes, enrollments or contacts to archive."
UNDO_DONE_ALREADY = "The {label} archive was already undone on {when:%b %-d, %Y}."
UNDO_TOO_LATE = "The {label} archive is {days} days old; it can be undone for {window} days only."


class ArchiveRefused(Exception):
    """The archive or its undo cannot run now; str() says why and what to do."""


# The guard against imports ------------------------------------------------------------


@contextmanager
def imports_held(district: District, label: str) -> Iterator[None]:
    """Every connection of the district holds its one-import guard for the block;
    ArchiveRefused when one of them has an import queued or running."""
    try:
        with guard.imports_held(
            connections=district.connections.all(),
            trigger=SyncRun.Trigger.ARCHIVE,
            message=f"End-of-year archive {label}",
        ):
            yield
    except guard.ConnectionsBusy as busy:
        message = ARCHIVE_IMPORT_ACTIVE.format(connection=busy.connection, run=busy.run_id)
        raise ArchiveRefused(message) from None


# Archive --------------------------------------------------------------------------------


def _people_logged(archive: YearArchive, rows, *, action: str, after: dict, now) -> None:
    """A RosterChange per (id, sourcedId, archive reason) row: a person's history shows
    the archive and its undo like an import's changes."""
    changes = (
        RosterChange(
            district_id=archive.district_id,
            table="person",
            row_id=pk,
            sourced_id=sid,
            action=action,
            before={"status": "archived" if reason else "active", "archive_reason": reason},
            after=after,
            created_at=now,
        )
        for pk, sid, reason in rows.iterator(chunk_size=5000)
    )
    RosterChange.objects.bulk_create(changes, batch_size=5000)


def _people_archive(archive: YearArchive, roles: tuple[str, ...], now) -> int:
    people = active_people(archive.district, roles)
    reason = ARCHIVE_REASON.format(label=archive.label)
    after = {"status": "archived", "archive_reason": reason}
    rows = people.values_list("pk", "sourced_id", "archive_reason")
    _people_logged(archive, rows, action=RosterChange.Action.ARCHIVED, after=after, now=now)
    return people.update(
        status=RosterStatus.ARCHIVED, archived_at=now, archive_reason=reason, year_archive=archive
    )


def year_archive_run(
    *,
    district: District,
    actor: AbstractBaseUser | None,
    confirm: str,
    label: str = "",
    people_roles: tuple[str, ...] = (),
    source: str = "admin",
    remote_addr: str | None = None,
) -> YearArchive:
    """Archives the district's school year; raises ArchiveRefused (nothing changed) when
    the confirmation is not the district's name, an import is queued or running, or
    there is nothing to archive."""
    if confirm.strip() != district.name:
        raise ArchiveRefused(CONFIRM_MISMATCH.format(district=district.name))
    label = label.strip() or year_label_default(district=district)
    roles = tuple(people_roles)
    with imports_held(district, label), transaction.atomic():
        counts = archive_counts(district, roles)
        if not any(counts[name] for name in CLASS_TABLES):
            raise ArchiveRefused(NOTHING_TO_ARCHIVE.format(district=district))
        archive = YearArchive.objects.create(
            district=district, label=label, people_roles=list(roles), counts=counts,
            actor=actor if actor is not None and actor.is_authenticated else None,
            actor_label=actor.get_username() if actor is not None else source,
        )  # fmt: skip
        now = timezone.now()
        for name, (model, _) in CLASS_TABLES.items():
            rows = live_rows(model, district)
            archive.previously_archived[name] = list(
                rows.filter(status=RosterStatus.ARCHIVED).values_list("pk", flat=True)
            )
            rows.update(year_archive=archive, status=RosterStatus.ARCHIVED)
        if roles:
            _people_archive(archive, roles, now)
        archive.save(update_fields=["previously_archived"])
        school_years_rolled_over(district=district)  # the next imports take the next year
        audit_record(
            actor=actor, action=AuditEvent.Action.ARCHIVE, obj=district,
            changes={key: [0, n] for key, n in counts.items() if n},
            message=f"Archived school year {label}: " + _counts_text(counts),
            source=source, remote_addr=remote_addr,
        )  # fmt: skip
        transaction.on_commit(lambda: year_archive_notify(archive=archive, undone=False))
    return archive


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[key]:,} {key}" for key in COUNT_KEYS if counts.get(key))


# Undo -----------------------------------------------------------------------------------


def _no_live_twin(model: type[models.Model], keys: tuple[str, ...]) -> Exists:
    twins = model.objects.filter(
        LIVE, district=OuterRef("district"), **{key: OuterRef(key) for key in keys}
    )
    return ~Exists(twins)


def _class_rows_restore(archive: YearArchive) -> tuple[dict, dict]:
    restored, not_restored = {}, {}
    for name, (model, keys) in CLASS_TABLES.items():
        rows = model.objects.filter(year_archive=archive)
        free = rows.filter(_no_live_twin(model, keys))
        were_archived = archive.previously_archived.get(name, [])
        count = free.exclude(pk__in=were_archived).update(
            year_archive=None, status=RosterStatus.ACTIVE
        )
        count += free.filter(pk__in=were_archived).update(year_archive=None)
        restored[name] = count
        left = list(rows.values_list("sourced_id", flat=True)[:20])
        if left:
            not_restored[name] = {"count": rows.count(), "sample": left}
    return restored, not_restored


def _people_restore(archive: YearArchive, now) -> int:
    people = Person.objects.filter(year_archive=archive, status=RosterStatus.ARCHIVED)
    rows = people.values_list("pk", "sourced_id", "archive_reason")
    after = {"status": "active", "archive_reason": ""}
    _people_logged(archive, rows, action=RosterChange.Action.RESTORED, after=after, now=now)
    return people.update(
        status=RosterStatus.ACTIVE, archived_at=None, archive_reason="", year_archive=None
    )


def year_archive_undo(
    *,
    archive: YearArchive,
    actor: AbstractBaseUser | None,
    source: str = "admin",
    remote_addr: str | None = None,
    now: datetime.datetime | None = None,
) -> YearArchive:
    """Puts back exactly what the archive set aside, but the rows a later import rebuilt
    (a live row has their key again): those stay archived and are listed."""
    now = now or timezone.now()
    if archive.status == YearArchive.Status.UNDONE:
        raise ArchiveRefused(UNDO_DONE_ALREADY.format(label=archive.label, when=archive.undone_at))
    window = settings.YEAR_ARCHIVE_UNDO_DAYS
    if (days := (now - archive.created_at).days) >= window:
        raise ArchiveRefused(UNDO_TOO_LATE.format(label=archive.label, days=days, window=window))
    with imports_held(archive.district, archive.label), transaction.atomic():
        restored, not_restored = _class_rows_restore(archive)
        restored["people"] = _people_restore(archive, now)
        school_years_rollover_undone(district=archive.district)
        archive.status, archive.undone_at = YearArchive.Status.UNDONE, now
        archive.undo_counts = {key: restored.get(key, 0) for key in COUNT_KEYS}
        archive.not_restored = not_restored
        archive.save(update_fields=["status", "undone_at", "undo_counts", "not_restored"])
        left = sum(entry["count"] for entry in not_restored.values())
        audit_record(
            actor=actor, action=AuditEvent.Action.ARCHIVE_UNDO, obj=archive.district,
            changes={key: [n, 0] for key, n in archive.undo_counts.items() if n},
            message=f"Undid the {archive.label} archive: restored "
            + (_counts_text(archive.undo_counts) or "nothing")
            + (f"; {left:,} row(s) a later import rebuilt stay archived" if left else ""),
            source=source, remote_addr=remote_addr,
        )  # fmt: skip
        transaction.on_commit(lambda: year_archive_notify(archive=archive, undone=True))
    return archive

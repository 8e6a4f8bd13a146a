"""The SIS's school list: Update list (fetch, upsert, auto-map) and manual mapping."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import NoReturn

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_changes, audit_record
from connections.models import Connection
from connections.services import connection_client
from rostering.models import School, SisSchool
from rostering.school_matching import Decision, MatchResult, school_match
from sis.errors import SisError
from sis.records import SisSchool as SisSchoolRecord
from sis.records import Status

SCHOOLS_FETCH_FAILED = "Could not update the school list of {connection}: {error}"
SCHOOLS_EMPTY = (
    "Aeries returned no schools for {connection}, so the school list was left unchanged. "
    "Check that the API entry has READ permission for Schools and that the SIS school "
    "codes of the connection are right."
)
REFRESH_SUMMARY = "{received} SIS schools{changes}."
# What Update list found, each said only when it happened.
REFRESH_PARTS = (
    ("created", "{} new"),
    ("updated", "{} changed"),
    ("vanished", "{} no longer in the SIS"),
    ("returned", "{} back in the SIS"),
    ("auto_mapped", "{} mapped automatically"),
    ("needs_review", "{} to review"),
)
REFRESH_NOTHING = ", nothing changed"
SCHOOL_OTHER_DISTRICT = "{school} is not a school of {district}."
UPSERT_FIELDS = ["name", "school_code", "school_type"]
MAPPING_FIELDS = ["school", "mapping_method", "match_score", "needs_review", "candidates"]


class SchoolListError(SisError):
    """Update list failed; str() says why in plain words.

    A SisError, so an import that refreshes the list first reports it like any
    other SIS problem.
    """

    code = "school_list"


@dataclass(frozen=True)
class RefreshResult:
    received: int
    created: int
    updated: int
    vanished: int
    returned: int
    auto_mapped: int
    needs_review: int

    @property
    def summary(self) -> str:
        counts = asdict(self)
        parts = [text.format(counts[name]) for name, text in REFRESH_PARTS if counts[name]]
        changes = ": " + ", ".join(parts) if parts else REFRESH_NOTHING
        return REFRESH_SUMMARY.format(received=self.received, changes=changes)


@dataclass(frozen=True)
class _Upserted:
    created: int
    updated: int
    vanished: int
    returned: int


@dataclass(frozen=True)
class _AutoMapped:
    auto_mapped: int
    needs_review: int
    changes: dict[str, list]


def sis_school_fetch(*, connection: Connection) -> list[SisSchoolRecord]:
    """The schools the connection's SIS shares with us; raises SisError subclasses."""
    with connection_client(connection=connection) as client:
        return list(client.schools())


def sis_schools_refresh(
    *,
    connection: Connection,
    actor: AbstractBaseUser | None,
    source: str = "admin",
    remote_addr: str | None = None,
    client=None,
) -> RefreshResult:
    """Update list: fetch the SIS's schools, upsert them and auto-map the unmapped ones.

    Schools missing from the SIS are marked vanished, never deleted; manual mappings
    and deliberate unmappings are never changed. Raises SchoolListError (audited)
    when the SIS cannot be read or returns no school at all.
    """
    audit = {"actor": actor, "source": source, "remote_addr": remote_addr}
    seen = _sis_schools_receive(connection=connection, client=client, **audit)
    with transaction.atomic():
        # One Update list per connection at a time: a second one waits here.
        Connection.objects.select_for_update().filter(pk=connection.pk).first()
        upserted = _sis_schools_upsert(connection=connection, seen=seen, now=timezone.now())
        mapped = _sis_schools_automap(connection=connection)
        result = RefreshResult(
            received=len(seen),
            auto_mapped=mapped.auto_mapped,
            needs_review=mapped.needs_review,
            **asdict(upserted),
        )
        audit_record(
            action=AuditEvent.Action.REFRESH,
            obj=connection,
            district_id=connection.district_id,
            changes=mapped.changes,
            message=result.summary,
            **audit,
        )
    return result


def _sis_schools_receive(
    *, connection: Connection, client=None, **audit
) -> dict[str, SisSchoolRecord]:
    try:
        # An import's own client names its school year on every read.
        fetched = list(client.schools()) if client else sis_school_fetch(connection=connection)
    except SisError as exc:
        message = SCHOOLS_FETCH_FAILED.format(connection=connection.name, error=exc)
        _refresh_fail(connection=connection, message=message, **audit)
    seen = {r.sourced_id: r for r in fetched if r.sourced_id and r.status != Status.TOBEDELETED}
    if not seen and connection.sis_schools.filter(vanished_at__isnull=True).exists():
        message = SCHOOLS_EMPTY.format(connection=connection.name)
        _refresh_fail(connection=connection, message=message, **audit)
    return seen


def _refresh_fail(*, connection: Connection, message: str, **audit) -> NoReturn:
    audit_record(
        action=AuditEvent.Action.REFRESH,
        obj=connection,
        district_id=connection.district_id,
        message=message,
        **audit,
    )
    raise SchoolListError(message)


def _record_fields(record: SisSchoolRecord) -> dict[str, str]:
    return {
        "name": record.name.strip()[:255] or record.sourced_id[:255],
        "school_code": (record.school_code or "")[:64],
        "school_type": (record.school_type or "")[:32],
    }


def _sis_schools_upsert(
    *, connection: Connection, seen: dict[str, SisSchoolRecord], now: datetime
) -> _Upserted:
    existing = {row.sourced_id: row for row in connection.sis_schools.all()}
    SisSchool.objects.bulk_create(
        SisSchool(connection=connection, sourced_id=sid, last_seen_at=now, **_record_fields(r))
        for sid, r in seen.items()
        if sid not in existing
    )
    changed, updated, returned = [], 0, 0
    for sid, record in seen.items():
        row = existing.get(sid)
        if row is None:
            continue
        fields = _record_fields(record)
        differs = any(getattr(row, name) != value for name, value in fields.items())
        if differs or row.vanished_at is not None:
            updated += differs
            returned += row.vanished_at is not None
            for name, value in {**fields, "vanished_at": None}.items():
                setattr(row, name, value)
            changed.append(row)
    SisSchool.objects.bulk_update(changed, [*UPSERT_FIELDS, "vanished_at"])
    connection.sis_schools.filter(sourced_id__in=list(seen)).update(last_seen_at=now)
    vanished = (
        connection.sis_schools.filter(vanished_at__isnull=True)
        .exclude(sourced_id__in=list(seen))
        .update(vanished_at=now, needs_review=False)
    )
    created = len(seen.keys() - existing.keys())
    return _Upserted(created=created, updated=updated, vanished=vanished, returned=returned)


def _sis_schools_automap(*, connection: Connection) -> _AutoMapped:
    vendor = {s.name: s for s in School.objects.filter(district_id=connection.district_id)}
    rows = list(
        connection.sis_schools.filter(
            vanished_at__isnull=True, school__isnull=True, keep_unmapped=False
        )
    )
    taken = set(
        connection.sis_schools.filter(school__isnull=False).values_list("school", flat=True)
    )
    matches = {row.pk: school_match(sis_name=row.name, vendor_names=list(vendor)) for row in rows}
    picks = Counter(m.best for m in matches.values() if m.decision == Decision.AUTO)
    changed, changes = [], {}
    for row in rows:
        match = matches[row.pk]
        target = vendor[match.best] if match.best else None
        sure = match.decision == Decision.AUTO and picks[match.best] == 1
        before = [getattr(row, name) for name in MAPPING_FIELDS]
        _mapping_apply(
            row=row, match=match, school=target if sure and target.pk not in taken else None
        )
        if row.school is not None:
            changes[str(row)] = [None, str(row.school)]
        if [getattr(row, name) for name in MAPPING_FIELDS] != before:
            changed.append(row)
    SisSchool.objects.bulk_update(changed, MAPPING_FIELDS)
    flagged = sum(row.needs_review for row in rows)
    return _AutoMapped(auto_mapped=len(changes), needs_review=flagged, changes=changes)


def _mapping_apply(*, row: SisSchool, match: MatchResult, school: School | None) -> None:
    row.school = school
    row.mapping_method = SisSchool.MappingMethod.AUTO if school else SisSchool.MappingMethod.NONE
    row.match_score = match.score
    # A sure match that another SIS school also claims is left for a person too.
    row.needs_review = school is None and match.decision != Decision.NONE
    row.candidates = [{"name": c.name, "score": c.score} for c in match.candidates]


@transaction.atomic
def sis_school_map(
    *,
    sis_school: SisSchool,
    school: School | None,
    actor: AbstractBaseUser | None,
    source: str = "admin",
    remote_addr: str | None = None,
) -> SisSchool:
    """Maps an SIS school onto a vendor school by hand, or unmaps it (school=None).

    A manual choice is final: Update list never changes it, and a school unmapped
    by hand is not auto-mapped again.
    """
    district = sis_school.connection.district
    if school is not None and school.district_id != district.pk:
        raise ValidationError(SCHOOL_OTHER_DISTRICT.format(school=school, district=district))
    method = SisSchool.MappingMethod.MANUAL if school else SisSchool.MappingMethod.NONE
    after = {"school": school, "mapping_method": method, "keep_unmapped": school is None}
    before = {name: getattr(sis_school, name) for name in after}
    if before == after:
        return sis_school
    for name, value in after.items():
        setattr(sis_school, name, value)
    sis_school.needs_review = False
    sis_school.match_score = None
    sis_school.save(update_fields=[*MAPPING_FIELDS, "keep_unmapped"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.MAP,
        obj=sis_school,
        district_id=district.pk,
        changes=audit_changes(before=before, after=after),
        source=source,
        remote_addr=remote_addr,
    )
    return sis_school


def sis_schools_unmapped_count(*, connection: Connection) -> int:
    """SIS schools still in the SIS that are mapped to no vendor school (not imported)."""
    return connection.sis_schools.filter(vanished_at__isnull=True, school__isnull=True).count()


def sis_school_list(*, connection: Connection) -> QuerySet[SisSchool]:
    """The mapping page's rows: schools still in the SIS first, by name."""
    vanished_last = F("vanished_at").asc(nulls_first=True)
    return connection.sis_schools.select_related("school").order_by(
        vanished_last, "name", "sourced_id"
    )

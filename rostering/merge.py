"""Two accounts of one person: find them (the duplicate check) and join them (merge),
and undo a merge.

A merge keeps the survivor's id and, field by field, the value the manager chose; the
merged account's enrollments, parent contacts and schools move to the survivor, its
sourcedIds become the survivor's aliases (an import that meets them writes to the
survivor), and the merged row goes. Everything needed to undo it is kept.
"""

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from rostering.models import (
    District,
    Enrollment,
    FieldPin,
    Guardian,
    Person,
    PersonAlias,
    PersonMerge,
    PersonSchool,
)
from rostering.sync.identity import stable_keys

# The fields whose value a manager chooses between the two accounts.
MERGE_FIELDS = (
    "given_name",
    "middle_name",
    "family_name",
    "email",
    "username",
    "grades",
    "identifier",
    "aeries_student_id",
    "state_student_id",
    "aeries_staff_id",
    "birth_date",
)
NOT_SAME_DISTRICT = "Only two accounts of one district can be merged."
SAME_ACCOUNT = "Choose two different accounts."
NOT_SAME_ROLE = "A {one} and a {other} are not one person: only accounts of one role merge."
MERGE_UNDONE_ALREADY = "This merge was undone on {when:%b %-d, %Y}."
MERGE_TOO_LATE = "This merge is {days} days old; a merge can be undone for {window} days."
MERGED_ID_TAKEN = (
    "An account with the merged account's sourcedId {sid} exists again; undoing the merge "
    "would make two of it."
)
KEY_LABELS = {
    "student": "Aeries Student ID",
    "state": "state student ID",
    "staff": "Aeries staff ID",
    "email:student": "e-mail",
    "email:staff": "e-mail",
    "born": "name and birth date",
    "name": "name, role and grade",
}


class MergeRefused(Exception):
    pass


# Likely duplicates ---------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateGroup:
    reason: str  # what the accounts share, in words
    value: str
    people: tuple[Person, ...]


def _identity_keys(row: tuple) -> list[tuple[str, str]]:
    """The keys one account shares with another account of the same person."""
    _pk, role, student_id, state_id, staff_id, email, given, family, grades, born = row
    keys = list(stable_keys(role=role, student_id=student_id, state_id=state_id,
                            staff_id=staff_id, email=email))  # fmt: skip
    name = f"{given} {family}".strip().lower()
    if name and born is not None:
        keys.append(("born", f"{name}, born {born:%b %-d, %Y}"))
    elif name:  # no birth date to tell two people of one name apart: role and grades
        keys.append(("name", f"{name} ({role}, {', '.join(grades) or 'no grade'})"))
    return keys


def person_duplicates(*, district: District, limit: int = 200) -> list[DuplicateGroup]:
    """Accounts that are likely one person: they share an Aeries id (or an e-mail nobody
    else has), or the same name and birth date — where the SIS gives no birth date, the
    same name, role and grades."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    rows = Person.objects.filter(district=district).values_list(
        "pk", "role", "aeries_student_id", "state_student_id", "aeries_staff_id", "email",
        "given_name", "family_name", "grades", "birth_date",
    )  # fmt: skip
    for row in rows:
        for key in _identity_keys(row):
            groups[key].append(row[0])
    found, seen = [], set()
    for (kind, value), pks in groups.items():
        members = tuple(sorted(set(pks)))
        if len(members) < 2 or members in seen:
            continue
        seen.add(members)
        found.append((kind, value, members))
    people = Person.objects.in_bulk([pk for *_, members in found for pk in members])
    weakest_last = sorted(found, key=lambda f: (f[0] == "name", f[0] == "born", f[1]))
    return [
        DuplicateGroup(KEY_LABELS[kind], value, tuple(people[pk] for pk in members))
        for kind, value, members in weakest_last[:limit]
    ]


# Merge ---------------------------------------------------------------------------------


def _iso(value):
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()  # to the microsecond (DjangoJSONEncoder keeps milliseconds)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _plain(values: dict) -> dict:
    return json.loads(json.dumps(values, default=_iso))


def _values(model, stored: dict) -> dict:
    """Field values back from their JSON form (dates, times)."""
    return {k: model._meta.get_field(k).to_python(v) for k, v in stored.items()}


def _ids(queryset) -> list[int]:
    return list(queryset.values_list("pk", flat=True))


def _schools_of(person: Person) -> set[int]:
    return set(PersonSchool.objects.filter(person=person).values_list("school_id", flat=True))


def _pins_merge(survivor: Person, merged: Person, taken: list[str]) -> tuple[list, list]:
    """The merged account's pins: those of a field whose value the survivor takes from
    it (and has not pinned itself) move to the survivor, the others go. Returns (moved
    pin ids, removed pins' rows) for the undo."""
    pinned_already = set(
        FieldPin.objects.filter(table="person", row_id=survivor.pk).values_list("field", flat=True)
    )
    pins = FieldPin.objects.filter(table="person", row_id=merged.pk)
    moving = pins.filter(field__in=set(taken) - pinned_already)
    moved = list(moving.values_list("pk", flat=True))
    removed = [_plain(pin) for pin in pins.exclude(pk__in=moved).values()]
    moving.update(row_id=survivor.pk, sourced_id=survivor.sourced_id)
    pins.exclude(pk__in=moved).delete()
    return moved, removed


def _row(person: Person) -> dict:
    return _plain({f.attname: getattr(person, f.attname) for f in Person._meta.concrete_fields})


@transaction.atomic
def person_merge(
    *,
    survivor: Person,
    merged: Person,
    actor: AbstractBaseUser | None,
    take_from_merged: tuple[str, ...] = (),
    source: str = "admin",
    remote_addr: str | None = None,
) -> PersonMerge:
    """Joins `merged` into `survivor`; the fields named in `take_from_merged` take the
    merged account's value. Raises MergeRefused when they are not two accounts of one
    person's district and role."""
    if survivor.pk == merged.pk:
        raise MergeRefused(SAME_ACCOUNT)
    if survivor.district_id != merged.district_id:
        raise MergeRefused(NOT_SAME_DISTRICT)
    if survivor.role != merged.role:
        raise MergeRefused(NOT_SAME_ROLE.format(one=survivor.role, other=merged.role))
    fields = [f for f in take_from_merged if f in MERGE_FIELDS]
    survivor_links = _schools_of(survivor)
    merged_links = _schools_of(merged)
    taken_guardians = set(
        Guardian.objects.filter(student=survivor).values_list("sourced_id", flat=True)
    )
    guardians = Guardian.objects.filter(student=merged)
    clashing = guardians.filter(sourced_id__in=taken_guardians)
    record = PersonMerge(
        district_id=survivor.district_id, survivor=survivor, merged_id=merged.pk,
        merged_sourced_id=merged.sourced_id, merged_row=_row(merged),
        survivor_before=_plain({f: getattr(survivor, f) for f in fields}),
        moved={
            "enrollments": _ids(Enrollment.objects.filter(person=merged)),
            "guardians": _ids(guardians.exclude(pk__in=clashing)),
            "schools": sorted(merged_links - survivor_links),
            "merged_schools": sorted(merged_links),
            "aliases": list(merged.aliases.values_list("sourced_id", flat=True)),
        },
        removed={"guardians": [_plain(g) for g in clashing.values()]},
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=actor.get_username() if actor is not None else source,
    )  # fmt: skip
    record.moved["pins"], record.removed["pins"] = _pins_merge(survivor, merged, fields)
    record.save()
    Enrollment.objects.filter(pk__in=record.moved["enrollments"]).update(person=survivor)
    Guardian.objects.filter(pk__in=record.moved["guardians"]).update(student=survivor)
    PersonSchool.objects.bulk_create(
        [PersonSchool(person=survivor, school_id=s) for s in record.moved["schools"]]
    )
    merged.aliases.update(person=survivor)
    values = {f: getattr(merged, f) for f in fields}
    merged.delete()  # first: its username may be the one the survivor takes
    PersonAlias.objects.create(
        district_id=survivor.district_id, person=survivor, sourced_id=merged.sourced_id,
        reason=PersonAlias.Reason.MERGE,
    )  # fmt: skip
    if values:  # kept until the SIS changes the survivor's row (like any stored value)
        Person.objects.filter(pk=survivor.pk).update(**values)
    audit_record(
        actor=actor, action=AuditEvent.Action.MERGE, obj=survivor,
        changes={"merged account": [merged.sourced_id, survivor.sourced_id],
                 **{f: [record.survivor_before[f], _plain(values)[f]] for f in fields}},
        message=f"Merged {record.merged_row['given_name']} {record.merged_row['family_name']} "
        f"({merged.sourced_id}) into {survivor}",
        source=source, remote_addr=remote_addr,
    )  # fmt: skip
    return record


@transaction.atomic
def person_merge_undo(
    *,
    merge: PersonMerge,
    actor: AbstractBaseUser | None,
    source: str = "admin",
    remote_addr: str | None = None,
    now: datetime.datetime | None = None,
) -> Person:
    """Brings the merged account back (same id) with what it had, and the survivor's
    replaced values; returns the merged account."""
    now = now or timezone.now()
    if merge.undone_at is not None:
        raise MergeRefused(MERGE_UNDONE_ALREADY.format(when=merge.undone_at))
    window = settings.IMPORT_UNDO_DAYS
    if (days := (now - merge.created_at).days) >= window:
        raise MergeRefused(MERGE_TOO_LATE.format(days=days, window=window))
    sid = merge.merged_sourced_id
    if Person.objects.filter(district_id=merge.district_id, sourced_id=sid).exists():
        raise MergeRefused(MERGED_ID_TAKEN.format(sid=sid))
    survivor = merge.survivor
    if merge.survivor_before:
        Person.objects.filter(pk=survivor.pk).update(**_values(Person, merge.survivor_before))
    merged = Person.objects.create(**_values(Person, merge.merged_row))
    PersonAlias.objects.filter(district_id=merge.district_id, sourced_id=sid).delete()
    PersonAlias.objects.filter(
        district_id=merge.district_id, sourced_id__in=merge.moved.get("aliases", [])
    ).update(person=merged)
    Enrollment.objects.filter(pk__in=merge.moved["enrollments"]).update(person=merged)
    Guardian.objects.filter(pk__in=merge.moved["guardians"]).update(student=merged)
    for guardian in merge.removed.get("guardians", []):
        Guardian.objects.create(**_values(Guardian, guardian))
    FieldPin.objects.filter(pk__in=merge.moved.get("pins", [])).update(
        row_id=merged.pk, sourced_id=merged.sourced_id
    )
    for pin in merge.removed.get("pins", []):
        values = _values(FieldPin, pin)
        FieldPin.objects.create(**values)
        FieldPin.objects.filter(pk=values["id"]).update(pinned_at=values["pinned_at"])
    PersonSchool.objects.filter(person=survivor, school_id__in=merge.moved["schools"]).delete()
    PersonSchool.objects.bulk_create(
        [PersonSchool(person=merged, school_id=s) for s in merge.moved.get("merged_schools", [])]
    )
    merge.undone_at = now
    merge.save(update_fields=["undone_at"])
    audit_record(
        actor=actor, action=AuditEvent.Action.MERGE_UNDO, obj=merged,
        message=f"Undid the merge of {merged} into {survivor}",
        source=source, remote_addr=remote_addr,
    )  # fmt: skip
    return merged

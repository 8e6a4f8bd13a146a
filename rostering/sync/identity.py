"""One person, one account: matching people on Aeries' own ids when sourcedIds change.

A district may change the form of its OneRoster sourcedIds (`100001` → `STU_100001`),
Aeries may renumber, a district may move from OneRoster to the native API: the same
person then arrives under a new sourcedId, and a naive import creates a second account
and archives the first, splitting the person's history. The engine recognises the person
by the ids Aeries keeps whatever the sourcedId (the Student ID or permanent id, the state
student id, the staff id; an e-mail address only when it is nobody else's): a new
sourcedId whose ids are those of an account the same full import does not list any more
is a relink — the account keeps its id, history and enrollments under the new sourcedId
(the old one stays as an alias). The connection says whether relinks apply at once or
wait, held, for a manager's approval.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection as db

from rostering.models.changes import RosterChange
from rostering.models.people import Person, PersonAlias
from rostering.models.pins import FieldPin
from rostering.sync.backends.base import WriteBackend
from rostering.sync.changes import ChangeLog, row_diff
from rostering.sync.people_links import school_links_replace
from rostering.sync.upsert import TableSpec
from sis.records import Role, SisPerson

STUDENT_ROLES = {Role.STUDENT.value}
KEYS_SQL = (
    f"SELECT id, sourced_id, role, aeries_student_id, state_student_id, aeries_staff_id, "
    f"email FROM {Person._meta.db_table} WHERE district_id = %s"
)


def _family(role: str) -> str:
    return "student" if role in STUDENT_ROLES else "staff"


def stable_keys(*, role: str, student_id: str, state_id: str, staff_id: str, email: str):
    """The keys one person keeps whatever their sourcedId, strongest first."""
    family = _family(role)
    if family == "student":
        if student_id:
            yield ("student", student_id)
        if state_id:
            yield ("state", state_id)
    elif staff_id:
        yield ("staff", staff_id)
    if email:
        yield (f"email:{family}", email.strip().lower())


def person_keys(person: SisPerson) -> Iterator[tuple[str, str]]:
    return stable_keys(role=person.role.value, student_id=person.aeries_student_id,
                       state_id=person.state_student_id, staff_id=person.aeries_staff_id,
                       email=person.email)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Known:
    pk: int
    sourced_id: str


class IdentityIndex:
    """The district's accounts by stable key (one query, on first use): a key two
    accounts share says nothing and is forgotten."""

    def __init__(self, district_id: int):
        self.district_id = district_id
        self._by_key: dict[tuple[str, str], Known | None] | None = None

    def _load(self) -> dict:
        by_key: dict[tuple[str, str], Known | None] = {}
        with db.cursor() as cursor:
            cursor.execute(KEYS_SQL, [self.district_id])
            for pk, sid, role, student_id, state_id, staff_id, email in cursor.fetchall():
                for key in stable_keys(role=role, student_id=student_id, state_id=state_id,
                                       staff_id=staff_id, email=email):  # fmt: skip
                    by_key[key] = None if key in by_key else Known(pk, sid)
        return by_key

    def match(self, person: SisPerson) -> Known | None:
        """The account that is this person under another sourcedId, if one is known."""
        if self._by_key is None:
            self._by_key = self._load()
        for key in person_keys(person):
            found = self._by_key.get(key)
            if found is not None and found.sourced_id != person.sourced_id:
                return found
        return None


def aliased(ids: dict[str, int], aliases: dict[str, str]) -> dict[str, int]:
    """A sourcedId -> id map of people that also knows their former sourcedIds."""
    extra = {old: ids[current] for old, current in aliases.items()
             if current in ids and old not in ids}  # fmt: skip
    return {**ids, **extra} if extra else ids


def aliases_load(district_id: int) -> dict[str, str]:
    """Former sourcedId -> the sourcedId its person carries now."""
    rows = PersonAlias.objects.filter(district_id=district_id).values_list(
        "sourced_id", "person__sourced_id"
    )
    return {old: current for old, current in rows if old != current}


def person_relink(
    *,
    backend: WriteBackend,
    spec: TableSpec,
    old_pk: int,
    old_sourced_id: str,
    row: list,
    schools: list[int],
    log: ChangeLog,
    record_id: int | None,
) -> None:
    """The account `old_pk` carries on as the new row's person: its sourcedId and values
    become the new row's (its id, password, creation and history stay), the old sourcedId
    becomes an alias, its vendor schools are the new row's. Noted in the change log."""
    fixed = {"district_id", "password", "created_at", "created_run_id"}
    stored = Person.objects.filter(pk=old_pk).values_list(*spec.columns).first()
    if stored is None:
        return
    row = _pins_kept(old_pk, row, spec, new_sourced_id=row[spec.index("sourced_id")])
    values = {c: v for c, v in zip(spec.columns, row, strict=True) if c not in fixed}
    Person.objects.filter(pk=old_pk).update(**values)
    PersonAlias.objects.get_or_create(
        district_id=stored[spec.index("district_id")], sourced_id=old_sourced_id,
        defaults={"person_id": old_pk, "reason": PersonAlias.Reason.RELINK},
    )  # fmt: skip
    school_links_replace(backend, pairs=[(old_pk, schools)])
    before, after = row_diff(spec, stored, row)
    log.add(record_id=record_id, table=spec.name, row_id=old_pk,
            sourced_id=row[spec.index("sourced_id")], action=RosterChange.Action.RELINKED,
            before=before, after=after,
            before_hash=stored[spec.index("content_hash")])  # fmt: skip


def _pins_kept(pk: int, row: list, spec: TableSpec, *, new_sourced_id: str) -> list:
    """The row with the account's pinned values (a manager's edits survive the relink);
    the pins now name the account's new sourcedId."""
    pins = FieldPin.objects.filter(table=spec.name, row_id=pk)
    pinned = dict(pins.values_list("field", "value"))
    if not pinned:
        return row
    pins.update(sourced_id=new_sourced_id)
    row = list(row)
    for field, value in pinned.items():
        if field in spec.columns:
            row[spec.index(field)] = value
    return row

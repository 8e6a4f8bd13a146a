"""OneRoster rows decoded by msgspec straight into typed structs, then into records.

The split path (sis.oneroster_split) converts most rows of a first pull. Parsing each
row into a dict (orjson) and reading it back field by field costs more than the rest
of the conversion; msgspec decodes a row's bytes into a struct of the fields a record
needs, in C, and the converters below read its attributes.

They take only the usual shape: text where text belongs, references with a sourcedId.
Anything else (a number or object where text belongs, a reference by href, a value
a converter refuses) raises `Slow`, and the row is parsed and converted the general
way (sis.oneroster_convert), which says what is wrong with it. So both ways give one
row the same records; tests/sis/test_oneroster_typed.py holds them side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from sis.convert_common import (
    _stamped,
    contact_names,
    flag,
    parse_date,
    parse_datetime,
    text,
    username_text,
)
from sis.oneroster_convert import CONTACT_ID, _grades, _status_of, aeries_ids
from sis.records import (
    ENTITY_ROLE,
    ONEROSTER_CONTACT_ROLES,
    ONEROSTER_PERSON_ROLES,
    Entity,
    SisClass,
    SisContact,
    SisEnrollment,
    SisPerson,
    Status,
)


class Slow(Exception):
    """The row is not in the usual shape: it goes the general way."""


class _Ref(msgspec.Struct):
    sourcedId: str | None = None


class _UserId(msgspec.Struct):
    type: str | None = None
    identifier: str | None = None


class _Enrollment(msgspec.Struct):
    sourcedId: str | None = None
    class_: _Ref | None = msgspec.field(default=None, name="class")
    user: _Ref | None = None
    school: _Ref | None = None
    role: str | None = None
    primary: str | bool | None = None
    beginDate: str | None = None
    endDate: str | None = None
    status: str | None = None
    dateLastModified: str | None = None


class _User(msgspec.Struct):
    sourcedId: str | None = None
    role: str | None = None
    status: str | None = None
    userIds: list[_UserId] | None = None
    givenName: str | None = None
    familyName: str | None = None
    middleName: str | None = None
    email: str | None = None
    username: str | None = None
    identifier: str | None = None
    grades: list[str] | None = None
    orgs: list[_Ref] | None = None
    enabledUser: str | bool | None = None
    dateLastModified: str | None = None
    phone: str | None = None
    sms: str | None = None
    agents: list[_Ref] | None = None


class _Class(msgspec.Struct):
    sourcedId: str | None = None
    title: str | None = None
    classCode: str | None = None
    classType: str | None = None
    school: _Ref | None = None
    course: _Ref | None = None
    terms: list[_Ref] | None = None
    grades: list[str] | None = None
    subjects: list[str] | None = None
    periods: list[str] | None = None
    location: str | None = None
    status: str | None = None
    dateLastModified: str | None = None


def _ref(ref: _Ref | None) -> str | None:
    """A reference's sourcedId; one without (the general way reads its href) is Slow."""
    if ref is None:
        return None
    sourced_id = ref.sourcedId
    if sourced_id is not None:
        sourced_id = sourced_id.strip()
        if sourced_id:
            return sourced_id
    raise Slow


def _refs(refs: list[_Ref] | None) -> tuple[str, ...]:
    if not refs:
        return ()
    if len(refs) == 1:
        return (_ref(refs[0]),)  # type: ignore[return-value]
    return tuple(dict.fromkeys(_ref(ref) for ref in refs))  # type: ignore[misc]


def _texts(values: list[str] | None) -> tuple[str, ...]:
    if not values:
        return ()
    return tuple(item for item in (value.strip() for value in values) if item)


def _required(value: str | None) -> str:
    value = value.strip() if value is not None else ""
    if not value:
        raise Slow  # the general way names the missing field
    return value


def enrollment_typed(row: _Enrollment, digest: str) -> list[SisEnrollment]:
    class_ref, user_ref = row.class_, row.user
    if class_ref is None or user_ref is None:
        raise Slow
    class_id, user_id = _ref(class_ref), _ref(user_ref)
    sourced_id = row.sourcedId.strip() if row.sourcedId is not None else ""
    role = row.role.strip().lower() if row.role is not None else ""
    return [
        SisEnrollment(
            sourced_id or f"{class_id}_{user_id}",
            class_id,  # type: ignore[arg-type]
            user_id,  # type: ignore[arg-type]
            _ref(row.school),
            role or "student",
            flag(row.primary, default=False),
            parse_date(row.beginDate, field="beginDate"),
            parse_date(row.endDate, field="endDate"),
            _status_of(row.status),
            parse_datetime(row.dateLastModified),
            digest,
        )
    ]


def _user_ids(items: list[_UserId] | None) -> tuple[tuple[str, str], ...]:
    if not items:
        return ()
    pairs = ((text(item.type), text(item.identifier)) for item in items)
    return tuple(pair for pair in pairs if pair[1])


def person_typed(row: _User, digest: str, entity: Entity) -> list[SisPerson]:
    sourced_id = _required(row.sourcedId)
    raw_role = text(row.role).lower()
    wanted = ENTITY_ROLE[entity]
    role = ONEROSTER_PERSON_ROLES.get(raw_role) if raw_role else wanted
    if role != wanted:
        return []
    status = _status_of(row.status)
    user_ids = _user_ids(row.userIds)
    student_id, state_id, staff_id = aeries_ids(sourced_id, role=wanted, user_ids=user_ids)
    return [
        SisPerson(
            sourced_id,
            wanted,
            text(row.givenName),
            text(row.familyName),
            text(row.middleName),
            text(row.email),
            username_text(row.username, field="username"),
            text(row.identifier),
            user_ids,
            _grades(row.grades),
            _refs(row.orgs),
            flag(row.enabledUser, default=status == Status.ACTIVE),
            status,
            parse_datetime(row.dateLastModified),
            text(row.phone) or text(row.sms),
            _refs(row.agents),
            student_id,
            state_id,
            staff_id,
            sis_digest=digest,
        )
    ]


def contacts_typed(row: _User, digest: Any) -> list[SisContact]:
    """`digest`: a fingerprint, or a callable giving it from the records (as the
    general way's convert_rows stamps them)."""
    sourced_id = _required(row.sourcedId)
    role = text(row.role).lower()
    if role and role not in ONEROSTER_CONTACT_ROLES:
        return []
    match = CONTACT_ID.match(sourced_id)
    students = _refs(row.agents) or ((match.group("student"),) if match else (None,))
    order = int(match.group("sequence")) if match else 0
    given_name, family_name = text(row.givenName), text(row.familyName)
    contact_names(given_name, family_name, field="givenName")
    email, phone = text(row.email), text(row.phone) or text(row.sms)
    status = _status_of(row.status)
    modified = parse_datetime(row.dateLastModified)
    records = [
        SisContact(sourced_id, student, given_name, family_name, email, phone,
                   role or "guardian", order == 1, order, status, modified)
        for student in students
    ]  # fmt: skip
    return _stamped(records, digest) if digest else records


def class_typed(row: _Class, digest: str) -> list[SisClass]:
    sourced_id = _required(row.sourcedId)
    return [
        SisClass(
            sourced_id,
            text(row.title),
            text(row.classCode),
            text(row.classType) or "scheduled",
            _ref(row.school),
            _ref(row.course),
            _refs(row.terms),
            _grades(row.grades),
            _texts(row.subjects),
            _texts(row.periods),
            text(row.location),
            _status_of(row.status),
            parse_datetime(row.dateLastModified),
            digest,
        )
    ]


# Entity -> (the struct's decoder, converter(struct, fingerprint) -> records).
Typed = tuple[msgspec.json.Decoder, Callable[[Any, Any], list]]
_USERS = msgspec.json.Decoder(_User)


def _person_converter(entity: Entity) -> Callable[[Any, Any], list]:
    return lambda row, digest: person_typed(row, digest, entity)


TYPED: dict[Entity, Typed] = {
    Entity.ENROLLMENTS: (msgspec.json.Decoder(_Enrollment), enrollment_typed),
    Entity.CLASSES: (msgspec.json.Decoder(_Class), class_typed),
    Entity.CONTACTS: (_USERS, contacts_typed),
    **{entity: (_USERS, _person_converter(entity)) for entity in ENTITY_ROLE},
}


def typed_convert(typed: Typed, raw: Any, digest: Any) -> list:
    """The records of one row the typed way; Slow when it must go the general way."""
    decoder, convert = typed
    try:
        return convert(decoder.decode(raw), digest)
    except (msgspec.DecodeError, msgspec.ValidationError, TypeError, ValueError,
            AttributeError, KeyError, IndexError):  # fmt: skip
        raise Slow from None  # RowError is a ValueError: the general way reports it

"""OneRoster 1.1 JSON rows → normalised records (pure functions, no I/O)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sis.convert_common import (
    RowError,
    contact_names,
    convert_rows,
    flag,
    parse_date,
    parse_datetime,
    ref_id,
    ref_ids,
    required,
    school_year_of,
    text,
    text_list,
    username_text,
)
from sis.records import (
    ENTITY_ROLE,
    ONEROSTER_CONTACT_ROLES,
    ONEROSTER_PERSON_ROLES,
    Entity,
    Role,
    SisClass,
    SisContact,
    SisCourse,
    SisEnrollment,
    SisPerson,
    SisRowProblem,
    SisSchool,
    SisTerm,
    Status,
    grade_normalise,
    school_type_guess,
)

# Aeries guardian sourcedIds: CNT_<StudentID>_<SequenceNumber> (or PAT_<n>, a parent
# linked to several students through agents, whose order then comes from the students).
AERIES_TERM_ID = re.compile(r"^(?P<school>\d+)_[^_]+$")
CONTACT_ID = re.compile(r"^CNT_(?P<student>.+)_(?P<sequence>\d+)$")
# Aeries user sourcedIds, as the district configures them: the Student ID or STU_<id>
# for students, TCH_<staff id> for staff.
STUDENT_SOURCED_ID = re.compile(r"^(?:STU_)?(\d+)$")
STAFF_SOURCED_ID = re.compile(r"^TCH_(\d+)$")
# userIds types naming Aeries' own ids (lower case, without spaces, _ or -).
STUDENT_ID_TYPES = frozenset({"studentid", "permanentid", "permid", "aeriesstudentid"})
STATE_ID_TYPES = frozenset({"stateid", "statestudentid", "ssid", "statestudentnumber"})
STAFF_ID_TYPES = frozenset({"staffid", "aeriesstaffid"})


_GONE = ("tobedeleted", "inactive", "deleted")
# status values as sent → Status, for the spellings seen so far (bounded like the date caches).
_STATUSES: dict[str | None, Status] = {None: Status.ACTIVE, "active": Status.ACTIVE}
# A grade as sent → its CEDS code ("" for a blank one).
_GRADE_CODES: dict[str, str] = {}
_CACHE_LIMIT = 4096


def _status(row: dict[str, Any]) -> str:
    return _status_of(row.get("status"))


def _status_of(value: Any) -> Status:
    if value is None or value.__class__ is str:
        status = _STATUSES.get(value)
        if status is not None:
            return status
        status = _status_careful(value)
        if len(_STATUSES) < _CACHE_LIMIT:
            _STATUSES[value] = status
        return status
    return _status_careful(value)


def _status_careful(value: Any) -> Status:
    return Status.TOBEDELETED if text(value).lower() in _GONE else Status.ACTIVE


def _modified(row: dict[str, Any]) -> Any:
    return parse_datetime(row.get("dateLastModified"))


def _grades(value: Any) -> tuple[str, ...]:
    if value.__class__ is not list:
        return _grades_careful(value)
    grades = []
    for item in value:
        code = _GRADE_CODES.get(item) if item.__class__ is str else None
        if code is None:
            item_text = text(item)
            code = grade_normalise(item_text) if item_text else ""
            if item.__class__ is str and len(_GRADE_CODES) < _CACHE_LIMIT:
                _GRADE_CODES[item] = code
        if code:
            grades.append(code)
    if len(grades) < 2:
        return tuple(grades)
    return tuple(dict.fromkeys(grades))


def _grades_careful(value: Any) -> tuple[str, ...]:
    grades = (grade_normalise(item) for item in text_list(value))
    return tuple(dict.fromkeys(grade for grade in grades if grade))


def school_from_org(row: dict[str, Any]) -> list[SisSchool]:
    org_type = text(row.get("type")).lower()
    if org_type and org_type != "school":
        return []  # the district org ("0") and departments are not schools
    sourced_id = required(row, "sourcedId")
    name = text(row.get("name"))
    code = text(row.get("identifier")) or sourced_id
    school_type = school_type_guess(name=name)
    return [SisSchool(sourced_id, name, code, school_type, _status(row), _modified(row))]


def term_from_session(row: dict[str, Any]) -> list[SisTerm]:
    sourced_id = required(row, "sourcedId")
    start = parse_date(row.get("startDate"), field="startDate")
    end = parse_date(row.get("endDate"), field="endDate")
    # OneRoster 1.1 sessions name no school; Aeries' term ids are SC_TM.
    prefix = AERIES_TERM_ID.match(sourced_id)
    school = ref_id(row.get("org")) or ref_id(row.get("school"))
    school = school or (prefix.group("school") if prefix else None)
    year = text(row.get("schoolYear")) or school_year_of(end)
    return [
        SisTerm(
            sourced_id,
            text(row.get("title")),
            text(row.get("type")) or "term",
            start,
            end,
            school,
            ref_id(row.get("parent")),
            year,
            _status(row),
            _modified(row),
        )
    ]


def course_from_row(row: dict[str, Any]) -> list[SisCourse]:
    sourced_id = required(row, "sourcedId")
    return [
        SisCourse(
            sourced_id,
            text(row.get("title")),
            text(row.get("courseCode")) or sourced_id,
            ref_id(row.get("org")) or ref_id(row.get("school")),
            _grades(row.get("grades")),
            _status(row),
            _modified(row),
        )
    ]


def class_from_row(row: dict[str, Any]) -> list[SisClass]:
    sourced_id = required(row, "sourcedId")
    return [
        SisClass(
            sourced_id,
            text(row.get("title")),
            text(row.get("classCode")),
            text(row.get("classType")) or "scheduled",
            ref_id(row.get("school")),
            ref_id(row.get("course")),
            ref_ids(row.get("terms")),
            _grades(row.get("grades")),
            text_list(row.get("subjects")),
            text_list(row.get("periods")),
            text(row.get("location")),
            _status(row),
            _modified(row),
        )
    ]


def enrollment_from_row(row: dict[str, Any]) -> list[SisEnrollment]:
    return [_enrollment(row)]


def _enrollment(row: dict[str, Any]) -> SisEnrollment:
    # The most numerous rows: the helpers' work is inlined for plain strings here;
    # anything else goes through the same helpers as the other converters.
    get = row.get
    class_id = ref_id(get("class"))
    user_id = ref_id(get("user"))
    if not class_id:
        raise RowError("class", "class is missing")
    if not user_id:
        raise RowError("user", "user is missing")
    # Aeries always sends one; the fallback keeps both clients' ids identical.
    sourced_id = get("sourcedId")
    sourced_id = sourced_id.strip() if sourced_id.__class__ is str else text(sourced_id)
    role = get("role")
    role = role.strip().lower() if role.__class__ is str else text(role).lower()
    return SisEnrollment(
        sourced_id or f"{class_id}_{user_id}",
        class_id,
        user_id,
        ref_id(get("school")),
        role or "student",
        flag(get("primary"), default=False),
        parse_date(get("beginDate"), field="beginDate"),
        parse_date(get("endDate"), field="endDate"),
        _status_of(get("status")),
        parse_datetime(get("dateLastModified")),
    )


def _user_ids(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        return ()
    if not value:
        return ()
    pairs = (
        (text(item.get("type")), text(item.get("identifier")))
        for item in value
        if isinstance(item, dict)
    )
    return tuple(pair for pair in pairs if pair[1])


def person_from_user(row: dict[str, Any], *, entity: Entity) -> list[SisPerson]:
    """The user as a person of the entity's role; [] when it has another role.

    A server that ignores the role filter then still yields each user once, in
    the pass of its own role.
    """
    get = row.get
    sourced_id = required(row, "sourcedId")
    raw_role = text(get("role")).lower()
    role = ONEROSTER_PERSON_ROLES.get(raw_role) if raw_role else ENTITY_ROLE[entity]
    if role != ENTITY_ROLE[entity]:
        return []
    status = _status_of(get("status"))
    user_ids = _user_ids(get("userIds"))
    student_id, state_id, staff_id = aeries_ids(sourced_id, role=role, user_ids=user_ids)
    return [
        SisPerson(
            sourced_id,
            role,
            text(get("givenName")),
            text(get("familyName")),
            text(get("middleName")),
            text(get("email")),
            username_text(get("username"), field="username"),
            text(get("identifier")),
            user_ids,
            _grades(get("grades")),
            ref_ids(get("orgs")),
            flag(get("enabledUser"), default=status == Status.ACTIVE),
            status,
            parse_datetime(get("dateLastModified")),
            text(get("phone")) or text(get("sms")),
            ref_ids(get("agents")),
            student_id,
            state_id,
            staff_id,
        )
    ]


# userIds type as sent -> "student" / "state" / "staff" / "" (bounded like the others).
_ID_TYPE_KINDS: dict[str, str] = {}


def _id_type_kind(kind: str) -> str:
    found = _ID_TYPE_KINDS.get(kind)
    if found is None:
        key = kind.lower().replace(" ", "").replace("_", "").replace("-", "")
        found = (
            "student" if key in STUDENT_ID_TYPES
            else "state" if key in STATE_ID_TYPES
            else "staff" if key in STAFF_ID_TYPES
            else ""
        )  # fmt: skip
        if len(_ID_TYPE_KINDS) < _CACHE_LIMIT:
            _ID_TYPE_KINDS[kind] = found
    return found


def aeries_ids(
    sourced_id: str, *, role: Role, user_ids: tuple[tuple[str, str], ...]
) -> tuple[str, str, str]:
    """(Student ID, state student id, staff ID) of a user, from typed userIds, else from
    the shape of the sourcedId (Student ID or STU_<id>; TCH_<id>); "" when unknown."""
    student = state = staff = ""
    for kind, identifier in user_ids:
        found = _ID_TYPE_KINDS.get(kind)
        if found is None:
            found = _id_type_kind(kind)
        if found == "state":
            state = state or identifier
        elif found == "student":
            student = student or identifier
        elif found == "staff":
            staff = staff or identifier
    if role is Role.STUDENT:
        if not student:
            match = STUDENT_SOURCED_ID.match(sourced_id)
            student = match.group(1) if match else ""
        return student, state, ""
    if not staff:
        match = STAFF_SOURCED_ID.match(sourced_id)
        staff = match.group(1) if match else ""
    return "", "", staff


def contacts_from_user(row: dict[str, Any]) -> list[SisContact]:
    """One SisContact per student the guardian is linked to (a PAT_ parent of several
    students gives several).

    The student comes from the guardian's own `agents`, else from the Aeries id
    CNT_<StudentID>_<Seq>. The order here is that sequence number, else 0 (unknown);
    the client replaces it by the guardian's place in the student's `agents` when it
    has read the student (OneRosterClient), which is what decides order and primary.
    """
    get = row.get
    sourced_id = required(row, "sourcedId")
    role = text(get("role")).lower()
    if role and role not in ONEROSTER_CONTACT_ROLES:
        return []
    match = CONTACT_ID.match(sourced_id)
    students = contact_students(sourced_id, get("agents"), match=match)
    order = int(match.group("sequence")) if match else 0
    given_name, family_name = text(get("givenName")), text(get("familyName"))
    contact_names(given_name, family_name, field="givenName")
    email, phone = text(get("email")), text(get("phone")) or text(get("sms"))
    status = _status_of(get("status"))
    modified = parse_datetime(get("dateLastModified"))
    return [
        SisContact(
            sourced_id,
            student,
            given_name,
            family_name,
            email,
            phone,
            role or "guardian",
            order == 1,
            order,
            status,
            modified,
        )
        for student in students
    ]


def contact_students(
    sourced_id: str, agents: Any, *, match: re.Match | None = None
) -> tuple[str | None, ...]:
    """The students a guardian row names: its own agents, else the Student ID of its
    Aeries id CNT_<StudentID>_<Seq>; (None,) when it names none."""
    match = match or CONTACT_ID.match(sourced_id)
    return ref_ids(agents) or ((match.group("student"),) if match else (None,))


def oneroster_rows_convert(
    *, entity: Entity, rows: Iterable[Any], digests: Iterable[str] | None = None
) -> tuple[list[Any], list[SisRowProblem]]:
    """Convert one page of OneRoster rows for an entity into records and row problems
    (`digests`: each row's fingerprint, for its records to carry)."""
    if entity in ENTITY_ROLE:
        return convert_rows(
            entity=entity,
            rows=rows,
            convert=lambda row: person_from_user(row, entity=entity),
            digests=digests,
        )
    converters = {
        Entity.SCHOOLS: school_from_org,
        Entity.TERMS: term_from_session,
        Entity.COURSES: course_from_row,
        Entity.CLASSES: class_from_row,
        Entity.ENROLLMENTS: enrollment_from_row,
        Entity.CONTACTS: contacts_from_user,
    }
    return convert_rows(entity=entity, rows=rows, convert=converters[entity], digests=digests)

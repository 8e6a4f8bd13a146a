"""The OneRoster conversion as it was before the fast paths (commit b7319c5), kept as the
careful reference the fast paths are checked against in test_convert_fast_paths.py.

Since then, on purpose (issue 12): users carry Aeries' own ids (aeries_ids below), a
contact's order is its CNT_ sequence or 0 (the client orders by the students' agents),
and a contact without any name is a row problem."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

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

_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})
_EXCERPT_KEYS = 12
_EXCERPT_CHARS = 200
_NEVER_EXCERPT = frozenset({"password", "Password"})


class RowError(ValueError):
    def __init__(self, field: str, message: str, code: str = "unreadable_row", fix: str = ""):
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code
        self.fix = fix


class NotText(RowError):
    def __init__(self, value: Any) -> None:
        kind = "object" if isinstance(value, dict) else "list"
        super().__init__("", f"a field holds a JSON {kind} where text was expected.")
        self.value = value
        self.kind = "object" if isinstance(value, dict) else "list"


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        raise NotText(value)
    return str(value).strip()


def username_text(value: Any, field: str) -> str:
    name = text(value)
    if "\n" in name or "\r" in name:
        raise RowError(
            field,
            "The user name contains a line break.",
            fix="Retype the user name (Network Login ID) in Aeries, on one line.",
        )
    return name


def flag(value: Any, *, default: bool) -> bool:
    """OneRoster sends booleans as strings ("true"); accept real booleans too."""
    if isinstance(value, bool):
        return value
    lowered = text(value).lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return default


def parse_datetime(value: Any, *, field: str = "dateLastModified") -> datetime | None:
    """ISO 8601 to an aware datetime (naive values are UTC); RowError if unparseable."""
    raw = text(value)
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise RowError(field, f"'{raw[:40]}' is not a date and time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: Any, *, field: str) -> date | None:
    """A calendar date from "2026-08-15" or "2026-08-15T00:00:00" (Aeries' style)."""
    raw = text(value)
    if not raw:
        return None
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).date()
    except ValueError:
        raise RowError(field, f"'{raw[:40]}' is not a date") from None


def school_year_of(end: date | None) -> str:
    """OneRoster schoolYear (the calendar year the school year ends) from a term end."""
    if end is None:
        return ""
    return str(end.year + 1 if end.month >= 7 else end.year)


def ref_id(ref: Any) -> str | None:
    """sourcedId of a OneRoster reference; falls back to the last segment of its href."""
    if isinstance(ref, str):
        return text(ref) or None
    if not isinstance(ref, dict):
        return None
    sourced_id = text(ref.get("sourcedId"))
    if sourced_id:
        return sourced_id
    href = text(ref.get("href")).rstrip("/")
    return href.rsplit("/", 1)[-1] or None if href else None


def ref_ids(refs: Any) -> tuple[str, ...]:
    if isinstance(refs, dict):
        refs = [refs]
    if not isinstance(refs, list):
        return ()
    ids = (ref_id(ref) for ref in refs)
    return tuple(dict.fromkeys(sourced_id for sourced_id in ids if sourced_id))


def text_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else str(value).split(",")
    return tuple(item for item in (text(v) for v in items) if item)


def excerpt(row: Any) -> dict[str, Any]:
    """A short, secret-free copy of a row for the import issue list."""
    if not isinstance(row, dict):
        return {"value": repr(row)[:_EXCERPT_CHARS]}
    short: dict[str, Any] = {}
    for key, value in list(row.items())[:_EXCERPT_KEYS]:
        if key in _NEVER_EXCERPT:
            continue
        short[str(key)] = value if isinstance(value, int | float | bool | None) else str(value)
        if isinstance(short[str(key)], str):
            short[str(key)] = short[str(key)][:_EXCERPT_CHARS]
    return short


def row_id(row: Any, *keys: str) -> str:
    if not isinstance(row, dict):
        return ""
    values = ["" if isinstance(row.get(k), dict | list) else text(row.get(k)) for k in keys]
    return next((value for value in values if value), "")


def convert_rows(
    *,
    entity: Entity,
    rows: Iterable[Any],
    convert: Callable[[dict[str, Any]], Iterable[Any]],
    id_keys: tuple[str, ...] = ("sourcedId",),
) -> tuple[list[Any], list[SisRowProblem]]:
    """Run `convert` (row → zero or more records) on each row, collecting problems."""
    records: list[Any] = []
    problems: list[SisRowProblem] = []
    for row in rows:
        try:
            if not isinstance(row, dict):
                raise RowError("", "the row is not a JSON object")
            records.extend(convert(row))
        except NotText as exc:
            field = next((str(k) for k, v in row.items() if v is exc.value), "")
            message = f"{field or 'a field'} holds a JSON {exc.kind} where text was expected."
            problems.append(
                SisRowProblem(entity, row_id(row, *id_keys), field, message, excerpt(row))
            )
        except RowError as exc:
            problems.append(
                SisRowProblem(
                    entity,
                    row_id(row, *id_keys),
                    exc.field,
                    exc.message,
                    excerpt(row),
                    code=exc.code,
                    fix=exc.fix,
                )
            )
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
            message = f"unreadable row ({type(exc).__name__})"
            problems.append(SisRowProblem(entity, row_id(row, *id_keys), "", message, excerpt(row)))
    return records, problems


def required(row: dict[str, Any], key: str, *, field: str | None = None) -> str:
    value = text(row.get(key))
    if not value:
        raise RowError(field or key, f"{field or key} is missing")
    return value


# Aeries guardian sourcedIds: CNT_<StudentID>_<SequenceNumber>.
AERIES_TERM_ID = re.compile(r"^(?P<school>\d+)_[^_]+$")
CONTACT_ID = re.compile(r"^CNT_(?P<student>.+)_(?P<sequence>\d+)$")


def _status(row: dict[str, Any]) -> str:
    status = text(row.get("status")).lower()
    return Status.TOBEDELETED if status in ("tobedeleted", "inactive", "deleted") else Status.ACTIVE


def _modified(row: dict[str, Any]) -> Any:
    return parse_datetime(row.get("dateLastModified"))


def _grades(value: Any) -> tuple[str, ...]:
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
    class_id = ref_id(row.get("class"))
    user_id = ref_id(row.get("user"))
    if not class_id:
        raise RowError("class", "class is missing")
    if not user_id:
        raise RowError("user", "user is missing")
    # Aeries always sends one; the fallback keeps both clients' ids identical.
    sourced_id = text(row.get("sourcedId")) or f"{class_id}_{user_id}"
    return [
        SisEnrollment(
            sourced_id,
            class_id,
            user_id,
            ref_id(row.get("school")),
            text(row.get("role")).lower() or "student",
            flag(row.get("primary"), default=False),
            parse_date(row.get("beginDate"), field="beginDate"),
            parse_date(row.get("endDate"), field="endDate"),
            _status(row),
            _modified(row),
        )
    ]


def _user_ids(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
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
    sourced_id = required(row, "sourcedId")
    raw_role = text(row.get("role")).lower()
    role = ONEROSTER_PERSON_ROLES.get(raw_role) if raw_role else ENTITY_ROLE[entity]
    if role != ENTITY_ROLE[entity]:
        return []
    status = _status(row)
    user_ids = _user_ids(row.get("userIds"))
    student_id, state_id, staff_id = aeries_ids(sourced_id, role, user_ids)
    return [
        SisPerson(
            sourced_id=sourced_id,
            role=role,
            given_name=text(row.get("givenName")),
            family_name=text(row.get("familyName")),
            middle_name=text(row.get("middleName")),
            email=text(row.get("email")),
            username=username_text(row.get("username"), "username"),
            identifier=text(row.get("identifier")),
            user_ids=user_ids,
            grades=_grades(row.get("grades")),
            school_sourced_ids=ref_ids(row.get("orgs")),
            enabled=flag(row.get("enabledUser"), default=status == Status.ACTIVE),
            status=status,
            date_last_modified=_modified(row),
            phone=text(row.get("phone")) or text(row.get("sms")),
            agent_sourced_ids=ref_ids(row.get("agents")),
            aeries_student_id=student_id,
            state_student_id=state_id,
            aeries_staff_id=staff_id,
        )
    ]


def aeries_ids(sourced_id: str, role: Role, user_ids) -> tuple[str, str, str]:
    def typed(types: set[str]) -> str:
        for kind, identifier in user_ids:
            if re.sub(r"[\s_-]", "", kind.lower()) in types:
                return identifier
        return ""

    if role == Role.STUDENT:
        student_id = typed({"studentid", "permanentid", "permid", "aeriesstudentid"})
        match = re.fullmatch(r"(?:STU_)?(\d+)", sourced_id)
        student_id = student_id or (match.group(1) if match else "")
        state_id = typed({"stateid", "statestudentid", "ssid", "statestudentnumber"})
        return student_id, state_id, ""
    match = re.fullmatch(r"TCH_(\d+)", sourced_id)
    staff_id = typed({"staffid", "aeriesstaffid"}) or (match.group(1) if match else "")
    return "", "", staff_id


def contacts_from_user(row: dict[str, Any]) -> list[SisContact]:
    """One SisContact per student the guardian is linked to.

    The student comes from the guardian's own `agents`, else from the Aeries id
    CNT_<StudentID>_<Seq>; the order is the Aeries sequence number (primary = 1),
    which the native client reads too, so both kinds agree.
    """
    sourced_id = required(row, "sourcedId")
    role = text(row.get("role")).lower()
    if role and role not in ONEROSTER_CONTACT_ROLES:
        return []
    match = CONTACT_ID.match(sourced_id)
    students = ref_ids(row.get("agents")) or ((match.group("student"),) if match else (None,))
    order = int(match.group("sequence")) if match else 0
    if not text(row.get("givenName")) and not text(row.get("familyName")):
        raise RowError(
            "givenName",
            "The contact has neither a first nor a last name.",
            "contact_no_name",
            "Enter the contact's first and last name in Aeries (Contacts).",
        )
    fields = {
        "given_name": text(row.get("givenName")),
        "family_name": text(row.get("familyName")),
        "email": text(row.get("email")),
        "phone": text(row.get("phone")) or text(row.get("sms")),
        "relationship": role or "guardian",
        "primary": order == 1,
        "order": order,
        "status": _status(row),
        "date_last_modified": _modified(row),
    }
    return [SisContact(sourced_id=sourced_id, student_sourced_id=s, **fields) for s in students]


def oneroster_rows_convert(
    *, entity: Entity, rows: Iterable[Any]
) -> tuple[list[Any], list[SisRowProblem]]:
    """Convert one page of OneRoster rows for an entity into records and row problems."""
    if entity in ENTITY_ROLE:
        return convert_rows(
            entity=entity, rows=rows, convert=lambda row: person_from_user(row, entity=entity)
        )
    converters = {
        Entity.SCHOOLS: school_from_org,
        Entity.TERMS: term_from_session,
        Entity.COURSES: course_from_row,
        Entity.CLASSES: class_from_row,
        Entity.ENROLLMENTS: enrollment_from_row,
        Entity.CONTACTS: contacts_from_user,
    }
    return convert_rows(entity=entity, rows=rows, convert=converters[entity])

"""Normalised SIS records: what every SIS client yields and the import engine reads.

Both connection kinds (OneRoster and the Aeries native API) produce these same
records with the same sourcedIds, so one district imports to the same result
whichever way it is connected. Values are kept as the SIS sent them after light
normalisation (strings trimmed, CEDS grade codes); business validation (missing
names, bad e-mails, unknown grades or schools) belongs to the engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

# The records made for every SIS row (a pull of 100,000 students makes ~930,000) are
# slotted, hashable and compared by value like the others, but not frozen: a frozen
# dataclass's __init__ sets each field through object.__setattr__ (~1 us a record,
# against ~0.15 us). Nothing assigns to a record once it is made: dataclasses.replace
# makes another (tests/sis/test_records.py).
ROW_RECORDS = ("SisPerson", "SisClass", "SisEnrollment", "SisContact")


class Entity(StrEnum):
    SCHOOLS = "schools"
    TERMS = "terms"
    COURSES = "courses"
    STUDENTS = "students"
    TEACHERS = "teachers"
    STAFF = "staff"
    ADMINISTRATORS = "administrators"
    CLASSES = "classes"
    ENROLLMENTS = "enrollments"
    CONTACTS = "contacts"


class Role(StrEnum):
    STUDENT = "student"
    TEACHER = "teacher"
    STAFF = "staff"
    ADMINISTRATOR = "administrator"


class Status(StrEnum):
    ACTIVE = "active"
    TOBEDELETED = "tobedeleted"


# OneRoster user roles that are people; the guardian roles become SisContact rows.
ONEROSTER_PERSON_ROLES: dict[str, Role] = {
    "student": Role.STUDENT,
    "teacher": Role.TEACHER,
    "administrator": Role.ADMINISTRATOR,
    "aide": Role.STAFF,
    "proctor": Role.STAFF,
}
ONEROSTER_CONTACT_ROLES = ("parent", "guardian", "relative")

ENTITY_ROLE: dict[Entity, Role] = {
    Entity.STUDENTS: Role.STUDENT,
    Entity.TEACHERS: Role.TEACHER,
    Entity.STAFF: Role.STAFF,
    Entity.ADMINISTRATORS: Role.ADMINISTRATOR,
}

# CEDS grade levels in school order (OneRoster 1.1 vocabulary).
CEDS_GRADES: tuple[str, ...] = (
    "IT", "PR", "PK", "TK", "KG",
    "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13",
    "PS", "UG", "Other",
)  # fmt: skip

# Spellings SIS exports use for the non-numeric grades (Aeries uses -1 for TK,
# -2 for PK and 0 for kindergarten in its native grade field).
_GRADE_ALIASES: dict[str, str] = {
    "K": "KG",
    "KG": "KG",
    "KN": "KG",
    "KINDERGARTEN": "KG",
    "0": "KG",
    "00": "KG",
    "TK": "TK",
    "-1": "TK",
    "TRANSITIONALKINDERGARTEN": "TK",
    "PK": "PK",
    "P": "PK",
    "-2": "PK",
    "PREK": "PK",
    "PREKINDERGARTEN": "PK",
    "IT": "IT",
    "PR": "PR",
    "PS": "PS",
    "POSTSECONDARY": "PS",
    "UG": "UG",
    "UNGRADED": "UG",
    "OTHER": "Other",
}
_NUMERIC_GRADE = re.compile(r"^(?:GRADE)?0*(\d{1,2})(?:ST|ND|RD|TH)?$")


def grade_normalise(value: Any) -> str:
    """Return the CEDS code for a SIS grade value ("1"→"01", "K"→"KG", "-1"→"TK").

    Unknown values come back trimmed but otherwise verbatim so the engine can flag
    them; an empty value returns "".
    """
    text = str(value).strip() if value is not None else ""
    if not text:
        return ""
    key = re.sub(r"[\s_.\-]", "", text.upper()) if not text.startswith("-") else text
    if key in _GRADE_ALIASES:
        return _GRADE_ALIASES[key]
    match = _NUMERIC_GRADE.match(key)
    if match and 1 <= int(match.group(1)) <= 13:
        return f"{int(match.group(1)):02d}"
    return text


def grade_range(*, low: Any, high: Any) -> tuple[str, ...]:
    """CEDS grades from low to high inclusive; () when either end is not a CEDS grade."""
    low_code, high_code = grade_normalise(low), grade_normalise(high)
    ordered = CEDS_GRADES[: CEDS_GRADES.index("PS")]
    if low_code not in ordered or high_code not in ordered:
        return tuple(dict.fromkeys(code for code in (low_code, high_code) if code))
    start, end = ordered.index(low_code), ordered.index(high_code)
    return ordered[start : end + 1] if start <= end else (low_code,)


_SCHOOL_TYPE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("middle", re.compile(r"\b(middle|ms|junior high|jr\.? high|jhs|intermediate)\b")),
    ("high", re.compile(r"\b(high|hs|secondary|continuation)\b")),
    ("elementary", re.compile(r"\b(elementary|elem|es|primary)\b")),
)


def school_type_guess(*, name: str, grades: tuple[str, ...] = ()) -> str:
    """elementary / middle / high / other, from the name first, then the grade span."""
    lowered = name.lower()
    for school_type, pattern in _SCHOOL_TYPE_WORDS:
        if pattern.search(lowered):
            return school_type
    numeric = [CEDS_GRADES.index(g) for g in grades if g in CEDS_GRADES[:18]]
    if not numeric:
        return "other"
    low, high = min(numeric), max(numeric)
    if high <= CEDS_GRADES.index("06"):
        return "elementary"
    if low >= CEDS_GRADES.index("09"):
        return "high"
    if low >= CEDS_GRADES.index("06") and high <= CEDS_GRADES.index("08"):
        return "middle"
    return "other"


@dataclass(frozen=True, slots=True)
class SisSchool:
    sourced_id: str
    name: str
    school_code: str
    school_type: str
    status: str
    date_last_modified: datetime | None


@dataclass(frozen=True, slots=True)
class SisTerm:
    sourced_id: str
    title: str
    session_type: str
    start_date: date | None
    end_date: date | None
    school_sourced_id: str | None
    parent_sourced_id: str | None
    school_year: str
    status: str
    date_last_modified: datetime | None
    # The fingerprint of the SIS row this record came from (sis.fingerprints), when asked.
    sis_digest: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class SisCourse:
    sourced_id: str
    title: str
    course_code: str
    school_sourced_id: str | None
    grades: tuple[str, ...]
    status: str
    date_last_modified: datetime | None
    # The fingerprint of the SIS row this record came from (sis.fingerprints), when asked.
    sis_digest: str = field(default="", compare=False, repr=False)


@dataclass(slots=True, unsafe_hash=True)  # not frozen: see ROW_RECORDS
class SisPerson:
    sourced_id: str
    role: Role
    given_name: str
    family_name: str
    middle_name: str
    email: str
    username: str
    identifier: str
    user_ids: tuple[tuple[str, str], ...]
    grades: tuple[str, ...]
    school_sourced_ids: tuple[str, ...]
    enabled: bool
    status: str
    date_last_modified: datetime | None
    phone: str = ""
    agent_sourced_ids: tuple[str, ...] = ()
    # Aeries' own ids, whatever form the district chose for sourcedIds (plain, STU_,
    # TCH_): the same person has the same values over OneRoster and the native API,
    # so the engine can match people across connection kinds. "" when not known.
    aeries_student_id: str = ""  # Student ID, the permanent id (native StudentID)
    state_student_id: str = ""  # the state's student id (SSID / StateStudentID)
    aeries_staff_id: str = ""  # staff ID (native staff ID, OneRoster TCH_<id>)
    # A student's birth date where the SIS gives one (native Birthdate; OneRoster users
    # have none): with the name, what tells two accounts of one person (the duplicates).
    birth_date: date | None = None
    # The fingerprint of the SIS row this record came from (sis.fingerprints), when asked.
    sis_digest: str = field(default="", compare=False, repr=False)


@dataclass(slots=True, unsafe_hash=True)  # not frozen: see ROW_RECORDS
class SisClass:
    sourced_id: str
    title: str
    class_code: str
    class_type: str
    school_sourced_id: str | None
    course_sourced_id: str | None
    term_sourced_ids: tuple[str, ...]
    grades: tuple[str, ...]
    subjects: tuple[str, ...]
    periods: tuple[str, ...]
    location: str
    status: str
    date_last_modified: datetime | None
    # The fingerprint of the SIS row this record came from (sis.fingerprints), when asked.
    sis_digest: str = field(default="", compare=False, repr=False)


@dataclass(slots=True, unsafe_hash=True)  # not frozen: see ROW_RECORDS
class SisEnrollment:
    sourced_id: str
    class_sourced_id: str
    user_sourced_id: str
    school_sourced_id: str | None
    role: str
    primary: bool
    begin_date: date | None
    end_date: date | None
    status: str
    date_last_modified: datetime | None
    # The fingerprint of the SIS row this record came from (sis.fingerprints), when asked.
    sis_digest: str = field(default="", compare=False, repr=False)


@dataclass(slots=True, unsafe_hash=True)  # not frozen: see ROW_RECORDS
class SisContact:
    """A guardian of one student; (sourced_id, student_sourced_id) is the identity.

    student_sourced_id is None when the SIS names no student on the guardian itself;
    the engine then links through the students' agent_sourced_ids.
    """

    sourced_id: str
    student_sourced_id: str | None
    given_name: str
    family_name: str
    email: str
    phone: str
    relationship: str
    primary: bool
    order: int
    status: str
    date_last_modified: datetime | None
    # The fingerprint of the SIS row this record came from (sis.fingerprints), when asked.
    sis_digest: str = field(default="", compare=False, repr=False)


# SisRowProblem.code values.
UNREADABLE_ROW = "unreadable_row"  # error: the row could not become a record
CONTACT_NO_NAME = "contact_no_name"  # error: a contact with neither first nor last name
NUL_STRIPPED = "nul_stripped"  # warning: NUL characters removed from the named fields
UNKNOWN_RELATIONSHIP = "unknown_relationship"  # warning: a relationship code nobody maps
ERROR, WARNING = "error", "warning"


@dataclass(frozen=True, slots=True)
class SisRowProblem:
    """Something wrong with one SIS row.

    In SisPage.problems (severity "error"): the row did not become a record; the
    rest of the page still converts. In SisPage.warnings (severity "warning"): the
    row's record is on a page of the same read, cleaned as `message` says. See
    docs/sis.md for every code.
    """

    entity: Entity
    sourced_id: str
    field: str
    message: str
    excerpt: dict[str, Any]
    code: str = UNREADABLE_ROW
    severity: str = ERROR
    fix: str = ""


# SisNotice.code values.
SCHOOL_MISSING = "school_missing"  # error: a configured school code the SIS does not know
DELTA_UNSUPPORTED = "delta_unsupported"  # the SIS refused the dateLastModified filter: full read
FILTER_UNSUPPORTED = "filter_unsupported"  # the SIS refused a role filter: filtered here instead
FOREIGN_LINK = "foreign_link"  # a paging link to another origin, not followed
SCOPE_REDUCED = "scope_reduced"  # the token was granted only after asking for fewer scopes


@dataclass(frozen=True, slots=True)
class SisNotice:
    """Something about a whole collection read that the run's record should say.

    `severity` "error" means data is missing from the file (a school code the SIS
    does not know: the other schools were read); "warning" means the data is all
    there but was read differently than asked (a delta read became a full read).
    """

    code: str
    entity: Entity
    severity: str
    message: str
    fix: str = ""
    school_code: str = ""


SisRecord = SisSchool | SisTerm | SisCourse | SisPerson | SisClass | SisEnrollment | SisContact


@dataclass(slots=True)
class SisPage:
    """One page of records. `notices` ride on the first page read after they arose;
    a client also keeps every notice of its reads in `client.notices`."""

    entity: Entity
    records: list[Any]
    problems: list[SisRowProblem] = field(default_factory=list)
    total: int | None = None
    offset: int = 0
    warnings: list[SisRowProblem] = field(default_factory=list)
    notices: list[SisNotice] = field(default_factory=list)
    # True when this read was asked as a delta (since=…) but the SIS returned every
    # record: the SIS refused the dateLastModified filter (see DELTA_UNSUPPORTED).
    full_read: bool = False

"""Row validation: which SIS rows can become accounts, and why not."""

import re
from dataclasses import dataclass

from rostering.models.people import Person
from rostering.sync import issues
from rostering.sync.context import SchoolScope
from rostering.sync.upsert import char_limits
from sis.records import CEDS_GRADES, Role, SisPerson

EMAIL = re.compile(
    r"^[^@\s,;<>()\[\]\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)


@dataclass(frozen=True)
class Finding:
    kind: issues.IssueKind
    field: str
    values: dict

    @property
    def blocking(self) -> bool:
        return self.kind.severity == issues.ERROR


def _names(person: SisPerson) -> list[Finding]:
    return [
        Finding(issues.MISSING_NAME, name, {})
        for name in ("given_name", "family_name")
        if not getattr(person, name).strip()
    ]


def _email(person: SisPerson) -> list[Finding]:
    if not person.email:
        return [Finding(issues.MISSING_EMAIL, "email", {})]
    if not EMAIL.match(person.email):
        return [Finding(issues.BAD_EMAIL, "email", {"value": person.email})]
    return []


def _grades(person: SisPerson) -> list[Finding]:
    if person.role != Role.STUDENT:
        return []
    bad = [g for g in person.grades if g not in CEDS_GRADES]
    return [Finding(issues.INVALID_GRADE, "grades", {"value": g}) for g in bad[:1]]


# Aeries' district org: people attached only to it work district-wide.
DISTRICT_ORG_IDS = frozenset({"0"})


def school_ids_of(person: SisPerson) -> tuple[str, ...]:
    return tuple(s for s in person.school_sourced_ids if s not in DISTRICT_ORG_IDS)


def is_district_wide(person: SisPerson) -> bool:
    """Staff, teachers and administrators of the district office (no school of their own)."""
    return person.role != Role.STUDENT and not school_ids_of(person)


def _schools(person: SisPerson, scope: SchoolScope) -> list[Finding]:
    schools = school_ids_of(person)
    if not schools:
        return [] if is_district_wide(person) else [Finding(issues.NO_SCHOOL, "orgs", {})]
    unknown = [s for s in schools if s not in scope.known]
    if len(unknown) == len(schools):
        return [Finding(issues.UNKNOWN_SCHOOL, "orgs", {"value": unknown[0]})]
    return []


# What each text field of a person may hold (Person's columns).
PERSON_LIMITS = dict(char_limits(Person))


def _lengths(person: SisPerson, username: str) -> list[Finding]:
    """Values longer than their column: errors naming the field (never cut silently)."""
    values = {
        "sourced_id": person.sourced_id,
        "given_name": person.given_name,
        "middle_name": person.middle_name,
        "family_name": person.family_name,
        "email": person.email,
        "username": username,
        "identifier": person.identifier,
        "phone": person.phone,
        "aeries_student_id": person.aeries_student_id,
        "state_student_id": person.state_student_id,
        "aeries_staff_id": person.aeries_staff_id,
    }
    return [
        Finding(issues.VALUE_TOO_LONG, field, {"length": len(value), "limit": limit})
        for field, value in values.items()
        if len(value) > (limit := PERSON_LIMITS[field])
    ]


def person_findings(person: SisPerson, *, scope: SchoolScope, username: str) -> list[Finding]:
    """Errors (the row is not imported) and warnings (it is, with a caveat): every one of
    the row's, so that one fix in Aeries is enough."""
    return (
        _lengths(person, username)
        + _names(person)
        + _email(person)
        + _grades(person)
        + _schools(person, scope)
    )

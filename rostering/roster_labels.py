"""Roster rows in the words district staff use: a person's name with their Student ID or
Staff ID, grade and school; a class by its title; an enrollment as who is in which class.

Shared by every page that names rows: held changes, descriptions, the preview, the
change lists and a person's history.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rostering.models import (
    AcademicSession,
    Course,
    Enrollment,
    Guardian,
    Person,
    School,
    Section,
    SisSchool,
)

# Aeries' OneRoster may prefix user sourcedIds (STU_89400001, TCH_12); the Aeries id is
# what follows. userIds carry it when the district's configuration names it.
ID_PREFIXES = ("STU_", "TCH_", "STF_", "PAT_")
STUDENT_ID_TYPES = ("StudentID", "PermanentID", "Student ID")
STAFF_ID_TYPES = ("StaffID", "TeacherID", "Staff ID")
ROLE_LABELS = {
    "student": "Student",
    "teacher": "Teacher",
    "staff": "Staff",
    "administrator": "Administrator",
}
EMPTY = "—"


def id_label(role: str | None) -> str:
    """What district staff call a person's Aeries id."""
    return "Student ID" if role in (None, "", "student") else "Staff ID"


def aeries_id(*, sourced_id: str, role: str | None, user_ids: Iterable = ()) -> str:
    """The Aeries id of a person (Student ID or Staff ID), from their ids."""
    wanted = STUDENT_ID_TYPES if role in (None, "", "student") else STAFF_ID_TYPES
    for pair in user_ids or ():
        if len(pair) == 2 and str(pair[0]) in wanted and pair[1]:
            return str(pair[1])
    for prefix in ID_PREFIXES:
        if sourced_id.startswith(prefix) and len(sourced_id) > len(prefix):
            return sourced_id[len(prefix) :]
    return sourced_id


def shown(value) -> str:
    """A stored value as a person reads it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(shown(v) for v in value) or EMPTY
    if value is None or value == "":
        return EMPTY
    return str(value)


@dataclass(frozen=True)
class RowLabel:
    name: str
    details: str = ""
    aeries_id: str = ""
    url_id: int | None = None  # the person's (or row's) id, for a link
    role: str = ""  # a person's role, grades and schools on their own (for CSV columns)
    grade: str = ""
    school: str = ""


def person_label(
    *,
    given: str,
    family: str,
    role: str | None,
    sourced_id: str,
    grades: Sequence = (),
    schools: Sequence[str] = (),
    user_ids: Iterable = (),
    pk: int | None = None,
) -> RowLabel:
    """ "Ana Lopez" with "Student · Student ID 100004 · Grade 05 · Lincoln Elementary"."""
    the_id = aeries_id(sourced_id=sourced_id, role=role, user_ids=user_ids)
    role_label = ROLE_LABELS.get(role or "", (role or "").capitalize())
    grade = ", ".join(str(g) for g in grades)
    parts = [role_label, f"{id_label(role)} {the_id}"]
    if the_id != sourced_id:
        parts.append(f"sourcedId {sourced_id}")
    if grade:
        parts.append(f"Grade {grade}")
    parts.extend(schools)
    name = f"{given} {family}".strip() or "(no name)"
    details = " · ".join(p for p in parts if p)
    return RowLabel(name, details, the_id, pk, role_label, grade, ", ".join(schools))


def sis_school_names(*, connection_id: int | None) -> dict[str, str]:
    """SIS school sourcedId -> its name, for a connection."""
    if connection_id is None:
        return {}
    rows = SisSchool.objects.filter(connection_id=connection_id).values_list("sourced_id", "name")
    return dict(rows)


def person_row_label(person: Person, school_names: dict[str, str]) -> RowLabel:
    return person_label(
        given=person.given_name,
        family=person.family_name,
        role=person.role,
        sourced_id=person.sourced_id,
        grades=person.grades or (),
        schools=[school_names.get(s, s) for s in person.sis_school_ids or ()],
        user_ids=person.user_ids or (),
        pk=person.pk,
    )


def people_labels(*, ids: Iterable[int], school_names: dict[str, str]) -> dict[int, RowLabel]:
    people = Person.objects.in_bulk(set(ids))
    return {pk: person_row_label(p, school_names) for pk, p in people.items()}


def people_labels_by_sourced_id(
    *, district_id: int, sourced_ids: Iterable[str], school_names: dict[str, str]
) -> dict[str, RowLabel]:
    people = Person.objects.filter(district_id=district_id, sourced_id__in=set(sourced_ids))
    return {p.sourced_id: person_row_label(p, school_names) for p in people}


def class_title(section: Section) -> str:
    """Its title; an untitled class (elementary homerooms often are) by its code."""
    return section.title or f"class {section.class_code or section.sourced_id}"


def section_label(section: Section | None, fallback: str = "") -> RowLabel:
    if section is None:
        return RowLabel(f"class {fallback}" if fallback else "(unknown class)")
    school = section.school.name if section.school_id else ""
    details = " · ".join(p for p in (section.class_code, school, section.sourced_id) if p)
    return RowLabel(class_title(section), details, "", section.pk)


def enrollment_label(enrollment: Enrollment, people: dict, sections: dict) -> RowLabel:
    person = people.get(enrollment.person_id)
    section = sections.get(enrollment.section_id)
    who = person.name if person else f"person #{enrollment.person_id}"
    title = class_title(section) if section is not None else f"class #{enrollment.section_id}"
    details = person.details if person else enrollment.role
    return RowLabel(f"{who} in {title}", details, person.aeries_id if person else "", None)


def guardian_label(guardian: Guardian, students: dict) -> RowLabel:
    student = students.get(guardian.student_id)
    name = f"{guardian.given_name} {guardian.family_name}".strip() or "(no name)"
    whose = f"contact of {student.name}" if student else "contact"
    relationship = guardian.relationship or "contact"
    return RowLabel(name, f"{relationship} · {whose}", student.aeries_id if student else "", None)


def rows_labels(
    *, table: str, ids: Iterable[int], connection_id: int | None
) -> dict[int, RowLabel]:
    """Labels of roster rows of one table (person, section, enrollment, guardian) by id."""
    ids = set(ids)
    names = sis_school_names(connection_id=connection_id)
    if table == "person":
        return people_labels(ids=ids, school_names=names)
    if table == "section":
        found = Section.objects.select_related("school").in_bulk(ids)
        return {pk: section_label(s) for pk, s in found.items()}
    if table == "enrollment":
        found = Enrollment.objects.in_bulk(ids)
        people = people_labels(ids=(e.person_id for e in found.values()), school_names=names)
        sections = Section.objects.select_related("school").in_bulk(
            {e.section_id for e in found.values()}
        )
        return {pk: enrollment_label(e, people, sections) for pk, e in found.items()}
    if table == "guardian":
        found = Guardian.objects.in_bulk(ids)
        students = people_labels(ids=(g.student_id for g in found.values()), school_names=names)
        return {pk: guardian_label(g, students) for pk, g in found.items()}
    if table in ("term", "course"):
        model = AcademicSession if table == "term" else Course
        found = model.objects.select_related("school").in_bulk(ids)
        return {pk: _titled(row) for pk, row in found.items()}
    return {}


def _titled(row: AcademicSession | Course) -> RowLabel:
    school = row.school.name if row.school_id else ""
    return RowLabel(
        row.title or row.sourced_id, " · ".join(p for p in (school, row.sourced_id) if p)
    )


def value_names(*, column: str, values: Iterable) -> dict:
    """Names for the ids a column holds (section_id, person_id, school_id …)."""
    ids = {v for v in values if isinstance(v, int)}
    if not ids:
        return {}
    if column in ("person_id", "student_id"):
        return {p.pk: f"{p.given_name} {p.family_name}" for p in Person.objects.filter(pk__in=ids)}
    if column == "section_id":
        return dict(Section.objects.filter(pk__in=ids).values_list("pk", "title"))
    if column == "school_id":
        return dict(School.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {}

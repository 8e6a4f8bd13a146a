"""Native Aeries staff roles and the probe's small reads.

Split from aeries_api.py to keep modules small; these take the client and use
only its public helpers (get, sections, teachers, course_rows, ordered).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sis import aeries_convert as conv
from sis import errors
from sis.convert_common import convert_rows, excerpt
from sis.records import Entity, Role, SisPerson, SisRowProblem

if TYPE_CHECKING:
    from sis.aeries_api import AeriesApiClient

Batch = tuple[list[Any], list[SisRowProblem]]


def _teacher_schools(
    *, client: AeriesApiClient, codes: list[str]
) -> tuple[dict[str, tuple[dict[str, Any], list[str]]], list[SisRowProblem]]:
    """Staff ID → (first teacher row, school codes it teaches at)."""
    teachers: dict[str, tuple[dict[str, Any], list[str]]] = {}
    problems: list[SisRowProblem] = []
    for code in codes:
        for row in client.teachers(code):
            staff_id = conv.code_text(row.get("StaffID1")) if isinstance(row, dict) else ""
            if not staff_id or staff_id == "0":
                problem_id = f"{code}_{conv.code_text(row.get('TeacherNumber'))}"
                message = "the teacher has no StaffID1, so no TCH_ id"
                problems.append(
                    SisRowProblem(Entity.TEACHERS, problem_id, "StaffID1", message, excerpt(row))
                )
                continue
            _first_row, schools = teachers.setdefault(staff_id, (row, []))
            if code not in schools:
                schools.append(code)
    return teachers, problems


def _staff_rows(*, client: AeriesApiClient, role: Role) -> list[Any]:
    try:
        return client.rows(client.get("staff", entity=Entity.STAFF), "staff")
    except errors.SisPermissionError:
        if role is Role.TEACHER:
            return []  # teachers can still be read from the teacher lists alone
        raise


def staff_people(*, client: AeriesApiClient, role: Role) -> Batch:
    """Everyone of one role, each once (see aeries_convert for the role rule)."""
    codes = client.school_codes()
    teachers, problems = _teacher_schools(client=client, codes=codes)
    staff_rows = [row for row in _staff_rows(client=client, role=role) if isinstance(row, dict)]
    if role is Role.TEACHER:
        by_id = {conv.code_text(row.get("ID")): row for row in staff_rows}
        people = [
            conv.person_from_staff(
                by_id.get(staff_id) or {**teacher_row, "ID": staff_id},
                role=Role.TEACHER,
                schools=tuple(schools),
            )
            for staff_id, (teacher_row, schools) in teachers.items()
        ]
        return people, problems
    scope = set(client.credentials.school_codes)

    def convert(row: dict[str, Any]) -> list[SisPerson]:
        if conv.code_text(row.get("ID")) in teachers:
            return []
        if conv.staff_role(staff=row, is_teacher=False) is not role:
            return []
        person = conv.person_from_staff(row, role=role)
        return [person] if not scope or scope & set(person.school_sourced_ids) else []

    entity = Entity.ADMINISTRATORS if role is Role.ADMINISTRATOR else Entity.STAFF
    return convert_rows(entity=entity, rows=staff_rows, convert=convert, id_keys=("ID",))


def entity_check(*, client: AeriesApiClient, entity: Entity, codes: list[str]) -> None:
    """The cheapest read that needs the same permission as importing the entity."""
    if entity is Entity.SCHOOLS:
        client.get("schools", entity=entity)
        return
    if entity in (Entity.STAFF, Entity.ADMINISTRATORS):
        client.get("staff", entity=entity)
        return
    if entity is Entity.COURSES:
        client.course_rows()
        return
    if not codes:
        return  # no school to ask about: nothing this entity could import
    code = codes[0]
    if entity is Entity.STUDENTS:
        params = {"StartingRecord": 1, "EndingRecord": 1}
        client.get(f"schools/{code}/students", entity=entity, params=params)
    elif entity is Entity.TEACHERS:
        client.get(f"schools/{code}/teachers", entity=entity)
    else:
        suffix = {
            Entity.TERMS: "terms",
            Entity.CLASSES: "sections",
            Entity.CONTACTS: "contacts",
            Entity.ENROLLMENTS: "classes",  # the class schedules (SEC)
        }
        client.get(f"schools/{code}/{suffix[entity]}", entity=entity)

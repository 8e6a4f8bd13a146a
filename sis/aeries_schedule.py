"""Native Aeries enrollments and elementary (teacher) classes, as Aeries' OneRoster has them.

- Secondary sections: teachers from SectionStaffMembers (else TeacherNumber1..3),
  students from the school's class schedules (SEC, `GET /schools/{SC}/classes`) with
  DateStarted / DateDropped; a blank date is the section's term start / end.
- Elementary classes (Aeries' OneRoster `SC_TN_TN`): in an elementary school, each
  teacher number that students name as HomeRoomTeacherNumber is a class built from
  that teacher's TCH row (no title, course `TCH_<StaffID1>`, period 0, Room, grades
  LowGrade..HighGrade, every term of the school). Its teacher is primary; its
  students are the students naming it, from their SchoolEnterDate (or the first term's
  start) to the last term's end.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from sis import aeries_convert as conv
from sis import errors
from sis.convert_common import RowError, convert_rows, parse_date, required, text
from sis.records import (
    Entity,
    SisClass,
    SisEnrollment,
    SisRowProblem,
    Status,
    grade_range,
)

if TYPE_CHECKING:
    from sis.aeries_api import AeriesApiClient

Batch = tuple[list[Any], list[SisRowProblem]]
Span = tuple[date | None, date | None]
# HomeRoomTeacherNumber → [(StudentID, SchoolEnterDate)] of one school.
Homerooms = dict[str, list[tuple[str, Any]]]


def elementary_class_sourced_id(school: Any, teacher_number: Any) -> str:
    return f"{conv.code_text(school)}_TN_{conv.code_text(teacher_number)}"


def homerooms_add(homerooms: Homerooms, row: dict[str, Any]) -> None:
    number = conv.code_text(row.get("HomeRoomTeacherNumber"))
    student = conv.code_text(row.get("StudentID"))
    if number and number != "0" and student:
        homerooms.setdefault(number, []).append((student, row.get("SchoolEnterDate")))


def term_spans(terms: list[Any]) -> dict[str, Span]:
    """TermCode → (start, end); "" → the whole school year (first start, last end)."""
    spans: dict[str, Span] = {}
    for term in terms:
        if not isinstance(term, dict) or not conv.code_text(term.get("TermCode")):
            continue
        try:
            start = parse_date(term.get("StartDate"), field="StartDate")
            end = parse_date(term.get("EndDate"), field="EndDate")
        except RowError:
            continue
        spans[conv.code_text(term.get("TermCode"))] = (start, end)
    starts = [s for s, _ in spans.values() if s]
    ends = [e for _, e in spans.values() if e]
    spans[""] = (min(starts, default=None), max(ends, default=None))
    return spans


def section_span(section: dict[str, Any], spans: dict[str, Span]) -> Span:
    """A one-term section spans its term; a year-long one ("Y"), the school year."""
    return spans.get(conv.code_text(section.get("Semester"))) or spans[""]


def teacher_class_from_native(row: dict[str, Any], *, term_ids: tuple[str, ...]) -> list[SisClass]:
    school = conv.code_text(required(row, "SchoolCode"))
    number = conv.code_text(required(row, "TeacherNumber"))
    staff_id = conv.code_text(row.get("StaffID1"))
    course = conv.teacher_sourced_id(staff_id) if staff_id and staff_id != "0" else None
    return [
        SisClass(
            sourced_id=elementary_class_sourced_id(school, number),
            title="",
            class_code=number,
            class_type="scheduled",
            school_sourced_id=school,
            course_sourced_id=course,
            term_sourced_ids=term_ids,
            grades=grade_range(low=row.get("LowGrade"), high=row.get("HighGrade")),
            subjects=(),
            periods=("0",),
            location=text(row.get("Room")),
            status=conv.native_status(row),
            date_last_modified=None,
        )
    ]


def _enrollment(class_id: str, user: str, school: str, role: str, **fields: Any) -> SisEnrollment:
    return SisEnrollment(
        conv.enrollment_sourced_id(class_id, user),
        class_id,
        user,
        school,
        role,
        fields.get("primary", False),
        fields.get("begin"),
        fields.get("end"),
        Status.ACTIVE,
        None,
    )


def schedule_enrollment(
    row: dict[str, Any], *, school: str, spans: dict[str, Span], sections: dict[str, Span]
) -> list[SisEnrollment]:
    """A class schedule (SEC) row as a student enrollment."""
    student = conv.code_text(required(row, "StudentID"))
    number = conv.code_text(required(row, "SectionNumber"))
    start, end = sections.get(number) or spans[""]
    begin = parse_date(row.get("DateStarted"), field="DateStarted") or start
    dropped = parse_date(row.get("DateDropped"), field="DateDropped")
    class_id = conv.section_sourced_id(school, number)
    return [_enrollment(class_id, student, school, "student", begin=begin, end=dropped or end)]


def homeroom_enrollments(
    *, school: str, teachers: list[Any], homerooms: Homerooms, span: Span
) -> Batch:
    """Teachers and students of a school's elementary classes."""
    staff = {
        conv.code_text(t.get("TeacherNumber")): conv.code_text(t.get("StaffID1"))
        for t in teachers
        if isinstance(t, dict)
    }
    records: list[SisEnrollment] = []
    problems: list[SisRowProblem] = []
    for number, students in homerooms.items():
        class_id = elementary_class_sourced_id(school, number)
        staff_id = staff.get(number, "")
        if staff_id and staff_id != "0":
            user = conv.teacher_sourced_id(staff_id)
            records.append(
                _enrollment(class_id, user, school, "teacher", primary=True, begin=span[0],
                            end=span[1])
            )  # fmt: skip
        for student, entered in students:
            try:
                begin = parse_date(entered, field="SchoolEnterDate")
            except RowError as exc:
                problems.append(
                    SisRowProblem(Entity.ENROLLMENTS, student, exc.field, exc.message, {})
                )
                continue
            begin = max(d for d in (begin, span[0]) if d) if begin or span[0] else None
            records.append(
                _enrollment(class_id, student, school, "student", begin=begin, end=span[1])
            )
    return records, problems


def elementary_classes(*, client: AeriesApiClient, code: str, term_ids: tuple[str, ...]) -> Batch:
    if not client.is_elementary(code):
        return [], []
    homerooms = client.homerooms(code)
    try:
        teachers = client.teachers(code)
    except errors.SisPermissionError:
        return [], []  # without Teacher Data there is no TCH row to build them from
    rows = [
        t
        for t in teachers
        if isinstance(t, dict) and conv.code_text(t.get("TeacherNumber")) in homerooms
    ]
    return convert_rows(
        entity=Entity.CLASSES,
        rows=rows,
        convert=lambda row: teacher_class_from_native(row, term_ids=term_ids),
        id_keys=("TeacherNumber",),
    )


def _teacher_numbers(teachers: list[Any]) -> dict[str, str]:
    """TeacherNumber → StaffID1, for sections without SectionStaffMembers."""
    return {
        conv.code_text(row.get("TeacherNumber")): conv.code_text(row.get("StaffID1"))
        for row in teachers
        if isinstance(row, dict)
    }


def _school_teachers(client: AeriesApiClient, code: str) -> list[Any]:
    try:
        return client.teachers(code)
    except errors.SisPermissionError:
        return []


def _section_teachers(sections: list[dict[str, Any]], numbers: dict[str, str]) -> Batch:
    records: list[Any] = []
    problems: list[SisRowProblem] = []
    for section in sections:
        try:
            records += conv.teacher_enrollments(section, teacher_staff_ids=numbers)
        except RowError as exc:
            class_id = conv.section_sourced_id(
                section.get("SchoolCode"), section.get("SectionNumber")
            )
            problems.append(SisRowProblem(Entity.ENROLLMENTS, class_id, exc.field, exc.message, {}))
    return records, problems


def school_enrollments(*, client: AeriesApiClient, code: str) -> Iterator[Batch]:
    """Teachers of the sections, students from the class schedules, then homerooms."""
    spans = term_spans(client.term_rows(code))
    teachers = _school_teachers(client, code)
    sections = [
        s
        for s in client.sections(code, entity=Entity.ENROLLMENTS)
        if isinstance(s, dict) and conv.code_text(s.get("SectionNumber"))
    ]
    yield _section_teachers(sections, _teacher_numbers(teachers))
    by_number = {conv.code_text(s.get("SectionNumber")): section_span(s, spans) for s in sections}
    rows = client.rows(client.get(f"schools/{code}/classes", entity=Entity.ENROLLMENTS), "classes")
    yield convert_rows(
        entity=Entity.ENROLLMENTS,
        rows=rows,
        convert=lambda row: schedule_enrollment(row, school=code, spans=spans, sections=by_number),
        id_keys=("StudentID",),
    )
    if client.is_elementary(code):
        yield homeroom_enrollments(
            school=code, teachers=teachers, homerooms=client.homerooms(code), span=spans[""]
        )


def enrollment_batches(*, client: AeriesApiClient, codes: list[str]) -> Iterator[Batch]:
    for code in codes:
        yield from school_enrollments(client=client, code=code)

"""Aeries native v5 rows → the same records (and sourcedIds) Aeries' OneRoster yields.

Id conventions shared with Aeries' OneRoster: school = school code, term SC_TM,
class SC_SN, course = course number, staff TCH_<staff ID>, student = Student ID,
guardian CNT_<StudentID>_<SequenceNumber>, enrollment <class>_<user>.
The native API has no dateLastModified (always None); a non-blank
InactiveStatusCode means status "tobedeleted".

Staff roles (the native API has no role field):
- teacher: listed by /schools/{SC}/teachers with a StaffID1 (TCH_<StaffID1>);
  teaching wins over a title, since one user has one role in OneRoster;
- administrator: any other staff member whose Title mentions Principal,
  Superintendent, Administrator, Director or Coordinator (the sandbox's OneRoster
  assigns its administrators by the same titles);
- staff: everyone else in /staff.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Any

from sis.convert_common import (
    RowError,
    contact_names,
    flag,
    parse_date,
    required,
    school_year_of,
    text,
    username_text,
)
from sis.records import (
    Role,
    SisClass,
    SisContact,
    SisCourse,
    SisEnrollment,
    SisPerson,
    SisSchool,
    SisTerm,
    Status,
    grade_normalise,
    grade_range,
    school_type_guess,
)
from sis.relationships import RelationshipCodes

DISTRICT_ORG_ID = "0"
ADMIN_TITLE = re.compile(
    r"principal|superintendent|administrator|director|coordinator", re.IGNORECASE
)


def code_text(value: Any) -> str:
    """Aeries numbers (school codes, ids) as text: 994.0 or " 994" → "994"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return text(value)


def teacher_sourced_id(staff_id: Any) -> str:
    return f"TCH_{code_text(staff_id)}"


def section_sourced_id(school_code: Any, section_number: Any) -> str:
    return f"{code_text(school_code)}_{code_text(section_number)}"


def contact_sourced_id(student_id: Any, sequence: Any) -> str:
    return f"CNT_{code_text(student_id)}_{code_text(sequence)}"


def enrollment_sourced_id(class_id: str, user_id: str) -> str:
    return f"{class_id}_{user_id}"


def native_status(row: dict[str, Any]) -> str:
    return Status.TOBEDELETED if text(row.get("InactiveStatusCode")) else Status.ACTIVE


def school_from_native(row: dict[str, Any]) -> list[SisSchool]:
    code = code_text(required(row, "SchoolCode"))
    if code == DISTRICT_ORG_ID:
        return []  # the district office, like OneRoster's district org
    name = text(row.get("Name"))
    grades = grade_range(low=row.get("LowGradeLevel"), high=row.get("HighGradeLevel"))
    school_type = school_type_guess(name=name, grades=grades)
    return [SisSchool(code, name, code, school_type, native_status(row), None)]


def term_from_native(row: dict[str, Any], *, school_code: str) -> list[SisTerm]:
    term_code = required(row, "TermCode")
    end = parse_date(row.get("EndDate"), field="EndDate")
    return [
        SisTerm(
            sourced_id=section_sourced_id(school_code, term_code),
            title=text(row.get("TermDescription")) or term_code,
            session_type="term",
            start_date=parse_date(row.get("StartDate"), field="StartDate"),
            end_date=end,
            school_sourced_id=school_code,
            parent_sourced_id=None,
            school_year=school_year_of(end),
            status=Status.ACTIVE,
            date_last_modified=None,
        )
    ]


def course_from_native(row: dict[str, Any]) -> list[SisCourse]:
    course_id = code_text(required(row, "ID"))
    grades = grade_range(low=row.get("LowGrade"), high=row.get("HighGrade"))
    title = text(row.get("Title")) or text(row.get("LongTitle")) or course_id
    return [
        SisCourse(course_id, title, course_id, DISTRICT_ORG_ID, grades, native_status(row), None)
    ]


def student_from_native(row: dict[str, Any], *, agents: tuple[str, ...]) -> SisPerson:
    student_id = code_text(required(row, "StudentID"))
    status = native_status(row)
    grade = grade_normalise(row.get("Grade"))
    user_ids = (
        ("StudentNumber", code_text(row.get("StudentNumber"))),
        ("StateID", text(row.get("StateStudentID"))),
    )
    return SisPerson(
        sourced_id=student_id,
        role=Role.STUDENT,
        given_name=text(row.get("FirstName")),
        family_name=text(row.get("LastName")),
        middle_name=text(row.get("MiddleName")),
        email=text(row.get("StudentEmailAddress")),
        username=username_text(row.get("NetworkLoginID"), field="NetworkLoginID"),
        identifier=text(row.get("StateStudentID")),
        user_ids=tuple(pair for pair in user_ids if pair[1]),
        grades=(grade,) if grade else (),
        school_sourced_ids=(code_text(row.get("SchoolCode")),),
        enabled=status == Status.ACTIVE,
        status=status,
        date_last_modified=None,
        agent_sourced_ids=agents,
        aeries_student_id=student_id,
        state_student_id=text(row.get("StateStudentID")),
        birth_date=birth_date(row.get("Birthdate")),
    )


def birth_date(value: Any) -> date | None:
    """Aeries' Birthdate, or None when it is missing or not a date (it is never worth
    failing a student's row for)."""
    try:
        return parse_date(value, field="Birthdate")
    except RowError:
        return None


def person_merge(first: SisPerson, other: SisPerson) -> SisPerson:
    """One person from two enrolment rows: an active row wins, schools and grades add up."""
    if first.status != Status.ACTIVE and other.status == Status.ACTIVE:
        first, other = other, first
    if first.status == Status.ACTIVE and other.status != Status.ACTIVE:
        return first  # a school the student left is not one of their schools
    return dataclasses.replace(
        first,
        grades=tuple(dict.fromkeys(first.grades + other.grades)),
        school_sourced_ids=tuple(
            dict.fromkeys(first.school_sourced_ids + other.school_sourced_ids)
        ),
        agent_sourced_ids=tuple(dict.fromkeys(first.agent_sourced_ids + other.agent_sourced_ids)),
    )


def staff_role(*, staff: dict[str, Any], is_teacher: bool) -> Role:
    if is_teacher:
        return Role.TEACHER
    return Role.ADMINISTRATOR if ADMIN_TITLE.search(text(staff.get("Title"))) else Role.STAFF


def staff_schools(staff: dict[str, Any]) -> tuple[str, ...]:
    codes = [code_text(staff.get("PrimaryAeriesSchool"))]
    for access in staff.get("SchoolAccessPermissions") or []:
        if isinstance(access, dict) and code_text(access.get("SchoolCode")) != DISTRICT_ORG_ID:
            codes.append(code_text(access.get("SchoolCode")))
    # The district office ("0") stays only as a primary school, as Aeries' OneRoster
    # lists district staff under the district org.
    return tuple(dict.fromkeys(code for code in codes if code))


def person_from_staff(
    staff: dict[str, Any], *, role: Role, schools: tuple[str, ...] | None = None
) -> SisPerson:
    staff_id = code_text(staff.get("ID") or staff.get("StaffID1"))
    if not staff_id or staff_id == "0":
        raise RowError("ID", "the staff member has no staff ID, so no TCH_ id")
    status = native_status(staff)
    return SisPerson(
        sourced_id=teacher_sourced_id(staff_id),
        role=role,
        given_name=text(staff.get("FirstName")),
        family_name=text(staff.get("LastName")),
        middle_name=text(staff.get("MiddleName")),
        email=text(staff.get("EmailAddress")),
        username=username_text(staff.get("NetworkLoginID"), field="NetworkLoginID")
        or username_text(staff.get("UserName"), field="UserName"),
        identifier=staff_id,
        user_ids=(("StaffID", staff_id),),
        grades=(),
        school_sourced_ids=schools if schools is not None else staff_schools(staff),
        enabled=status == Status.ACTIVE,
        status=status,
        date_last_modified=None,
        aeries_staff_id=staff_id,
    )


def section_title(row: dict[str, Any], *, course_titles: dict[str, str] | None) -> str:
    """The course's title, as Aeries' OneRoster titles a class (CRS.CO): blank for a
    course missing from the catalogue; without a catalogue, the course number."""
    course = code_text(row.get("CourseID"))
    title = (course_titles or {}).get(course) or text(row.get("CourseTitle"))
    if title or course_titles is not None:
        return title
    return course or code_text(row.get("SectionNumber"))


def class_from_native(
    row: dict[str, Any], *, course_titles: dict[str, str] | None, term_codes: tuple[str, ...] = ()
) -> list[SisClass]:
    """term_codes: the school's TermCodes; a Semester that is none of them ("Y", a
    year-long section) means every term of the school, as Aeries' OneRoster lists."""
    school = code_text(required(row, "SchoolCode"))
    section = code_text(required(row, "SectionNumber"))
    course = code_text(row.get("CourseID"))
    semester = code_text(row.get("Semester"))
    terms = (semester,) if semester in term_codes or not term_codes else term_codes
    period = code_text(row.get("Period"))
    return [
        SisClass(
            sourced_id=section_sourced_id(school, section),
            title=section_title(row, course_titles=course_titles),
            class_code=section,
            class_type="scheduled",
            school_sourced_id=school,
            course_sourced_id=course or None,
            term_sourced_ids=tuple(section_sourced_id(school, t) for t in terms if t),
            grades=grade_range(low=row.get("LowGrade"), high=row.get("HighGrade")),
            subjects=(),
            periods=(period,) if period else (),
            location=text(row.get("Room")),
            status=native_status(row),
            date_last_modified=None,
        )
    ]


def teacher_enrollments(
    section: dict[str, Any], *, teacher_staff_ids: dict[str, str]
) -> list[SisEnrollment]:
    """From SectionStaffMembers, else TeacherNumber1..3 via the school's teachers."""
    school = code_text(section.get("SchoolCode"))
    class_id = section_sourced_id(school, section.get("SectionNumber"))
    members = [m for m in section.get("SectionStaffMembers") or [] if isinstance(m, dict)]
    rows: list[tuple[str, bool, Any, Any]] = [
        (
            code_text(m.get("StaffID")),
            flag(m.get("IsPrimaryTeacher"), default=False),
            m.get("StartDate"),
            m.get("EndDate"),
        )
        for m in members
    ]
    if not rows:
        numbers = [code_text(section.get(f"TeacherNumber{i}")) for i in (1, 2, 3)]
        staff = [teacher_staff_ids.get(n, "") for n in numbers if n and n != "0"]
        rows = [(staff_id, index == 0, None, None) for index, staff_id in enumerate(staff)]
    enrollments = []
    for staff_id, primary, start, end in rows:
        if not staff_id or staff_id == "0":
            continue
        user = teacher_sourced_id(staff_id)
        enrollments.append(
            SisEnrollment(
                enrollment_sourced_id(class_id, user),
                class_id,
                user,
                school,
                "teacher",
                primary,
                parse_date(start, field="StartDate"),
                parse_date(end, field="EndDate"),
                Status.ACTIVE,
                None,
            )
        )
    return enrollments


def student_enrollment(row: dict[str, Any], *, school: str, class_id: str) -> list[SisEnrollment]:
    user = code_text(required(row, "StudentID"))
    return [
        SisEnrollment(
            enrollment_sourced_id(class_id, user),
            class_id,
            user,
            school,
            "student",
            False,
            None,
            None,
            Status.ACTIVE,
            None,
        )
    ]


def contact_order(row: dict[str, Any], *, sequence: str) -> int:
    """ContactOrder (the order the district gave the contacts), else the SequenceNumber."""
    order = code_text(row.get("ContactOrder"))
    return int(order) if order.isdigit() and int(order) > 0 else int(sequence)


def contact_from_native(row: dict[str, Any], *, codes: RelationshipCodes) -> list[SisContact]:
    """Order from ContactOrder (else SequenceNumber); primary is set per student by
    contacts_primary, once all of a school's contacts are read."""
    student = code_text(required(row, "StudentID"))
    sequence = code_text(required(row, "SequenceNumber"))
    if not sequence.isdigit():
        raise RowError("SequenceNumber", f"'{sequence[:20]}' is not a number")
    given_name, family_name = text(row.get("FirstName")), text(row.get("LastName"))
    contact_names(given_name, family_name, field="FirstName")
    phones = (text(row.get(key)) for key in ("CellPhone", "HomePhone", "WorkPhone"))
    order = contact_order(row, sequence=sequence)
    return [
        SisContact(
            sourced_id=contact_sourced_id(student, sequence),
            student_sourced_id=student,
            given_name=given_name,
            family_name=family_name,
            email=text(row.get("EmailAddress")),
            phone=next((phone for phone in phones if phone), ""),
            relationship=codes.relationship(row.get("RelationshipToStudentCode")) or "",
            primary=order == 1,
            order=order,
            status=Status.ACTIVE,
            date_last_modified=None,
        )
    ]


def contacts_primary(contacts: list[SisContact]) -> list[SisContact]:
    """Each student's first contact (lowest order) is the primary one, whatever its number."""
    first: dict[str | None, int] = {}
    for contact in contacts:
        known = first.get(contact.student_sourced_id)
        first[contact.student_sourced_id] = (
            contact.order if known is None else min(known, contact.order)
        )
    return [
        c
        if c.primary == (c.order == first[c.student_sourced_id])
        else dataclasses.replace(c, primary=c.order == first[c.student_sourced_id])
        for c in contacts
    ]

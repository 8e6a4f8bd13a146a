"""Aeries v5 API records (PascalCase) of the generated district.

Staff titles follow the rule the native client reads roles by: a non-teacher whose
Title mentions Principal, Superintendent, Administrator, Director or Coordinator is
an administrator (OneRoster role `administrator`); other staff are aides.
"""

import re

from sandbox.model import (
    YEAR_END,
    YEAR_START,
    Course,
    Enrollment,
    Person,
    School,
    Section,
    Session,
)

ADDRESSES = ("1200 Main Street", "455 Oak Avenue", "78 Mission Road", "3100 Valley Boulevard")


def native_date(day: str) -> str | None:
    return f"{day}T00:00:00" if day else None


def inactive_code(person: Person) -> str:
    return "I" if person.status != "active" or person.leave_date else ""


def native_grade(person: Person) -> int | None:
    # Aeries' grade is numeric: "14" stays 14 and "Grade 3" can only be stored as 3.
    digits = re.sub(r"\D", "", person.grade_label)
    return int(digits) if digits else person.grade


def term_native(session: Session) -> dict:
    return {
        "TermCode": session.term_code,
        "TermDescription": session.title,
        "StartDate": native_date(session.start),
        "EndDate": native_date(session.end),
    }


def school_native(school: School, principal: Person | None, terms: list[Session]) -> dict:
    n = int(school.code)
    return {
        "SchoolCode": n,
        "Name": school.name,
        "InactiveStatusCode": "",
        "LowGradeLevel": school.grades[0],
        "HighGradeLevel": school.grades[-1],
        "PrincipalName": f"{principal.given_name} {principal.family_name}" if principal else "",
        "PrincipalEmailAddress": principal.email if principal else "",
        "Address": ADDRESSES[n % len(ADDRESSES)],
        "AddressCity": "Riverside",
        "AddressState": "CA",
        "AddressZipCode": f"92{n % 1000:03d}",
        "Terms": [term_native(t) for t in terms],
    }


def student_native(person: Person, parent_email: str) -> dict:
    return {
        "StudentID": int(person.sourced_id),
        "SchoolCode": int(person.school_codes[0]),
        "StudentNumber": person.student_number,
        "StateStudentID": person.state_id,
        "FirstName": person.given_name,
        "LastName": person.family_name,
        "MiddleName": person.middle_name,
        "Gender": person.gender,
        "Grade": native_grade(person),
        "Birthdate": native_date(person.birth_date),
        "StudentEmailAddress": person.email,
        "ParentEmailAddress": parent_email,
        "NetworkLoginID": person.username,
        "InactiveStatusCode": inactive_code(person),
        "SchoolEnterDate": native_date(person.enter_date or YEAR_START),
        "SchoolLeaveDate": native_date(person.leave_date),
        "HomeRoomTeacherNumber": person.homeroom_teacher,
        "FamilyKey": int(person.sourced_id) % 70000 + 10000,
    }


def staff_native(person: Person) -> dict:
    return {
        "ID": person.staff_id,
        "FirstName": person.given_name,
        "LastName": person.family_name,
        "MiddleName": person.middle_name,
        "EmailAddress": person.email,
        "UserName": person.username,
        "NetworkLoginID": person.username,
        "PrimaryAeriesSchool": int(person.school_codes[0]),
        "InactiveStatusCode": inactive_code(person),
        "Title": person.title,
        "SchoolAccessPermissions": [
            {"SchoolCode": int(c), "ReadOnlyAccess": False} for c in person.school_codes if c != "0"
        ],
    }


def teacher_native(person: Person, school_code: str, room: str, grades: list[int]) -> dict:
    """A TCH row; Room, LowGrade and HighGrade are what Aeries' elementary classes use."""
    return {
        "SchoolCode": int(school_code),
        "TeacherNumber": person.teacher_numbers[school_code],
        "Room": room,
        "LowGrade": min(grades) if grades else None,
        "HighGrade": max(grades) if grades else None,
        "DisplayName": f"{person.family_name}, {person.given_name[:1]}",
        "FirstName": person.given_name,
        "LastName": person.family_name,
        "EmailAddress": person.email,
        "StaffID1": person.staff_id,
        "StaffID2": 0,
        "StaffID3": 0,
        "InactiveStatusCode": inactive_code(person),
    }


def section_native(section: Section, staff: list[Person], *, semester: str = "Y") -> dict:
    numbers = [p.teacher_numbers.get(section.school_code, 0) for p in staff] + [0, 0, 0]
    return {
        "SchoolCode": int(section.school_code),
        "SectionNumber": int(section.number),
        "CourseID": section.course_number,
        "Semester": semester,
        "Period": section.period,
        "Room": section.room,
        "LowGrade": min(section.grades),
        "HighGrade": max(section.grades),
        "TeacherNumber1": numbers[0],
        "TeacherNumber2": numbers[1],
        "TeacherNumber3": numbers[2],
        "SectionStaffMembers": [
            {
                "StaffID": p.staff_id,
                "IsPrimaryTeacher": i == 0,
                "StartDate": native_date(YEAR_START),
                "EndDate": native_date(YEAR_END),
            }
            for i, p in enumerate(staff)
        ],
        "InactiveStatusCode": "" if section.status == "active" else "I",
    }


# The district's contact relationship codes (CON.RL): the letters the sandbox generates,
# or the numbers of Aeries' demo data, with their code-table descriptions.
RELATIONSHIP_CODES = {"MO": "Mother", "FA": "Father", "GU": "Guardian", "GM": "Grandmother"}
NUMERIC_RELATIONSHIPS = {"MO": 11, "FA": 13, "GU": 16, "GM": 23}
NUMERIC_EXTRA_CODES = {25: "Aunt", 99: "Other"}


def relationship_codes(*, numeric: bool) -> list[dict]:
    """The rows of `GET api/v5/codes/CON/RL`."""
    if not numeric:
        return [{"Code": code, "Description": text} for code, text in RELATIONSHIP_CODES.items()]
    named = {NUMERIC_RELATIONSHIPS[code]: text for code, text in RELATIONSHIP_CODES.items()}
    table = {**named, **NUMERIC_EXTRA_CODES}
    return [{"Code": str(code), "Description": text} for code, text in sorted(table.items())]


def contact_native(contact: Person, student: Person, *, numeric: bool = False) -> dict:
    return {
        "StudentID": int(student.sourced_id),
        "SchoolCode": int(student.school_codes[0]),
        "SequenceNumber": contact.sequence,
        "FirstName": contact.given_name,
        "LastName": contact.family_name,
        "RelationshipToStudentCode": (
            NUMERIC_RELATIONSHIPS[contact.relationship] if numeric else contact.relationship
        ),
        "EmailAddress": contact.email,
        "HomePhone": contact.phone if contact.lives_with else "",
        "WorkPhone": "",
        "CellPhone": contact.phone,
        "AccessToPortal": "Y" if contact.sequence == 1 else "N",
        "ContactOrder": contact.sequence,
        "LivesWithStudentIndicator": "Y" if contact.lives_with else "N",
    }


def course_native(course: Course) -> dict:
    """A district course catalogue (CRS) row."""
    return {
        "ID": course.number,
        "Title": course.title,
        "LongDescription": f"{course.title} ({course.subject})",
        "DepartmentCode": course.number[:2],
        "LowGrade": course.grade,
        "HighGrade": course.grade,
        "InactiveStatusCode": "",
    }


def class_schedule_native(enrollment: Enrollment, *, sequence: int, course_id: str) -> dict:
    """A student's class schedule (SEC) row; DateDropped stays blank unless dropped early."""
    number = enrollment.class_id.rpartition("_")[2]
    return {
        "StudentID": int(enrollment.user_id),
        "SchoolCode": int(enrollment.school_code),
        "SequenceNumber": sequence,
        "SectionNumber": int(number) if number.isdigit() else number,
        "CourseID": course_id,
        "DateStarted": native_date(enrollment.begin),
        "DateDropped": native_date(enrollment.end) if enrollment.end < YEAR_END else None,
    }

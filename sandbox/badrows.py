"""The catalogue of realistically bad rows, the same dozen whatever the district size.

Targets are the first students by Student ID, the first teacher of the first high
school and the first aide, so their sourcedIds are stable for a given seed (and, for
the students, for every seed: `100001`…`100010`).
"""

from sandbox.model import YEAR_END, YEAR_START, BadRow, District, Enrollment, Section

UNKNOWN_SCHOOL = "997"
MISSING_CLASS_NUMBER = "9999"
MISSING_COURSE = "9999"
MISSING_USER = "999999"
MIN_STUDENTS = 20


def _students(district: District) -> list:
    return sorted(
        (p for p in district.people.values() if p.role == "student"),
        key=lambda p: int(p.sourced_id),
    )


def _person_rows(district: District) -> list[BadRow]:
    s = _students(district)
    if len(s) < MIN_STUDENTS:
        raise ValueError(f"bad rows need at least {MIN_STUDENTS} students")
    s[0].email = ""
    s[2].email = s[1].email
    s[3].grade_label = "14"
    s[4].grade_label = "Grade 3"
    s[5].given_name = ""
    s[6].status = "tobedeleted"
    guardian = district.people[s[7].contact_ids[0]]
    guardian.email = "not-an-email"
    teachers = [p for p in district.people.values() if p.role == "teacher"]
    teacher = next((p for p in teachers if "994" in p.school_codes), teachers[0])
    teacher.email = ""
    aide = next(p for p in district.people.values() if p.role == "aide")
    aide.school_codes = [UNKNOWN_SCHOOL]
    # fmt: off
    return [
        BadRow("missing_email", "users", [s[0].sourced_id], "student without an email"),
        BadRow("shared_email", "users", [s[1].sourced_id, s[2].sourced_id],
               "two students sharing one email"),
        BadRow("invalid_grade", "users", [s[3].sourced_id], "grade '14' is not a CEDS code"),
        BadRow("invalid_grade", "users", [s[4].sourced_id], "grade 'Grade 3' is not a CEDS code"),
        BadRow("missing_given_name", "users", [s[5].sourced_id], "student without givenName"),
        BadRow("tobedeleted", "users", [s[6].sourced_id], "student with status tobedeleted"),
        BadRow("invalid_email", "users", [guardian.sourced_id],
               "guardian whose email is 'not-an-email'"),
        BadRow("missing_email", "users", [teacher.sourced_id], "teacher without an email"),
        BadRow("unknown_org", "users", [aide.sourced_id],
               f"aide whose only org is {UNKNOWN_SCHOOL}, not a known school"),
    ]
    # fmt: on


def _enrollment(*, class_id: str, user_id: str, school: str, role: str, stamp: str) -> Enrollment:
    return Enrollment(
        sourced_id=f"{class_id}_{user_id}", class_id=class_id, user_id=user_id,
        school_code=school, role=role, primary=role == "teacher", begin=YEAR_START,
        end=YEAR_END, date_last_modified=stamp,
    )  # fmt: skip


def _class_without_course(district: District) -> Section:
    first = district.sections[0]
    no_course = Section(
        sourced_id=f"{first.school_code}_9998", school_code=first.school_code, number="9998",
        course_number=MISSING_COURSE, period=7, room=first.room, class_type="scheduled",
        title="Study Hall", staff_ids=list(first.staff_ids), grades=list(first.grades),
        date_last_modified=first.date_last_modified,
    )  # fmt: skip
    district.sections.append(no_course)
    district.enrollments.append(_enrollment(
        class_id=no_course.sourced_id, user_id=no_course.staff_ids[0],
        school=no_course.school_code, role="teacher", stamp=no_course.date_last_modified,
    ))  # fmt: skip
    return no_course


def _schedule_rows(district: District) -> list[BadRow]:
    student = _students(district)[8]
    school = student.school_codes[0]
    missing_class = f"{school}_{MISSING_CLASS_NUMBER}"
    first = district.sections[0]
    orphan_class = _enrollment(
        class_id=missing_class,
        user_id=student.sourced_id,
        school=school,
        role="student",
        stamp=student.date_last_modified,
    )
    orphan_user = _enrollment(class_id=first.sourced_id, user_id=MISSING_USER,
                              school=first.school_code, role="student",
                              stamp=first.date_last_modified)  # fmt: skip
    district.enrollments += [orphan_class, orphan_user]
    no_course = _class_without_course(district)
    return [
        BadRow("missing_class", "enrollments", [orphan_class.sourced_id],
               f"enrollment of {student.sourced_id} in missing class {missing_class}"),
        BadRow("missing_user", "enrollments", [orphan_user.sourced_id],
               f"enrollment of user {MISSING_USER}, who does not exist"),
        BadRow("missing_course", "classes", [no_course.sourced_id],
               f"class whose course {MISSING_COURSE} does not exist"),
    ]  # fmt: skip


def apply(district: District) -> None:
    """Spoil the catalogue's rows in place and record them on the district."""
    district.bad_rows = _person_rows(district) + _schedule_rows(district)


def bad_ids(district: District) -> set[str]:
    return {sid for row in district.bad_rows for sid in row.sourced_ids}

"""Master schedule: courses, sections (classes) and enrollments of one school.

Each grade of a school gets one section per ~25 students in each of six periods;
every teacher teaches one section per period, so a school has as many teachers as
a period has sections. Elementary period 1 is a homeroom keyed by teacher number
(`990_TN_421`), like Aeries' elementary classes without a master schedule.
"""

import math
import random
from collections.abc import Callable

from sandbox.model import (
    LEVEL_GRADES,
    YEAR_END,
    YEAR_START,
    Course,
    Enrollment,
    Person,
    School,
    Section,
)

CLASS_SIZE = 25
PERIOD_SUBJECTS = {
    "elementary": (
        (1, "Homeroom", "Self-Contained"),
        (2, "Art", "Visual Arts"),
        (3, "Music", "Music"),
        (4, "Physical Education", "Physical Education"),
        (5, "Science Lab", "Science"),
        (6, "Library", "Library Media"),
    ),
    "middle": (
        (11, "English Language Arts", "English Language Arts"),
        (12, "Mathematics", "Mathematics"),
        (13, "Science", "Science"),
        (14, "History-Social Science", "History-Social Science"),
        (15, "Physical Education", "Physical Education"),
        (16, "Spanish", "World Languages"),
    ),
    "high": (
        (21, "English", "English Language Arts"),
        (22, "Mathematics", "Mathematics"),
        (23, "Science", "Science"),
        (24, "U.S. and World History", "History-Social Science"),
        (25, "Physical Education", "Physical Education"),
        (26, "Visual and Performing Arts", "Visual and Performing Arts"),
    ),
}


def course_number(subject: int, grade: int) -> str:
    return f"{subject:02d}{grade:02d}"


def course_title(title: str, grade: int) -> str:
    return f"{title} {'K' if grade == 0 else grade}"


def room_for(school: School, teacher_number: int) -> str:
    k = teacher_number - 100
    if school.level == "elementary":
        return str(k + 1)
    return f"{'ABCDEFGH'[k % 8]}{k // 8 + 1}"


def courses_make(*, stamp: Callable[[], str]) -> list[Course]:
    courses = []
    for level, subjects in PERIOD_SUBJECTS.items():
        for grade in LEVEL_GRADES[level]:
            for number, title, subject in subjects:
                courses.append(
                    Course(
                        number=course_number(number, grade),
                        title=course_title(title, grade),
                        subject=subject,
                        grade=grade,
                        date_last_modified=stamp(),
                    )
                )
    return courses


def sections_per_grade(students_by_grade: dict[int, list[Person]]) -> dict[int, int]:
    return {g: math.ceil(len(s) / CLASS_SIZE) for g, s in students_by_grade.items() if s}


def enrollment_make(
    section: Section,
    person: Person,
    *,
    primary: bool,
    stamp: str,
    year: tuple[str, str] = (YEAR_START, YEAR_END),
) -> Enrollment:
    start, end = year
    return Enrollment(
        sourced_id=f"{section.sourced_id}_{person.sourced_id}",
        class_id=section.sourced_id,
        user_id=person.sourced_id,
        school_code=section.school_code,
        role="student" if person.role == "student" else "teacher",
        primary=primary,
        begin=max(start, person.enter_date or start),
        end=end,
        date_last_modified=stamp,
    )


class SchoolScheduler:
    """Builds the sections and enrollments of one school."""

    def __init__(
        self,
        *,
        rng: random.Random,
        school: School,
        teachers: list[Person],
        stamp: Callable[[], str],
        year: tuple[str, str] = (YEAR_START, YEAR_END),
    ) -> None:
        self.year = year  # (first day, last day) of the school year scheduled
        self.rng = rng
        self.school = school
        self.teachers = teachers
        self.stamp = stamp
        self.sections: list[Section] = []
        self.enrollments: list[Enrollment] = []
        self.next_number = 1001

    def section_make(self, *, grade: int, period: int, teacher: Person) -> Section:
        code = self.school.code
        subject, title, _subject = PERIOD_SUBJECTS[self.school.level][period - 1]
        homeroom = self.school.level == "elementary" and period == 1
        if homeroom:
            number = str(teacher.teacher_numbers[code])
            sourced_id = f"{code}_TN_{number}"
        else:
            number, self.next_number = str(self.next_number), self.next_number + 1
            sourced_id = f"{code}_{number}"
        return Section(
            sourced_id=sourced_id,
            school_code=code,
            number=number,
            course_number=course_number(subject, grade),
            period=period,
            room=room_for(self.school, teacher.teacher_numbers[code]),
            class_type="homeroom" if homeroom else "scheduled",
            title=course_title(title, grade),
            staff_ids=[teacher.sourced_id],
            grades=[grade],
            date_last_modified=self.stamp(),
        )

    def period_fill(self, period: int, students_by_grade: dict[int, list[Person]]) -> None:
        count = len(self.teachers)
        shift = 0 if period == 1 else self.rng.randrange(count)
        slot = 0
        for grade, students in sorted(students_by_grade.items()):
            if not students:
                continue
            chunk = [
                self.section_make(
                    grade=grade, period=period, teacher=self.teachers[(slot + k + shift) % count]
                )
                for k in range(math.ceil(len(students) / CLASS_SIZE))
            ]
            slot += len(chunk)
            order = list(students)
            self.rng.shuffle(order)
            stamp = self.stamp()
            for i, student in enumerate(order):
                section = chunk[i % len(chunk)]
                self.enrollments.append(
                    enrollment_make(section, student, primary=False, stamp=stamp, year=self.year)
                )
                if section.class_type == "homeroom":
                    student.homeroom_teacher = int(section.number)
            self.sections.extend(chunk)

    def build(self, students_by_grade: dict[int, list[Person]]) -> None:
        for period in range(1, 7):
            self.period_fill(period, students_by_grade)
        by_id = {t.sourced_id: t for t in self.teachers}
        for n, section in enumerate(self.sections):
            if n % 20 == 19 and len(self.teachers) > 1:
                # Every twentieth section is co-taught; the second teacher is not primary.
                other = self.teachers[(n // 20) % len(self.teachers)]
                if other.sourced_id not in section.staff_ids:
                    section.staff_ids.append(other.sourced_id)
            for i, staff_id in enumerate(section.staff_ids):
                self.enrollments.append(
                    enrollment_make(
                        section,
                        by_id[staff_id],
                        primary=i == 0,
                        stamp=section.date_last_modified,
                        year=self.year,
                    )
                )

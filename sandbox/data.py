"""Deterministic district generator: one seed, one district, whatever the size.

Sizes follow the issue: one teacher per ~25 students, one other staff member per
~60, six sections per teacher, six enrollments per student, one or two contacts per
student, and one school per ~1,500 students (at least one of each level).
"""

import calendar
import gc
import math
import random
import time

from sandbox import badrows, names
from sandbox.model import (
    LEVEL_GRADES,
    SCHOOL_YEAR,
    SCHOOL_YEAR_TITLE,
    YEAR_END,
    YEAR_START,
    District,
    Person,
    School,
    Session,
)
from sandbox.people import StaffFactory, contacts_make, student_make
from sandbox.schedule import SchoolScheduler, courses_make, sections_per_grade

FIRST_STUDENT_ID = 100001
FIRST_CODES = {"elementary": ("990", 101), "middle": ("992", 301), "high": ("994", 501)}
AIDE_TITLES = (
    "Instructional Aide",
    "Office Manager",
    "Counselor",
    "Librarian",
    "School Nurse",
    "Campus Supervisor",
    "Attendance Clerk",
)
TERMS = (
    ("F", "Fall Semester 2026", YEAR_START, "2026-12-18"),
    ("S", "Spring Semester 2027", "2027-01-05", YEAR_END),
)
GRADING_PERIODS = {
    "F": (("GP1", YEAR_START, "2026-10-09"), ("GP2", "2026-10-12", "2026-12-18")),
    "S": (("GP3", "2027-01-05", "2027-03-19"), ("GP4", "2027-03-22", YEAR_END)),
}
STAMP_FROM = calendar.timegm((2026, 6, 1, 0, 0, 0))
STAMP_SPAN = 92 * 86400


def iso_utc(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


class StampPool:
    """Summer 2026 `dateLastModified` values, drawn from a fixed pool for speed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pool = sorted(iso_utc(STAMP_FROM + rng.randrange(STAMP_SPAN)) for _ in range(4096))

    def __call__(self) -> str:
        return self.pool[self.rng.randrange(4096)]


def schools_make(students: int, stamp: StampPool) -> list[School]:
    total = max(3, students // 1500)
    high = max(1, round(total * 0.25))
    middle = max(1, round(total * 0.2))
    counts = {"elementary": total - high - middle, "middle": middle, "high": high}
    schools = []
    for level, count in counts.items():
        first, base = FIRST_CODES[level]
        pool = names.SCHOOL_NAMES[level]
        for i in range(count):
            name = f"{pool[i % len(pool)]} {names.LEVEL_SUFFIX[level]}"
            if i >= len(pool):
                name += f" {i // len(pool) + 1}"
            code = first if i == 0 else str(base + i - 1)
            schools.append(
                School(
                    code=code,
                    name=name,
                    level=level,
                    grades=tuple(LEVEL_GRADES[level]),
                    date_last_modified=stamp(),
                )
            )
    return schools


def sessions_make(schools: list[School], stamp: StampPool) -> list[Session]:
    year = Session(
        sourced_id=SCHOOL_YEAR,
        kind="schoolYear",
        title=SCHOOL_YEAR_TITLE,
        start=YEAR_START,
        end=YEAR_END,
        date_last_modified=stamp(),
    )
    sessions = [year]
    for school in schools:
        for code, title, start, end in TERMS:
            term = Session(
                sourced_id=f"{school.code}_{code}",
                kind="term",
                title=title,
                start=start,
                end=end,
                school_code=school.code,
                term_code=code,
                parent_id=year.sourced_id,
                date_last_modified=stamp(),
            )
            year.children.append(term.sourced_id)
            sessions.append(term)
            for gp, gp_start, gp_end in GRADING_PERIODS[code]:
                period = Session(
                    sourced_id=f"{term.sourced_id}_{gp}",
                    kind="gradingPeriod",
                    title=f"Grading Period {gp[-1]}",
                    start=gp_start,
                    end=gp_end,
                    school_code=school.code,
                    term_code=code,
                    parent_id=term.sourced_id,
                    date_last_modified=stamp(),
                )
                term.children.append(period.sourced_id)
                sessions.append(period)
    return sessions


def students_make(
    *, rng: random.Random, schools: list[School], count: int, domain: str, stamp: StampPool
) -> dict[str, dict[int, list[Person]]]:
    by_level = {lvl: [s for s in schools if s.level == lvl] for lvl in LEVEL_GRADES}
    by_school: dict[str, dict[int, list[Person]]] = {
        s.code: {g: [] for g in s.grades} for s in schools
    }
    numbers = dict.fromkeys(by_school, 0)
    for i in range(count):
        grade = rng.randrange(13)
        level = next(lvl for lvl, grades in LEVEL_GRADES.items() if grade in grades)
        school = rng.choice(by_level[level])
        numbers[school.code] += 1
        by_school[school.code][grade].append(
            student_make(
                rng=rng,
                student_id=FIRST_STUDENT_ID + i,
                school_code=school.code,
                grade=grade,
                number=numbers[school.code],
                domain=domain,
                stamp=stamp,
            )
        )
    return by_school


def school_staff_make(
    *, school: School, staff: StaffFactory, teachers: int, students: int
) -> tuple[list[Person], list[Person], list[Person]]:
    admins = [staff.make(role="administrator", title="Principal", school_codes=[school.code])]
    if students > 600:
        admins.append(
            staff.make(
                role="administrator", title="Assistant Principal", school_codes=[school.code]
            )
        )
    school.principal_id = admins[0].sourced_id
    staff_teachers = []
    for k in range(teachers):
        teacher = staff.make(role="teacher", title="Teacher", school_codes=[school.code])
        teacher.teacher_numbers[school.code] = 100 + k
        staff_teachers.append(teacher)
    aides = [
        staff.make(role="aide", title=AIDE_TITLES[k % len(AIDE_TITLES)], school_codes=[school.code])
        for k in range(math.ceil(students / 60))
    ]
    return admins, staff_teachers, aides


def staff_and_schedule_make(
    district: District, *, by_school: dict, rng: random.Random, stamp: StampPool
) -> list[Person]:
    """Staff of the district and its schools; fills the district's sections and enrollments."""
    staff = StaffFactory(rng=rng, domain=district.domain, stamp=stamp)
    people = [
        staff.make(role="administrator", title=title, school_codes=["0"])
        for title in ("Superintendent", "Director of Technology", "Assessment Coordinator")
    ]
    for school in district.schools:
        grades = by_school[school.code]
        admins, teachers, aides = school_staff_make(
            school=school,
            staff=staff,
            teachers=sum(sections_per_grade(grades).values()),
            students=sum(len(s) for s in grades.values()),
        )
        people += admins + teachers + aides
        scheduler = SchoolScheduler(rng=rng, school=school, teachers=teachers, stamp=stamp)
        scheduler.build(grades)
        district.sections += scheduler.sections
        district.enrollments += scheduler.enrollments
    return people


def generate_district(students: int, seed: int, clean: bool = False) -> District:
    """Generate a district; the same arguments always give the same district."""
    # Millions of new objects and no garbage: the cyclic collector would only slow us down.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _district_make(students, seed, clean)
    finally:
        if collecting:
            gc.enable()


def _district_make(students: int, seed: int, clean: bool) -> District:
    rng = random.Random(seed)
    stamp = StampPool(rng)
    name, domain = names.DISTRICT_NAMES[seed % len(names.DISTRICT_NAMES)]
    schools = schools_make(students, stamp)
    district = District(
        name=name,
        domain=domain,
        seed=seed,
        clean=clean,
        schools=schools,
        sessions=sessions_make(schools, stamp),
        courses=courses_make(stamp=stamp),
        sections=[],
        people={},
        enrollments=[],
        clock=stamp.pool[-1],
        next_student=FIRST_STUDENT_ID + students,
    )
    by_school = students_make(rng=rng, schools=schools, count=students, domain=domain, stamp=stamp)
    staff_people = staff_and_schedule_make(district, by_school=by_school, rng=rng, stamp=stamp)
    student_list = sorted(
        (p for g in by_school.values() for s in g.values() for p in s),
        key=lambda p: int(p.sourced_id),
    )
    contacts = [c for s in student_list for c in contacts_make(rng=rng, student=s, stamp=stamp)]
    district.people = {p.sourced_id: p for p in staff_people + student_list + contacts}
    if not clean:
        badrows.apply(district)
    return district

"""The district's summer rollover, as Aeries does it between two school years.

The next school year's sessions replace the old ones (the year gets a new id; terms and
grading periods keep theirs, `994_F`, as Aeries' term ids repeat every year); students
move up a grade (and to the next school at the end of elementary and middle school),
the top grade graduates and leaves the feed, a new entry grade arrives; a few teachers
leave and new ones join; the master schedule is built afresh, so section numbers start
again at 1001 in each school and partly reuse last year's sourcedIds. The rollover of
rollover k of a district uses its own seeded dice.
"""

import datetime as dt
import random
from dataclasses import replace

from sandbox import badrows
from sandbox.model import LEVEL_GRADES, District, Person, School
from sandbox.mutate import clock_tick
from sandbox.people import StaffFactory, contacts_make, student_make
from sandbox.schedule import SchoolScheduler

TEACHER_TURNOVER = 0.06  # share of teachers who leave over the summer
ENTRY_GRADE = 0  # kindergarten
TOP_GRADE = 12


def _next_year(day: str) -> str:
    date = dt.date.fromisoformat(day)
    try:
        return date.replace(year=date.year + 1).isoformat()
    except ValueError:  # 29 February
        return (date.replace(day=28, year=date.year + 1)).isoformat()


def _title_next_year(title: str) -> str:
    """ "Fall Semester 2026" -> "Fall Semester 2027", "2026-2027" -> "2027-2028"."""
    words = []
    for word in title.split(" "):
        parts = word.split("-")
        if all(p.isdigit() and len(p) == 4 for p in parts):
            word = "-".join(str(int(p) + 1) for p in parts)
        words.append(word)
    return " ".join(words)


def _sessions_roll(district: District, stamp: str) -> tuple[str, tuple[str, str]]:
    """The next year's sessions; returns the new year's id and (first, last) day."""
    year = next(s for s in district.sessions if s.kind == "schoolYear")
    new_id = str(int(year.sourced_id) + 1)
    rolled = []
    for session in district.sessions:
        new = replace(
            session,
            sourced_id=new_id if session is year else session.sourced_id,
            title=_title_next_year(session.title),
            start=_next_year(session.start),
            end=_next_year(session.end),
            parent_id=new_id if session.parent_id == year.sourced_id else session.parent_id,
            children=list(session.children),
            date_last_modified=stamp,
            school_year=new_id,
        )
        rolled.append(new)
    district.sessions = rolled
    new_year = next(s for s in rolled if s.kind == "schoolYear")
    return new_id, (new_year.start, new_year.end)


def _school_of_level(rng: random.Random, district: District, grade: int) -> School:
    level = next(lvl for lvl, grades in LEVEL_GRADES.items() if grade in grades)
    return rng.choice([s for s in district.schools if s.level == level])


def _students_promote(rng: random.Random, district: District, stamp: str, first_day: str) -> dict:
    students = sorted(
        (p for p in district.people.values() if p.role == "student" and p.status == "active"),
        key=lambda p: int(p.sourced_id),
    )
    graduated, moved = [], []
    numbers = {s.code: 0 for s in district.schools}
    for person in students:
        numbers[person.school_codes[0]] = max(numbers[person.school_codes[0]],
                                              person.student_number)  # fmt: skip
    for person in students:
        if person.grade is None:
            continue
        if person.grade >= TOP_GRADE:
            graduated.append(person.sourced_id)
            for contact_id in person.contact_ids:
                district.people.pop(contact_id, None)
            del district.people[person.sourced_id]
            continue
        person.grade += 1
        person.grade_label = ""
        person.date_last_modified = stamp
        school = district.school(person.school_codes[0])
        if person.grade not in school.grades:
            new_school = _school_of_level(rng, district, person.grade)
            numbers[new_school.code] += 1
            person.school_codes = [new_school.code]
            person.student_number = numbers[new_school.code]
            for contact_id in person.contact_ids:
                district.people[contact_id].school_codes = [new_school.code]
            moved.append(person.sourced_id)
    arrived = _entry_grade_arrive(rng, district, stamp, count=len(graduated), numbers=numbers,
                                  first_day=first_day)  # fmt: skip
    return {"graduated": graduated, "moved_school": moved, "arrived": arrived}


def _entry_grade_arrive(
    rng: random.Random,
    district: District,
    stamp: str,
    *,
    count: int,
    numbers: dict,
    first_day: str,
) -> list[str]:
    arrived = []
    for _ in range(count):
        school = _school_of_level(rng, district, ENTRY_GRADE)
        numbers[school.code] += 1
        student = student_make(
            rng=rng, student_id=district.next_student, school_code=school.code,
            grade=ENTRY_GRADE, number=numbers[school.code], domain=district.domain,
            stamp=lambda: stamp, enter_date=first_day,
        )  # fmt: skip
        district.next_student += 1
        district.people[student.sourced_id] = student
        for contact in contacts_make(rng=rng, student=student, stamp=lambda: stamp):
            district.people[contact.sourced_id] = contact
        arrived.append(student.sourced_id)
    return arrived


def _teachers_turn_over(rng: random.Random, district: District, stamp: str) -> dict:
    teachers = sorted(
        (p for p in district.people.values() if p.role == "teacher"), key=lambda p: p.staff_id
    )
    keep = badrows.bad_ids(district)
    leaving = [t for t in teachers if t.sourced_id not in keep and rng.random() < TEACHER_TURNOVER]
    factory = StaffFactory(rng=rng, domain=district.domain, stamp=lambda: stamp)
    factory.next_id = max(p.staff_id for p in district.people.values() if p.staff_id) + 1
    factory.usernames = {p.username for p in district.people.values() if p.username}
    joined = []
    for teacher in leaving:
        del district.people[teacher.sourced_id]
        school = teacher.school_codes[0]
        new = factory.make(role="teacher", title="Teacher", school_codes=[school])
        new.teacher_numbers[school] = teacher.teacher_numbers[school]  # the room's number
        district.people[new.sourced_id] = new
        joined.append(new.sourced_id)
    return {"teachers_left": [t.sourced_id for t in leaving], "teachers_joined": joined}


def _schedule_rebuild(
    rng: random.Random, district: District, stamp: str, year: tuple[str, str]
) -> None:
    district.sections, district.enrollments = [], []
    for school in district.schools:
        grades: dict[int, list[Person]] = {g: [] for g in school.grades}
        teachers = []
        for person in district.people.values():
            if school.code not in person.school_codes or person.status != "active":
                continue
            if person.role == "student" and person.grade in grades:
                grades[person.grade].append(person)
            elif person.role == "teacher":
                teachers.append(person)
        teachers.sort(key=lambda p: p.teacher_numbers.get(school.code, 0))
        if not teachers:
            continue
        scheduler = SchoolScheduler(
            rng=rng, school=school, teachers=teachers, stamp=lambda: stamp, year=year
        )
        scheduler.build(grades)
        district.sections += scheduler.sections
        district.enrollments += scheduler.enrollments


def district_rollover(district: District, *, now: str | None = None) -> dict:
    """Moves the district to its next school year; returns what happened."""
    rng = random.Random(f"{district.seed}:rollover:{district.rollovers}")
    district.rollovers += 1
    stamp = clock_tick(district, now)
    old_sections = {s.sourced_id for s in district.sections}
    year_id, year = _sessions_roll(district, stamp)
    for course in district.courses:
        course.school_year, course.date_last_modified = year_id, stamp
    students = _students_promote(rng, district, stamp, year[0])
    teachers = _teachers_turn_over(rng, district, stamp)
    # The catalogue's schedule rows (a class without a course, orphan enrollments) were
    # last year's; its people stay as they are.
    district.bad_rows = [row for row in district.bad_rows if row.collection == "users"]
    _schedule_rebuild(rng, district, stamp, year)
    new_sections = {s.sourced_id for s in district.sections}
    title = next(s.title for s in district.sessions if s.kind == "schoolYear")
    return {
        "now": stamp,
        "school_year": title,
        **students,
        **teachers,
        "sections": len(new_sections),
        "reused_section_ids": sorted(new_sections & old_sections),
    }

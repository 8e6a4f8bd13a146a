"""Change N people between runs: renames, grade changes, leavers and newcomers.

Mutation k of a district uses its own seeded dice, so a replayed sequence of
mutations gives the same district. Changed records get the clock's next stamp.
"""

import calendar
import random
import time
from dataclasses import dataclass, field

from sandbox import badrows, names
from sandbox.data import iso_utc
from sandbox.model import District, Enrollment, Person
from sandbox.people import contacts_make, student_make
from sandbox.schedule import enrollment_make

KINDS = ("renamed", "grade_changed", "left", "new")


@dataclass
class Changes:
    people: list[Person] = field(default_factory=list)
    enrollments: list[Enrollment] = field(default_factory=list)


def clock_tick(district: District, now: str | None = None) -> str:
    """The next `dateLastModified`: `now` if given, else wall time, always increasing."""
    if now is None:
        last = calendar.timegm(time.strptime(district.clock, "%Y-%m-%dT%H:%M:%SZ"))
        now = iso_utc(max(int(time.time()), last + 1))
    district.clock = now
    return now


def _rename(rng: random.Random, person: Person) -> None:
    choices = [n for n in names.LAST_NAMES if n != person.family_name]
    person.family_name = rng.choice(choices)


def _regrade(person: Person, district: District) -> None:
    school = district.school(person.school_codes[0])
    person.grade = person.grade + 1 if person.grade + 1 in school.grades else person.grade - 1
    person.grade_label = ""


def _leave(person: Person, district: District, stamp: str, changes: Changes) -> None:
    person.status, person.leave_date = "tobedeleted", stamp[:10]
    for contact_id in person.contact_ids:
        contact = district.people[contact_id]
        contact.status, contact.date_last_modified = "tobedeleted", stamp
        changes.people.append(contact)


def _unenroll(district: District, leavers: set[str], stamp: str, changes: Changes) -> None:
    for e in district.enrollments:
        if e.user_id in leavers:
            e.status, e.date_last_modified, e.end = "tobedeleted", stamp, stamp[:10]
            changes.enrollments.append(e)


def _arrive(
    rng: random.Random, district: District, stamp: str, changes: Changes, numbers: dict[str, int]
) -> Person:
    school = rng.choice(district.schools)
    grade = rng.choice(school.grades)
    sid = district.next_student
    district.next_student += 1
    numbers[school.code] = numbers.get(school.code, 0) + 1
    student = student_make(
        rng=rng,
        student_id=sid,
        school_code=school.code,
        grade=grade,
        number=numbers[school.code],
        domain=district.domain,
        stamp=lambda: stamp,
        enter_date=stamp[:10],
    )
    contacts = contacts_make(rng=rng, student=student, stamp=lambda: stamp)
    for person in (student, *contacts):
        district.people[person.sourced_id] = person
        changes.people.append(person)
    sections = [s for s in district.sections if s.school_code == school.code]
    for period in range(1, 7):
        fits = [s for s in sections if s.period == period and grade in s.grades] or [
            s for s in sections if s.period == period
        ]
        if fits:
            section = rng.choice(fits)
            if section.class_type == "homeroom":
                student.homeroom_teacher = int(section.number)
            e = enrollment_make(section, student, primary=False, stamp=stamp)
            district.enrollments.append(e)
            changes.enrollments.append(e)
    return student


def district_mutate(district: District, *, n: int, now: str | None = None) -> tuple[dict, Changes]:
    """Apply N changes (cycling rename, grade change, leaver, newcomer); return a summary."""
    rng = random.Random(f"{district.seed}:mutation:{district.mutations}")
    district.mutations += 1
    stamp = clock_tick(district, now)
    wanted = {kind: len(range(i, n, len(KINDS))) for i, kind in enumerate(KINDS)}
    skip = badrows.bad_ids(district)
    students = [
        p
        for p in district.people.values()
        if p.role == "student" and p.status == "active" and p.sourced_id not in skip
    ]
    teachers = [
        p for p in district.people.values() if p.role == "teacher" and p.sourced_id not in skip
    ]
    picked = rng.sample(
        students, min(len(students), wanted["grade_changed"] + wanted["left"] + wanted["renamed"])
    )
    summary: dict[str, list[str]] = {kind: [] for kind in KINDS}
    changes = Changes()
    for i in range(wanted["renamed"]):
        person = picked.pop() if i % 2 == 0 or not teachers else rng.choice(teachers)
        _rename(rng, person)
        summary["renamed"].append(person.sourced_id)
        changes.people.append(person)
    for kind in ("grade_changed", "left"):
        for person in [picked.pop() for _ in range(min(wanted[kind], len(picked)))]:
            if kind == "left":
                _leave(person, district, stamp, changes)
            else:
                _regrade(person, district)
            summary[kind].append(person.sourced_id)
            changes.people.append(person)
    _unenroll(district, set(summary["left"]), stamp, changes)
    numbers: dict[str, int] = {}
    for p in students:
        numbers[p.school_codes[0]] = max(numbers.get(p.school_codes[0], 0), p.student_number)
    for _ in range(wanted["new"]):
        summary["new"].append(_arrive(rng, district, stamp, changes, numbers).sourced_id)
    for person in changes.people:
        person.date_last_modified = stamp
    return {"now": stamp, **summary}, changes

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


def _existing_change(
    rng: random.Random, district: District, *, wanted: dict, stamp: str, changes: Changes
) -> dict[str, list[str]]:
    """Rename, regrade and remove existing people; newcomers are made elsewhere."""
    skip = badrows.bad_ids(district)
    people = [p for p in district.people.values() if p.sourced_id not in skip]
    students = [p for p in people if p.role == "student" and p.status == "active"]
    teachers = [p for p in people if p.role == "teacher"]
    n_teachers = min(len(teachers), wanted["renamed"] // 2)
    renamed_teachers = rng.sample(teachers, n_teachers)
    count = wanted["renamed"] - n_teachers + wanted["grade_changed"] + wanted["left"]
    picked = rng.sample(students, min(len(students), count))

    def take(k: int) -> list[Person]:
        return [picked.pop() for _ in range(min(k, len(picked)))]

    chosen = {
        "renamed": take(wanted["renamed"] - n_teachers) + renamed_teachers,
        "grade_changed": take(wanted["grade_changed"]),
        "left": take(wanted["left"]),
    }
    for person in chosen["renamed"]:
        _rename(rng, person)
    for person in chosen["grade_changed"]:
        _regrade(person, district)
    for person in chosen["left"]:
        _leave(person, district, stamp, changes)
    _unenroll(district, {p.sourced_id for p in chosen["left"]}, stamp, changes)
    for people_changed in chosen.values():
        changes.people += people_changed
    return {kind: [p.sourced_id for p in found] for kind, found in chosen.items()}


def district_mutate(district: District, *, n: int, now: str | None = None) -> tuple[dict, Changes]:
    """Apply N changes (cycling rename, grade change, leaver, newcomer); return a summary."""
    rng = random.Random(f"{district.seed}:mutation:{district.mutations}")
    district.mutations += 1
    stamp = clock_tick(district, now)
    wanted = {kind: len(range(i, n, len(KINDS))) for i, kind in enumerate(KINDS)}
    changes = Changes()
    summary = _existing_change(rng, district, wanted=wanted, stamp=stamp, changes=changes)
    numbers: dict[str, int] = {}
    for p in district.people.values():
        if p.role == "student":
            numbers[p.school_codes[0]] = max(numbers.get(p.school_codes[0], 0), p.student_number)
    summary["new"] = [
        _arrive(rng, district, stamp, changes, numbers).sourced_id for _ in range(wanted["new"])
    ]
    for person in changes.people:
        person.date_last_modified = stamp
    return {"now": stamp, **summary}, changes

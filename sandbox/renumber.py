"""Students who get a new Student ID between two runs, as when a district merges two
Aeries records of one student or corrects a permanent ID.

The student keeps everything else — name, state student ID, e-mail, network login,
grade, school, classes — but every id built from the Student ID changes with it: the
OneRoster sourcedId (and the native StudentID), the contacts' `CNT_<Student ID>_<Seq>`
and the enrollments' `<class>_<Student ID>`. A rostering product that matches people on
the sourcedId alone creates a second account and archives the first; one that matches
on the state student ID keeps the account (a relink).
"""

from sandbox import badrows
from sandbox.model import District, Person
from sandbox.mutate import clock_tick


def _renamed_contact(contact: Person, student_id: str) -> str:
    return f"CNT_{student_id}_{contact.sequence}"


def _student_renumber(district: District, student: Person, stamp: str) -> str:
    old, new = student.sourced_id, str(district.next_student)
    district.next_student += 1
    del district.people[old]
    student.sourced_id, student.date_last_modified = new, stamp
    district.people[new] = student
    contact_ids = []
    for contact_id in student.contact_ids:
        contact = district.people.pop(contact_id)
        contact.sourced_id = _renamed_contact(contact, new)
        contact.student_id, contact.date_last_modified = new, stamp
        district.people[contact.sourced_id] = contact
        contact_ids.append(contact.sourced_id)
    student.contact_ids = contact_ids
    for enrollment in district.enrollments:
        if enrollment.user_id == old:
            enrollment.user_id = new
            enrollment.sourced_id = f"{enrollment.class_id}_{new}"
            enrollment.date_last_modified = stamp
    return new


def renumber_candidates(district: District, n: int) -> list[str]:
    """The first n active students by Student ID, the bad-row catalogue's aside."""
    skip = badrows.bad_ids(district)
    students = sorted(
        (p for p in district.people.values()
         if p.role == "student" and p.status == "active" and p.sourced_id not in skip),
        key=lambda p: int(p.sourced_id),
    )  # fmt: skip
    return [p.sourced_id for p in students[:n]]


def district_renumber(district: District, *, students: list[str], now: str | None = None) -> dict:
    """Gives each listed student the district's next Student ID; answers {old: new}."""
    unknown = [s for s in students if getattr(district.people.get(s), "role", "") != "student"]
    if unknown:
        raise ValueError(f"not a student of the district: {', '.join(unknown)}")
    stamp = clock_tick(district, now)
    renumbered = {old: _student_renumber(district, district.people[old], stamp) for old in students}
    return {"now": stamp, "renumbered": renumbered}

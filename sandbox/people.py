"""Generated people: students, staff and the contacts (guardians) of students."""

import datetime as dt
import random
from collections.abc import Callable

from sandbox import names
from sandbox.model import YEAR_START, Person

RACES = (
    "white",
    "asian",
    "blackOrAfricanAmerican",
    "americanIndianOrAlaskaNative",
    "nativeHawaiianOrOtherPacificIslander",
    "demographicRaceTwoOrMoreRaces",
)
RACE_WEIGHTS = (40, 15, 8, 2, 2, 8)
# Aeries contact relationship codes we generate, with their OneRoster role. The one
# mapping both APIs and the native client use: mother/father (and step-parents) are
# "parent", a legal guardian is "guardian", any other family member (GM grandmother)
# is "relative".
RELATIONSHIPS = {"MO": "parent", "FA": "parent", "GU": "guardian", "GM": "relative"}

Stamp = Callable[[], str]


def _pick_name(rng: random.Random) -> tuple[str, str, str]:
    return (
        rng.choice(names.FIRST_NAMES),
        rng.choice(names.MIDDLE_NAMES),
        rng.choice(names.LAST_NAMES),
    )


def state_student_id(student_id: int) -> str:
    # A bijection on ten-digit numbers keeps state IDs unique without bookkeeping.
    return str(1_000_000_000 + (student_id * 7919) % 9_000_000_000)


def birth_date(rng: random.Random, grade: int) -> str:
    year = int(YEAR_START[:4]) - 6 - grade
    day = dt.date(year, 9, 2) + dt.timedelta(days=rng.randrange(365))
    return day.isoformat()


def student_make(
    *,
    rng: random.Random,
    student_id: int,
    school_code: str,
    grade: int,
    number: int,
    domain: str,
    stamp: Stamp,
    enter_date: str = YEAR_START,
) -> Person:
    given, middle, family = _pick_name(rng)
    sid = str(student_id)
    username = f"{names.name_ascii(given)[:1]}{names.name_ascii(family)[:12]}{sid}"
    gender = "X" if rng.random() < 0.02 else rng.choice("MF")
    return Person(
        sourced_id=sid,
        role="student",
        given_name=given,
        family_name=family,
        middle_name=middle,
        email=f"{username}@stu.{domain}",
        username=username,
        school_codes=[school_code],
        grade=grade,
        date_last_modified=stamp(),
        student_number=number,
        state_id=state_student_id(student_id),
        birth_date=birth_date(rng, grade),
        gender=gender,
        race=rng.choices(RACES, RACE_WEIGHTS)[0],
        hispanic=rng.random() < 0.45,
        enter_date=enter_date,
    )


def phone_make(rng: random.Random) -> str:
    # 555-01xx numbers are reserved for fiction.
    return f"{rng.choice(('559', '209', '916', '530'))}-555-01{rng.randrange(100):02d}"


def contacts_make(*, rng: random.Random, student: Person, stamp: Stamp) -> list[Person]:
    count = 1 if rng.random() < 0.3 else 2
    first_rel = "GU" if rng.random() < 0.08 else rng.choice(("MO", "FA"))
    rels = [first_rel, {"MO": "FA", "FA": "MO"}.get(first_rel, "GM")][:count]
    contacts = []
    for seq, rel in enumerate(rels, start=1):
        given = rng.choice(names.FIRST_NAMES)
        family = student.family_name if rng.random() < 0.7 else rng.choice(names.LAST_NAMES)
        local = f"{names.name_ascii(given)}.{names.name_ascii(family)[:12]}{student.sourced_id}"
        contact = Person(
            sourced_id=f"CNT_{student.sourced_id}_{seq}",
            role=RELATIONSHIPS[rel],
            given_name=given,
            family_name=family,
            middle_name="",
            email=f"{local}{seq}@{rng.choice(names.GUARDIAN_EMAIL_DOMAINS)}",
            username="",
            school_codes=list(student.school_codes),
            phone=phone_make(rng),
            date_last_modified=stamp(),
            student_id=student.sourced_id,
            sequence=seq,
            relationship=rel,
            lives_with=rng.random() < 0.9,
        )
        contacts.append(contact)
    student.contact_ids = [c.sourced_id for c in contacts]
    return contacts


class StaffFactory:
    """Makes staff with district-wide IDs and unique usernames and emails."""

    def __init__(self, *, rng: random.Random, domain: str, stamp: Stamp) -> None:
        self.rng = rng
        self.domain = domain
        self.stamp = stamp
        self.next_id = 1001
        self.usernames: set[str] = set()

    def _username(self, given: str, family: str) -> str:
        base = f"{names.name_ascii(given)[:1]}{names.name_ascii(family)[:14]}"
        username, n = base, 1
        while username in self.usernames:
            n += 1
            username = f"{base}{n}"
        self.usernames.add(username)
        return username

    def make(self, *, role: str, title: str, school_codes: list[str]) -> Person:
        given, middle, family = _pick_name(self.rng)
        staff_id, self.next_id = self.next_id, self.next_id + 1
        username = self._username(given, family)
        return Person(
            sourced_id=f"TCH_{staff_id}",
            role=role,
            given_name=given,
            family_name=family,
            middle_name=middle,
            email=f"{username}@{self.domain}",
            username=username,
            school_codes=school_codes,
            # No phone: Aeries' native staff rows have none, so neither API serves one.
            date_last_modified=self.stamp(),
            staff_id=staff_id,
            title=title,
        )

import re
from collections import Counter

import pytest

from sandbox.data import generate_district
from sandbox.model import GRADE_CODES
from sandbox.store import Store


def rows(district) -> dict[str, list[bytes]]:
    store = Store(district)
    return {name: list(c.rows) for name, c in store.collections.items()}


def test_same_seed_gives_identical_data():
    assert rows(generate_district(300, 7)) == rows(generate_district(300, 7))


def test_other_seed_gives_other_data():
    first, second = rows(generate_district(300, 7)), rows(generate_district(300, 8))
    assert first["users"] != second["users"]
    assert first["enrollments"] != second["enrollments"]


def test_sizes_follow_the_ratios():
    counts = generate_district(3000, 1).counts()
    assert counts["role_student"] == 3000
    assert 3000 / 30 <= counts["role_teacher"] <= 3000 / 18
    assert counts["role_aide"] >= 3000 / 60
    assert 5.5 <= counts["classes"] / counts["role_teacher"] <= 6.5
    guardians = counts["role_parent"] + counts["role_guardian"]
    assert 3000 <= guardians <= 6000


def test_schools_scale_with_size_and_have_aeries_codes():
    small, big = generate_district(200, 1), generate_district(15000, 1)
    assert [s.code for s in small.schools] == ["990", "992", "994"]
    assert [s.name for s in small.schools] == [
        "Lincoln Elementary School",
        "Washington Middle School",
        "Roosevelt High School",
    ]
    assert len(big.schools) == 10
    assert len({s.code for s in big.schools}) == len(big.schools)
    assert len({s.name for s in big.schools}) == len(big.schools)


def test_identifier_formats():
    d = generate_district(500, 2, clean=True)
    codes = {s.code for s in d.schools}
    for section in d.sections:
        assert re.fullmatch(r"\d+_(\d{4}|TN_\d+)", section.sourced_id)
        assert (section.class_type == "homeroom") == ("_TN_" in section.sourced_id)
    assert {s.sourced_id for s in d.sessions if s.kind == "term"} == {
        f"{c}_{t}" for c in codes for t in "FS"
    }
    for person in d.people.values():
        if person.role == "student":
            assert person.sourced_id.isdigit()
        elif person.student_id:
            assert re.fullmatch(rf"CNT_{person.student_id}_[12]", person.sourced_id)
        else:
            assert person.sourced_id == f"TCH_{person.staff_id}"
    assert all(re.fullmatch(r"\d{4}", c.number) for c in d.courses)


def test_every_guardian_belongs_to_one_student_and_first_is_primary():
    d = generate_district(400, 3, clean=True)
    students = [p for p in d.people.values() if p.role == "student"]
    for student in students:
        assert 1 <= len(student.contact_ids) <= 2
        contacts = [d.people[c] for c in student.contact_ids]
        assert [c.sequence for c in contacts] == list(range(1, len(contacts) + 1))
        assert all(c.student_id == student.sourced_id for c in contacts)
        assert all(
            c.role in ("parent", "guardian", "relative") and c.email and c.phone for c in contacts
        )


def test_one_relationship_mapping_and_no_staff_phone():
    """The sandbox and the native client map Aeries relationship codes alike; staff have
    no phone, since Aeries' native staff rows carry none."""
    from sandbox.people import RELATIONSHIPS
    from sis.relationships import RelationshipCodes

    codes = RelationshipCodes()
    assert {code: codes.relationship(code) for code in RELATIONSHIPS} == RELATIONSHIPS
    d = generate_district(300, 2, clean=True)
    assert {c.role for c in d.people.values() if c.student_id} == {"parent", "guardian", "relative"}
    assert not any(p.phone for p in d.people.values() if p.staff_id)


def test_administrators_are_the_titles_the_native_rule_names():
    from sis.aeries_convert import staff_role
    from sis.records import Role

    d = generate_district(300, 2, clean=True)
    staff = [p for p in d.people.values() if p.staff_id and p.role != "teacher"]
    assert {p.role for p in staff} == {"administrator", "aide"}
    for person in staff:
        native = staff_role(staff={"Title": person.title}, is_teacher=False)
        assert (native is Role.ADMINISTRATOR) == (person.role == "administrator"), person.title


def test_names_are_varied():
    d = generate_district(2000, 1, clean=True)
    names = [f"{p.given_name} {p.family_name}" for p in d.people.values()]
    assert any(ch in "".join(names) for ch in "éëñ")
    assert any("'" in n for n in names)
    assert any("-" in n for n in names)
    assert max(len(n) for n in names) > 40


def test_clean_students_have_valid_grades_and_unique_emails():
    d = generate_district(1000, 4, clean=True)
    students = [p for p in d.people.values() if p.role == "student"]
    assert all(GRADE_CODES[p.grade] and not p.grade_label for p in students)
    emails = Counter(p.email for p in d.people.values())
    assert all(email and n == 1 for email, n in emails.items())
    assert all(p.given_name and p.status == "active" for p in d.people.values())


def test_every_student_has_six_enrollments():
    d = generate_district(600, 5, clean=True)
    per_student = Counter(e.user_id for e in d.enrollments if e.role == "student")
    students = {p.sourced_id for p in d.people.values() if p.role == "student"}
    assert set(per_student) == students
    assert set(per_student.values()) == {6}


@pytest.mark.parametrize("students", [20, 50])
def test_tiny_districts_still_carry_the_catalogue(students):
    d = generate_district(students, 1)
    assert len(d.bad_rows) == 12

"""Normalised records: grade codes, school types, immutability."""

from __future__ import annotations

import dataclasses

import pytest

from sis import records
from sis.records import (
    CEDS_GRADES,
    Entity,
    Role,
    SisEnrollment,
    SisPage,
    SisSchool,
    grade_normalise,
    grade_range,
    school_type_guess,
)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1", "01"),
        (1, "01"),
        ("01", "01"),
        ("12", "12"),
        ("13", "13"),
        ("K", "KG"),
        ("k", "KG"),
        ("KG", "KG"),
        ("0", "KG"),
        (0, "KG"),
        ("Kindergarten", "KG"),
        ("TK", "TK"),
        ("-1", "TK"),
        ("PK", "PK"),
        ("Pre-K", "PK"),
        ("-2", "PK"),
        ("Grade 3", "03"),
        ("3rd", "03"),
        ("UG", "UG"),
        ("other", "Other"),
        (" 7 ", "07"),
        ("", ""),
        (None, ""),
        ("14", "14"),
        ("Senior", "Senior"),
    ],
)
def test_grade_normalise(raw, code):
    assert grade_normalise(raw) == code


def test_every_ceds_code_normalises_to_itself():
    assert [grade_normalise(code) for code in CEDS_GRADES] == list(CEDS_GRADES)


def test_grade_range():
    assert grade_range(low=0, high=2) == ("KG", "01", "02")
    assert grade_range(low=9, high=12) == ("09", "10", "11", "12")
    assert grade_range(low="-1", high="K") == ("TK", "KG")
    assert grade_range(low="", high="") == ()
    assert grade_range(low="Senior", high="12") == ("Senior", "12")


@pytest.mark.parametrize(
    ("name", "grades", "school_type"),
    [
        ("Lincoln High School", (), "high"),
        ("Lincoln HS", (), "high"),
        ("Roosevelt Junior High", (), "middle"),
        ("Adams Middle", (), "middle"),
        ("Washington Elementary", (), "elementary"),
        ("Washington Elem.", (), "elementary"),
        ("Sunrise Academy", ("KG", "01", "02", "03", "04", "05"), "elementary"),
        ("Sunrise Academy", ("06", "07", "08"), "middle"),
        ("Sunrise Academy", ("09", "10", "11", "12"), "high"),
        ("Sunrise Academy", ("KG", "08"), "other"),
        ("Sunrise Academy", (), "other"),
    ],
)
def test_school_type_guess(name, grades, school_type):
    assert school_type_guess(name=name, grades=grades) == school_type


def test_records_are_frozen_and_slotted():
    school = SisSchool("994", "Lincoln High", "994", "high", "active", None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        school.name = "x"  # type: ignore[misc]
    assert not hasattr(school, "__dict__")


def test_row_records_are_slotted_hashable_and_compared_by_value():
    """The records made per SIS row are not frozen (their __init__ would cost ~1 us more
    each), but behave as values: equal when their fields are (the fingerprint aside),
    hashable alike, and changed only by making another."""
    for name in records.ROW_RECORDS:
        cls = getattr(records, name)
        params = dataclasses.fields(cls)
        assert cls.__dataclass_params__.eq and cls.__hash__ is not None and "__slots__" in vars(cls)
        assert [f.name for f in params if not f.compare] == ["sis_digest"]
    one = SisEnrollment("e1", "k1", "s1", None, "student", True, None, None, "active", None, "ab")
    two = dataclasses.replace(one, sis_digest="cd")
    assert one == two and hash(one) == hash(two) and len({one, two}) == 1
    assert one.sis_digest == "ab" and not hasattr(one, "__dict__")
    assert dataclasses.replace(one, role="teacher") != one


def test_enums_and_page_defaults():
    assert Role("administrator") is Role.ADMINISTRATOR
    assert [entity.value for entity in Entity][:3] == ["schools", "terms", "courses"]
    page = SisPage(Entity.STUDENTS, [])
    assert (page.problems, page.total, page.offset) == ([], None, 0)

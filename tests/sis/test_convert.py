"""Field conversion on its own: booleans, grades, ids, hrefs, dates, bad rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sis import aeries_convert as native
from sis.convert_common import (
    CONTACT_NO_NAME_MESSAGE,
    NOT_TEXT_MESSAGE,
    USERNAME_LINE_BREAK_MESSAGE,
    RowError,
    flag,
    parse_date,
    parse_datetime,
    ref_id,
    ref_ids,
    school_year_of,
)
from sis.credentials import SisCredentials
from sis.oneroster_convert import oneroster_rows_convert
from sis.records import Entity, Role, Status
from sis.relationships import RelationshipCodes


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("TRUE", True), ("false", False), (True, True), (False, False),
     ("1", True), ("0", False), ("", None), (None, None), ("maybe", None)],
)  # fmt: skip
def test_string_booleans(value, expected):
    assert flag(value, default=None) is expected  # type: ignore[arg-type]


def test_dates_and_times():
    assert parse_datetime("2026-09-01T07:30:00.000Z") == datetime(2026, 9, 1, 7, 30, tzinfo=UTC)
    assert parse_datetime("2026-09-01T07:30:00").tzinfo is UTC
    assert parse_datetime("") is None
    assert parse_date("2026-08-15", field="startDate") == date(2026, 8, 15)
    assert parse_date("2026-08-15T00:00:00", field="StartDate") == date(2026, 8, 15)
    with pytest.raises(RowError) as caught:
        parse_date("15/08/2026", field="startDate")
    assert caught.value.field == "startDate"
    assert school_year_of(date(2025, 12, 19)) == "2026"
    assert school_year_of(date(2026, 6, 5)) == "2026"


def test_references_and_relative_hrefs():
    assert ref_id({"href": "~/ims/oneroster/v1p1/orgs/994", "sourcedId": "994"}) == "994"
    assert ref_id({"href": "~/ims/oneroster/v1p1/orgs/995/", "type": "org"}) == "995"
    assert ref_id({"type": "org"}) is None
    assert ref_ids([{"sourcedId": "1"}, {"href": "/users/2"}, {"sourcedId": "1"}]) == ("1", "2")
    assert ref_ids({"sourcedId": "7"}) == ("7",)


def test_native_id_conventions():
    assert native.teacher_sourced_id(501) == "TCH_501"
    assert native.teacher_sourced_id(501.0) == "TCH_501"
    assert native.section_sourced_id(994, 1001) == "994_1001"
    assert native.contact_sourced_id(1001, 2) == "CNT_1001_2"
    codes = RelationshipCodes()
    assert [codes.relationship(c) for c in ("Mother", "Guardian", "", "Aunt", "MO", "13")] == [
        "parent",
        "guardian",
        "",
        "relative",
        "parent",
        None,  # a number means nothing without the code table or the connection's mapping
    ]


def test_oneroster_user_fields():
    row = {
        "sourcedId": "TCH_77", "status": "active", "role": "aide", "givenName": " Ria ",
        "familyName": "Ng", "enabledUser": "false", "grades": ["K", "1"],
        "userIds": [{"type": "LDAP", "identifier": "rng"}, {"type": "x", "identifier": ""}],
        "orgs": [{"href": "~/ims/oneroster/v1p1/orgs/994"}], "sms": "555-0100",
        "dateLastModified": "2026-01-02T03:04:05Z",
    }  # fmt: skip

    (person,), problems = oneroster_rows_convert(entity=Entity.STAFF, rows=[row])

    assert problems == []
    assert person.role is Role.STAFF and person.given_name == "Ria"
    assert person.enabled is False
    assert person.grades == ("KG", "01")
    assert person.user_ids == (("LDAP", "rng"),)
    assert person.school_sourced_ids == ("994",)
    assert person.phone == "555-0100"
    assert person.date_last_modified == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_orgs_that_are_not_schools_are_skipped():
    rows = [
        {"sourcedId": "0", "name": "Unified District", "type": "district"},
        {"sourcedId": "994", "name": "Lincoln High", "type": "school", "status": "tobedeleted"},
    ]

    schools, problems = oneroster_rows_convert(entity=Entity.SCHOOLS, rows=rows)

    assert [(s.sourced_id, s.school_code, s.status) for s in schools] == [
        ("994", "994", Status.TOBEDELETED)
    ]
    assert problems == []


def test_enrollment_without_sourced_id_gets_the_shared_convention():
    row = {"class": {"sourcedId": "994_1001"}, "user": {"sourcedId": "TCH_5"}, "primary": "true",
           "role": "teacher"}  # fmt: skip

    (enrollment,), _ = oneroster_rows_convert(entity=Entity.ENROLLMENTS, rows=[row])

    assert enrollment.sourced_id == "994_1001_TCH_5"
    assert enrollment.primary is True


def test_guardian_student_from_agents_or_from_the_aeries_id():
    agents = [{"sourcedId": "1"}, {"sourcedId": "2"}]
    rows = [
        {"sourcedId": "CNT_1001_2", "role": "guardian", "givenName": "Ma"},
        {"sourcedId": "PAT_9", "role": "parent", "familyName": "Ng", "agents": agents},
        {"sourcedId": "G-10", "role": "relative", "givenName": "Al"},
    ]

    contacts, _ = oneroster_rows_convert(entity=Entity.CONTACTS, rows=rows)

    # Only a CNT_ id carries an order; the others wait for the students' agents order
    # (OneRosterClient), never "order 1 and primary" for every student of a PAT_ parent.
    assert [(c.sourced_id, c.student_sourced_id, c.order, c.primary) for c in contacts] == [
        ("CNT_1001_2", "1001", 2, False),
        ("PAT_9", "1", 0, False),
        ("PAT_9", "2", 0, False),
        ("G-10", None, 0, False),
    ]


def test_a_contact_without_any_name_is_a_row_problem():
    rows = [
        {"sourcedId": "PAT_1", "role": "parent", "givenName": " ", "familyName": ""},
        {"sourcedId": "PAT_2", "role": "parent", "givenName": "", "familyName": "Ng"},
    ]

    contacts, problems = oneroster_rows_convert(entity=Entity.CONTACTS, rows=rows)

    assert [c.sourced_id for c in contacts] == ["PAT_2"]
    (problem,) = problems
    assert (problem.sourced_id, problem.code) == ("PAT_1", "contact_no_name")
    assert problem.field == "givenName"
    assert problem.message == CONTACT_NO_NAME_MESSAGE


def test_malformed_rows_become_problems_and_the_rest_converts():
    rows = [
        {"sourcedId": "994_F", "title": "Fall", "startDate": "2025-08-15"},
        ["not", "an", "object"],
        {"title": "No id"},
        {"sourcedId": "994_S", "startDate": "next spring"},
        {"sourcedId": "994_W", "title": "Winter", "dateLastModified": 12},
    ]

    terms, problems = oneroster_rows_convert(entity=Entity.TERMS, rows=rows)

    assert [t.sourced_id for t in terms] == ["994_F"]
    assert [(p.sourced_id, p.field) for p in problems] == [
        ("", ""),
        ("", "sourcedId"),
        ("994_S", "startDate"),
        ("994_W", "dateLastModified"),
    ]
    assert problems[2].excerpt["startDate"] == "next spring"
    assert all(p.entity is Entity.TERMS for p in problems)


def test_excerpt_never_carries_a_password():
    rows = [{"sourcedId": "1", "role": "student", "password": "hunter2", "dateLastModified": "x"}]

    _, (problem,) = oneroster_rows_convert(entity=Entity.STUDENTS, rows=rows)

    assert "password" not in problem.excerpt


def test_credentials_normalise_url_and_mask_secrets():
    creds = SisCredentials(
        kind="oneroster",
        base_url=" https://District.aeries.net/Aeries ",
        client_id="id",
        client_secret="very-secret",
        school_codes=(" 994", "", 995),  # type: ignore[arg-type]
    )

    assert creds.base_url == "https://District.aeries.net/Aeries/"
    assert creds.school_codes == ("994", "995")
    assert "very-secret" not in repr(creds) and "very-secret" not in str(creds)
    with pytest.raises(ValueError):
        SisCredentials(kind="csv", base_url="https://x/")  # type: ignore[arg-type]


def test_a_json_object_where_text_belongs_is_a_row_problem_naming_the_field():
    rows = [
        {"sourcedId": "1", "role": "student", "givenName": {"x": 1}, "familyName": "Ng"},
        {"sourcedId": "2", "role": "student", "givenName": "Al", "familyName": ["Ng"]},
        {"sourcedId": "3", "role": "student", "givenName": "Bo", "familyName": "Ng"},
    ]

    people, problems = oneroster_rows_convert(entity=Entity.STUDENTS, rows=rows)

    assert [p.sourced_id for p in people] == ["3"]
    assert [(p.sourced_id, p.field, p.message) for p in problems] == [
        ("1", "givenName", NOT_TEXT_MESSAGE.format(field="givenName", kind="object")),
        ("2", "familyName", NOT_TEXT_MESSAGE.format(field="familyName", kind="list")),
    ]
    assert "{'x': 1}" not in repr(people)


@pytest.mark.parametrize("username", ["ana\nadmin", "ana\r\n", "a\rb"])
def test_a_user_name_with_a_line_break_is_a_row_problem(username):
    row = {"sourcedId": "1", "role": "student", "givenName": "Ana", "username": username}
    people, problems = oneroster_rows_convert(entity=Entity.STUDENTS, rows=[row])
    if username.strip() == "ana":
        assert people[0].username == "ana"  # a break at either end is only whitespace
        return
    assert people == [] and problems[0].field == "username"
    assert problems[0].message == USERNAME_LINE_BREAK_MESSAGE

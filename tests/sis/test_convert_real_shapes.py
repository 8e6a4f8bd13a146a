"""Real Aeries and strict OneRoster shapes: STU_/TCH_/PAT_ ids, parents shared by siblings,
Aeries' own ids on every person, JSON booleans and absolute hrefs, nulls, numeric
relationship codes, NUL characters and over-long values."""

from __future__ import annotations

import pytest

from sandbox.shapes import LONG_SOURCED_ID, LONG_TAIL, NUL_STUDENT
from sis.aeries_convert import contact_from_native
from sis.convert_common import NUL_MESSAGE, convert_rows
from sis.oneroster_convert import oneroster_rows_convert
from sis.records import NUL_STRIPPED, UNKNOWN_RELATIONSHIP, WARNING, Entity
from sis.relationships import UNKNOWN_CODE_FIX, RelationshipCodes
from tests.sis.sandbox_clients import read_all, sandbox_client

PEOPLE = (Entity.STUDENTS, Entity.TEACHERS, Entity.STAFF, Entity.ADMINISTRATORS)


def aeries_ids(client, entity) -> set[tuple[str, str, str]]:
    people, _ = read_all(client, entity)
    return {(p.aeries_student_id, p.state_student_id, p.aeries_staff_id) for p in people}


@pytest.mark.parametrize("entity", PEOPLE)
def test_people_carry_the_same_aeries_ids_over_oneroster_stu_ids_and_the_native_api(
    sandbox_sis, entity
):
    with sandbox_client(sandbox_sis, "aeries_api") as native:
        expected = aeries_ids(native, entity)
    with sandbox_client(sandbox_sis) as plain:
        assert aeries_ids(plain, entity) == expected
    sandbox_sis.set_behaviours(aeries_ids=True)
    with sandbox_client(sandbox_sis) as stu:
        people, _ = read_all(stu, entity)

    assert {(p.aeries_student_id, p.state_student_id, p.aeries_staff_id) for p in people} == (
        expected
    )
    if entity is Entity.STUDENTS:
        assert all(p.sourced_id == f"STU_{p.aeries_student_id}" for p in people)
        assert all(p.state_student_id for p in people)
    else:
        assert all(p.sourced_id == f"TCH_{p.aeries_staff_id}" for p in people)


def test_a_parent_shared_by_siblings_is_ordered_by_each_students_agents(sandbox_sis):
    sandbox_sis.set_behaviours(aeries_ids=True)
    with sandbox_client(sandbox_sis) as roster:
        students, _ = read_all(roster, Entity.STUDENTS)
        contacts, _ = read_all(roster, Entity.CONTACTS)

    agents = {s.sourced_id: s.agent_sourced_ids for s in students}
    by_parent: dict[str, list] = {}
    for contact in contacts:
        by_parent.setdefault(contact.sourced_id, []).append(contact)
    shared = [rows for rows in by_parent.values() if len(rows) > 1]
    assert shared and all(rows[0].sourced_id.startswith("PAT_") for rows in shared)
    for contact in contacts:
        place = agents[contact.student_sourced_id].index(contact.sourced_id) + 1
        assert (contact.order, contact.primary) == (place, place == 1)
    assert any(not c.primary for c in contacts)  # not "order 1 and primary" for every link
    # one PAT_ row, primary for one sibling and second for the other
    assert any({c.primary for c in rows} == {True, False} for rows in shared)


def test_strict_spec_answers_give_the_same_records(sandbox_sis):
    entities = (Entity.STUDENTS, Entity.SCHOOLS, Entity.CLASSES, Entity.ENROLLMENTS)
    with sandbox_client(sandbox_sis) as roster:
        expected = {entity: read_all(roster, entity)[0] for entity in entities}
    sandbox_sis.set_behaviours(strict_spec=True)
    with sandbox_client(sandbox_sis) as roster:
        strict = {entity: read_all(roster, entity)[0] for entity in entities}
    assert strict == expected


def test_nulls_string_periods_and_a_course_of_the_district_convert():
    klass = {
        "sourcedId": "994_1", "title": "Algebra", "classCode": None, "subjects": None,
        "subjectCodes": None, "resources": None, "periods": "P0 (7:05 AM - 7:55 AM)",
        "course": {"href": "https://or.example.org/ims/oneroster/v1p1/courses/C1"},
        "school": {"href": "/ims/oneroster/v1p1/orgs/994", "sourcedId": "994"},
        "terms": [{"sourcedId": "994_F"}], "classType": None,
    }  # fmt: skip
    course = {"sourcedId": "C1", "title": "Algebra", "org": {"sourcedId": "0"}, "grades": None}
    user = {"sourcedId": "STU_1", "role": "student", "enabledUser": False, "givenName": "A"}

    (converted,), problems = oneroster_rows_convert(entity=Entity.CLASSES, rows=[klass])
    (course_record,), _ = oneroster_rows_convert(entity=Entity.COURSES, rows=[course])
    (person,), _ = oneroster_rows_convert(entity=Entity.STUDENTS, rows=[user])

    assert problems == []
    assert (converted.class_code, converted.subjects, converted.class_type) == ("", (), "scheduled")
    assert converted.periods == ("P0 (7:05 AM - 7:55 AM)",)
    assert converted.course_sourced_id == "C1"  # from an absolute href
    assert course_record.school_sourced_id == "0"  # the district
    assert person.enabled is False and person.aeries_student_id == "1"


def test_native_numeric_relationship_codes_read_through_the_code_table(sandbox_sis):
    with sandbox_client(sandbox_sis, "aeries_api") as native:
        letters, _ = read_all(native, Entity.CONTACTS)
    sandbox_sis.set_behaviours(numeric_relationships=True)
    with sandbox_client(sandbox_sis, "aeries_api") as native:
        numeric, pages = read_all(native, Entity.CONTACTS)

    assert numeric == letters
    assert not [w for page in pages for w in page.warnings]


def test_native_codes_nobody_explains_are_warnings_naming_the_code(sandbox_sis):
    sandbox_sis.set_behaviours(numeric_relationships=True, codes_endpoint=False)
    with sandbox_client(sandbox_sis, "aeries_api") as native:
        contacts, pages = read_all(native, Entity.CONTACTS)

    warnings = [w for page in pages for w in page.warnings]
    assert len(warnings) == len(contacts) and all(c.relationship == "" for c in contacts)
    assert {w.code for w in warnings} == {UNKNOWN_RELATIONSHIP}
    eleven = next(w for w in warnings if w.message.startswith("Relationship code '11' "))
    assert eleven.fix == UNKNOWN_CODE_FIX.format(code="11")
    assert eleven.field == "RelationshipToStudentCode"

    mapping = (("11", "parent"), ("13", "parent"), ("16", "guardian"), ("23", "relative"))
    creds = {"relationship_codes": mapping}
    with sandbox_client(sandbox_sis, "aeries_api", creds=creds) as native:
        mapped, pages = read_all(native, Entity.CONTACTS)
    assert not [w for page in pages for w in page.warnings]
    assert {c.relationship for c in mapped} == {"parent", "guardian", "relative"}


def test_the_connections_mapping_wins_over_the_code_table():
    codes = RelationshipCodes(
        mapping=(("99", "relative"),), code_table={"99": "Other", "11": "Mom"}
    )
    assert (codes.relationship("99"), codes.relationship(11.0), codes.relationship("12")) == (
        "relative",
        "parent",
        None,
    )
    assert codes.unknown_message("12") == (
        "Relationship code '12' has no known meaning; the contact was imported without a "
        "relationship."
    )


def test_a_native_contact_without_names_is_a_row_problem():
    row = {"StudentID": 1, "SequenceNumber": 1, "FirstName": " ", "LastName": ""}
    records, problems = convert_rows(
        entity=Entity.CONTACTS,
        rows=[row],
        convert=lambda r: contact_from_native(r, codes=RelationshipCodes()),
        id_keys=("StudentID",),
    )
    assert records == [] and problems[0].code == "contact_no_name"


@pytest.mark.parametrize("kind", ["oneroster", "aeries_api"])
def test_nul_characters_are_stripped_with_a_warning_naming_the_fields(sandbox_sis, kind):
    sandbox_sis.set_behaviours(dirty_text=True)
    with sandbox_client(sandbox_sis, kind) as client:
        students, pages = read_all(client, Entity.STUDENTS)

    assert not any("\x00" in s.given_name + s.email for s in students)
    warnings = [w for page in pages for w in page.warnings]
    (warning,) = warnings
    assert (warning.code, warning.severity, warning.sourced_id) == (
        NUL_STRIPPED,
        WARNING,
        NUL_STUDENT,
    )
    fields = "givenName, email" if kind == "oneroster" else "FirstName"
    assert warning.message == NUL_MESSAGE.format(fields=fields)
    long_names = [s for s in students if s.family_name.endswith(LONG_TAIL)]
    assert len(long_names) == 1  # over-long values pass through: the engine checks columns
    if kind == "oneroster":
        assert LONG_SOURCED_ID in {s.sourced_id for s in students}


def test_duplicate_rows_reach_the_engine_which_reports_them(sandbox_sis):
    sandbox_sis.set_behaviours(duplicate_rows=True)
    with sandbox_client(sandbox_sis) as roster:
        classes, _ = read_all(roster, Entity.CLASSES)
    ids = [c.sourced_id for c in classes]
    assert len(ids) == len(set(ids)) + 1

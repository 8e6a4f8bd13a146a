"""Sync rules (rostering/sync/rules.py) evaluated in the import, against the sandbox over
HTTP: each kind of rule skips exactly the students and classes it leaves out, with the
rule named, and their enrollments; a change of rules is previewed, and its archives go
through the safeguard."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from connections.models import Connection
from rostering.models import (
    Enrollment,
    HeldChange,
    Person,
    RosterStatus,
    Section,
    SyncRules,
    SyncSettings,
)
from rostering.rules_settings import sync_rules_preview, sync_rules_update
from rostering.sync.held import held_changes_approve
from rostering.sync.rules import RULE_ARCHIVE_REASON, SKIP_RULE
from tests.factories import DistrictFactory
from tests.sync.conftest import connect
from tests.sync.helpers import pull, record

pytestmark = pytest.mark.django_db
HIGH_SCHOOL = ["09", "10", "11", "12"]


def _rules(connection, **values) -> SyncRules:
    return sync_rules_update(connection=connection, values=values, actor=None, source="test")


def _oracle(sis):
    """Everything the sandbox lists, imported by a connection without rules."""
    other = connect(sis, district=DistrictFactory(name="Oracle district"))
    pull(other)
    return other


def _active(model, connection, **filters):
    return model.objects.filter(district=connection.district, status=RosterStatus.ACTIVE,
                                **filters)  # fmt: skip


def test_a_grade_rule_imports_only_the_students_of_those_grades(sis, connection):
    oracle = _oracle(sis)
    all_students = list(_active(Person, oracle, role="student").values_list("sourced_id", "grades"))
    kept = {sid for sid, grades in all_students if set(grades) & set(HIGH_SCHOOL)}
    assert 0 < len(kept) < len(all_students)
    _rules(connection, grades_include=["9", "10", "11", "12"])  # stored as CEDS codes

    run = pull(connection)

    students = set(_active(Person, connection, role="student").values_list("sourced_id", flat=True))
    assert students == kept
    students_part = record(run, "students").part_counts["students"]
    assert students_part["skipped_by"][SKIP_RULE["grades"]] == len(all_students) - len(kept)
    # Their parent contacts go with them, skipped for the same rule.
    assert record(run, "students").part_counts["parent contacts"]["skipped_by"][SKIP_RULE["grades"]]
    # Classes of other grades are cut too, and every enrollment is of a kept class and person.
    for grades in _active(Section, connection).values_list("grades", flat=True):
        assert not grades or set(grades) & set(HIGH_SCHOOL)
    assert record(run, "classes").skipped_reasons[SKIP_RULE["grades"]] > 0
    enrollments = record(run, "enrollments")
    assert enrollments.skipped_reasons[SKIP_RULE["grades"]] > 0
    # No enrollment of a cut class or student is reported as unknown: only the sandbox's
    # own bad rows fail (those of kept rows).
    assert enrollments.failed <= oracle.runs.get().records.get(kind="enrollments").failed
    students_enrolled = _active(Enrollment, connection, role="student").values_list(
        "person__sourced_id", flat=True
    )
    assert set(students_enrolled) <= kept
    # Teachers are never cut by rules.
    assert _active(Person, connection, role="teacher").count() == (
        _active(Person, oracle, role="teacher").count()
    )


def test_course_code_subject_and_term_rules_cut_classes_and_their_enrollments(sis, connection):
    oracle = _oracle(sis)
    oracle_sections = list(_active(Section, oracle).values_list("sourced_id", "subjects",
                                                                "course__course_code"))  # fmt: skip
    math = {sid for sid, _, code in oracle_sections if code and code.startswith("22")}
    assert math
    _rules(connection, course_codes_include=["22*"])
    run = pull(connection)
    assert set(_active(Section, connection).values_list("sourced_id", flat=True)) == math
    skipped = record(run, "classes").skipped_reasons[SKIP_RULE["course_codes"]]
    assert skipped == len(oracle_sections) - len(math)
    assert set(_active(Enrollment, connection).values_list("section__sourced_id", flat=True)) == (
        math
    )
    assert record(run, "enrollments").skipped_reasons[SKIP_RULE["course_codes"]] > 0

    _rules(connection, course_codes_include=[], subjects_exclude=["physical education"])
    run = pull(connection)
    pe = {sid for sid, subjects, _ in oracle_sections if "Physical Education" in subjects}
    assert pe and record(run, "classes").skipped_reasons[SKIP_RULE["subjects"]] == len(pe)
    assert not _active(Section, connection, sourced_id__in=pe).exists()

    # Sandbox classes run in both semesters (994_F, 994_S): excluding one keeps them all;
    # a term matches by its code, its sourcedId or its title; none of theirs cuts them all.
    _rules(connection, subjects_exclude=[], terms_exclude=["S"])
    run = pull(connection)
    assert SKIP_RULE["terms"] not in record(run, "classes").skipped_reasons
    _rules(connection, terms_exclude=[], terms_include=["Spring Semester 2027"])
    assert SKIP_RULE["terms"] not in record(pull(connection), "classes").skipped_reasons
    _rules(connection, terms_include=["W"])
    run = pull(connection)
    assert record(run, "classes").skipped_reasons[SKIP_RULE["terms"]] == len(oracle_sections)
    assert record(run, "enrollments").created == 0


def test_a_change_of_rules_is_previewed_then_its_archives_are_held(sis, connection):
    SyncSettings.objects.filter(connection=connection).update(archive_missing=True)
    pull(connection)
    before = _active(Person, connection, role="student").count()
    values = {"grades_include": HIGH_SCHOOL}

    preview = sync_rules_preview(connection=connection, values=values, actor=None)

    assert not SyncRules.objects.exists()  # nothing saved by a preview
    assert preview.rule_skips[SKIP_RULE["grades"]] > 0
    assert preview.summary["held"] > 0  # most students would be archived: held
    assert _active(Person, connection, role="student").count() == before

    _rules(connection, **values)
    run = pull(connection)
    students = record(run, "students")
    held = HeldChange.objects.filter(record=students, kind=HeldChange.Kind.ARCHIVE)
    assert students.held_archives == held.count() > 0
    assert all(c.payload["reason"] == RULE_ARCHIVE_REASON for c in held)
    held_changes_approve(record=students, actor=None)
    archived = Person.objects.filter(district=connection.district, role="student",
                                     status=RosterStatus.ARCHIVED)  # fmt: skip
    assert archived.count() == held.count()
    assert set(archived.values_list("archive_reason", flat=True)) == {RULE_ARCHIVE_REASON}


def test_rules_are_validated_and_audited(connection):
    with pytest.raises(ValidationError) as refused:
        _rules(connection, grades_include=["9", "Grade 13x", "K5"])
    message = str(refused.value)
    assert "'Grade 13x', 'K5' are not a grade level" in message and "IT, PR, PK" in message
    with pytest.raises(ValidationError, match="both included and excluded"):
        _rules(connection, subjects_include=["Math"], subjects_exclude=["math"])
    with pytest.raises(ValidationError, match="not a sync rule"):
        _rules(connection, colour=["red"])
    rules = _rules(connection, grades_exclude="PK, TK")
    assert rules.grades_exclude == ["PK", "TK"]
    event = AuditEvent.objects.filter(action=AuditEvent.Action.CREATE).latest("pk")
    assert event.object_repr == f"Sync rules of {connection}"
    assert event.changes["grades_exclude"][1] == ["PK", "TK"]
    assert set(event.changes) == {"grades_exclude"}


def test_the_aeries_api_refuses_subject_rules(sis):
    connection = connect(sis, kind=Connection.Kind.AERIES_API)
    with pytest.raises(ValidationError, match="sends no subjects"):
        _rules(connection, subjects_include=["Mathematics"])


def test_grade_rules_on_the_aeries_api(sis):
    connection = connect(sis, kind=Connection.Kind.AERIES_API)
    _rules(connection, grades_exclude=["KG", "01", "02", "03", "04", "05"])
    run = pull(connection)
    grades = _active(Person, connection, role="student").values_list("grades", flat=True)
    assert grades and not any(set(g) & {"KG", "01", "02", "03", "04", "05"} for g in grades)
    assert record(run, "students").skipped_reasons[SKIP_RULE["grades"]] > 0


@pytest.mark.parametrize("kind", [Connection.Kind.ONEROSTER, Connection.Kind.AERIES_API])
def test_a_term_rule_cuts_the_one_term_classes_of_the_other_term(sandbox_sis_factory, kind):
    """With one-semester sections (the sandbox's semester_sections), excluding the spring
    cuts exactly the spring-only classes: year-long and fall classes stay."""
    from sandbox.shapes import semester_of

    sis = sandbox_sis_factory(students=60, seed=7, behaviours={"semester_sections": True})
    by_term: dict[str, set[str]] = {}
    for section in sis.district.sections:
        by_term.setdefault(semester_of(section), set()).add(section.sourced_id)
    assert by_term.get("F") and by_term.get("S") and by_term.get("Y")
    connection = connect(sis, kind=kind)
    _rules(connection, terms_exclude=["S"])
    run = pull(connection)
    live = set(_active(Section, connection).values_list("sourced_id", flat=True))
    assert live == by_term["F"] | by_term["Y"]
    assert record(run, "classes").skipped_reasons[SKIP_RULE["terms"]] == len(by_term["S"])
    assert not _active(Enrollment, connection, section__sourced_id__in=by_term["S"]).exists()
    assert _active(Enrollment, connection, section__sourced_id__in=by_term["F"]).exists()

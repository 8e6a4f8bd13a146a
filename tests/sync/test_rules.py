"""Sync rules (rostering/sync/rules.py) evaluated in the import, against the sandbox over
HTTP: each kind of rule skips exactly the students and classes it leaves out, with the
rule named, and their enrollments, and the teachers who teach none of the classes it
keeps (rule_teachers.py); a change of rules is previewed, and its archives go through the
safeguard."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from connections.models import Connection
from rostering.models import (
    Enrollment,
    Guardian,
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
    # Teachers go with their classes: those who teach a high-school class stay.
    teachers = set(_active(Person, connection, role="teacher").values_list("sourced_id",
                                                                           flat=True))  # fmt: skip
    assert teachers == _teachers_of(oracle, lambda grades: not grades or set(grades) & set(
        HIGH_SCHOOL))  # fmt: skip
    staff = record(run, "staff").part_counts
    all_teachers = _active(Person, oracle, role="teacher").count()
    assert sum(staff["teachers"]["skipped_by"].values()) == all_teachers - len(teachers) > 0
    for role in ("staff", "administrator"):  # not tied to classes: never cut
        assert _active(Person, connection, role=role).count() == (
            _active(Person, oracle, role=role).count()
        )


def _teachers_of(oracle, keeps) -> set[str]:
    """The teachers of the oracle's classes whose grades `keeps`."""
    rows = _active(Enrollment, oracle, role="teacher").values_list(
        "person__sourced_id", "section__grades"
    )
    return {teacher for teacher, grades in rows if keeps(grades)}


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
    # The students' file holds their parent contacts too: those of cut students go along.
    assert held.filter(table="guardian").exists()
    held_changes_approve(record=students, actor=None)
    archived = Person.objects.filter(district=connection.district, role="student",
                                     status=RosterStatus.ARCHIVED)  # fmt: skip
    assert archived.count() == held.filter(table="person").count()
    assert set(archived.values_list("archive_reason", flat=True)) == {RULE_ARCHIVE_REASON}
    contacts = Guardian.objects.filter(district=connection.district, status=RosterStatus.ARCHIVED)
    assert contacts.count() == held.filter(table="guardian").count()
    assert not contacts.filter(student__status=RosterStatus.ACTIVE).exists()


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


def _math_teachers(oracle) -> set[str]:
    rows = _active(Enrollment, oracle, role="teacher").values_list(
        "person__sourced_id", "section__course__course_code"
    )
    return {teacher for teacher, code in rows if code and code.startswith("22")}


@pytest.mark.parametrize("kind", [Connection.Kind.ONEROSTER, Connection.Kind.AERIES_API])
def test_teachers_who_teach_no_class_the_rules_keep_are_cut(sandbox_sis_factory, kind):
    sis = sandbox_sis_factory(students=200, seed=7)
    oracle = connect(sis, district=DistrictFactory(name="Oracle district"), kind=kind)
    pull(oracle)
    math = _math_teachers(oracle)
    others = set(_active(Person, oracle, role="teacher").values_list("sourced_id", flat=True))
    others -= math
    assert math and others
    connection = connect(sis, kind=kind)
    SyncSettings.objects.filter(connection=connection).update(archive_missing=True)
    pull(connection)  # every teacher, before the rule
    values = {"course_codes_include": ["22*"]}

    preview = sync_rules_preview(connection=connection, values=values, actor=None)
    assert preview.teacher_skips == len(others)  # the preview shows the teachers it cuts
    staff_file = next(f for f in preview.files if f.kind == "staff")
    assert staff_file.held is not None or any(
        item.action == "archived" and item.table == "person" for item in staff_file.lists
    )
    assert _active(Person, connection, role="teacher").count() == len(math | others)

    _rules(connection, **values)
    run = pull(connection)
    staff = record(run, "staff")
    teachers_part = staff.part_counts["teachers"]
    assert teachers_part["skipped_by"] == {SKIP_RULE["course_codes"]: len(others)}
    assert teachers_part["created"] == 0
    for file in run.records.filter(held_archives__gt=0):  # the safeguard held most of them
        held_changes_approve(record=file, actor=None)
    kept = set(_active(Person, connection, role="teacher").values_list("sourced_id", flat=True))
    assert kept == math
    cut = Person.objects.filter(district=connection.district, sourced_id__in=others)
    assert set(cut.values_list("status", "archive_reason")) == {
        (RosterStatus.ARCHIVED, RULE_ARCHIVE_REASON)
    }
    teaching = _active(Enrollment, connection, role="teacher", section__status="active")
    assert set(teaching.values_list("person__sourced_id", flat=True)) == math

    new_district = connect(sis, district=DistrictFactory(name="New district"), kind=kind)
    _rules(new_district, **values)
    first = pull(new_district)  # outside the rules: never created
    assert set(_active(Person, new_district, role="teacher").values_list(
        "sourced_id", flat=True)) == math  # fmt: skip
    assert record(first, "staff").part_counts["teachers"]["created"] == len(math)


def test_a_teacher_whose_classes_the_rules_stop_keeping_is_not_passed_over(sandbox_sis_factory):
    """His row is the same (its fingerprint stored), the rules are the same: only his
    classes changed. The rules decide on his classes, so his row is looked at again."""
    sis = sandbox_sis_factory(students=200, seed=7)
    connection = connect(sis)
    SyncSettings.objects.filter(connection=connection).update(archive_missing=True)
    _rules(connection, course_codes_include=["22*"])
    pull(connection)
    before = record(pull(connection), "staff")  # every row stored with its fingerprint
    assert before.part_counts["teachers"]["unchanged"] > 0
    cut_before = before.part_counts["teachers"]["skipped_by"][SKIP_RULE["course_codes"]]
    math_sections = {s.sourced_id for s in sis.district.sections
                     if s.course_number.startswith("22")}  # fmt: skip
    math = sorted({e.user_id for e in sis.district.enrollments
                   if e.role == "teacher" and e.class_id in math_sections})  # fmt: skip
    stored = Person.objects.filter(sourced_id__in=math)
    digests = dict(stored.values_list("sourced_id", "sis_digest"))
    teacher = next(t for t in math if digests[t])  # a row the next pull would pass over
    other = next(t for t in math if t != teacher)
    with sis.store.lock:  # his math classes go to another math teacher; his row stays
        for e in sis.district.enrollments:
            if e.user_id == teacher and e.class_id in math_sections:
                e.user_id, e.sourced_id = other, f"{e.class_id}_{other}"
        sis.store.build()
    run = pull(connection)
    person = Person.objects.get(district=connection.district, sourced_id=teacher)
    assert (person.status, person.archive_reason) == (RosterStatus.ARCHIVED, RULE_ARCHIVE_REASON)
    skipped = record(run, "staff").part_counts["teachers"]["skipped_by"]
    assert skipped == {SKIP_RULE["course_codes"]: cut_before + 1}


def test_when_the_classes_cannot_be_read_the_teachers_are_not_guessed(sandbox_sis_factory):
    """Rules decide teachers by their classes: without the classes, the staff file says
    why it could not be imported, and nobody is created or archived."""
    sis = sandbox_sis_factory(students=60, seed=7)
    connection = connect(sis)
    SyncSettings.objects.filter(connection=connection).update(archive_missing=True)
    pull(connection)
    teachers = _active(Person, connection, role="teacher").count()
    _rules(connection, grades_include=HIGH_SCHOOL)
    sis.set_permission("master_schedule", False)
    run = pull(connection)
    staff = record(run, "staff")
    assert staff.status == "error"
    assert "only the teachers of the classes they keep" in staff.message
    assert "Master Schedule" in staff.message
    assert _active(Person, connection, role="teacher").count() == teachers


def test_what_the_rules_cut_takes_its_enrollments_and_contacts_along(sis, connection):
    """A student the rules now cut (Aeries moved them to grade 8) is archived with their
    enrollments and parent contacts, though the SIS sends those unchanged (the pull would
    pass over them); a class a course rule cuts, with its enrollments."""
    SyncSettings.objects.filter(connection=connection).update(
        archive_missing=True, archive_threshold_pct=100
    )
    _rules(connection, grades_include=HIGH_SCHOOL)
    pull(connection)
    pull(connection)  # every row's fingerprint stored: unchanged rows are passed over
    student = next(p for p in sis.district.people.values()
                   if p.role == "student" and p.grade == 9 and p.status == "active")  # fmt: skip
    stored = Person.objects.get(district=connection.district, sourced_id=student.sourced_id)
    assert _active(Enrollment, connection, person=stored).exists()
    assert _active(Guardian, connection, student=stored).exists()

    student.grade, student.grade_label = 8, ""  # their enrollments and contacts unchanged
    with sis.store.lock:
        sis.store.people_put([student])
        sis.store.bump()
    pull(connection)
    stored.refresh_from_db()
    assert (stored.status, stored.archive_reason) == (RosterStatus.ARCHIVED, RULE_ARCHIVE_REASON)
    for model, link in ((Enrollment, "person"), (Guardian, "student")):
        rows = model.objects.filter(**{link: stored})
        assert rows.exists() and not rows.filter(status=RosterStatus.ACTIVE).exists()

    _rules(connection, grades_include=HIGH_SCHOOL, course_codes_include=["22*"])
    pull(connection)
    cut = Section.objects.filter(district=connection.district, status=RosterStatus.ARCHIVED)
    assert cut.exists()
    assert not Enrollment.objects.filter(section__in=cut, status=RosterStatus.ACTIVE).exists()

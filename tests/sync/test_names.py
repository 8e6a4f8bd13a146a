"""Name formats in the import (rostering/sync/people_names.py), against the sandbox over
HTTP: new accounts get the template's names, collisions numbered the same whatever the
order of the SIS's pages; existing accounts are renamed only when a manager approves the
held renames; pinned names win; usernames stay unique in the district."""

import random
from collections import Counter

import pytest
from django.db.models import Count

from rostering.models import HeldChange, Person, RosterChange, SyncSettings
from rostering.naming import in_family, name_values, render
from rostering.naming_preview import name_format_preview
from rostering.pins import field_pin
from rostering.rules_settings import name_format_get, name_format_update
from rostering.sync.held import held_changes_approve, held_changes_discard
from tests.factories import SchoolFactory
from tests.sync.helpers import pull, record

pytestmark = pytest.mark.django_db
INITIAL_LAST = {"student_username": "{first_initial}{last}",
                "student_email": "{username}@students.example.org"}  # fmt: skip


def _format(connection, **values):
    return name_format_update(connection=connection, values=values, actor=None, source="test")


def _students(connection):
    return Person.objects.filter(district=connection.district, role="student")


def _base(person) -> str:
    values = name_values(role="student", given=person.given_name, family=person.family_name)
    return render("{first_initial}{last}", values, cap=20)


def test_new_accounts_get_the_template_names_with_collisions_numbered(connection):
    _format(connection, **INITIAL_LAST)
    run = pull(connection)
    students = list(_students(connection))
    assert record(run, "students").part_counts["students"]["created"] == len(students) > 100
    for person in students:
        base = _base(person)
        if base:
            assert in_family(person.username, base, cap=20), person.username
            assert person.email == f"{person.username}@students.example.org"
    numbered = [p for p in students if p.username != _base(p)]
    assert numbered, "the sandbox has namesakes: some names are numbered"
    # Within a family, the lowest sourcedId has the base name, the next ones 2, 3, …
    by_base: dict[str, list] = {}
    for person in sorted(students, key=lambda p: p.sourced_id):
        by_base.setdefault(_base(person), []).append(person.username)
    for base, names in by_base.items():
        if base and not Person.objects.filter(username=base).exclude(role="student").exists():
            assert names == [base, *(f"{base}{n}" for n in range(2, len(names) + 1))]
    assert not Person.objects.values("district", "username").annotate(n=Count("id")).filter(n__gt=1)
    assert pull(connection).records.get(kind="students").created == 0  # same names, unchanged


def test_names_do_not_depend_on_the_order_of_the_pages(sis, connection, engine_ctx):
    """Two districts given the same people in different orders name them the same."""
    from rostering.models import ImportRecord
    from rostering.naming import name_formats_compile
    from rostering.sync.context import SchoolScope
    from rostering.sync.counts import Counts
    from rostering.sync.issues import IssueCollector
    from rostering.sync.people import PersonWriter
    from sis.records import Role, SisPerson

    people = [
        SisPerson(sourced_id=f"S{n:03d}", role=Role.STUDENT, given_name=given, family_name="Smith",
                  middle_name="", email="", username=f"u{n}", identifier="", user_ids=(),
                  grades=("09",), school_sourced_ids=("994",), enabled=True, status="active",
                  date_last_modified=None)
        for n, given in enumerate(["John", "Jane", "Jim", "Joan", "Jack", "Ann"] * 2)
    ]  # fmt: skip
    results = []
    for order in (people, list(reversed(people)), random.sample(people, len(people))):
        ctx = engine_ctx()
        fmt = name_format_get(connection=ctx.run.connection)
        fmt.student_username = "{first_initial}{last}"
        ctx.names = name_formats_compile(fmt)
        school = SchoolFactory(district=ctx.run.district)
        ctx.scope = SchoolScope(known=frozenset({"994"}), mapped={"994": school.pk})
        rec = ImportRecord.objects.create(run=ctx.run, kind="students")
        writer = PersonWriter(ctx=ctx, role="student", issues_=IssueCollector(rec), counts=Counts())
        for start in range(0, len(order), 4):
            writer.apply_page(order[start : start + 4], [])
        writer.finish()
        results.append(dict(Person.objects.filter(district_id=ctx.district_id)
                            .values_list("sourced_id", "username")))  # fmt: skip
    assert results[0] == results[1] == results[2]
    assert sorted(Counter(results[0].values())) == sorted(
        ["jsmith", "jsmith2", "jsmith3", "jsmith4", "jsmith5", "jsmith6", "jsmith7", "jsmith8",
         "jsmith9", "jsmith10", "asmith", "asmith2"]
    )  # fmt: skip
    assert results[0]["S000"] == "jsmith" and results[0]["S001"] == "jsmith2"


def test_a_template_change_renames_existing_accounts_only_after_approval(connection, manager):
    SyncSettings.objects.filter(connection=connection).update(existing_accounts="update")
    pull(connection)
    before = dict(_students(connection).values_list("sourced_id", "username"))
    pinned = _students(connection).order_by("sourced_id").first()
    field_pin(obj=pinned, field="username", value="keep.me", actor=manager)
    _format(connection, **INITIAL_LAST)
    preview = name_format_preview(connection=connection, fmt=name_format_get(connection=connection))
    # Every student: the pinned one keeps "keep.me" but gets the e-mail built on it.
    assert preview.renames == len(before)

    run = pull(connection)
    students = record(run, "students")
    held = HeldChange.objects.filter(record=students, kind=HeldChange.Kind.RENAME)
    assert held.count() == students.held_updates == preview.renames
    # Nothing renamed meanwhile: at most a content hash rewritten (the pinned account's).
    assert not RosterChange.objects.filter(record=students).exclude(before={}).exists()
    after = dict(_students(connection).values_list("sourced_id", "username"))
    assert after == {**before, pinned.sourced_id: "keep.me"}

    # A newer import holds them again (the discard of one is remembered).
    run = pull(connection)
    students = record(run, "students")
    assert HeldChange.objects.filter(record=students, kind=HeldChange.Kind.RENAME).count() == (
        preview.renames
    )
    held_changes_approve(record=students, actor=manager)
    renamed = {p.sourced_id: p for p in _students(connection)}
    assert renamed[pinned.sourced_id].username == "keep.me"
    assert renamed[pinned.sourced_id].email == "keep.me@students.example.org"
    for sid, person in renamed.items():
        if sid != pinned.sourced_id and _base(person):
            assert in_family(person.username, _base(person), cap=20)
            assert person.email == f"{person.username}@students.example.org"
    shown = {r.sourced_id: r.new_username for r in preview.rows}
    assert all(renamed[sid].username == name for sid, name in shown.items())

    run = pull(connection)  # nothing left to rename: nothing held, nothing written
    assert record(run, "students").held_updates == 0
    assert record(run, "students").updated == 0


def test_a_discarded_rename_is_not_held_again(connection):
    SyncSettings.objects.filter(connection=connection).update(existing_accounts="update")
    pull(connection)
    _format(connection, student_username="{last}.{first}")
    students = record(pull(connection), "students")
    count = students.held_updates
    held_changes_discard(record=students, actor=None)
    students = record(pull(connection), "students")
    assert students.held_updates == 0
    assert students.skipped_reasons["discarded_before"] == count

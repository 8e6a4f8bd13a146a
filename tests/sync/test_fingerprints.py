"""Rows a full pull passes over (rostering/sync/fingerprints.py): a row the SIS sends
exactly as it was stored is recognised by its bytes' fingerprint and not converted, and
every outcome (counts, issues, writes) is what converting every row gives."""

import pytest

from rostering.models import Enrollment, Guardian, ImportIssue, Person, Section, SyncSettings
from sis import oneroster_split
from tests.sync.conftest import connect
from tests.sync.helpers import pull, pull_capturing, record, roster_writes

pytestmark = pytest.mark.django_db
KINDS = ("staff", "students", "classes", "enrollments")
COUNTS = ("received", "created", "updated", "unchanged", "skipped", "failed", "archived")


@pytest.fixture
def converted(monkeypatch) -> list[int]:
    """How many SIS rows the client converted into records, in total (the general way
    or the typed one)."""
    seen: list[int] = []
    convert = oneroster_split.oneroster_rows_convert
    typed_convert = oneroster_split.typed_convert

    def counting(*, entity, rows: list, digests=None):
        seen.append(len(rows))
        return convert(entity=entity, rows=rows, digests=digests)

    def typed_counting(typed, raw, digest):
        records = typed_convert(typed, raw, digest)
        seen.append(1)
        return records

    monkeypatch.setattr(oneroster_split, "oneroster_rows_convert", counting)
    monkeypatch.setattr(oneroster_split, "typed_convert", typed_counting)
    return seen


@pytest.fixture
def updating(connection):
    SyncSettings.objects.filter(connection=connection).update(
        existing_accounts="update", update_threshold_pct=100
    )
    return connection


def _counts(run) -> dict:
    return {kind: {c: getattr(record(run, kind), c) for c in COUNTS} for kind in KINDS}


def _issues(run) -> list:
    return sorted(
        ImportIssue.objects.filter(record__run=run).values_list("code", "sourced_id", "field")
    )


def test_a_no_change_pull_passes_over_the_stored_rows_and_writes_nothing(connection, converted):
    first = pull(connection)
    assert sum(converted) >= 0.9 * sum(record(first, k).received for k in KINDS)
    for model in (Person, Guardian, Section, Enrollment):
        assert model.objects.exclude(sis_digest="").count() > 0.9 * model.objects.count()

    converted.clear()
    second, queries = pull_capturing(connection)
    assert roster_writes(queries) == []
    assert sum(converted) < 0.05 * sum(record(second, k).received for k in KINDS)
    counts = _counts(second)
    for kind in KINDS:
        stored = _counts(first)[kind]["created"]
        assert counts[kind]["unchanged"] == stored and counts[kind]["created"] == 0
    assert _issues(second) == _issues(first)


def test_changed_rows_are_converted_and_written_with_their_new_fingerprint(sis, updating):
    connection = updating
    pull(connection)
    changed = sis.mutate(12)
    before = dict(Person.objects.values_list("sourced_id", "sis_digest"))
    run = pull(connection)
    assert record(run, "students").updated + record(run, "students").created > 0
    after = dict(Person.objects.values_list("sourced_id", "sis_digest"))
    for sid in changed["renamed"] + changed["grade_changed"]:
        assert after[sid] and after[sid] != before[sid]
    assert record(pull(connection), "students").updated == 0  # and passed over next time


def test_a_new_setting_converts_every_row_once_and_stores_only_fingerprints(connection, converted):
    first = pull(connection)
    SyncSettings.objects.filter(connection=connection).update(update_threshold_pct=37)
    converted.clear()
    run, queries = pull_capturing(connection)
    assert sum(converted) >= 0.9 * sum(record(run, k).received for k in KINDS)
    writes = roster_writes(queries)
    assert writes and all("SET sis_digest" in sql for sql in writes)
    assert {k: v["updated"] for k, v in _counts(run).items()} == dict.fromkeys(KINDS, 0)
    assert _issues(run) == _issues(first)

    converted.clear()
    run, queries = pull_capturing(connection)
    assert roster_writes(queries) == []
    assert sum(converted) < 0.05 * sum(record(run, k).received for k in KINDS)


def test_a_row_rewritten_outside_the_import_is_compared_again(updating):
    connection = updating
    pull(connection)
    person = Person.objects.filter(role="student").order_by("pk").first()
    Person.objects.filter(pk=person.pk).update(given_name="Edited", content_hash="x" * 32)
    run = pull(connection)
    assert record(run, "students").updated == 1
    assert Person.objects.get(pk=person.pk).given_name == person.given_name


def test_repeated_and_dirty_rows_are_reported_on_every_pull(sandbox_sis_factory):
    sis = sandbox_sis_factory(
        students=60, seed=7, behaviours={"dirty_text": True, "duplicate_rows": True}
    )
    connection = connect(sis)
    first = pull(connection)
    second = pull(connection)
    assert ImportIssue.objects.filter(record__run=second, code="duplicate_id").exists()
    assert _issues(second) == _issues(first)
    assert {k: (v["failed"], v["skipped"]) for k, v in _counts(second).items()} == {
        k: (v["failed"], v["skipped"]) for k, v in _counts(first).items()
    }

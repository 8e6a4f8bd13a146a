"""Safeguards (rostering/sync/safeguard.py): unusually large changes are held."""

import pytest

from rostering.models import HeldChange, ImportRecord, Person, RosterStatus
from rostering.sync.counts import Counts
from rostering.sync.people_rows import PERSON
from rostering.sync.safeguard import MIN_HELD_CHANGES, Safeguard, limit_exceeded
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("count", "active", "pct", "held"),
    [
        (0, 100, 10, False),  # nothing to do
        (10, 100, 10, False),  # exactly the limit
        (11, 100, 10, True),  # over it
        (MIN_HELD_CHANGES, 20, 10, False),  # tiny changes never hold
        (MIN_HELD_CHANGES + 1, 20, 10, True),
        (6, 6, 100, True),  # everything archived always holds (an empty feed)...
        (5, 5, 100, False),  # ...unless the district is tiny
        (40, 100, 50, False),
    ],
)
def test_limit_exceeded(count, active, pct, held):
    assert limit_exceeded(count=count, active=active, pct=pct) is held


def _people(ctx, n: int, **fields) -> list[Person]:
    before = ctx.now.replace(year=ctx.now.year - 1)
    return [
        PersonFactory(
            district_id=ctx.district_id,
            connection_id=ctx.connection_id,
            created_at=before,
            **fields,
        )
        for _ in range(n)
    ]


def _safeguard(ctx, counts: Counts) -> Safeguard:
    record = ImportRecord.objects.create(run=ctx.run, kind="students")
    return Safeguard(ctx=ctx, spec=PERSON, role="student", counts=counts, record=record)


def test_a_small_archive_is_applied(engine_ctx):
    ctx = engine_ctx(archive_threshold_pct=10)
    people, counts = _people(ctx, 60), Counts()
    _safeguard(ctx, counts).archive_missing(keep={p.sourced_id for p in people[1:]})
    assert (counts.archived, counts.held_archives) == (1, 0)
    archived = Person.objects.get(status=RosterStatus.ARCHIVED)
    assert archived.pk == people[0].pk and archived.archive_reason == "No longer in the SIS roster"


def test_a_large_archive_is_held_and_nothing_is_archived(engine_ctx):
    ctx = engine_ctx(archive_threshold_pct=10)
    people, counts = _people(ctx, 60), Counts()
    _safeguard(ctx, counts).archive_missing(keep={p.sourced_id for p in people[10:]})
    assert (counts.archived, counts.held_archives) == (0, 10)
    assert not Person.objects.filter(status=RosterStatus.ARCHIVED).exists()
    held = HeldChange.objects.filter(kind=HeldChange.Kind.ARCHIVE)
    assert sorted(held.values_list("sourced_id", flat=True)) == sorted(
        p.sourced_id for p in people[:10]
    )


def test_an_empty_feed_never_archives_a_district(engine_ctx):
    ctx = engine_ctx(archive_threshold_pct=100)
    _people(ctx, 8)
    counts = Counts()
    _safeguard(ctx, counts).archive_missing(keep=set())
    assert (counts.archived, counts.held_archives) == (0, 8)


def test_people_this_run_created_do_not_count_as_active(engine_ctx):
    ctx = engine_ctx(archive_threshold_pct=10)
    _people(ctx, 10)
    PersonFactory.create_batch(50, district_id=ctx.district_id, connection_id=ctx.connection_id,
                               created_at=ctx.now)  # fmt: skip
    assert _safeguard(ctx, Counts()).active == 10


def test_updates_over_the_limit_are_held_and_under_it_applied(engine_ctx):
    ctx = engine_ctx(update_threshold_pct=50)
    people = _people(ctx, 20)
    rows = []
    for person in people:  # full person rows, as the writer stages them
        row = [None] * len(PERSON.columns)
        row[PERSON.index("sourced_id")] = person.sourced_id
        rows.append(row)
    applied: list = []

    counts = Counts()
    safeguard = _safeguard(ctx, counts)
    safeguard.stage_updates(rows[:8], {})
    safeguard.finish_updates(apply=lambda rows, links: applied.extend(rows))
    assert (counts.updated, counts.held_updates, len(applied)) == (8, 0, 8)

    counts = Counts()
    record = ImportRecord.objects.create(run=ctx.run, kind="staff")
    safeguard = Safeguard(ctx=ctx, spec=PERSON, role="student", counts=counts, record=record)
    safeguard.stage_updates(rows[:8], {})
    safeguard.stage_updates(rows[8:12], {})  # 12 of 20 active: over 50%
    safeguard.stage_updates(rows[12:], {})  # held as they come once the limit fired
    safeguard.finish_updates(apply=lambda rows, links: applied.extend(rows))
    assert (counts.updated, counts.held_updates, len(applied)) == (0, 20, 8)
    held = HeldChange.objects.filter(kind=HeldChange.Kind.UPDATE, record=safeguard.record)
    assert held.count() == 20 and held.first().payload["row"]["sourced_id"] == people[0].sourced_id

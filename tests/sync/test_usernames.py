"""Usernames: taken ones (in the database, or earlier in the run) get a deterministic
alternative; the district's names are read once per run, not once per page."""

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from rostering.sync.context import RunContext
from rostering.sync.people_links import USERNAME, usernames_resolve
from tests.factories import DistrictFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _ctx(district) -> RunContext:
    ctx = RunContext.__new__(RunContext)  # only what usernames_resolve reads
    ctx.run = type("Run", (), {"district_id": district.pk})()
    ctx.username_owners = None
    return ctx


def _row(sourced_id: str, username: str) -> list:
    row = [None] * 23
    row[2], row[USERNAME] = sourced_id, username
    return row


def test_names_taken_in_the_database_or_on_an_earlier_page_get_alternatives():
    district = DistrictFactory()
    PersonFactory(district=district, sourced_id="old", username="jsmith")
    ctx = _ctx(district)
    first = [_row("s1", "jsmith"), _row("s2", "akim")]
    second = [_row("s3", "akim"), _row("s2", "akim")]
    with CaptureQueriesContext(db) as queries:
        taken = list(usernames_resolve(ctx=ctx, rows=first))
        taken += list(usernames_resolve(ctx=ctx, rows=second))
    assert [(row[2], alt, owner) for row, alt, owner in taken] == [
        ("s1", "jsmith.s1", "old"),
        ("s3", "akim.s3", "s2"),  # s2 took it on the first page; s2 keeps it
    ]
    assert len(queries) == 1  # the names were read once

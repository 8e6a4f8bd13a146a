"""A sourcedId that appears twice in one feed: the first row lands, the second is an issue."""

import contextlib
from datetime import UTC, datetime

import pytest

from rostering.models import Enrollment, ImportIssue, Person, School, SisSchool
from rostering.sync import runs
from sis.records import Entity, Role, SisClass, SisEnrollment, SisPage, SisPerson
from tests.factories import ConnectionFactory
from tests.sync.helpers import pull

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, tzinfo=UTC)


def _student(sid: str, given: str) -> SisPerson:
    return SisPerson(sid, Role.STUDENT, given, "Ruiz", "", f"s{sid}@x.org", f"s{sid}", sid,
                     (), ("05",), ("990",), True, "active", NOW)  # fmt: skip


def _enrollment(sid: str, user: str) -> SisEnrollment:
    return SisEnrollment(sid, "990_1", user, "990", "student", False, None, None, "active", NOW)


FEED = {
    Entity.STUDENTS: [_student("1", "Ana"), _student("2", "Ben"), _student("1", "Ana again")],
    Entity.CLASSES: [
        SisClass(
            "990_1",
            "Math 5",
            "M5",
            "scheduled",
            "990",
            None,
            (),
            ("05",),
            (),
            ("1",),
            "",
            "active",
            NOW,
        ),
    ],
    Entity.ENROLLMENTS: [
        _enrollment("e1", "1"),
        _enrollment("e2", "2"),
        _enrollment("e1", "1"),
    ],
}


class FakeClient:
    supports_delta = True

    def iter_pages(self, entity, *, since=None):
        records = FEED.get(entity, [])
        yield SisPage(entity, list(records), [], total=len(records))


@pytest.fixture
def connection(monkeypatch, district):
    connection = ConnectionFactory(district=district)
    school = School.objects.create(district=district, name="Lincoln")
    SisSchool.objects.create(connection=connection, sourced_id="990", name="Lincoln Elementary",
                             school=school, mapping_method="manual", last_seen_at=NOW)  # fmt: skip
    monkeypatch.setattr(runs, "_refresh_schools", lambda connection, actor, client: None)
    monkeypatch.setattr(
        runs, "connection_client", lambda connection: contextlib.nullcontext(FakeClient())
    )
    return connection


def test_repeated_sourced_ids_land_once_and_are_reported(connection):
    run = pull(connection)
    assert Person.objects.get(sourced_id="1").given_name == "Ana"  # the first row wins
    assert Person.objects.filter(role="student").count() == 2
    assert Enrollment.objects.count() == 2
    duplicates = ImportIssue.objects.filter(record__run=run, code="duplicate_id")
    assert sorted(duplicates.values_list("record__kind", "sourced_id")) == [
        ("enrollments", "e1"),
        ("students", "1"),
    ]

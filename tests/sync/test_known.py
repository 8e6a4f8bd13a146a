"""What a table already holds, in memory (rostering/sync/known.py)."""

import pytest

from rostering.models import RosterStatus
from rostering.sync.known import KnownRows, UnknownRows, known_rows
from tests.factories import CourseFactory, DistrictFactory

pytestmark = pytest.mark.django_db


def test_known_rows_tell_unchanged_changed_archived_and_new():
    district = DistrictFactory()
    CourseFactory(district=district, sourced_id="same", content_hash="h1")
    CourseFactory(district=district, sourced_id="archived", content_hash="h2",
                  status=RosterStatus.ARCHIVED)  # fmt: skip
    CourseFactory(sourced_id="other-district", content_hash="h3")
    known = KnownRows(
        table="rostering_course", district_id=district.pk, key_columns=("sourced_id",)
    )
    assert known.unchanged(("same",), "h1")
    assert not known.unchanged(("same",), "changed")
    assert not known.unchanged(("archived",), "h2")  # archived rows are restored, not unchanged
    assert not known.is_new(("archived",)) and not known.is_new(("same",))
    assert known.is_new(("other-district",)) and known.is_new(("never-seen",))


def test_delta_runs_assume_every_row_may_exist():
    unknown = known_rows(full=False, table="rostering_course", district_id=1,
                         key_columns=("sourced_id",))  # fmt: skip
    assert isinstance(unknown, UnknownRows)
    assert not unknown.unchanged(("x",), "h") and not unknown.is_new(("x",))


def test_composite_keys_are_told_apart():
    from tests.factories import GuardianFactory

    guardian = GuardianFactory(sourced_id="CNT_1", content_hash="g")
    known = KnownRows(table="rostering_guardian", district_id=guardian.district_id,
                      key_columns=("sourced_id", "student_id"))  # fmt: skip
    assert known.unchanged(("CNT_1", guardian.student_id), "g")
    assert known.is_new(("CNT_1", guardian.student_id + 1))

"""The rollover pages of a district: preview, confirm, the archive's page, undo, pause."""

import datetime

import pytest
from django.urls import reverse

from rostering.models import SchedulePause, Section, SyncSettings, YearArchive
from tests.factories import DistrictFactory, MembershipFactory
from tests.sync.helpers import pull

pytestmark = pytest.mark.django_db


@pytest.fixture
def pulled(connection):
    pull(connection)
    SyncSettings.objects.filter(connection=connection).update(daily_import=True)
    return connection


def _member(district, role: str):
    return MembershipFactory(district=district, role=role).user


def test_a_manager_previews_per_school_and_a_reviewer_may_not(client, pulled):
    district = pulled.district
    url = reverse("admin:rostering_district_rollover", args=[district.pk])
    client.force_login(_member(district, "manager"))
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and 'value="2026-2027"' in html
    for school in Section.objects.values_list("school__name", flat=True).distinct():
        assert school in html
    client.force_login(_member(district, "reviewer"))
    assert client.get(url).status_code == 403
    client.force_login(_member(DistrictFactory(), "manager"))
    assert client.get(url).status_code == 404


def test_confirm_by_name_then_undo_and_pause_on_the_archive_page(client, pulled):
    district = pulled.district
    client.force_login(_member(district, "manager"))
    url = reverse("admin:rostering_district_rollover", args=[district.pk])
    wrong = client.post(url, {"label": "2026-2027", "confirm": "yes", "archive": "1"})
    assert wrong.status_code == 200 and "Type the district" in wrong.content.decode()
    assert not YearArchive.objects.exists()

    done = client.post(url, {"label": "2026-2027", "people": ["students"],
                             "confirm": district.name, "archive": "1"})  # fmt: skip
    archive = YearArchive.objects.get()
    assert done.url == reverse("admin:rostering_district_year_archive",
                               args=[district.pk, archive.pk])  # fmt: skip
    assert archive.people_roles == ["student"] and archive.counts["people"] > 0
    page = client.get(done.url).content.decode()
    assert "Undo the 2026-2027 archive" in page and "Pause daily imports" in page

    pause_url = reverse("admin:rostering_district_year_archive_pause",
                        args=[district.pk, archive.pk])  # fmt: skip
    client.post(pause_url, {"until": "2027-08-01", "reason": "Summer rollover"})
    pause = SchedulePause.objects.get(connection=pulled)
    assert pause.end_date == datetime.date(2027, 8, 1) and pause.reason == "Summer rollover"

    undo_url = reverse("admin:rostering_district_year_archive_undo",
                       args=[district.pk, archive.pk])  # fmt: skip
    client.post(undo_url)
    archive.refresh_from_db()
    assert archive.status == YearArchive.Status.UNDONE
    assert "undone" in client.get(done.url).content.decode()


def test_archived_classes_are_listed_by_school_year(client, pulled):
    district = pulled.district
    client.force_login(_member(district, "manager"))
    url = reverse("admin:rostering_district_rollover", args=[district.pk])
    client.post(url, {"label": "2026-2027", "confirm": district.name, "archive": "1"})
    archive = YearArchive.objects.get()
    sections = reverse("admin:rostering_section_changelist")
    archived = client.get(sections, {"year": archive.pk})
    current = client.get(sections, {"year": "current"})
    assert archived.context["cl"].result_count == archive.counts["sections"]
    assert current.context["cl"].result_count == 0
    assert "2026-2027 (archived)" in archived.content.decode()

"""The console's frame: a home page that starts from sync health, a menu in the order of
the path with internal pages hidden from managers and reviewers, the district's local
time on every page (the zone named once), and a next import that skips pause periods."""

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from rostering.admin.site import INTERNAL
from rostering.models import HeldChange, Membership, RunStatus, SyncSettings
from rostering.scheduling import connection_next_import, connection_schedule_sync
from tests.factories import (
    ConnectionFactory,
    DistrictFactory,
    ImportRecordFactory,
    MembershipFactory,
    SchedulePauseFactory,
    SyncRunFactory,
)

pytestmark = pytest.mark.django_db
HOME = "admin:index"


def menu(response) -> list[tuple[str, list[str]]]:
    return [
        (app["name"], [m["name"] for m in app["models"]]) for app in response.context["app_list"]
    ]


@pytest.mark.parametrize("role", [Membership.Role.MANAGER, Membership.Role.REVIEWER])
def test_the_menu_follows_the_path_and_hides_internal_pages(client, district, role):
    client.force_login(MembershipFactory(district=district, role=role).user)
    sections = menu(client.get(reverse(HOME)))
    assert [name for name, _ in sections][:4] == [
        "Connections", "Import results", "People and classes", "Audit trail",
    ]  # fmt: skip
    shown = {model for _, models in sections for model in models}
    for hidden in ("SIS schools", "Memberships", "Academic sessions", "Descriptions",
                   "Import runs", "Pause periods", "Row changes"):  # fmt: skip
        assert hidden not in shown
    assert {"Connections", "Import results", "People", "Parent contacts", "Classes"} <= shown
    app_page = client.get(reverse("admin:app_list", args=["rostering"]))
    labels = {m["model"]._meta.label_lower for app in app_page.context["app_list"]
              for m in app["models"]}  # fmt: skip
    assert not labels & INTERNAL


def test_support_sees_every_page(client, superuser):
    client.force_login(superuser)
    shown = {model for _, models in menu(client.get(reverse(HOME))) for model in models}
    assert {"SIS schools", "Memberships", "Import runs", "Descriptions", "Row changes"} <= shown


def test_a_managers_home_starts_from_their_connections(client, manager, district):
    connection = ConnectionFactory(district=district, name="Aeries OneRoster")
    SyncSettings.objects.create(connection=connection, daily_import=True)
    connection_schedule_sync(connection=connection)
    record = ImportRecordFactory(run__connection=connection, run__status="completed_with_error")
    HeldChange.objects.create(record=record, kind="archive", table="person", sourced_id="1")
    ConnectionFactory(district=DistrictFactory(name="Elsewhere"), name="Not mine")
    client.force_login(manager)
    html = client.get(reverse(HOME)).content.decode()
    health = html[html.index('id="sync-health"') : html.index('<div class="home-menu">')]
    assert "Aeries OneRoster" in health and "Not mine" not in health
    assert "Completed with ERROR" in health
    assert reverse("admin:rostering_syncrun_held", args=[record.run_id]) in health
    assert "1 waiting" in health
    assert reverse("admin:connections_connection_pull", args=[connection.pk]) in health
    assert re.search(r"\w{3} \w{3} \d+, 19:00", health)  # the next import, local time


def test_a_reviewer_gets_no_pull_button(client, reviewer, district):
    ConnectionFactory(district=district)
    client.force_login(reviewer)
    html = client.get(reverse(HOME)).content.decode()
    assert 'id="sync-health"' in html and "/pull/" not in html


def test_support_home_lists_every_district_and_who_needs_help(client, superuser):
    failing = ConnectionFactory(district=DistrictFactory(name="Birch USD"))
    SyncRunFactory(connection=failing, status=RunStatus.ERROR)
    fine = ConnectionFactory(district=DistrictFactory(name="Alder USD"))
    SyncRunFactory(connection=fine, status=RunStatus.COMPLETED, finished_at=timezone.now())
    client.force_login(superuser)
    page = client.get(reverse(HOME))
    by_name = {d.district.name: d for d in page.context["health_districts"]}
    assert by_name["Birch USD"].failing == 1 and by_name["Birch USD"].needs_help
    assert by_name["Alder USD"].last_success_at is not None and not by_name["Alder USD"].needs_help
    html = page.content.decode()
    assert 'id="fleet-table"' in html and html.count('class="needs-help"') == 1


def test_times_are_the_districts_local_time_named_once(client, manager, district):
    district.timezone = "America/Los_Angeles"
    district.save()
    run = SyncRunFactory(connection=ConnectionFactory(district=district), status="completed")
    run.created_at = datetime.datetime(2026, 9, 1, 2, 30, tzinfo=datetime.UTC)
    SyncRunFactory._meta.model.objects.filter(pk=run.pk).update(created_at=run.created_at)
    client.force_login(manager)
    html = client.get(reverse("admin:rostering_syncrun_change", args=[run.pk])).content.decode()
    assert "Mon Aug 31, 2026, 19:30" in html  # 02:30 UTC is 19:30 the day before in LA
    assert html.count("America/Los_Angeles") == 1 and "Times in America/Los_Angeles" in html


def test_support_reads_an_objects_page_in_its_districts_zone(client, superuser):
    DistrictFactory(name="Eastern", timezone="America/New_York")  # two zones: lists in UTC
    west = DistrictFactory(name="Western", timezone="America/Los_Angeles")
    run = SyncRunFactory(connection=ConnectionFactory(district=west))
    client.force_login(superuser)
    assert "Times in UTC" in client.get(reverse(HOME)).content.decode()
    page = client.get(reverse("admin:rostering_syncrun_change", args=[run.pk]))
    assert "Times in America/Los_Angeles" in page.content.decode()


def test_next_import_skips_pause_periods(district):
    connection = ConnectionFactory(district=district)  # America/Chicago
    SchedulePauseFactory(
        connection=connection,
        start_date=datetime.date(2026, 6, 15),
        end_date=datetime.date(2026, 8, 15),
        reason="Summer break",
    )
    scheduled = datetime.datetime(2026, 6, 20, 19, 0, tzinfo=zoneinfo.ZoneInfo("America/Chicago"))
    nxt = connection_next_import(connection=connection, scheduled=scheduled)
    local = nxt.at.astimezone(zoneinfo.ZoneInfo("America/Chicago"))
    assert (local.date(), local.hour) == (datetime.date(2026, 8, 16), 19)
    assert [p.reason for p in nxt.skipped] == ["Summer break"]
    before = scheduled.replace(month=6, day=1)
    assert connection_next_import(connection=connection, scheduled=before).at == before


def test_the_connection_page_names_the_pause_its_next_import_waits_for(client, manager, district):
    connection = ConnectionFactory(district=district)
    SyncSettings.objects.create(connection=connection, daily_import=True)
    connection_schedule_sync(connection=connection)
    today = timezone.localdate()
    SchedulePauseFactory(
        connection=connection,
        start_date=today - datetime.timedelta(days=1),
        end_date=today + datetime.timedelta(days=10),
        reason="Winter break",
    )
    client.force_login(manager)
    html = client.get(reverse("admin:connections_connection_changelist")).content.decode()
    resume = today + datetime.timedelta(days=11)
    assert f"{resume:%a %b} {resume.day}, 19:00" in html and "Winter break" in html


def test_odd_words_are_gone(client, reviewer, district):
    from rostering.admin.issues import csv_filename
    from rostering.admin.runs import STARTING, WAITING_FOR_WORKER, stage_words
    from rostering.times import duration_label

    assert duration_label(0) == "under a second" and duration_label(65) == "1 min 05 s"
    assert stage_words(SyncRunFactory.build(status=RunStatus.QUEUED)) == WAITING_FOR_WORKER
    assert stage_words(SyncRunFactory.build(status=RunStatus.RUNNING, stage="")) == STARTING
    assert re.fullmatch(r"import-descriptions-\d{4}-\d\d-\d\d_\d\dh\d\d\.csv", csv_filename())
    client.force_login(reviewer)
    html = client.get(reverse("admin:audit_auditevent_changelist")).content.decode()
    assert re.search(r"\d+ audit events?\b", html) and not re.search(r"\d+ audit trail", html)


def test_sync_settings_read_as_their_connection(client, manager, district):
    """No "Sync settings: Sync settings of …" on the delete page, nor in the history."""
    connection = ConnectionFactory(district=district, name="Main Aeries")
    settings = SyncSettings.objects.create(connection=connection)
    assert str(settings) == str(connection)
    client.force_login(manager)
    page = client.get(reverse("admin:connections_connection_delete", args=[connection.pk]))
    assert "Sync settings of" not in page.content.decode()


def test_the_rollover_warning_counts_held_changes_in_words():
    from rostering.rollover_preview import WARN_HELD

    assert "change(s)" not in WARN_HELD
    assert WARN_HELD.format(count=1, changes="change").startswith("1 held change of")


def test_support_reads_the_age_of_the_last_success_in_words(client, superuser):
    run = SyncRunFactory(status=RunStatus.COMPLETED, finished_at=timezone.now())
    client.force_login(superuser)
    html = client.get(reverse(HOME)).content.decode()
    assert run.connection.district.name in html and "1 min ago" in html
    assert "0\xa0minutes ago" not in html and "0 minutes ago" not in html

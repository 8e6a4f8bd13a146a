"""The school year an import reads (rostering/school_year.py) against the sandbox's
school-year databases: explicit on every native read, and held when the SIS moves on."""

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent
from connections.models import Connection
from rostering.models import ConnectionYear, RunStatus, Section, SyncRun, SyncSettings
from rostering.rollover import year_archive_run, year_archive_undo
from rostering.scheduling import connection_scheduled_import
from rostering.school_year import NothingToAccept, connection_year_accept
from tests.scheduling.conftest import q_sync  # noqa: F401 (fixture)
from tests.sync.conftest import connect
from tests.sync.helpers import pull

pytestmark = pytest.mark.django_db
NATIVE = Connection.Kind.AERIES_API
RECIPIENT = "roster-admin@district.example"


@pytest.fixture
def native(sandbox_sis_factory):
    sis = sandbox_sis_factory(students=60, seed=7)
    return sis, connect(sis, kind=NATIVE, daily_import=True, notify_emails=RECIPIENT)


def _scheduled(connection, django_capture_on_commit_callbacks) -> SyncRun:
    """What the daily Schedule does, its queued run taken by a (sync-mode) worker."""
    with django_capture_on_commit_callbacks(execute=True):
        run = connection_scheduled_import(connection=connection, now=timezone.now())
    run.refresh_from_db()
    return run


def _year(connection) -> ConnectionYear:
    return ConnectionYear.objects.get(connection=connection)


def test_a_native_import_names_its_school_year_on_every_read(native):
    sis, connection = native
    before = sis.info()["database_years"]["served"]  # setting up read the school list
    run = pull(connection)
    assert run.status in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR)
    assert run.school_year == "2026-2027"
    state = _year(connection)
    assert (state.imported, state.sis_current, state.available) == (
        "2026-2027", "2026-2027", ["2026-2027"],
    )  # fmt: skip
    served = sis.info()["database_years"]["served"]
    assert served["default"] == before["default"]  # no read of the import left it unnamed
    assert served["2026-2027"] > 10


@pytest.mark.usefixtures("q_sync")
def test_a_year_change_holds_the_scheduled_import_until_a_manager_accepts_it(
    native, django_capture_on_commit_callbacks, manager
):
    sis, connection = native
    pull(connection)
    sections = set(Section.objects.values_list("pk", "title"))
    sis.rollover()  # Aeries' current year is now 2027-2028
    mail.outbox.clear()

    held = _scheduled(connection, django_capture_on_commit_callbacks)
    assert held.status == RunStatus.HELD and not held.records.exists()
    assert "now says the current school year is 2027-2028" in held.message
    assert "end-of-year rollover" in held.message and held.school_year == ""
    assert set(Section.objects.values_list("pk", "title")) == sections  # nothing imported
    assert len(mail.outbox) == 1 and "Held" in mail.outbox[0].subject
    state = _year(connection)
    assert state.change_waiting and state.sis_current == "2027-2028"

    again = _scheduled(connection, django_capture_on_commit_callbacks)
    assert again.status == RunStatus.HELD and len(mail.outbox) == 1  # told once
    assert pull(connection).status == RunStatus.HELD  # a Pull waits too

    connection_year_accept(connection=connection, actor=manager)
    event = AuditEvent.objects.get(action=AuditEvent.Action.YEAR_ACCEPT)
    assert event.changes == {"school year": ["2026-2027", "2027-2028"]} and event.actor == manager
    taken = _scheduled(connection, django_capture_on_commit_callbacks)
    assert taken.status in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR)
    assert taken.school_year == "2027-2028" and not _year(connection).change_waiting
    with pytest.raises(NothingToAccept):
        connection_year_accept(connection=connection, actor=manager)


def test_after_the_rollover_the_next_import_takes_the_new_year(native, manager):
    sis, connection = native
    pull(connection)
    sis.rollover()
    assert pull(connection).status == RunStatus.HELD
    district = connection.district
    archive = year_archive_run(district=district, actor=manager, confirm=district.name)
    assert not _year(connection).change_waiting

    run = pull(connection)
    assert run.status in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR)
    assert run.school_year == "2027-2028"
    event = AuditEvent.objects.get(action=AuditEvent.Action.YEAR_ACCEPT)
    assert f"after the end-of-year rollover of 2026-2027 (import #{run.pk})" in event.message
    assert Section.objects.filter(year_archive=archive).exists()  # last year set aside


def test_a_rollover_before_aeries_rolled_over_waits_for_the_new_year(native, manager):
    sis, connection = native
    pull(connection)
    district = connection.district
    archive = year_archive_run(district=district, actor=manager, confirm=district.name)
    held = pull(connection)  # Aeries still serves the archived year
    assert held.status == RunStatus.HELD
    assert "still says the current school year is 2026-2027" in held.message

    year_archive_undo(archive=archive, actor=manager)  # the undo puts the year back
    assert _year(connection).imported == "2026-2027"
    assert pull(connection).status != RunStatus.HELD

    year_archive_run(district=district, actor=manager, confirm=district.name)
    sis.rollover()
    assert pull(connection).school_year == "2027-2028"


@pytest.mark.usefixtures("q_sync")
def test_a_oneroster_connection_holds_when_its_school_year_session_changes(
    sandbox_sis_factory, django_capture_on_commit_callbacks
):
    sis = sandbox_sis_factory(students=60, seed=7)
    connection = connect(sis, daily_import=True)
    assert pull(connection).school_year == "2026-2027"
    assert _year(connection).source == "academicSessions"
    sis.rollover()
    held = _scheduled(connection, django_capture_on_commit_callbacks)
    assert held.status == RunStatus.HELD
    assert "The SIS now says the current school year is 2027-2028" in held.message


def test_a_oneroster_server_that_names_no_school_year_imports_with_a_note(sandbox_sis_factory):
    sis = sandbox_sis_factory(students=60, seed=7)
    connection = connect(sis)
    sis.set_permission("terms", False)  # academicSessions answers 403
    SyncSettings.objects.filter(connection=connection).update(sync_students=True)
    run = pull(connection)
    assert run.status != RunStatus.HELD and run.school_year == ""
    assert "did not say which school year it serves (reading it failed" in run.message


def test_the_connection_page_shows_the_year_and_the_manager_s_two_ways_on(client, native):
    from django.urls import reverse

    from tests.factories import MembershipFactory

    sis, connection = native
    first = pull(connection)
    page_url = reverse("admin:connections_connection_change", args=[connection.pk])
    accept_url = reverse("admin:connections_connection_year_accept", args=[connection.pk])
    reviewer = MembershipFactory(district=connection.district, role="reviewer").user
    client.force_login(reviewer)
    page = client.get(page_url).content.decode()
    assert "Imports read <strong>2026-2027</strong>" in page and "school-year-held" not in page
    run_page = client.get(reverse("admin:rostering_syncrun_change", args=[first.pk]))
    assert "2026-2027" in run_page.content.decode()

    sis.rollover()
    held = pull(connection)
    page = client.get(page_url).content.decode()
    assert 'id="school-year-held"' in page and "A manager of the district chooses" in page
    assert client.post(accept_url).status_code == 403
    home = client.get(reverse("admin:index")).content.decode()
    assert "The school year changed: choose the rollover or the new year" in home
    held_page = client.get(reverse("admin:rostering_syncrun_change", args=[held.pk]))
    assert "Not read: held" in held_page.content.decode()

    client.force_login(MembershipFactory(district=connection.district, role="manager").user)
    page = client.get(page_url).content.decode()
    assert "Accept 2027-2028" in page and "End-of-year rollover" in page
    response = client.post(accept_url, follow=True)
    assert "imports now read school year 2027-2028" in response.content.decode()
    assert ConnectionYear.objects.get(connection=connection).imported == "2027-2028"


def test_the_pull_command_says_an_import_is_held_and_exits_4(native):
    import io

    from django.core.management import call_command

    sis, connection = native
    pull(connection)
    sis.rollover()
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("pull", str(connection.pk), stdout=out)
    assert exit_code.value.code == 4
    assert "Held: Aeries now says the current school year is 2027-2028" in out.getvalue()


def test_the_rollover_names_the_year_the_imports_read(native):
    import datetime

    from rostering.rollover_preview import year_label_default

    sis, connection = native
    late = datetime.date(2028, 9, 1)  # the calendar alone would say 2028-2029
    pull(connection)  # the native API has no school-year session: the year is Aeries'
    assert year_label_default(district=connection.district, today=late) == "2026-2027"
    sis.rollover()
    pull(connection)  # held: the year that ends is still the one imports read
    assert year_label_default(district=connection.district, today=late) == "2026-2027"

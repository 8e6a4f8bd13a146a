"""Test connection against the sandbox SIS: verdict stored, shown, audited; command exit codes."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from audit.models import AuditEvent
from connections.connection_test import connection_test
from rostering.models import Membership
from sandbox.testing import sandbox_sis, sandbox_sis_factory  # noqa: F401 (fixtures)
from tests.factories import ConnectionFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sandbox_urls_allowed(settings):
    settings.ALLOW_INSECURE_SIS_URLS = True


@pytest.fixture
def sis_connection(district, sandbox_sis):  # noqa: F811
    return ConnectionFactory(
        district=district,
        base_url=sandbox_sis.base_url,
        client_id=sandbox_sis.client_id,
        client_secret=sandbox_sis.client_secret,
    )


def test_healthy_connection_is_stored_and_audited(sis_connection):
    report = connection_test(connection=sis_connection, actor=None)
    assert report.healthy, report.message
    sis_connection.refresh_from_db()
    assert sis_connection.last_test_ok is True and sis_connection.last_test_at
    assert "✓ students: OK" in sis_connection.last_test_message
    event = AuditEvent.objects.get(action=AuditEvent.Action.TEST)
    assert event.message.startswith("Healthy") and event.district_id == sis_connection.district_id


def test_missing_permission_names_the_aeries_permission(sis_connection, sandbox_sis):  # noqa: F811
    sandbox_sis.set_permission("master_schedule", False)
    report = connection_test(connection=sis_connection, actor=None)
    assert not report.healthy
    text = sis_connection.last_test_message
    assert "✗ classes" in text and "Master Schedule" in text
    assert "✓ students: OK" in text


def test_wrong_secret_says_which_screen_to_copy_from(sis_connection):
    sis_connection.client_secret = "wrong-secret"
    sis_connection.save()
    report = connection_test(connection=sis_connection, actor=None)
    assert not report.healthy
    assert "Display Consumer ID & Secret Keys" in report.fix
    assert "wrong-secret" not in sis_connection.last_test_message


def _command(ref: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("test_connection", ref, stdout=out)
        return 0, out.getvalue()
    except SystemExit as exc:
        return exc.code, out.getvalue()


def test_command_exit_codes(sis_connection):
    assert _command(str(sis_connection.pk))[0] == 0
    sis_connection.client_secret = "nope"
    sis_connection.save()
    code, out = _command(sis_connection.name)
    assert code == 1 and "Consumer ID" in out


def test_button_for_managers_only(client, manager, reviewer, sis_connection, other_district):
    url = reverse("admin:connections_connection_test", args=[sis_connection.pk])
    client.force_login(reviewer)
    assert client.post(url).status_code == 403
    client.force_login(manager)
    assert client.get(url).status_code == 405  # POST only
    response = client.post(url, follow=True)
    assert "connection healthy" in response.content.decode()
    page = client.get(reverse("admin:connections_connection_change", args=[sis_connection.pk]))
    assert "Test connection" in page.content.decode() and "✓ students: OK" in page.content.decode()
    outsider = MembershipFactory(district=other_district, role=Membership.Role.MANAGER).user
    client.force_login(outsider)
    assert client.post(url).status_code == 404


def test_list_action_and_status_column(client, manager, sis_connection):
    client.force_login(manager)
    changelist = reverse("admin:connections_connection_changelist")
    client.post(changelist, {"action": "test_connections", "_selected_action": [sis_connection.pk]})
    assert "Healthy" in client.get(changelist).content.decode()


def _settings(connection, **fields):
    from rostering.models import SyncSettings

    SyncSettings.objects.update_or_create(connection=connection, defaults=fields)
    connection.refresh_from_db()


def test_a_collection_the_settings_do_not_import_is_a_warning(sis_connection, sandbox_sis):  # noqa: F811
    # Without Staff Data, /users cannot be read: staff, administrators and parent contacts.
    sandbox_sis.set_permission("staff_data", False)
    _settings(sis_connection, sync_students=True, sync_teachers=True, guardians="off")

    report = connection_test(connection=sis_connection, actor=None)

    assert report.healthy, report.message
    text = sis_connection.last_test_message
    assert "! contacts:" in text and "(not imported by this connection's settings)" in text
    assert "! staff:" in text and "✓ students: OK" in text
    assert "contacts" in report.message and "not imported either" in report.message


def test_the_same_collection_fails_when_the_settings_import_it(sis_connection, sandbox_sis):  # noqa: F811
    sandbox_sis.set_permission("staff_data", False)
    _settings(sis_connection, sync_students=True, guardians="all")

    report = connection_test(connection=sis_connection, actor=None)

    assert not report.healthy
    assert "✗ contacts:" in sis_connection.last_test_message


def test_every_school_code_is_checked_and_the_unknown_ones_named(sis_connection):
    sis_connection.school_codes = "9999,994,8888"
    sis_connection.save()

    report = connection_test(connection=sis_connection, actor=None)

    assert not report.healthy
    assert "School codes 9999, 8888 are not in this Aeries" in report.message
    assert "✓ students: OK" in sis_connection.last_test_message  # read on school 994

"""The connection page's actions: Preview changes (nothing written, who would change by
name), Pull changes only, Retire / Enable, deleting a test connection with its history,
the duplicate-connection warning and the single sign-on note."""

import socket

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from audit.models import AuditEvent
from connections.models import Connection
from rostering.admin.connection_actions import RETIRED
from rostering.health import DUPLICATE_WARNING, connection_duplicates
from rostering.models import Person, RosterChange, SyncRun
from sandbox.testing import sandbox_sis_factory  # noqa: F401 (fixture)
from tests.factories import ConnectionFactory, SyncRunFactory
from tests.sync.conftest import connect
from tests.sync.helpers import pull

pytestmark = pytest.mark.django_db


def url(connection, view: str) -> str:
    return reverse(f"admin:connections_connection_{view}", args=[connection.pk])


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def sandboxed(settings, sandbox_sis_factory, district):  # noqa: F811
    settings.ALLOW_INSECURE_SIS_URLS = True
    server = sandbox_sis_factory(students=120, seed=9)
    return server, connect(server, district=district, existing_accounts="update")


def test_preview_lists_who_would_be_created_and_writes_nothing(client, manager, sandboxed):
    _, connection = sandboxed
    client.force_login(manager)
    page = client.post(url(connection, "preview"))
    assert page.status_code == 200
    files = {f.kind: f for f in page.context["files"]}
    created = {(lst.table, lst.action): lst for lst in files["students"].lists}
    students = created[("person", "created")]
    assert students.count > 100 and students.rows[0].label.details.startswith("Student · ")
    html = page.content.decode()
    assert "Nothing was written." in html and students.rows[0].label.name in html
    assert not Person.objects.exists() and not SyncRun.objects.exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.PREVIEW)
    assert event.actor == manager and "Completed with ERROR" in event.message


def test_preview_lists_updates_and_archives_with_what_changed(client, manager, sandboxed):
    server, connection = sandboxed
    connection.sync_settings.archive_missing = True
    connection.sync_settings.save()
    pull(connection)
    mutation = server.mutate(8)
    logged = RosterChange.objects.count()
    client.force_login(manager)
    files = {f.kind: f for f in client.post(url(connection, "preview")).context["files"]}
    assert RosterChange.objects.count() == logged  # the preview's change log was rolled back
    lists = {(lst.table, lst.action): lst for lst in files["students"].lists}
    updated = lists[("person", "updated")]
    renamed = Person.objects.get(sourced_id=mutation["renamed"][0])
    row = next(r for r in updated.rows if r.sourced_id == renamed.sourced_id)
    assert [c.field for c in row.changes] == ["Family name"]
    assert row.changes[0].old == renamed.family_name  # the stored name; the new one not written
    leaver = Person.objects.get(sourced_id=mutation["left"][0])
    archived = lists[("person", "archived")].rows if ("person", "archived") in lists else ()
    held = files["students"].held
    held_rows = [r for s in held.sets for r in s.rows] if held is not None else []
    assert leaver.sourced_id in {r.sourced_id for r in [*archived, *held_rows]}
    assert Person.objects.get(pk=leaver.pk).status == "active"
    assert Person.objects.get(pk=renamed.pk).family_name == renamed.family_name


def test_pull_changes_only_starts_a_delta_import(client, manager, sandboxed, monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    _, connection = sandboxed
    pull(connection)
    client.force_login(manager)
    response = client.post(url(connection, "pull_delta"))
    run = SyncRun.objects.latest("pk")
    assert response.url == reverse("admin:rostering_syncrun_change", args=[run.pk])
    assert run.mode == SyncRun.Mode.DELTA and run.since is not None
    html = client.get(url(connection, "change")).content.decode()
    assert "Pull changes only" in html and "Preview changes" in html


@pytest.fixture
def public_dns(monkeypatch):
    """The factories' district.aeries.net resolves (saving a connection checks its host)."""

    def getaddrinfo(host, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.usefixtures("public_dns")
def test_retire_and_enable_again(client, manager, connection):
    client.force_login(manager)
    response = client.post(url(connection, "enabled"), {"enabled": "0"})
    connection.refresh_from_db()
    assert not connection.enabled
    assert texts(response) == [RETIRED.format(connection=connection.name)]
    html = client.get(url(connection, "change")).content.decode()
    assert 'id="retired-note"' in html and "Enable again" in html and "Preview changes" not in html
    event = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).latest("pk")
    assert event.changes == {"enabled": [True, False]}
    client.post(url(connection, "enabled"), {"enabled": "1"})
    connection.refresh_from_db()
    assert connection.enabled


def test_a_reviewer_cannot_retire(client, reviewer, connection):
    client.force_login(reviewer)
    assert client.post(url(connection, "enabled"), {"enabled": "0"}).status_code == 403
    assert client.post(url(connection, "preview")).status_code == 403
    assert client.get(url(connection, "enabled")).status_code in (403, 405)


def test_a_manager_deletes_a_test_connection_with_its_history(client, manager, connection):
    SyncRunFactory(connection=connection, status="completed")
    client.force_login(manager)
    page = client.get(url(connection, "delete"))
    html = page.content.decode()
    assert page.status_code == 200 and "Yes, delete it and its history" in html
    assert not page.context["perms_lacking"]
    assert "imported <strong>stay</strong>" in html and "<strong>Retire</strong> it instead" in html
    assert 'id="deleted-objects"' not in html  # numbers, not every row by its id
    client.post(url(connection, "delete"), {"post": "yes"})
    assert not Connection.objects.filter(pk=connection.pk).exists()
    assert not SyncRun.objects.exists()


def test_two_enabled_connections_to_one_sis_are_warned_of(client, manager, district):
    first = ConnectionFactory(
        district=district, name="OneRoster", base_url="https://a.aeries.net/aeries/"
    )
    second = ConnectionFactory(
        district=district, name="Copy", base_url="https://A.aeries.net/Aeries"
    )
    ConnectionFactory(district=district, name="Other", base_url="https://b.aeries.net/aeries/")
    assert connection_duplicates(connection=first) == [second]
    client.force_login(manager)
    html = client.get(url(first, "change")).content.decode()
    assert 'id="duplicate-warning"' in html and "“Copy”" in html
    listed = client.get(reverse("admin:connections_connection_changelist")).content.decode()
    assert listed.count('class="duplicate-warning"') == 2
    second.enabled = False
    second.save()
    assert connection_duplicates(connection=first) == []
    assert DUPLICATE_WARNING.startswith("{others}")


def test_the_connection_page_says_how_people_sign_in(client, reviewer, connection):
    client.force_login(reviewer)
    html = client.get(url(connection, "change")).content.decode()
    assert "randomly generated passwords" in html and "single sign-on" in html


@pytest.mark.usefixtures("public_dns")
def test_saving_the_page_for_its_settings_writes_no_empty_connection_event(
    client, manager, connection
):
    from connections.services import connection_save, connection_snapshot

    before = connection_snapshot(connection)
    connection_save(connection=connection, actor=manager, before=before)
    assert not AuditEvent.objects.filter(object_type="connection").exists()
    connection.name = "Renamed"
    connection_save(connection=connection, actor=manager, before=before)
    event = AuditEvent.objects.get(object_type="connection")
    assert event.changes == {"name": [before["name"], "Renamed"]}

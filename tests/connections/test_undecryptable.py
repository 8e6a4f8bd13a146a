"""A stored secret that FIELD_ENCRYPTION_KEY cannot decrypt: kept as stored, refused to
the SIS with a message naming the key, and shown as such on the connection page."""

import html
import io
import socket

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db
from django.urls import reverse

from connections.connection_test import connection_test
from connections.crypto import UndecryptableSecret
from connections.forms import KEEP_STORED, UNDECRYPTABLE
from connections.models import Connection
from connections.services import (
    SECRET_UNREADABLE,
    StoredSecretUnreadable,
    connection_credentials,
    connection_save,
    connection_snapshot,
)
from rostering.models import RunStatus, SyncRun
from tests.factories import ConnectionFactory

SECRET = "s3cr3t-consumer-value"
KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def public_dns(monkeypatch):
    def getaddrinfo(host, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def lost_key(settings, district):
    """A connection saved under key A, read back with only key B configured."""
    settings.FIELD_ENCRYPTION_KEY = [KEY_A]
    connection = ConnectionFactory(
        district=district, name="Main Aeries", base_url="https://district.aeries.net/aeries/",
        client_secret=SECRET,
    )  # fmt: skip
    settings.FIELD_ENCRYPTION_KEY = [KEY_B]
    return Connection.objects.get(pk=connection.pk)


def _raw_secret(pk: int) -> str:
    with db.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM connections_connection WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _readable_with(settings, keys: list[str], pk: int) -> str:
    settings.FIELD_ENCRYPTION_KEY = keys
    return Connection.objects.get(pk=pk).client_secret


def test_it_reads_as_undecryptable_never_as_empty(lost_key):
    assert isinstance(lost_key.client_secret, UndecryptableSecret)
    assert lost_key.client_secret and lost_key.has_secret
    assert SECRET not in repr(lost_key.client_secret)


def test_saving_without_a_new_secret_keeps_the_ciphertext(lost_key, settings, public_dns):
    stored = _raw_secret(lost_key.pk)
    before = connection_snapshot(lost_key)
    lost_key.notes = "changed while the key was wrong"
    connection_save(connection=lost_key, actor=None, before=before)
    assert _raw_secret(lost_key.pk) == stored
    assert _readable_with(settings, [KEY_A], lost_key.pk) == SECRET


def test_the_connection_page_keeps_it_too(lost_key, settings, client, manager, public_dns):
    stored = _raw_secret(lost_key.pk)
    client.force_login(manager)
    url = reverse("admin:connections_connection_change", args=[lost_key.pk])
    page = html.unescape(client.get(url).content.decode())
    assert UNDECRYPTABLE in page and KEEP_STORED not in page.split("Aeries API certificate")[0]
    form = {
        "district": lost_key.district_id, "name": lost_key.name, "kind": "oneroster",
        "enabled": "on", "base_url": lost_key.base_url, "client_id": lost_key.client_id,
        "new_client_secret": "", "new_certificate": "", "school_codes": "", "notes": "edited",
        "sync_settings-TOTAL_FORMS": "0", "sync_settings-INITIAL_FORMS": "0",
        "schedule_pauses-TOTAL_FORMS": "0", "schedule_pauses-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Connection.objects.get(pk=lost_key.pk).notes == "edited"
    assert _raw_secret(lost_key.pk) == stored
    assert _readable_with(settings, [KEY_A], lost_key.pk) == SECRET


def test_credentials_refuse_it_naming_the_key_and_the_connection(lost_key):
    with pytest.raises(StoredSecretUnreadable) as refused:
        connection_credentials(connection=lost_key)
    assert refused.value.message == SECRET_UNREADABLE.format(
        field="Consumer Secret", connection=lost_key
    )
    assert "FIELD_ENCRYPTION_KEY" in refused.value.message and "Main Aeries" in str(refused.value)
    assert "Consumer ID or Secret is wrong" not in str(refused.value)


def test_the_other_kinds_secret_is_not_needed(lost_key):
    lost_key.kind = Connection.Kind.AERIES_API
    lost_key.certificate = "CERT-123"
    assert connection_credentials(connection=lost_key).client_secret == ""


def test_the_connection_test_and_its_button_report_it(lost_key, client, manager):
    report = connection_test(connection=lost_key, actor=None)
    assert not report.healthy and report.code == StoredSecretUnreadable.code
    assert "FIELD_ENCRYPTION_KEY" in report.message and report.fix
    client.force_login(manager)
    response = client.post(
        reverse("admin:connections_connection_test", args=[lost_key.pk]), follow=True
    )
    assert "cannot be decrypted with FIELD_ENCRYPTION_KEY" in html.unescape(
        response.content.decode()
    )


def test_an_import_ends_as_error_saying_so(lost_key):
    with pytest.raises(SystemExit) as exited:
        call_command("pull", str(lost_key.pk), stdout=io.StringIO())
    assert exited.value.code == 1
    run = SyncRun.objects.get(connection=lost_key)
    assert run.status == RunStatus.ERROR
    assert run.message.startswith(
        SECRET_UNREADABLE.format(field="Consumer Secret", connection=lost_key)
    )

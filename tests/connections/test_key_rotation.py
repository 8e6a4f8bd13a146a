"""`manage.py rotate_encryption_key`: every stored secret re-encrypted under the first
key, those no key opens named and left alone, the rotation audited."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection as db

from audit.models import AuditEvent
from connections.crypto import UndecryptableSecret
from connections.key_rotation import NO_KEY, ROTATED, UNREADABLE, encrypted_fields
from connections.models import Connection
from tests.factories import ConnectionFactory, DistrictFactory

KEY_A, KEY_B, KEY_C = (Fernet.generate_key().decode() for _ in range(3))


def _raw(pk: int) -> tuple[str, str]:
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret, certificate FROM connections_connection WHERE id = %s", [pk]
        )
        return cursor.fetchone()


def _rotate() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("rotate_encryption_key", stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def _secrets(pk: int) -> tuple[str, str]:
    found = Connection.objects.get(pk=pk)
    return found.client_secret, found.certificate


@pytest.fixture
def saved_under_a(settings, district):
    settings.FIELD_ENCRYPTION_KEY = [KEY_A]
    return [
        ConnectionFactory(district=district, name="OneRoster", client_secret="secret-1"),
        ConnectionFactory(
            district=district, name="Native", kind="aeries_api", client_secret="", certificate="C-2"
        ),
    ]


def test_every_encrypted_field_is_found():
    assert {(m._meta.label, f.name) for m, f in encrypted_fields()} == {
        ("connections.Connection", "client_secret"),
        ("connections.Connection", "certificate"),
    }


def test_the_round_trip_from_key_a_to_key_b(saved_under_a, settings):
    oneroster, native = saved_under_a
    before = {c.pk: _raw(c.pk) for c in saved_under_a}
    settings.FIELD_ENCRYPTION_KEY = [KEY_B, KEY_A]
    code, out = _rotate()
    assert code == 0 and out.strip() == ROTATED.format(count=2)
    assert _raw(native.pk)[0] == "" and _raw(oneroster.pk)[1] == ""  # empty stays empty
    settings.FIELD_ENCRYPTION_KEY = [KEY_B]
    assert _secrets(oneroster.pk)[0] == "secret-1"
    assert _secrets(native.pk)[1] == "C-2"
    assert all(_raw(pk) != raw for pk, raw in before.items())
    event = AuditEvent.objects.get(action=AuditEvent.Action.ROTATE_KEY)
    assert event.message == ROTATED.format(count=2) and event.changes["unreadable"] == []


def test_a_secret_no_key_opens_is_named_and_left_alone(saved_under_a, settings):
    settings.FIELD_ENCRYPTION_KEY = [KEY_C]
    other = DistrictFactory(name="Lost District")
    lost = ConnectionFactory(district=other, name="Lost", client_secret="under-c")
    lost_raw = _raw(lost.pk)
    settings.FIELD_ENCRYPTION_KEY = [KEY_B, KEY_A]
    code, out = _rotate()
    assert code == 1
    name = f"connection #{lost.pk} (Lost District — Lost): Consumer Secret"
    assert UNREADABLE.format(count=1, names=name) in out
    assert ROTATED.format(count=2) in out
    assert _raw(lost.pk) == lost_raw
    assert isinstance(_secrets(lost.pk)[0], UndecryptableSecret)
    settings.FIELD_ENCRYPTION_KEY = [KEY_C]
    assert _secrets(lost.pk)[0] == "under-c"  # the right key still opens it
    event = AuditEvent.objects.get(action=AuditEvent.Action.ROTATE_KEY)
    assert event.changes["unreadable"] == [name]


def test_secrets_of_development_are_adopted(settings, district):
    settings.FIELD_ENCRYPTION_KEY = []  # development: a key derived from SECRET_KEY
    connection = ConnectionFactory(district=district, client_secret="from-the-demo")
    settings.FIELD_ENCRYPTION_KEY = [KEY_B]
    assert _rotate()[0] == 0
    assert _secrets(connection.pk)[0] == "from-the-demo"


def test_without_a_key_there_is_nothing_to_rotate_to(settings, db):
    settings.FIELD_ENCRYPTION_KEY = []
    with pytest.raises(CommandError, match="FIELD_ENCRYPTION_KEY is not set"):
        _rotate()
    assert NO_KEY.startswith("FIELD_ENCRYPTION_KEY is not set")

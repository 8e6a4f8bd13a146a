from cryptography.fernet import Fernet
from django.db import connection as db_connection

from connections.crypto import Secret, UndecryptableSecret
from connections.models import Connection
from tests.factories import ConnectionFactory

SECRET = "s3cr3t-consumer-value"


def _raw_columns(pk: int) -> tuple[str, str]:
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret, certificate FROM connections_connection WHERE id = %s", [pk]
        )
        return cursor.fetchone()


def test_secret_is_stored_encrypted(db):
    conn = ConnectionFactory(client_secret=SECRET, certificate="CERT-ABCDEF-123456")
    raw_secret, raw_cert = _raw_columns(conn.pk)
    assert SECRET not in raw_secret
    assert "CERT-ABCDEF" not in raw_cert
    assert raw_secret.startswith("gAAAA")  # a Fernet token
    assert Connection.objects.get(pk=conn.pk).client_secret == SECRET


def test_secret_repr_is_masked(db):
    conn = Connection.objects.get(pk=ConnectionFactory(client_secret=SECRET).pk)
    assert isinstance(conn.client_secret, Secret)
    assert SECRET not in repr(conn.client_secret)
    assert SECRET not in repr(conn)
    assert SECRET not in str(conn)
    assert SECRET not in repr(conn.__dict__)


def test_key_rotation_keeps_old_secrets_readable(db, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = [old]
    conn = ConnectionFactory(client_secret=SECRET)
    settings.FIELD_ENCRYPTION_KEY = [new, old]
    assert Connection.objects.get(pk=conn.pk).client_secret == SECRET
    settings.FIELD_ENCRYPTION_KEY = [new]
    # Not an empty secret: one that says it cannot be read (see test_undecryptable.py).
    assert isinstance(Connection.objects.get(pk=conn.pk).client_secret, UndecryptableSecret)


def test_blank_secret_stays_blank(db):
    conn = ConnectionFactory(client_secret="")
    assert _raw_columns(conn.pk)[0] == ""

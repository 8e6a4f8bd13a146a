"""Re-encrypting every stored secret under the first key of FIELD_ENCRYPTION_KEY."""

from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection as db
from django.db import models, transaction

from audit.models import AuditEvent
from audit.services import audit_record
from connections.crypto import EncryptedTextField, derived_key

NO_KEY = (
    "FIELD_ENCRYPTION_KEY is not set: there is no key to re-encrypt under. Put the new key "
    "first and the old one after it, e.g. FIELD_ENCRYPTION_KEY=<new>,<old>."
)
ROTATED = "Re-encrypted {count} stored secrets under the first key of FIELD_ENCRYPTION_KEY."
UNREADABLE = "{count} could not be decrypted with any key and were left as they are: {names}."


@dataclass(frozen=True)
class RotationResult:
    reencrypted: int
    unreadable: list[str]  # "connection #3 (Home District — Main Aeries): Consumer Secret"

    @property
    def message(self) -> str:
        text = ROTATED.format(count=self.reencrypted)
        if self.unreadable:
            names = "; ".join(self.unreadable)
            text += " " + UNREADABLE.format(count=len(self.unreadable), names=names)
        return text


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every EncryptedTextField of every installed model."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def _rotator() -> MultiFernet:
    keys = [Fernet(key.encode()) for key in settings.FIELD_ENCRYPTION_KEY]
    # Secrets saved without FIELD_ENCRYPTION_KEY (development) used the SECRET_KEY-derived
    # key: read those too, so that adopting a key of one's own loses nothing.
    return MultiFernet([*keys, Fernet(derived_key())])


def _label(model, field, pk) -> str:
    obj = model._default_manager.filter(pk=pk).first()
    return f"{model._meta.verbose_name} #{pk} ({obj}): {field.verbose_name}"


def _field_rotate(model, field, rotator: MultiFernet) -> tuple[int, list[str]]:
    # Raw SQL: the ORM would decrypt on read and encrypt again on write.
    table, column = db.ops.quote_name(model._meta.db_table), db.ops.quote_name(field.column)
    pk = db.ops.quote_name(model._meta.pk.column)
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} <> ''")
        rows = cursor.fetchall()
    done, unreadable = 0, []
    for row_pk, token in rows:
        try:
            rotated = rotator.rotate(token.encode()).decode()
        except InvalidToken:
            unreadable.append(_label(model, field, row_pk))
            continue
        with db.cursor() as cursor:
            # Unless the row changed meanwhile (a secret just saved is under the new key).
            cursor.execute(
                f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s",
                [rotated, row_pk, token],
            )
            done += cursor.rowcount
    return done, unreadable


@transaction.atomic
def secrets_reencrypt(
    *, actor: AbstractBaseUser | None, source: str = "command line"
) -> RotationResult:
    """Re-encrypts every stored secret under FIELD_ENCRYPTION_KEY's first key; names those
    no key decrypts (left untouched) and audits the rotation. Raises ValueError without
    FIELD_ENCRYPTION_KEY."""
    if not settings.FIELD_ENCRYPTION_KEY:
        raise ValueError(NO_KEY)
    rotator, total, unreadable = _rotator(), 0, []
    for model, field in encrypted_fields():
        done, failed = _field_rotate(model, field, rotator)
        total += done
        unreadable += failed
    result = RotationResult(reencrypted=total, unreadable=unreadable)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.ROTATE_KEY,
        changes={"reencrypted": total, "unreadable": unreadable},
        message=result.message,
        source=source,
    )
    return result

"""Secrets at rest: Fernet with key rotation (MultiFernet), and a masked string type."""

import base64
import hashlib
import logging
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

from audit.services import MASK

logger = logging.getLogger(__name__)

DECRYPT_FAILED = (
    "A stored secret cannot be decrypted with the configured FIELD_ENCRYPTION_KEY; "
    "re-enter the secret or restore the previous key as a second key."
)


class Secret(str):
    """A plain string whose repr never shows its value (logs, tracebacks, shell)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Secret({MASK})" if self else "Secret('')"


class UndecryptableSecret(Secret):
    """Stored ciphertext that no key of FIELD_ENCRYPTION_KEY opens.

    Its value is the ciphertext itself: the field saves it back unchanged (a save
    without a new secret never destroys it), it counts as a stored secret, and
    `connection_credentials` refuses to hand it to a SIS client.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"UndecryptableSecret({MASK})"


def derived_key() -> bytes:
    # Without configured keys (demo, tests) derive one from SECRET_KEY; a system
    # check warns about this in production.
    digest = hashlib.sha256(f"autoroster-fields:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    material = [k.encode() for k in keys] or [derived_key()]
    return MultiFernet([Fernet(k) for k in material])


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEY) or (derived_key().decode(),))


def secret_encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode() if plaintext else ""


def secret_decrypt(token: str) -> Secret:
    if not token:
        return Secret("")
    try:
        return Secret(fernet().decrypt(token.encode()).decode())
    except InvalidToken:
        logger.error(DECRYPT_FAILED)
        return UndecryptableSecret(token)


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python code sees a `Secret` (masked repr)."""

    def from_db_value(self, value, expression, connection):
        return value if value is None else secret_decrypt(value)

    def to_python(self, value):
        if value is None or isinstance(value, Secret):
            return value
        return Secret(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if isinstance(value, UndecryptableSecret):
            return str.__str__(value)  # the stored ciphertext, as it was
        return value if value is None else secret_encrypt(value)

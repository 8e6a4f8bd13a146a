"""Creating and changing connections: validation, secrets, audit."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from audit.models import AuditEvent
from audit.services import audit_changes, audit_record
from connections.crypto import UndecryptableSecret
from connections.models import Connection
from connections.url_validation import sis_address_validate, sis_url_clean
from sis import SisClient, SisCredentials, client_for
from sis.errors import SisError
from sis.relationships import mapping_parse, mapping_text

SNAPSHOT_FIELDS = (
    "district",
    "name",
    "kind",
    "base_url",
    "client_id",
    "school_codes",
    "token_url",
    "api_root",
    "relationship_codes",
    "enabled",
    "notes",
)
SECRET_REQUIRED = {
    Connection.Kind.ONEROSTER: "Enter the Consumer Secret shown on Aeries' API Security page.",
    Connection.Kind.AERIES_API: "Paste the Aeries API certificate shown on the API Security page.",
}
CLIENT_ID_REQUIRED = "Enter the Consumer ID shown on Aeries' API Security page."


def connection_snapshot(connection: Connection) -> dict:
    """The audited, non-secret state of a connection (secrets only as 'set')."""
    snapshot = {f: getattr(connection, f, None) for f in SNAPSHOT_FIELDS}
    snapshot["district"] = str(connection.district) if connection.district_id else None
    return snapshot


def connection_credentials_check(*, connection: Connection) -> None:
    """Raises ValidationError naming what is missing for the connection's kind."""
    errors = {}
    if connection.kind == Connection.Kind.ONEROSTER:
        if not connection.client_id:
            errors["client_id"] = CLIENT_ID_REQUIRED
        if not connection.client_secret:
            errors["client_secret"] = SECRET_REQUIRED[connection.kind]
    elif not connection.certificate:
        errors["certificate"] = SECRET_REQUIRED[connection.kind]
    if errors:
        raise ValidationError(errors)


def connection_urls_clean(*, connection: Connection) -> list[str]:
    """Normalises and validates the connection's URLs in place (the Aeries URL cut back
    from what was pasted, the advanced OneRoster URLs checked by the same address rules);
    returns what was removed from the pasted Aeries URL."""
    errors = {}
    for name in ("token_url", "api_root"):
        value = (getattr(connection, name) or "").strip()
        if not value:
            setattr(connection, name, "")
            continue
        try:
            validated = sis_address_validate(url=value, subdirectory=False)
        except ValidationError as exc:
            errors[name] = exc.messages
            continue
        setattr(connection, name, validated if name == "api_root" else validated.rstrip("/"))
    try:
        cleaned = sis_url_clean(url=connection.base_url, subdirectory=not connection.api_root)
    except ValidationError as exc:
        errors["base_url"] = exc.messages
    if errors:
        raise ValidationError(errors)
    connection.base_url = cleaned.url
    return cleaned.notes


def connection_relationship_codes_clean(*, connection: Connection) -> None:
    """Writes the connection's relationship codes one way ("11=parent, 16=guardian");
    raises ValidationError naming the entries that are not code=relationship."""
    try:
        pairs = mapping_parse(connection.relationship_codes)
    except ValueError as exc:
        raise ValidationError({"relationship_codes": str(exc)}) from None
    connection.relationship_codes = mapping_text(pairs)


# The debug error page shows a failing frame's variables: never these. (A decorator
# between this one and the function, such as @transaction.atomic, would show them as
# its own arguments.)
@sensitive_variables("new_secret", "new_certificate")
def connection_save(
    *,
    connection: Connection,
    actor: AbstractBaseUser | None,
    before: dict | None,
    new_secret: str = "",
    new_certificate: str = "",
    source: str = "admin",
    remote_addr: str | None = None,
) -> Connection:
    """Saves a new or changed connection and audits what changed.

    `before` is `connection_snapshot()` of the stored row (None when new). Blank
    secrets keep the stored value.
    """
    with transaction.atomic():
        return _connection_write(
            connection=connection,
            actor=actor,
            before=before,
            new_secret=new_secret,
            new_certificate=new_certificate,
            source=source,
            remote_addr=remote_addr,
        )


def _connection_write(
    *,
    connection: Connection,
    actor: AbstractBaseUser | None,
    before: dict | None,
    new_secret: str,
    new_certificate: str,
    source: str,
    remote_addr: str | None,
) -> Connection:
    connection_urls_clean(connection=connection)
    connection_relationship_codes_clean(connection=connection)
    if new_secret:
        connection.client_secret = new_secret.strip()
    if new_certificate:
        connection.certificate = new_certificate.strip()
    connection_credentials_check(connection=connection)
    created = connection.pk is None
    connection.save()
    after = connection_snapshot(connection)
    if new_secret:
        after["client_secret"] = "changed"
    if new_certificate:
        after["certificate"] = "changed"
    changes = audit_changes(before=before or {}, after=after)
    if created or changes:  # saving the page to change only its inlines changed nothing here
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
            obj=connection,
            changes=changes,
            source=source,
            remote_addr=remote_addr,
        )
    return connection


@transaction.atomic
def connection_delete(
    *, connection: Connection, actor: AbstractBaseUser | None, remote_addr: str | None = None
) -> None:
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=connection,
        changes=audit_changes(before=connection_snapshot(connection), after={}),
        remote_addr=remote_addr,
    )
    connection.delete()


SECRET_UNREADABLE = (
    "The stored {field} of {connection} cannot be decrypted with FIELD_ENCRYPTION_KEY "
    "(the key was changed or lost since it was saved)."
)
SECRET_UNREADABLE_FIX = (
    "Put the key it was saved with back into FIELD_ENCRYPTION_KEY, after the current key "
    "(then `manage.py rotate_encryption_key` re-encrypts it), or enter the {field} again "
    "on the connection page."
)
# The secret each kind of connection signs in with.
SECRET_FIELD = {
    Connection.Kind.ONEROSTER: "client_secret",
    Connection.Kind.AERIES_API: "certificate",
}


class StoredSecretUnreadable(SisError):
    """A SisError, so that the connection test and imports report it like any other."""

    code = "secret_unreadable"


@sensitive_variables("value")
def _secret_for_client(connection: Connection, field: str) -> str:
    value = getattr(connection, field)
    if not isinstance(value, UndecryptableSecret):
        return str(value or "")
    if SECRET_FIELD.get(connection.kind) != field:
        return ""  # the other kind's secret: not sent, so not needed
    label = Connection._meta.get_field(field).verbose_name
    raise StoredSecretUnreadable(
        SECRET_UNREADABLE.format(field=label, connection=connection),
        fix=SECRET_UNREADABLE_FIX.format(field=label),
    )


def connection_credentials(*, connection: Connection) -> SisCredentials:
    """What a SIS client needs from a connection (secrets decrypted, never persisted).

    Raises StoredSecretUnreadable when its secret cannot be decrypted.
    """
    return SisCredentials(
        kind=connection.kind,
        base_url=connection.base_url,
        client_id=connection.client_id,
        client_secret=_secret_for_client(connection, "client_secret"),
        certificate=_secret_for_client(connection, "certificate"),
        school_codes=connection.school_code_list,
        token_url=connection.token_url,
        api_root=connection.api_root,
        relationship_codes=_relationship_codes(connection.relationship_codes),
    )


def _relationship_codes(text: str) -> tuple[tuple[str, str], ...]:
    try:
        return mapping_parse(text)
    except ValueError:
        return ()  # saved before the rule: unreadable entries explain nothing


def sis_policy_options() -> dict:
    """The address rules every SIS request of this deployment follows (sis.address), and
    the certificate authorities its TLS connections trust."""
    return {
        "allow_insecure": settings.ALLOW_INSECURE_SIS_URLS,
        "verify": settings.SIS_CA_BUNDLE or True,
        "allowed_networks": tuple(settings.SIS_ALLOWED_NETWORKS),
    }


def connection_client(*, connection: Connection, **options) -> SisClient:
    """An open SIS client for the connection; use it as a context manager."""
    defaults = {
        "page_size": settings.SIS_PAGE_SIZE,
        "concurrency": settings.SIS_CONCURRENCY,
        "prefetch": settings.SIS_PREFETCH,
        "connect_timeout": settings.SIS_CONNECT_TIMEOUT,
        "read_timeout": settings.SIS_READ_TIMEOUT,
        "max_retry_seconds": settings.SIS_MAX_RETRY_SECONDS,
        **sis_policy_options(),
    }
    return client_for(connection_credentials(connection=connection), **{**defaults, **options})


CONNECTION_NOT_FOUND = "No connection with id or name {ref!r}."
CONNECTION_AMBIGUOUS = "{count} connections are named {ref!r}; use the id: {ids}."


def connection_lookup(*, ref: str) -> Connection:
    """The connection with this id, else the only one with this name (for the commands).

    Raises Connection.DoesNotExist with a message that says what to type instead.
    """
    if ref.isdigit() and (found := Connection.objects.filter(pk=int(ref)).first()):
        return found
    matches = list(Connection.objects.filter(name=ref).order_by("pk"))
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise Connection.DoesNotExist(CONNECTION_NOT_FOUND.format(ref=ref))
    ids = ", ".join(str(c.pk) for c in matches)
    raise Connection.DoesNotExist(CONNECTION_AMBIGUOUS.format(count=len(matches), ref=ref, ids=ids))

"""The audit trail: every service writes its event explicitly, in its transaction."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models

from connections.crypto import MASK
from rostering.models import AuditEvent

SECRET_FIELD_NAMES = frozenset(
    {"client_secret", "certificate", "new_client_secret", "new_certificate", "password"}
)


def _label(actor: AbstractBaseUser | None, source: str) -> str:
    if actor is not None and actor.is_authenticated:
        return actor.get_username()
    return source


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set, frozenset)) or hasattr(value, "__iter__"):
        return [_plain(v) for v in value]
    return str(value)


def audit_changes(*, before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """{field: [old, new]} for changed fields; secret fields show only that they changed."""
    changes = {}
    for field in sorted(set(before) | set(after)):
        old, new = _plain(before.get(field)), _plain(after.get(field))
        if old == new:
            continue
        if field in SECRET_FIELD_NAMES:
            name = field.removeprefix("new_")
            changes[name] = [MASK if old else "", MASK]
        else:
            changes[field] = [old, new]
    return changes


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    obj: models.Model | None = None,
    district_id: int | None = None,
    changes: dict | None = None,
    message: str = "",
    source: str = "system",
    remote_addr: str | None = None,
) -> AuditEvent:
    """Writes one audit event. `source` names the actor when there is no user."""
    if district_id is None and obj is not None:
        district_id = getattr(obj, "district_id", None)
    return AuditEvent.objects.create(
        district_id=district_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=_label(actor, source),
        action=action,
        object_type=obj._meta.verbose_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        changes=changes or {},
        message=message,
        remote_addr=remote_addr,
    )


def remote_addr_of(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None

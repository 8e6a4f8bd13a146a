"""The audit trail: every service writes its event explicitly, in its transaction."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction

from audit.models import AuditEvent

# What the trail (and every repr of a secret) shows instead of a secret's value.
MASK = "********"
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


def district_id_of(obj: models.Model) -> int | None:
    """The district an object belongs to: itself for a district, else its `district`."""
    district_model = AuditEvent._meta.get_field("district").related_model
    if isinstance(obj, district_model):
        return obj.pk
    return getattr(obj, "district_id", None)


def connection_id_of(obj: models.Model | None) -> int | None:
    """The SIS connection an object belongs to: itself, its `connection`, its run's."""
    if obj is None:
        return None
    if obj._meta.label == "connections.Connection":
        return obj.pk
    if (connection_id := getattr(obj, "connection_id", None)) is not None:
        return connection_id
    run = getattr(obj, "run", None)
    return getattr(run, "connection_id", None)


def _district_name(obj: models.Model | None, district_id: int | None) -> str:
    """The district's name as it is now, kept on the row for when the district is gone."""
    if district_id is None:
        return ""
    model = AuditEvent._meta.get_field("district").related_model
    district = obj if isinstance(obj, model) else getattr(obj, "district", None)
    if district is None or getattr(district, "pk", None) != district_id:
        district = model.objects.filter(pk=district_id).only("name").first()
    return str(getattr(district, "name", ""))[:200]


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
        district_id = district_id_of(obj)
    return AuditEvent.objects.create(
        district_id=district_id,
        district_name=_district_name(obj, district_id),
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=_label(actor, source),
        action=action,
        object_type=obj._meta.verbose_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        connection_id=connection_id_of(obj),
        changes=changes or {},
        message=message,
        remote_addr=remote_addr,
    )


def remote_addr_of(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def field_values(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(obj, name, None) for name in fields}


def audited_save(
    *,
    obj: models.Model,
    actor: AbstractBaseUser | None,
    fields: list[str],
    district_id: int | None = None,
    source: str = "admin",
    remote_addr: str | None = None,
) -> models.Model:
    """Saves a new or changed object and writes its audit event, in one transaction.

    `fields` are the fields the person changed; their stored values are read first.
    """
    created = obj.pk is None
    before = {} if created else field_values(type(obj).objects.get(pk=obj.pk), fields)
    with transaction.atomic():
        obj.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
            obj=obj,
            district_id=district_id,
            changes=audit_changes(before=before, after=field_values(obj, fields)),
            source=source,
            remote_addr=remote_addr,
        )
    return obj


def audited_delete(
    *,
    obj: models.Model,
    actor: AbstractBaseUser | None,
    district_id: int | None = None,
    source: str = "admin",
    remote_addr: str | None = None,
) -> None:
    """Deletes an object and writes its audit event (with what it held), in one transaction."""
    fields = [f.attname for f in obj._meta.concrete_fields if not f.primary_key]
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditEvent.Action.DELETE,
            obj=obj,
            district_id=district_id,
            changes=audit_changes(before=field_values(obj, fields), after={}),
            source=source,
            remote_addr=remote_addr,
        )
        obj.delete()

"""Sticky edits: a manager pins a field of a person or class to a value of their own.

Imports keep pinned values (the engine substitutes them into the rows it writes, while
comparing the SIS's own values, so an unchanged SIS writes nothing), note what the SIS
says meanwhile, and count on each file how many pinned values differ from the SIS.
Unpinning lets the next import write the SIS's value again.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction

from audit.models import AuditEvent
from audit.services import audit_record
from rostering.models import FieldPin, Person, Section
from rostering.models.pins import PINNABLE

PIN_MODELS: dict[str, type[models.Model]] = {"person": Person, "section": Section}
NOT_PINNABLE = "{field} cannot be pinned; pinnable: {fields}."
# The content hash an unpinned row is given: it matches no SIS row, so the next import
# writes the row (the SIS's value back in the field).
REWRITE_NEXT_IMPORT = "unpinned"


def pin_table(obj: models.Model) -> str:
    return next(table for table, model in PIN_MODELS.items() if isinstance(obj, model))


def _clean_value(obj: models.Model, field: str, value):
    model_field = obj._meta.get_field(field)
    if field == "grades" and isinstance(value, str):
        value = [g.strip() for g in value.split(",") if g.strip()]
    value = model_field.clean(value, obj)
    return value


@transaction.atomic
def field_pin(
    *,
    obj: models.Model,
    field: str,
    value,
    actor: AbstractBaseUser | None,
    source: str = "admin",
    remote_addr: str | None = None,
) -> FieldPin:
    """Sets the field to `value` now and pins it there; ValidationError when the field
    cannot be pinned or the value is not one it can hold."""
    table = pin_table(obj)
    if field not in PINNABLE[table]:
        raise ValidationError(NOT_PINNABLE.format(field=field, fields=", ".join(PINNABLE[table])))
    value = _clean_value(obj, field, value)
    old = getattr(obj, field)
    pin = FieldPin.objects.filter(table=table, row_id=obj.pk, field=field).first()
    sis_value = pin.sis_value if pin else old  # the value the SIS gave, before any pin
    pin = pin or FieldPin(district_id=obj.district_id, table=table, row_id=obj.pk, field=field)
    pin.sourced_id, pin.value, pin.sis_value = obj.sourced_id, value, sis_value
    pin.pinned_by = actor if actor is not None and actor.is_authenticated else None
    pin.pinned_by_label = actor.get_username() if actor is not None else source
    pin.save()
    type(obj).objects.filter(pk=obj.pk).update(**{field: value})
    setattr(obj, field, value)
    audit_record(
        actor=actor, action=AuditEvent.Action.PIN, obj=obj,
        changes={field: [old, value]}, message=f"Pinned {field} of {obj}",
        source=source, remote_addr=remote_addr,
    )  # fmt: skip
    return pin


@transaction.atomic
def field_unpin(
    *,
    pin: FieldPin,
    actor: AbstractBaseUser | None,
    source: str = "admin",
    remote_addr: str | None = None,
) -> None:
    """Removes the pin; the next import writes the SIS's value into the field again."""
    model = PIN_MODELS[pin.table]
    obj = model.objects.filter(pk=pin.row_id).first()
    model.objects.filter(pk=pin.row_id).update(content_hash=REWRITE_NEXT_IMPORT)
    audit_record(
        actor=actor, action=AuditEvent.Action.UNPIN, obj=obj, district_id=pin.district_id,
        changes={pin.field: [pin.value, pin.sis_value]},
        message=f"Unpinned {pin.field} of {obj or pin.sourced_id}: the next import writes "
        "the SIS's value",
        source=source, remote_addr=remote_addr,
    )  # fmt: skip
    pin.delete()

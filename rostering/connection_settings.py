"""A connection's sync settings and pause periods: the one writer of each, audited.

The admin's inlines, the `sync_settings` and `pause_imports` commands and the demo all
change them through these services, which validate, save, write the audit event in the
same transaction, and bring the connection's daily Schedule in line.
"""

import datetime
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from audit.models import AuditEvent
from audit.services import audit_changes, audit_record, field_values
from connections.models import Connection
from connections.services import connection_save, connection_snapshot
from rostering.models import SchedulePause, SyncSettings
from rostering.scheduling import connection_schedule_sync

UNKNOWN_SETTING = "{name!r} is not a sync setting; known settings: {known}."
PAUSE_NOT_OF_CONNECTION = "Pause period #{pause} does not belong to {connection}."


def sync_settings_fields() -> list[str]:
    """The settings a manager may change (every editable field but the connection)."""
    return [
        f.name
        for f in SyncSettings._meta.concrete_fields
        if f.editable and not f.primary_key and f.name != "connection"
    ]


def sync_settings_get(*, connection: Connection) -> SyncSettings:
    """The connection's settings; unsaved defaults when it has none yet."""
    found = SyncSettings.objects.filter(connection=connection).first()
    return found or SyncSettings(connection=connection)


@transaction.atomic
def sync_settings_update(
    *,
    connection: Connection,
    values: Mapping[str, Any],
    actor: AbstractBaseUser | None,
    source: str = "admin",
    remote_addr: str | None = None,
    settings: SyncSettings | None = None,
) -> SyncSettings:
    """Sets some of a connection's sync settings; raises ValidationError (nothing saved)
    naming a field that is unknown or invalid. `settings` is an instance the values
    were already applied to (the admin's form); otherwise they are applied here."""
    known = sync_settings_fields()
    unknown = [name for name in values if name not in known]
    if unknown:
        raise ValidationError(UNKNOWN_SETTING.format(name=unknown[0], known=", ".join(known)))
    stored = SyncSettings.objects.select_for_update().filter(connection=connection).first()
    before = field_values(stored, list(values)) if stored else {}
    if settings is None:
        settings = stored or SyncSettings(connection=connection)
        for name, value in values.items():
            setattr(settings, name, value)
    settings.connection = connection
    settings.full_clean(validate_unique=False)
    settings.save()
    changes = audit_changes(before=before, after=field_values(settings, list(values)))
    if changes or stored is None:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE if stored else AuditEvent.Action.CREATE,
            obj=settings,
            district_id=connection.district_id,
            changes=changes,
            source=source,
            remote_addr=remote_addr,
        )
    transaction.on_commit(lambda: connection_schedule_sync(connection=connection))
    return settings


@transaction.atomic
def schedule_pause_save(
    *,
    pause: SchedulePause,
    actor: AbstractBaseUser | None,
    fields: list[str] = ("start_date", "end_date", "reason"),
    source: str = "admin",
    remote_addr: str | None = None,
) -> SchedulePause:
    """Adds a pause period to a connection's daily imports, or changes one."""
    created = pause.pk is None
    before = {} if created else field_values(SchedulePause.objects.get(pk=pause.pk), fields)
    pause.full_clean()
    pause.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        obj=pause,
        district_id=pause.connection.district_id,
        changes=audit_changes(before=before, after=field_values(pause, list(fields))),
        source=source,
        remote_addr=remote_addr,
    )
    return pause


def schedule_pause_add(
    *,
    connection: Connection,
    start_date: datetime.date,
    end_date: datetime.date,
    reason: str = "",
    actor: AbstractBaseUser | None,
    source: str = "admin",
) -> SchedulePause:
    pause = SchedulePause(
        connection=connection, start_date=start_date, end_date=end_date, reason=reason
    )
    return schedule_pause_save(pause=pause, actor=actor, source=source)


@transaction.atomic
def schedule_pause_delete(
    *,
    pause: SchedulePause,
    actor: AbstractBaseUser | None,
    source: str = "admin",
    remote_addr: str | None = None,
) -> None:
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=pause,
        district_id=pause.connection.district_id,
        changes=audit_changes(
            before=field_values(pause, ["start_date", "end_date", "reason"]), after={}
        ),
        source=source,
        remote_addr=remote_addr,
    )
    pause.delete()


@transaction.atomic
def connection_enabled_set(
    *,
    connection: Connection,
    enabled: bool,
    actor: AbstractBaseUser | None,
    source: str = "admin",
    remote_addr: str | None = None,
) -> Connection:
    """Retires (disables) a connection or brings it back, audited: a retired connection
    keeps its import history but is never imported (its daily schedule goes)."""
    before = connection_snapshot(Connection.objects.get(pk=connection.pk))
    connection.enabled = enabled
    connection_save(connection=connection, actor=actor, before=before, source=source,
                    remote_addr=remote_addr)  # fmt: skip
    transaction.on_commit(lambda: connection_schedule_sync(connection=connection))
    return connection

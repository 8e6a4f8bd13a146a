"""Test connection: probe the SIS, keep the result on the connection, audit it."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from connections.models import Connection
from connections.services import (
    StoredSecretUnreadable,
    connection_credentials,
    sis_policy_options,
)
from sis.probe import ProbeReport, connection_probe
from sis.records import Entity

CHECK_OK, CHECK_FAILED, CHECK_UNUSED = "✓", "✗", "!"
UNUSED_SUFFIX = " (not imported by this connection's settings)"
# The collections every import reads, whatever people it brings in.
ALWAYS_NEEDED = frozenset({Entity.SCHOOLS})
SCHEDULE = frozenset({Entity.TERMS, Entity.COURSES, Entity.CLASSES, Entity.ENROLLMENTS})


def probe_report_text(report: ProbeReport) -> str:
    """The report as a district IT person reads it: verdict, fix, one line per collection."""
    lines = [report.message]
    if report.fix:
        lines.append(f"Fix: {report.fix}")
    for check in report.checks:
        if check.ok:
            lines.append(f"{CHECK_OK} {check.entity.value}: {check.message}")
        elif not check.needed:
            lines.append(f"{CHECK_UNUSED} {check.entity.value}: {check.message}{UNUSED_SUFFIX}")
        else:
            lines.append(f"{CHECK_FAILED} {check.entity.value}: {check.message}")
    lines.extend(f"Note: {note}" for note in report.notes)
    return "\n".join(lines)


def connection_needed_entities(*, connection: Connection) -> frozenset[Entity] | None:
    """The collections the connection's sync settings import (None: no settings yet, all).

    Read through the reverse relation only: connections does not import rostering.
    """
    try:
        settings = connection.sync_settings
    except ObjectDoesNotExist:
        return None
    roles = {
        Entity.STUDENTS: settings.sync_students,
        Entity.TEACHERS: settings.sync_teachers,
        Entity.STAFF: settings.sync_staff,
        Entity.ADMINISTRATORS: settings.sync_administrators,
    }
    needed = {entity for entity, on in roles.items() if on}
    if settings.sync_students and settings.guardians != "off":
        needed.add(Entity.CONTACTS)
    if needed:
        needed |= SCHEDULE
    return frozenset(needed | ALWAYS_NEEDED)


def connection_test(
    *,
    connection: Connection,
    actor: AbstractBaseUser | None,
    source: str = "admin",
    remote_addr: str | None = None,
    **client_options,
) -> ProbeReport:
    """Probes the connection's SIS and stores the verdict (time, healthy, message)."""
    try:
        credentials = connection_credentials(connection=connection)
    except StoredSecretUnreadable as exc:
        report = ProbeReport(False, exc.message, exc.fix, code=exc.code)
    else:
        report = connection_probe(
            credentials=credentials,
            needed=connection_needed_entities(connection=connection),
            **{**sis_policy_options(), **client_options},
        )
    text = probe_report_text(report)
    connection.last_test_at = timezone.now()
    connection.last_test_ok = report.healthy
    connection.last_test_message = text
    Connection.objects.filter(pk=connection.pk).update(
        last_test_at=connection.last_test_at, last_test_ok=report.healthy, last_test_message=text
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TEST,
        obj=connection,
        message=("Healthy. " if report.healthy else "Failing. ") + report.message,
        source=source,
        remote_addr=remote_addr,
    )
    return report

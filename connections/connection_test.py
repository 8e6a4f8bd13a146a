"""Test connection: probe the SIS, keep the result on the connection, audit it."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

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
    return sync_settings_needed_entities(settings)


def sync_settings_needed_entities(settings) -> frozenset[Entity]:
    """The collections these sync settings import (saved or typed on the form)."""
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
    report = _probe(connection, connection_needed_entities(connection=connection), client_options)
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


def _probe(connection: Connection, needed: frozenset[Entity] | None, options: dict) -> ProbeReport:
    try:
        credentials = connection_credentials(connection=connection)
    except StoredSecretUnreadable as exc:
        return ProbeReport(False, exc.message, exc.fix, code=exc.code)
    return connection_probe(
        credentials=credentials, needed=needed, **{**sis_policy_options(), **options}
    )


TYPED_NOTE = "values on the form, not saved"


@sensitive_variables("connection")
def connection_test_typed(
    *,
    connection: Connection,
    actor: AbstractBaseUser | None,
    needed: frozenset[Entity] | None,
    remote_addr: str | None = None,
    **client_options,
) -> ProbeReport:
    """Test connection on what is typed on the Add or change page: `connection` carries
    the typed values (secrets included) and is never saved; nor is the verdict, which
    is about values the connection does not have yet. Audited like any test."""
    report = _probe(connection, needed, client_options)
    verdict = "Healthy" if report.healthy else "Failing"
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TEST,
        obj=connection if connection.pk else None,
        district_id=connection.district_id,
        message=f"{verdict} ({TYPED_NOTE}: {connection.name}). {report.message}",
        source="admin",
        remote_addr=remote_addr,
    )
    return report

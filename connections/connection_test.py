"""Test connection: probe the SIS, keep the result on the connection, audit it."""

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from connections.models import Connection
from connections.services import StoredSecretUnreadable, connection_credentials
from sis.probe import ProbeReport, connection_probe

CHECK_OK, CHECK_FAILED = "✓", "✗"


def probe_report_text(report: ProbeReport) -> str:
    """The report as a district IT person reads it: verdict, fix, one line per collection."""
    lines = [report.message]
    if report.fix:
        lines.append(f"Fix: {report.fix}")
    for check in report.checks:
        mark = CHECK_OK if check.ok else CHECK_FAILED
        lines.append(f"{mark} {check.entity.value}: {check.message}")
    return "\n".join(lines)


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
        report = connection_probe(credentials=credentials, **client_options)
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

"""E-mail summaries of import runs to each connection's recipients."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Case, IntegerField, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from rostering.issue_labels import issues_label
from rostering.models import ImportIssue, ImportRecord, RunStatus, SyncRun, SyncSettings
from rostering.record_counts import record_counts_rows, record_skipped_reasons
from rostering.sync.report import RunReport, run_report
from rostering.times import duration_label, local_time, seconds_between

logger = logging.getLogger(__name__)

EMAIL_ISSUES_LIMIT = 20
SUBJECT = "[Autoroster] {status} — {district} import #{run}"
SUBJECT_HELD_ONE = " — 1 held change needs approval"
SUBJECT_HELD_MANY = " — {count} held changes need approval"
# Skipped runs (pause periods) would mail every evening of a summer break; a school-year
# hold mails once (its first held run), not every evening until a manager decides.
NOTIFIED_STATUSES = (
    RunStatus.COMPLETED,
    RunStatus.COMPLETED_WITH_ERROR,
    RunStatus.ERROR,
    RunStatus.HELD,
)


@dataclass(frozen=True)
class RunSummary:
    run: SyncRun
    report: RunReport
    held: int
    url: str
    held_url: str
    issues: list[ImportIssue]

    @property
    def records(self) -> list[dict]:
        """Each file with its lines of counts (its parts) and why rows were skipped."""
        records = {r.kind: r for r in self.run.records.all()}
        return [
            {
                **r,
                "kind_label": ImportRecord.Kind(r["kind"]).label,
                "status_label": RunStatus(r["status"]).label,
                "held": r["held_updates"] + r["held_archives"],
                "parts": record_counts_rows(records[r["kind"]])[1:],
                "skipped_reasons": record_skipped_reasons(records[r["kind"]]),
            }
            for r in self.report.records
        ]

    @property
    def started(self) -> str:
        return local_time(self.run.started_at, self.run.district.timezone)

    @property
    def took(self) -> str:
        return duration_label(seconds_between(self.run.started_at, self.run.finished_at))

    @property
    def more_issues(self) -> int:
        return self.report.issues_total - len(self.issues)


def sync_run_url(*, run: SyncRun, page: str = "admin:rostering_syncrun_change") -> str:
    """The absolute link to the run's admin page (or another page of the run)."""
    path = reverse(page, args=[run.pk])
    return settings.SITE_URL.rstrip("/") + path


def _first_issues(run: SyncRun) -> list[ImportIssue]:
    """The run's first issues, errors first, each with the person it is about."""
    errors_first = Case(When(severity=ImportIssue.Severity.ERROR, then=Value(0)), default=Value(1),
                        output_field=IntegerField())  # fmt: skip
    issues = ImportIssue.objects.filter(record__run=run).select_related("record")
    issues = list(issues.order_by(errors_first, "record_id", "pk")[:EMAIL_ISSUES_LIMIT])
    return issues_label(issues, district_id=run.district_id, connection_id=run.connection_id)


def sync_run_subject(*, run: SyncRun, held: int) -> str:
    subject = SUBJECT.format(
        status=run.get_status_display(), district=run.district.name, run=run.pk
    )
    if held == 1:
        return subject + SUBJECT_HELD_ONE
    return subject + SUBJECT_HELD_MANY.format(count=held) if held else subject


def sync_run_summary(*, run: SyncRun) -> RunSummary:
    report = run_report(run=run, issues_limit=EMAIL_ISSUES_LIMIT)
    held = sum(r["held_updates"] + r["held_archives"] for r in report.records)
    return RunSummary(
        run=run, report=report, held=held, url=sync_run_url(run=run),
        held_url=sync_run_url(run=run, page="admin:rostering_syncrun_held"),
        issues=_first_issues(run),
    )  # fmt: skip


def sync_run_email(*, run: SyncRun, recipients: list[str]) -> EmailMultiAlternatives:
    summary = sync_run_summary(run=run)
    context = {"summary": summary, "run": run, "report": summary.report}
    with timezone.override(run.district.timezone):  # the district's local time
        text = render_to_string("autoroster/email/run_summary.txt", context)
        html = render_to_string("autoroster/email/run_summary.html", context)
    message = EmailMultiAlternatives(
        subject=sync_run_subject(run=run, held=summary.held), body=text, to=recipients
    )
    message.attach_alternative(html, "text/html")
    return message


def _held_again(run: SyncRun) -> bool:
    """A held run after another held run of the connection (the same hold, told once)."""
    if run.status != RunStatus.HELD:
        return False
    earlier = SyncRun.objects.filter(connection_id=run.connection_id, pk__lt=run.pk)
    earlier = earlier.exclude(status=RunStatus.SKIPPED).exclude(
        trigger__in=(SyncRun.Trigger.ARCHIVE, SyncRun.Trigger.UNDO)
    )
    previous = earlier.order_by("-pk").values_list("status", flat=True).first()
    return previous == RunStatus.HELD


def sync_run_notify(*, run: SyncRun) -> int:
    """E-mails a finished run's summary to its connection's recipients.

    Returns the number of messages sent; a mail server failure is logged, never
    raised (the import itself is done and recorded).
    """
    sync_settings = SyncSettings.objects.filter(connection_id=run.connection_id).first()
    recipients = sync_settings.notify_list if sync_settings else []
    if run.status not in NOTIFIED_STATUSES or not recipients or _held_again(run):
        return 0
    try:
        return sync_run_email(run=run, recipients=recipients).send()
    except Exception:
        logger.exception("could not e-mail the summary of import #%s", run.pk)
        return 0

"""E-mail summaries of import runs to each connection's recipients."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from rostering.models import ImportRecord, RunStatus, SyncRun, SyncSettings
from rostering.sync.report import RunReport, run_report

logger = logging.getLogger(__name__)

EMAIL_ISSUES_LIMIT = 20
SUBJECT = "[Autoroster] {status} — {district} import #{run}"
SUBJECT_HELD_ONE = " — 1 held change needs approval"
SUBJECT_HELD_MANY = " — {count} held changes need approval"
# Skipped runs (pause periods) would mail every evening of a summer break.
NOTIFIED_STATUSES = (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR, RunStatus.ERROR)


@dataclass(frozen=True)
class RunSummary:
    run: SyncRun
    report: RunReport
    held: int
    url: str

    @property
    def records(self) -> list[dict]:
        return [
            {
                **r,
                "kind_label": ImportRecord.Kind(r["kind"]).label,
                "status_label": RunStatus(r["status"]).label,
            }
            for r in self.report.records
        ]

    @property
    def more_issues(self) -> int:
        return self.report.issues_total - len(self.report.issues)


def sync_run_url(*, run: SyncRun) -> str:
    """The absolute link to the run's admin page."""
    path = reverse("admin:rostering_syncrun_change", args=[run.pk])
    return settings.SITE_URL.rstrip("/") + path


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
    return RunSummary(run=run, report=report, held=held, url=sync_run_url(run=run))


def sync_run_email(*, run: SyncRun, recipients: list[str]) -> EmailMultiAlternatives:
    summary = sync_run_summary(run=run)
    context = {"summary": summary, "run": run, "report": summary.report}
    message = EmailMultiAlternatives(
        subject=sync_run_subject(run=run, held=summary.held),
        body=render_to_string("autoroster/email/run_summary.txt", context),
        to=recipients,
    )
    message.attach_alternative(
        render_to_string("autoroster/email/run_summary.html", context), "text/html"
    )
    return message


def sync_run_notify(*, run: SyncRun) -> int:
    """E-mails a finished run's summary to its connection's recipients.

    Returns the number of messages sent; a mail server failure is logged, never
    raised (the import itself is done and recorded).
    """
    sync_settings = SyncSettings.objects.filter(connection_id=run.connection_id).first()
    recipients = sync_settings.notify_list if sync_settings else []
    if run.status not in NOTIFIED_STATUSES or not recipients:
        return 0
    try:
        return sync_run_email(run=run, recipients=recipients).send()
    except Exception:
        logger.exception("could not e-mail the summary of import #%s", run.pk)
        return 0

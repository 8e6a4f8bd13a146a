"""Status badges of runs and records (styles in static/autoroster/console.css)."""

from django.utils.html import format_html

from rostering.models import RunStatus

BADGE_CLASSES = {
    RunStatus.QUEUED: "queued",
    RunStatus.RUNNING: "running",
    RunStatus.COMPLETED: "completed",
    RunStatus.COMPLETED_WITH_ERROR: "completed-with-error",
    RunStatus.ERROR: "error",
    RunStatus.SKIPPED: "skipped",
    RunStatus.HELD: "held",
}


def badge_class(status: str) -> str:
    return BADGE_CLASSES.get(status, "queued")


def status_badge(status: str, label: str | None = None) -> str:
    label = label or (RunStatus(status).label if status in RunStatus.values else status)
    return format_html('<span class="status-badge status-{}">{}</span>', badge_class(status), label)

"""Import results: one record per file with its counts and colored status, the row-level
descriptions (with CSV export), held changes to approve, and a troubleshooting page."""

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from audit.services import remote_addr_of
from rostering.admin.base import DistrictScopedAdmin
from rostering.admin.issues import ConnectionFilter
from rostering.models import HeldChange, ImportIssue, ImportRecord, RunStatus
from rostering.sync.held import (
    HeldChangesRefused,
    held_changes_approve,
    held_changes_discard,
    held_changes_outcome,
    held_changes_summary,
    held_changes_superseded_by,
)
from rostering.sync.issues import ISSUE_KINDS
from rostering.troubleshooting import issue_entries, record_error_causes

BADGE_CLASSES = {
    RunStatus.QUEUED: "queued",
    RunStatus.RUNNING: "running",
    RunStatus.COMPLETED: "completed",
    RunStatus.COMPLETED_WITH_ERROR: "completed-with-error",
    RunStatus.ERROR: "error",
    RunStatus.SKIPPED: "skipped",
}
HELD_APPLIED = "Applied {count} held change(s)."
HELD_LEFT = "Discarded {count} held change(s); the data was left as it was."
RESULTS_TITLE = "Import results"
RUN_RESULTS_TITLE = "Import results of import #{run}"
TROUBLESHOOTING_TITLE = "Troubleshooting imports"
FIRST_ISSUES = 20
RESULT_COUNTS = ImportRecord.COUNT_FIELDS[:8]  # held ones are told apart
ERROR_CHARS = 160


def status_badge(status: str, label: str):
    css = BADGE_CLASSES.get(status, "queued")
    return format_html('<span class="status-badge status-{}">{}</span>', css, label)


def run_url(run_id: int) -> str | None:
    """The run page (issue 6); None until that admin is registered."""
    try:
        return reverse("admin:rostering_syncrun_change", args=[run_id])
    except NoReverseMatch:
        return None


def descriptions_url(record_id: int) -> str:
    return reverse("admin:rostering_importissue_changelist") + f"?record={record_id}"


def _duration(start, end) -> str:
    if start is None or end is None:
        return "—"
    seconds = int((end - start) / timedelta(seconds=1))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


def _held_status(status: str):
    return Exists(HeldChange.objects.filter(record=OuterRef("pk"), status=status))


class RunConnectionFilter(ConnectionFilter):
    lookup = "run__connection"


@admin.register(ImportRecord)
class ImportRecordAdmin(DistrictScopedAdmin):
    district_lookup = "run__district"
    read_only_records = True
    list_display = [
        "run_number",
        "file",
        "status_badge",
        "result",
        "started",
        "descriptions",
    ]
    list_display_links = ["file"]
    list_filter = [
        "status",
        "kind",
        RunConnectionFilter,
        ("started_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["run__connection"]
    ordering = ["-run_id", "pk"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["run_number", "connection", "file", "status_badge", "message"]}),
        (None, {"fields": [("started_at", "finished_at", "duration")]}),
        (
            "Counts",
            {
                "fields": [
                    ("received", "created", "updated", "unchanged", "skipped"),
                    ("archived", "restored", "failed", "held_updates", "held_archives"),
                ]
            },
        ),
    ]
    readonly_fields = [
        "run_number",
        "connection",
        "file",
        "status_badge",
        "message",
        "duration",
        *ImportRecord.COUNT_FIELDS,
        "started_at",
        "finished_at",
    ]

    def get_queryset(self, request):
        issues = (
            ImportIssue.objects.filter(record=OuterRef("pk"))
            .order_by()
            .values("record")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                issue_count=Coalesce(Subquery(issues, output_field=IntegerField()), 0),
                held_pending=_held_status(HeldChange.Status.PENDING),
                held_applied=_held_status(HeldChange.Status.APPLIED),
            )
        )

    @admin.display(description="import", ordering="run_id")
    def run_number(self, obj: ImportRecord):
        url = run_url(obj.run_id)
        number = format_html('<a href="{}">#{}</a>', url, obj.run_id) if url else f"#{obj.run_id}"
        return format_html('{}<div class="quiet">{}</div>', number, obj.run.connection.name)

    @admin.display(description="started", ordering="started_at")
    def started(self, obj: ImportRecord):
        if obj.started_at is None:
            return "—"
        when = timezone.localtime(obj.started_at)
        return format_html(
            '{}<div class="quiet">{}, took {}</div>',
            date_format(when, "SHORT_DATE_FORMAT"),
            date_format(when, "TIME_FORMAT"),
            _duration(obj.started_at, obj.finished_at),
        )

    @admin.display(description="connection")
    def connection(self, obj: ImportRecord) -> str:
        return obj.run.connection.name

    @admin.display(description="file", ordering="kind")
    def file(self, obj: ImportRecord) -> str:
        return obj.get_kind_display()

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: ImportRecord):
        return status_badge(obj.status, obj.get_status_display())

    @admin.display(description="held")
    def held(self, obj: ImportRecord):
        total = obj.held_updates + obj.held_archives
        if not total:
            return "—"
        if getattr(obj, "held_pending", False):
            return format_html('<span class="held-pending">{} held, to approve</span>', total)
        return f"{total} held, {'approved' if getattr(obj, 'held_applied', False) else 'discarded'}"

    @admin.display(description="result")
    def result(self, obj: ImportRecord):
        """The non-zero counts in words (the record page shows all); why, for an ERROR."""
        if obj.status == RunStatus.ERROR:
            return format_html('<span class="error-message">{}</span>', obj.message[:ERROR_CHARS])
        counts = format_html_join(
            " · ",
            '<span class="count count-{}">{} {}</span>',
            ((f, getattr(obj, f), f) for f in RESULT_COUNTS if getattr(obj, f)),
        )
        held = self.held(obj) if obj.held_updates + obj.held_archives else ""
        return format_html("{}{}{}", counts or "nothing read", " · " if held else "", held)

    @admin.display(description="duration")
    def duration(self, obj: ImportRecord) -> str:
        return _duration(obj.started_at, obj.finished_at)

    @admin.display(description="actions")
    def descriptions(self, obj: ImportRecord):
        count = getattr(obj, "issue_count", None)
        suffix = f" ({count})" if count else ""
        return format_html(
            '<a class="button descriptions-button" href="{}">Descriptions{}</a>',
            descriptions_url(obj.pk),
            suffix,
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "troubleshooting/",
                view(self.troubleshooting_view),
                name="rostering_importrecord_troubleshooting",
            ),
            path(
                "<path:object_id>/held/approve/",
                view(self.approve_view),
                name="rostering_importrecord_approve",
            ),
            path(
                "<path:object_id>/held/discard/",
                view(self.discard_view),
                name="rostering_importrecord_discard",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        run = request.GET.get("run__id__exact", "")
        title = RUN_RESULTS_TITLE.format(run=run) if run.isdigit() else RESULTS_TITLE
        extra = {"title": title, **(extra_context or {})}
        return super().changelist_view(request, extra)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        record = self.get_object(request, unquote(object_id))
        if record is not None and self.has_view_permission(request, record):
            extra_context = {**self._record_context(request, record), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def _record_context(self, request, record: ImportRecord) -> dict:
        groups = held_changes_summary(record=record)
        can_decide = bool(groups) and self._access(request).can_manage(record.run.district_id)
        return {
            "superseded_by": held_changes_superseded_by(record=record) if groups else None,
            "held_groups": groups,
            "held_outcome": held_changes_outcome(record=record),
            "can_decide": can_decide,
            "first_issues": list(record.issues.all()[:FIRST_ISSUES]),
            "descriptions_url": descriptions_url(record.pk),
            "run_url": run_url(record.run_id),
        }

    def _decide(self, request, object_id: str, decide, done: str):
        record = self.get_object(request, unquote(object_id))  # 404 outside the user's districts
        if not self._access(request).can_manage(record.run.district_id):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            count = decide(record=record, actor=request.user, remote_addr=remote_addr_of(request))
        except HeldChangesRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, done.format(count=count), messages.SUCCESS)
        return redirect("admin:rostering_importrecord_change", record.pk)

    def approve_view(self, request, object_id: str):
        return self._decide(request, object_id, held_changes_approve, HELD_APPLIED)

    def discard_view(self, request, object_id: str):
        return self._decide(request, object_id, held_changes_discard, HELD_LEFT)

    def troubleshooting_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": TROUBLESHOOTING_TITLE,
            "opts": self.model._meta,
            "statuses": [
                status_badge(s, RunStatus(s).label)
                for s in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR, RunStatus.ERROR)
            ],
            "causes": record_error_causes(),
            "issue_kinds": issue_entries(ISSUE_KINDS),
        }
        return TemplateResponse(request, "admin/rostering/troubleshooting.html", context)

"""Import runs in the admin: the run list and the live run page, with each file's
counts (every count a link to its rows) and the held changes banner."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from rostering.admin.badges import badge_class, status_badge
from rostering.admin.base import DistrictScopedAdmin
from rostering.admin.count_links import counts_table, held_review_url
from rostering.admin.held import HeldReviewMixin
from rostering.admin.lists import DistrictFilter
from rostering.admin.undo import RunUndoAdminMixin
from rostering.held_review import run_held_count
from rostering.models import HeldChange, RunStatus, SyncRun
from rostering.record_counts import record_counts_rows
from rostering.times import duration_label, seconds_between, when_words

WAITING_FOR_WORKER = "Waiting for a worker"
STARTING = "Starting"


def stage_words(run: SyncRun) -> str:
    if run.status == RunStatus.QUEUED:
        return WAITING_FOR_WORKER
    return run.stage or STARTING


def sync_run_progress(*, run: SyncRun, now) -> dict:
    """The live numbers of a run, as the run page and its polling endpoint show them."""
    elapsed = seconds_between(run.started_at, run.finished_at or now)
    percent = None
    if run.total:
        percent = min(100, round(100 * run.processed / run.total))
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": run.get_status_display(),
        "status_css": badge_class(run.status),
        "active": run.is_active,
        "stage": stage_words(run) if run.is_active else "",
        "processed": run.processed,
        "total": run.total,
        "percent": percent,
        "elapsed": elapsed,
        "elapsed_label": duration_label(elapsed),
        "heartbeat_age": seconds_between(run.heartbeat_at, now),
        "message": run.message,
    }


def _pending_held():
    held = HeldChange.objects.filter(record__run=OuterRef("pk"), status=HeldChange.Status.PENDING)
    held = held.order_by().values("record__run").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(held, output_field=IntegerField()), 0)


@admin.register(SyncRun)
class SyncRunAdmin(RunUndoAdminMixin, HeldReviewMixin, DistrictScopedAdmin):
    district_lookup = "district"
    read_only_records = True
    list_display = ["run_label", "connection", "started_by", "status_badge", "held", "started_at"]
    list_display += ["duration"]
    # Dates as a filter, not a date hierarchy (a DISTINCT over every run's day).
    list_filter = ["status", "trigger", DistrictFilter, ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["connection__district", "actor"]
    show_full_result_count = False
    search_fields = ["connection__name", "message"]
    fields = ["connection", "started_by", "mode", "year_read", "status_badge", "queued_at"]
    fields += ["started_at"]
    fields += ["finished_at", "duration", "message"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(held_pending=_pending_held())

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj is None or obj.message else [f for f in fields if f != "message"]

    @admin.display(description="import", ordering="pk")
    def run_label(self, obj: SyncRun) -> str:
        return f"Import #{obj.pk}"

    @admin.display(description="started by")
    def started_by(self, obj: SyncRun) -> str:
        who = obj.actor.get_username() if obj.actor_id else ""
        return f"{obj.get_trigger_display()} ({who})" if who else obj.get_trigger_display()

    @admin.display(description="school year")
    def year_read(self, obj: SyncRun) -> str:
        if obj.status == RunStatus.HELD:
            return "Not read: held (below)"
        return obj.school_year or "—"

    @admin.display(description="queued at")
    def queued_at(self, obj: SyncRun) -> str:
        return when_words(obj.created_at)

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: SyncRun) -> str:
        return status_badge(obj.status)

    @admin.display(description="held")
    def held(self, obj: SyncRun) -> str:
        count = getattr(obj, "held_pending", None)
        if count is None:
            count = run_held_count(run=obj)
        if not count:
            return "—"
        url = held_review_url(obj.pk)
        return format_html('<a class="held-pending" href="{}">{} to review</a>', url, f"{count:,}")

    @admin.display(description="duration")
    def duration(self, obj: SyncRun) -> str:
        end = obj.finished_at or (timezone.now() if obj.is_active else None)
        return duration_label(seconds_between(obj.started_at, end))

    def files(self, obj: SyncRun) -> str:
        """Each file's counts, every number a link to the rows it counts."""
        records = list(obj.records.all())
        if not records:
            return ""
        return counts_table(
            [(r, record_counts_rows(r)) for r in records], status=lambda r: status_badge(r.status)
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.progress_view)
        return [
            path("<path:object_id>/progress/", view, name="rostering_syncrun_progress"),
            *self.held_review_urls(),
            *super().get_urls(),
        ]

    def progress_view(self, request, object_id):
        run = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        return JsonResponse(sync_run_progress(run=run, now=timezone.now()))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        run = self.get_object(request, unquote(object_id))
        extra_context["progress"] = sync_run_progress(run=run, now=timezone.now())
        extra_context["progress_url"] = reverse("admin:rostering_syncrun_progress", args=[run.pk])
        extra_context["held_count"] = run_held_count(run=run)
        extra_context["held_url"] = held_review_url(run.pk)
        extra_context["files_table"] = self.files(run)
        extra_context["title"] = f"Import #{run.pk}"  # the connection is the subtitle
        return super().change_view(request, object_id, form_url, extra_context)

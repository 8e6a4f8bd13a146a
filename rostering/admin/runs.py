"""Import runs in the admin: the run list and live run page, pause periods, and the
connection page's Pull button, sync settings inline and schedule columns."""

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django_q.models import Schedule

from audit.services import field_values, remote_addr_of
from rostering.admin.base import AuditedAdmin, DistrictScopedAdmin, DistrictScopedInline
from rostering.admin.undo import RunUndoAdminMixin
from rostering.connection_settings import (
    schedule_pause_delete,
    schedule_pause_save,
    sync_settings_update,
)
from rostering.imports import sync_run_start
from rostering.models import RunStatus, SchedulePause, SyncRun, SyncSettings
from rostering.scheduling import (
    SCHEDULE_PREFIX,
    connection_schedule_sync,
    schedule_name_for,
)
from rostering.sync.runs import ConnectionBusy, ConnectionDisabled

PULL_QUEUED = "Import #{run} queued."
PULL_NOT_MANAGER = "{connection}: only a manager of its district can pull it."
NEXT_IMPORT_OFF = "Off"
FILE_COUNTS = ("received", "created", "updated", "unchanged", "skipped", "archived", "failed")
FILE_HEADINGS = ("File", "Status", *(c.capitalize() for c in FILE_COUNTS))
STATUS_COLORS = {
    RunStatus.QUEUED: "#6b7280",
    RunStatus.RUNNING: "#1d4ed8",
    RunStatus.COMPLETED: "#1b5e20",
    RunStatus.COMPLETED_WITH_ERROR: "#7a8a00",
    RunStatus.ERROR: "#b00020",
    RunStatus.SKIPPED: "#6b7280",
}


def status_badge(status: str) -> str:
    return format_html(
        '<span class="run-status" style="display:inline-block;padding:1px 8px;'
        'border-radius:9px;color:#fff;background:{};white-space:nowrap">{}</span>',
        STATUS_COLORS.get(status, "#6b7280"),
        RunStatus(status).label,
    )


def seconds_between(start, end) -> int | None:
    return int((end - start).total_seconds()) if start and end else None


def duration_label(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"


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
        "status_color": STATUS_COLORS.get(run.status, "#6b7280"),
        "active": run.is_active,
        "stage": run.stage,
        "processed": run.processed,
        "total": run.total,
        "percent": percent,
        "elapsed": elapsed,
        "elapsed_label": duration_label(elapsed),
        "heartbeat_age": seconds_between(run.heartbeat_at, now),
        "message": run.message,
    }


@admin.register(SyncRun)
class SyncRunAdmin(RunUndoAdminMixin, DistrictScopedAdmin):
    district_lookup = "district"
    read_only_records = True
    list_display = [
        "run_label",
        "connection",
        "trigger",
        "status_badge",
        "stage_label",
        "started_at",
        "duration",
    ]
    list_filter = ["status", "trigger", "district"]
    list_select_related = ["connection__district"]
    date_hierarchy = "created_at"
    search_fields = ["connection__name", "message"]
    fields = [
        "connection",
        "trigger",
        "mode",
        "status_badge",
        "actor",
        "created_at",
        "started_at",
        "finished_at",
        "duration",
        "message",
        "files",
    ]
    readonly_fields = fields

    @admin.display(description="import", ordering="pk")
    def run_label(self, obj: SyncRun) -> str:
        return f"Import #{obj.pk}"

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: SyncRun) -> str:
        return status_badge(obj.status)

    @admin.display(description="stage")
    def stage_label(self, obj: SyncRun) -> str:
        if not obj.is_active:
            return "—"
        if obj.total:
            return f"{obj.stage} ({obj.processed:,} of {obj.total:,})"
        return obj.stage or obj.get_status_display()

    @admin.display(description="duration")
    def duration(self, obj: SyncRun) -> str:
        end = obj.finished_at or (timezone.now() if obj.is_active else None)
        return duration_label(seconds_between(obj.started_at, end))

    @admin.display(description="files")
    def files(self, obj: SyncRun) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    r.get_kind_display(),
                    status_badge(r.status),
                    *[getattr(r, c) for c in FILE_COUNTS],
                )
                for r in obj.records.all()
            ),
        )
        if not rows:
            return "—"
        head = format_html_join("", "<th>{}</th>", ((h,) for h in FILE_HEADINGS))
        return format_html(
            '<div style="overflow-x:auto"><table class="run-files"><thead><tr>{}</tr></thead>'
            "<tbody>{}</tbody></table></div>{}",
            head,
            rows,
            self._records_link(obj),
        )

    def _records_link(self, obj: SyncRun) -> str:
        try:
            url = reverse("admin:rostering_importrecord_changelist")
        except NoReverseMatch:
            return ""
        return format_html('<p><a href="{}?run__id__exact={}">Import results</a></p>', url, obj.pk)

    def get_urls(self):
        view = self.admin_site.admin_view(self.progress_view)
        return [
            path("<path:object_id>/progress/", view, name="rostering_syncrun_progress"),
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
        extra_context["title"] = f"Import #{run.pk}"  # the connection is the subtitle
        return super().change_view(request, object_id, form_url, extra_context)


class PauseServices:
    """Pause periods are saved through their services (validated, audited)."""

    def save_object(self, request, obj, *, fields: list[str]) -> None:
        schedule_pause_save(
            pause=obj, actor=request.user, fields=fields, remote_addr=remote_addr_of(request)
        )

    def delete_object(self, request, obj) -> None:
        schedule_pause_delete(pause=obj, actor=request.user, remote_addr=remote_addr_of(request))


@admin.register(SchedulePause)
class SchedulePauseAdmin(PauseServices, AuditedAdmin):
    district_lookup = "connection__district"
    list_display = ["connection", "start_date", "end_date", "reason"]
    list_filter = ["connection__district"]
    list_select_related = ["connection__district"]
    fields = ["connection", "start_date", "end_date", "reason"]


class ZoneTimeInput(forms.TimeInput):
    """A HH:MM box followed by the district's time zone, e.g. "19:00 America/Chicago"."""

    def __init__(self, *, zone: str):
        super().__init__(format="%H:%M", attrs={"size": 6, "placeholder": "19:00"})
        self.zone = zone

    def render(self, name, value, attrs=None, renderer=None):
        box = super().render(name, value, attrs, renderer)
        return format_html('{} <span class="time-zone">{}</span>', box, self.zone)


def next_import_label(when, zone: str) -> str:
    local = when.astimezone(zoneinfo.ZoneInfo(zone))
    return f"{local:%a %b %-d, %H:%M} {zone}"


class SyncSettingsInline(DistrictScopedInline, admin.StackedInline):
    model = SyncSettings
    extra = 1
    max_num = 1
    can_delete = False
    verbose_name_plural = "Sync settings"
    readonly_fields = ["next_import"]
    fieldsets = [
        (
            "What to sync",
            {
                "fields": [
                    ("sync_students", "sync_teachers", "sync_staff", "sync_administrators"),
                    "guardians",
                ]
            },
        ),
        ("Existing accounts", {"fields": ["existing_accounts"]}),
        ("Archive", {"fields": ["archive_missing"]}),
        ("Safeguards", {"fields": ["archive_threshold_pct", "update_threshold_pct"]}),
        ("Notifications", {"fields": ["notify_emails"]}),
        ("Automatic rostering", {"fields": ["daily_import", "daily_time", "next_import"]}),
    ]

    def get_formset(self, request, obj=None, **kwargs):
        zone = obj.district.timezone if obj is not None else "(the district's time zone)"
        kwargs["widgets"] = {"daily_time": ZoneTimeInput(zone=zone)}
        return super().get_formset(request, obj, **kwargs)

    def save_object(self, request, obj, *, fields: list[str]) -> None:
        sync_settings_update(
            connection=obj.connection,
            values=field_values(obj, fields),
            settings=obj,
            actor=request.user,
            remote_addr=remote_addr_of(request),
        )

    @admin.display(description="Next import")
    def next_import(self, obj: SyncSettings) -> str:
        if obj.pk is None:
            return "—"
        schedule = Schedule.objects.filter(name=schedule_name_for(obj.connection_id)).first()
        if schedule is None or schedule.next_run is None:
            return "Not scheduled (tick “Initiate data import daily” and save)"
        return next_import_label(schedule.next_run, obj.connection.district.timezone)


class SchedulePauseInline(PauseServices, DistrictScopedInline, admin.TabularInline):
    model = SchedulePause
    extra = 0
    fields = ["start_date", "end_date", "reason"]
    verbose_name_plural = "Pause periods (daily imports are skipped on these days)"


class ConnectionRunsAdminMixin:
    """Pull (button and action), sync settings and pauses, last and next import."""

    @admin.action(description="Pull — import the selected connections now", permissions=["change"])
    def pull(self, request, queryset):
        for connection in queryset.select_related("district"):
            if not self.has_change_permission(request, connection):
                message = PULL_NOT_MANAGER.format(connection=connection)
                self.message_user(request, message, messages.ERROR)
                continue
            self._pull_one(request, connection)

    def _pull_one(self, request, connection) -> SyncRun | None:
        try:
            run = sync_run_start(
                connection=connection, actor=request.user, trigger=SyncRun.Trigger.MANUAL
            )
        except (ConnectionBusy, ConnectionDisabled) as exc:
            self.message_user(request, str(exc), messages.WARNING)
            return None
        url = reverse("admin:rostering_syncrun_change", args=[run.pk])
        message = format_html('<a href="{}">{}</a>', url, PULL_QUEUED.format(run=run.pk))
        self.message_user(request, message, messages.SUCCESS)
        return run

    def pull_view(self, request, object_id):
        connection = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, connection):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        run = self._pull_one(request, connection)
        if run is None:
            return redirect("admin:connections_connection_change", connection.pk)
        return redirect("admin:rostering_syncrun_change", run.pk)

    def get_urls(self):
        view = self.admin_site.admin_view(self.pull_view)
        return [
            path("<path:object_id>/pull/", view, name="connections_connection_pull"),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        runs = SyncRun.objects.filter(connection=OuterRef("pk")).order_by("-created_at", "-pk")
        schedule_name = Concat(Value(SCHEDULE_PREFIX), Cast(OuterRef("pk"), CharField()))
        schedules = Schedule.objects.filter(name=schedule_name)
        return (
            super()
            .get_queryset(request)
            .annotate(
                last_run_id=Subquery(runs.values("pk")[:1]),
                last_run_status=Subquery(runs.values("status")[:1]),
                next_import_at=Subquery(schedules.values("next_run")[:1]),
            )
        )

    @admin.display(description="last import")
    def last_import(self, obj) -> str:
        if getattr(obj, "last_run_id", None) is None:
            return "Never"
        url = reverse("admin:rostering_syncrun_change", args=[obj.last_run_id])
        return format_html(
            '<a href="{}">#{}</a> {}', url, obj.last_run_id, status_badge(obj.last_run_status)
        )

    @admin.display(description="next import")
    def next_import(self, obj) -> str:
        when = getattr(obj, "next_import_at", None)
        if when is None:
            return NEXT_IMPORT_OFF
        zone = obj.district.timezone
        local = when.astimezone(zoneinfo.ZoneInfo(zone))
        return format_html('{}<br><span class="quiet">{}</span>', f"{local:%a %b %-d, %H:%M}", zone)

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            management = f"{formset.get_default_prefix()}-TOTAL_FORMS"
            if request.method == "POST" and management not in request.POST:
                continue  # a client that does not send a section leaves it unchanged
            yield formset, inline

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        connection_schedule_sync(connection=form.instance)

"""The connection page's imports: Pull and Pull changes only (button and action), the
sync settings and pause periods inlines, and the last and next import columns."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django_q.models import Schedule

from audit.services import field_values, remote_addr_of
from rostering.access import request_district_access
from rostering.admin.badges import status_badge
from rostering.admin.base import AuditedAdmin, DistrictScopedInline
from rostering.connection_settings import (
    schedule_pause_delete,
    schedule_pause_save,
    sync_settings_update,
)
from rostering.imports import sync_run_start
from rostering.models import SchedulePause, SyncRun, SyncSettings
from rostering.scheduling import (
    SCHEDULE_PREFIX,
    NextImport,
    connection_next_import,
    connection_schedule_sync,
    schedule_name_for,
)
from rostering.sync.runs import ConnectionBusy, ConnectionDisabled
from rostering.times import local_time

PULL_QUEUED = "Import #{run} queued."
PULL_DELTA_QUEUED = "Import #{run} queued: only the records changed in Aeries since the last one."
PULL_NOT_MANAGER = "{connection}: only a manager of its district can pull it."
NEXT_IMPORT_OFF = "Off"
NOT_SCHEDULED = "Not scheduled: “Initiate data import daily” is off"
PAUSED_NOTE = "after the pause {pause}"


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
        if self.zone == timezone.get_current_timezone_name():
            return box  # the page names its zone once, in the header
        return format_html('{} <span class="time-zone">{}</span>', box, self.zone)


def next_import_words(next_import: NextImport | None, zone: str) -> str:
    """ "Tue Sep 1, 19:00 (after the pause Jun 15, 2026 to Aug 31, 2026 (Summer break))"."""
    if next_import is None:
        return NEXT_IMPORT_OFF
    text = local_time(next_import.at, zone)
    if next_import.skipped:
        text += " (" + PAUSED_NOTE.format(pause=next_import.skipped[-1]) + ")"
    return text


def _scheduled(connection_id: int):
    schedule = Schedule.objects.filter(name=schedule_name_for(connection_id)).first()
    return schedule.next_run if schedule is not None else None


def _new_connection_zone(request) -> str:
    """The Add page's zone: the user's districts' when they share one."""
    zones = set(request_district_access(request).zones or ())
    return zones.pop() if len(zones) == 1 else "(the district's time zone)"


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
        zone = obj.district.timezone if obj is not None else _new_connection_zone(request)
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
        scheduled = _scheduled(obj.connection_id)
        if scheduled is None:
            return NOT_SCHEDULED
        connection = obj.connection
        when = connection_next_import(connection=connection, scheduled=scheduled)
        return next_import_words(when, connection.district.timezone)


class SchedulePauseInline(PauseServices, DistrictScopedInline, admin.TabularInline):
    model = SchedulePause
    extra = 0
    fields = ["start_date", "end_date", "reason"]
    verbose_name_plural = "Pause periods (daily imports are skipped on these days)"


class ConnectionRunsAdminMixin:
    """Pull and Pull changes only (button and action), sync settings and pauses, last and
    next import."""

    @admin.action(description="Pull — import the selected connections now", permissions=["change"])
    def pull(self, request, queryset):
        for connection in queryset.select_related("district"):
            if not self.has_change_permission(request, connection):
                message = PULL_NOT_MANAGER.format(connection=connection)
                self.message_user(request, message, messages.ERROR)
                continue
            self._pull_one(request, connection)

    def _pull_one(self, request, connection, mode: str = SyncRun.Mode.FULL) -> SyncRun | None:
        try:
            run = sync_run_start(
                connection=connection, actor=request.user, trigger=SyncRun.Trigger.MANUAL, mode=mode
            )
        except (ConnectionBusy, ConnectionDisabled) as exc:
            self.message_user(request, str(exc), messages.WARNING)
            return None
        url = reverse("admin:rostering_syncrun_change", args=[run.pk])
        text = PULL_DELTA_QUEUED if run.mode == SyncRun.Mode.DELTA else PULL_QUEUED
        message = format_html('<a href="{}">{}</a>', url, text.format(run=run.pk))
        self.message_user(request, message, messages.SUCCESS)
        return run

    def _pull_view(self, request, object_id, mode: str):
        connection = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, connection):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        run = self._pull_one(request, connection, mode)
        if run is None:
            return redirect("admin:connections_connection_change", connection.pk)
        return redirect("admin:rostering_syncrun_change", run.pk)

    def pull_view(self, request, object_id):
        return self._pull_view(request, object_id, SyncRun.Mode.FULL)

    def pull_delta_view(self, request, object_id):
        return self._pull_view(request, object_id, SyncRun.Mode.DELTA)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/pull/", view(self.pull_view), name="connections_connection_pull"
            ),
            path(
                "<path:object_id>/pull/changes/",
                view(self.pull_delta_view),
                name="connections_connection_pull_delta",
            ),
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
            '{}<div class="quiet"><a href="{}">import #{}</a></div>',
            status_badge(obj.last_run_status), url, obj.last_run_id,
        )  # fmt: skip

    @admin.display(description="next import")
    def next_import(self, obj) -> str:
        when = connection_next_import(
            connection=obj, scheduled=getattr(obj, "next_import_at", None)
        )
        return next_import_words(when, obj.district.timezone)

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            management = f"{formset.get_default_prefix()}-TOTAL_FORMS"
            if request.method == "POST" and management not in request.POST:
                continue  # a client that does not send a section leaves it unchanged
            yield formset, inline

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        connection_schedule_sync(connection=form.instance)

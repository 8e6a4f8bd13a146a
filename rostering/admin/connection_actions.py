"""The connection page's other actions: Preview changes (a dry run listing who would be
created, updated, archived, restored or held), Retire / Enable instead of a delete the
import history blocks, the warning that two connections import the same SIS, and a
list that fits 1366 px."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html

from audit.services import remote_addr_of
from rostering.admin.badges import status_badge
from rostering.connection_settings import connection_enabled_set
from rostering.health import duplicate_warning
from rostering.imports import sync_run_preview_changes
from rostering.models import SyncRun
from rostering.preview import ROWS_SHOWN
from rostering.sync.runs import ConnectionBusy, ConnectionDisabled
from rostering.times import local_time

PREVIEW_TITLE = "Preview of an import of {connection}"
RETIRED = (
    "{connection} is retired: it is no longer imported (its daily import is off) and keeps "
    "its import history. Enable it again at any time."
)
ENABLED = "{connection} is enabled again."
KIND_SHORT = {"oneroster": "OneRoster", "aeries_api": "Aeries API (certificate)"}
# Rows a connection owns: deleting it removes them with it (the people stay).
OWNED_MODELS = {
    "import run", "import result", "held change", "description", "SIS school", "pause period",
    "sync settings", "roster change",
}  # fmt: skip


class ConnectionActionsMixin:
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/preview/",
                view(self.preview_view),
                name="connections_connection_preview",
            ),
            path(
                "<path:object_id>/enabled/",
                view(self.enabled_view),
                name="connections_connection_enabled",
            ),
            *super().get_urls(),
        ]

    def _managed(self, request, object_id):
        connection = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, connection):
            raise PermissionDenied
        if request.method != "POST":
            raise _NotPost
        return connection

    def preview_view(self, request, object_id):
        try:
            connection = self._managed(request, object_id)
        except _NotPost:
            return HttpResponseNotAllowed(["POST"])
        mode = SyncRun.Mode.DELTA if request.POST.get("mode") == "delta" else SyncRun.Mode.FULL
        try:
            report, files = sync_run_preview_changes(
                connection=connection, actor=request.user, mode=mode
            )
        except (ConnectionBusy, ConnectionDisabled) as exc:
            self.message_user(request, str(exc), messages.WARNING)
            return redirect("admin:connections_connection_change", connection.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": PREVIEW_TITLE.format(connection=connection.name),
            "opts": self.model._meta,
            "original": connection,
            "report": report,
            "files": files,
            "status": status_badge(report.status),
            "rows_shown": ROWS_SHOWN,
        }
        return TemplateResponse(request, "admin/connections/connection/preview.html", context)

    def enabled_view(self, request, object_id):
        try:
            connection = self._managed(request, object_id)
        except _NotPost:
            return HttpResponseNotAllowed(["POST"])
        enabled = request.POST.get("enabled") == "1"
        connection_enabled_set(connection=connection, enabled=enabled, actor=request.user,
                               remote_addr=remote_addr_of(request))  # fmt: skip
        text = ENABLED if enabled else RETIRED
        self.message_user(request, text.format(connection=connection.name), messages.SUCCESS)
        return redirect("admin:connections_connection_change", connection.pk)

    def get_deleted_objects(self, objs, request):
        """A manager may delete a connection with its own history (a test connection):
        its runs, results and SIS schools go with it, the people stay."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if all(self.has_delete_permission(request, obj) for obj in objs):
            perms_needed = {p for p in perms_needed if p not in OWNED_MODELS}
        return deleted, counts, perms_needed, protected

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["duplicate_warning"] = duplicate_warning(connection=obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_list_display(self, request):
        shown = ["name_and_kind", "base_url", "test_state", "last_import", "next_import"]
        if self._access(request).readable is None:
            shown.insert(1, "district")
        return shown

    @admin.display(description="connection", ordering="name")
    def name_and_kind(self, obj):
        state = "" if obj.enabled else " (retired)"
        warning = duplicate_warning(connection=obj)
        return format_html(
            '<strong>{}</strong>{}<div class="quiet">{}</div>{}',
            obj.name, state, KIND_SHORT.get(obj.kind, obj.get_kind_display()),
            format_html('<div class="duplicate-warning">{}</div>', warning) if warning else "",
        )  # fmt: skip

    @admin.display(description="last test")
    def test_state(self, obj):
        if obj.last_test_at is None:
            return "Not tested"
        state = "Healthy" if obj.last_test_ok else "Failing"
        when = local_time(obj.last_test_at, obj.district.timezone, fmt="%b %-d, %H:%M")
        return format_html('{}<div class="quiet">{}</div>', state, when)


class _NotPost(Exception):
    pass

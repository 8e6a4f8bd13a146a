"""The audit trail, read-only and in words: who did what, when, to which object, each
change as "Label: old → new"; filtered by connection and action, exported as CSV."""

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

from audit.models import AuditEvent
from rostering.admin.base import DistrictScopedAdmin
from rostering.admin.csv_export import csv_response
from rostering.admin.issues import ConnectionFilter
from rostering.admin.lists import DistrictFilter, FixedChoicesFilter
from rostering.audit_words import audit_change_words, audit_summary

AUDIT_TITLE = "Audit trail"
AUDITED_APPS = ("auth", "connections", "rostering")
CSV_HEADER = ("When", "District", "Who", "What", "Object", "Changes", "Message", "From address")


class AuditConnectionFilter(ConnectionFilter):
    """Events about a connection and everything it owns (settings, pauses, schools, runs)."""

    def queryset(self, request, queryset):
        value = self.value()
        if not (value and value.isdigit()):
            return queryset
        # Events written before events named their connection: the connection's own.
        return queryset.filter(
            Q(connection_id=int(value)) | Q(object_type="connection", object_id=value)
        )


class ObjectTypeFilter(FixedChoicesFilter):
    """The kinds of objects the console's pages change (events name their model), listed
    without reading the trail."""

    title = "object type"
    parameter_name = "object_type__exact"
    field = "object_type"

    def lookups(self, request, model_admin):
        names = {
            str(model._meta.verbose_name)
            for label in AUDITED_APPS
            for model in apps.get_app_config(label).get_models()
        }
        return [(name, capfirst(name)) for name in sorted(names)]  # "Sync settings"


@admin.register(AuditEvent)
class AuditEventAdmin(DistrictScopedAdmin):
    read_only_records = True
    list_display = ["when", "who", "what", "about", "change_words"]
    # Dates as a filter, not a date hierarchy (a DISTINCT over every event's day).
    list_filter = [
        "action",
        AuditConnectionFilter,
        ObjectTypeFilter,
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["actor_label", "object_repr", "message"]
    search_help_text = "Search by who, object or message."
    show_full_result_count = False
    fields = ["when", "district_name", "who", "remote_addr", "what", "about"]
    fields += ["change_words", "message"]
    readonly_fields = fields

    def get_queryset(self, request):
        # An update that changed nothing (a page saved for its inlines) says nothing.
        empty = Q(action=AuditEvent.Action.UPDATE, changes={}, message="")
        return super().get_queryset(request).exclude(empty)

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        return [*filters, DistrictFilter] if self._access(request).readable is None else filters

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        return [*shown, "district_name"] if self._access(request).readable is None else shown

    @admin.display(description="when", ordering="created_at")
    def when(self, obj: AuditEvent):
        return obj.created_at

    @admin.display(description="who", ordering="actor_label")
    def who(self, obj: AuditEvent) -> str:
        return obj.actor_label

    @admin.display(description="what", ordering="action")
    def what(self, obj: AuditEvent) -> str:
        return audit_summary(obj)

    @admin.display(description="about", ordering="object_repr")
    def about(self, obj: AuditEvent) -> str:
        return obj.object_repr or "—"

    @admin.display(description="changes")
    def change_words(self, obj: AuditEvent):
        words = audit_change_words(obj)
        if not words:
            return obj.message or "—"
        items = format_html_join("", "<li>{}</li>", ((w,) for w in words))
        message = format_html('<div class="quiet">{}</div>', obj.message) if obj.message else ""
        return format_html('<ul class="field-changes">{}</ul>{}', items, message)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_view)
        return [path("export/", export, name="audit_auditevent_export"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": AUDIT_TITLE, **(extra_context or {})})

    def export_view(self, request):
        """The filtered trail (the list's query string) as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        events = self.get_changelist_instance(request).queryset
        name = f"audit-trail-{timezone.localtime():%Y-%m-%d_%Hh%M}.csv"
        return csv_response(_csv_rows(events), name)


def _csv_rows(events):
    yield list(CSV_HEADER)
    for event in events.iterator(chunk_size=2000):
        yield [
            timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S %Z"),
            event.district_name,
            event.actor_label,
            audit_summary(event),
            event.object_repr,
            "; ".join(audit_change_words(event)),
            event.message,
            event.remote_addr or "",
        ]

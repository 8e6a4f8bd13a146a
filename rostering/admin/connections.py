from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from audit.services import remote_addr_of
from connections.connection_test import connection_test
from connections.forms import ConnectionForm
from connections.models import Connection
from connections.services import connection_delete, connection_save, connection_snapshot
from rostering.admin.base import DistrictScopedAdmin, ServiceInlinesAdmin
from rostering.admin.connection_actions import ConnectionActionsMixin
from rostering.admin.connection_runs import (
    ConnectionRunsAdminMixin,
    SchedulePauseInline,
    SyncSettingsInline,
)
from rostering.admin.connection_typed_test import ConnectionTypedTestMixin
from rostering.admin.rules import ConnectionRulesMixin
from rostering.admin.school_year import ConnectionYearAdminMixin
from rostering.scheduling import connection_schedule_remove
from rostering.schools import sis_schools_unmapped_count

SECRET_POST_FIELDS = ("new_client_secret", "new_certificate")
ADVANCED_FIELDSET = (
    "Advanced",
    {
        "fields": ["token_url", "api_root", "relationship_codes"],
        "classes": ["collapse"],
        "description": "Leave blank for Aeries. For another OneRoster server, its token URL "
        "and API root; for the Aeries API, what contact relationship codes mean.",
    },
)
SCHOOL_YEAR_FIELDSET = ("School year", {"fields": ["school_year_report"]})
NEW_CONNECTION_HIDDEN = ("Last connection test", "School year")  # nothing to show yet
TEST_HEALTHY = "{connection}: connection healthy. {message}"
TEST_FAILING = "{connection}: connection failing. {message}"


@admin.register(Connection)
class ConnectionAdmin(
    ConnectionRulesMixin,
    ConnectionTypedTestMixin,
    ConnectionYearAdminMixin,
    ConnectionActionsMixin,
    ConnectionRunsAdminMixin,
    ServiceInlinesAdmin,
    DistrictScopedAdmin,
):
    form = ConnectionForm
    list_display = ["name", "district", "kind", "base_url", "enabled", "last_test_status"]
    list_display += ["last_import", "next_import"]
    inlines = [SyncSettingsInline, SchedulePauseInline]
    list_filter = ["kind", "enabled", "district"]
    search_fields = ["name", "base_url", "client_id"]
    readonly_fields = ["last_test_at", "last_test_report", "school_ids", "school_year_report"]
    actions = ["test_connections", "pull"]
    fieldsets = [
        (None, {"fields": ["district", "name", "kind", "enabled"]}),
        (
            "Aeries credentials",
            {
                "fields": [
                    "base_url",
                    "client_id",
                    "new_client_secret",
                    "new_certificate",
                    "school_codes",
                ]
            },
        ),
        ADVANCED_FIELDSET,
        ("Last connection test", {"fields": ["last_test_at", "last_test_report"]}),
        SCHOOL_YEAR_FIELDSET,
        ("Notes", {"fields": ["notes"], "classes": ["collapse"]}),
    ]
    # Reviewers read a connection without any secret field on the page.
    reviewer_fieldsets = [
        (None, {"fields": ["district", "name", "kind", "enabled"]}),
        ("Aeries credentials", {"fields": ["base_url", "client_id", "school_ids"]}),
        ADVANCED_FIELDSET,
        ("Last connection test", {"fields": ["last_test_at", "last_test_report"]}),
        SCHOOL_YEAR_FIELDSET,
        ("Notes", {"fields": ["notes"]}),
    ]

    @admin.display(description="Last test", boolean=False)
    def last_test_status(self, obj: Connection) -> str:
        if obj.last_test_at is None:
            return "Not tested"
        return "Healthy" if obj.last_test_ok else "Failing"

    @admin.display(description="Result")
    def last_test_report(self, obj: Connection) -> str:
        if not obj.last_test_message:
            return "Not tested yet."
        return format_html(
            '<pre style="margin:0;white-space:pre-wrap">{}</pre>', obj.last_test_message
        )

    @admin.display(description="School ID(s)")
    def school_ids(self, obj: Connection) -> str:
        return ", ".join(obj.school_code_list) or "Every school the API entry can see"

    def _test_one(self, request, connection: Connection) -> None:
        report = connection_test(
            connection=connection, actor=request.user, remote_addr=remote_addr_of(request)
        )
        template, level = (TEST_HEALTHY, messages.SUCCESS) if report.healthy else (
            TEST_FAILING, messages.ERROR)  # fmt: skip
        text = report.message + (f" Fix: {report.fix}" if report.fix else "")
        self.message_user(request, template.format(connection=connection, message=text), level)

    @admin.action(description="Test connection", permissions=["change"])
    def test_connections(self, request, queryset):
        for connection in queryset:
            self._test_one(request, connection)

    def get_urls(self):
        view = self.admin_site.admin_view(require_POST(self.test_view))
        return [
            path("<path:object_id>/test/", view, name="connections_connection_test"),
            *super().get_urls(),
        ]

    def test_view(self, request, object_id):
        connection = self.get_object(request, object_id)
        if not self.has_change_permission(request, connection):
            raise PermissionDenied
        self._test_one(request, connection)
        return HttpResponseRedirect(
            reverse("admin:connections_connection_change", args=[connection.pk])
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["unmapped_schools"] = sis_schools_unmapped_count(connection=obj)
            context["can_manage"] = self.has_change_permission(request, obj)
            context["test_typed_url"] = reverse(
                "admin:connections_connection_test_typed", args=[obj.pk]
            )
        elif self.has_add_permission(request):
            context["can_manage"] = True
            context["test_typed_url"] = reverse("admin:connections_connection_test_typed_add")
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [fs for fs in self.fieldsets if fs[0] not in NEW_CONNECTION_HIDDEN]
        if not self.has_change_permission(request, obj):
            return self.with_rules_fieldset(self.reviewer_fieldsets)
        return self.with_rules_fieldset(self.fieldsets)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        managed = self._access(request).managed
        if managed is not None and len(managed) == 1:
            initial.setdefault("district", next(iter(managed)))
        return initial

    @method_decorator(sensitive_post_parameters(*SECRET_POST_FIELDS))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    # The debug error page shows a failing frame's variables: never the typed secrets.
    @method_decorator(sensitive_variables("form"))
    def save_model(self, request, obj, form, change):
        before = connection_snapshot(Connection.objects.get(pk=obj.pk)) if change else None
        if form.url_message:
            self.message_user(request, form.url_message, messages.INFO)
        connection_save(
            connection=obj,
            actor=request.user,
            before=before,
            new_secret=form.cleaned_data.get("new_client_secret", ""),
            new_certificate=form.cleaned_data.get("new_certificate", ""),
            remote_addr=remote_addr_of(request),
        )

    def delete_model(self, request, obj):
        connection_id = obj.pk
        connection_delete(connection=obj, actor=request.user, remote_addr=remote_addr_of(request))
        connection_schedule_remove(connection_id=connection_id)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

"""The audit trail, read-only."""

from django.contrib import admin

from audit.models import AuditEvent
from rostering.admin.base import DistrictScopedAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(DistrictScopedAdmin):
    read_only_records = True
    list_display = ["created_at", "actor_label", "action", "object_type", "object_repr", "district"]
    list_filter = ["action", "object_type", "district"]
    search_fields = ["actor_label", "object_repr", "message"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "district",
        "actor_label",
        "remote_addr",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "changes",
        "message",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

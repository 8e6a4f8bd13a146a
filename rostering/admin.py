from django.contrib import admin

from rostering.admin_base import AuditedAdmin, DistrictScopedAdmin
from rostering.models import AuditEvent, District, Membership, School

admin.site.site_header = "Autoroster"
admin.site.site_title = "Autoroster"
admin.site.index_title = "Rostering console"


class SchoolInline(admin.TabularInline):
    model = School
    extra = 0
    fields = ["name", "code"]

    def has_change_permission(self, request, obj=None):
        return self.admin_site._registry[District].has_change_permission(request, obj)

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


@admin.register(District)
class DistrictAdmin(AuditedAdmin):
    district_lookup = "self"
    list_display = ["name", "timezone", "active"]
    search_fields = ["name"]
    readonly_fields = ["slug", "created_at"]
    fields = ["name", "slug", "timezone", "active", "created_at"]
    inlines = [SchoolInline]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(School)
class SchoolAdmin(AuditedAdmin):
    list_display = ["name", "code", "district"]
    list_filter = ["district"]
    search_fields = ["name", "code"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    """Vendor support grants roles; district members can see who has access."""

    list_display = ["user", "district", "role"]
    list_filter = ["role", "district"]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


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

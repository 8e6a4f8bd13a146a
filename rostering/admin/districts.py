"""Districts, their vendor schools and who may manage or review them."""

from django.contrib import admin

from audit.services import audited_delete, remote_addr_of
from rostering.admin.base import AuditedAdmin, DistrictScopedInline
from rostering.admin.rollover import YearArchiveAdminMixin
from rostering.districts import (
    district_save,
    membership_delete,
    membership_save,
    school_delete,
    school_save,
)
from rostering.models import District, Membership, School


class SchoolServices:
    """Vendor schools are added, changed and removed through their audited services."""

    def save_object(self, request, obj, *, fields: list[str]) -> None:
        school_save(school=obj, actor=request.user, fields=fields,
                    remote_addr=remote_addr_of(request))  # fmt: skip

    def delete_object(self, request, obj) -> None:
        school_delete(school=obj, actor=request.user, remote_addr=remote_addr_of(request))


class SchoolInline(SchoolServices, DistrictScopedInline, admin.TabularInline):
    model = School
    extra = 0
    fields = ["name", "code"]
    parent_district_lookup = "self"


@admin.register(District)
class DistrictAdmin(YearArchiveAdminMixin, AuditedAdmin):
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

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_manage"] = obj is not None and self.has_change_permission(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_object(self, request, obj, *, fields: list[str]) -> None:
        district_save(district=obj, actor=request.user, fields=fields,
                      remote_addr=remote_addr_of(request))  # fmt: skip

    def delete_object(self, request, obj) -> None:
        # The district's audit trail stays (with its name); everything else goes with it.
        audited_delete(obj=obj, actor=request.user, remote_addr=remote_addr_of(request))


@admin.register(School)
class SchoolAdmin(SchoolServices, AuditedAdmin):
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

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_manage"] = obj is not None and self.has_change_permission(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_object(self, request, obj, *, fields: list[str]) -> None:
        membership_save(membership=obj, actor=request.user, fields=fields,
                        remote_addr=remote_addr_of(request))  # fmt: skip

    def delete_object(self, request, obj) -> None:
        membership_delete(membership=obj, actor=request.user, remote_addr=remote_addr_of(request))

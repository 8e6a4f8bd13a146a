"""District scoping for every admin: managers change their district, reviewers read it."""

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.db import transaction
from django.http import Http404

from rostering.access import request_district_access
from rostering.audit import audit_changes, audit_record, remote_addr_of
from rostering.models import AuditEvent


def district_id_of(obj, lookup: str) -> int | None:
    """Follows a lookup such as "connection__district" to the district id."""
    *path, last = lookup.split("__")
    for name in path:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


class DistrictScopedAdmin(admin.ModelAdmin):
    """Scopes lists, pages and choices to the user's districts.

    `district_lookup` names the path from the model to its District. Objects of
    another district answer 404, never data.
    """

    district_lookup = "district"
    read_only_records = False  # run records and the audit log: nobody edits them

    def _access(self, request):
        return request_district_access(request)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        access = self._access(request)
        if access.readable is None:
            return queryset
        if self.district_lookup == "self":
            return queryset.filter(pk__in=access.readable)
        return queryset.filter(**{f"{self.district_lookup}__in": access.readable})

    def get_list_filter(self, request):
        # A plain relation filter lists every row of the related table (every
        # district's name); related-only lists those of the user's own objects.
        filters = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str) and get_fields_from_path(self.model, entry)[-1].is_relation:
                entry = (entry, admin.RelatedOnlyFieldListFilter)
            filters.append(entry)
        return filters

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such object in your districts.")
        return obj

    def _district_of(self, obj) -> int | None:
        return (
            obj.pk if self.district_lookup == "self" else district_id_of(obj, self.district_lookup)
        )

    def has_module_permission(self, request):
        return self._access(request).is_member

    def has_view_permission(self, request, obj=None):
        access = self._access(request)
        return access.is_member and (obj is None or access.can_read(self._district_of(obj)))

    def has_change_permission(self, request, obj=None):
        access = self._access(request)
        if self.read_only_records or not access.manages_any:
            return False
        return obj is None or access.can_manage(self._district_of(obj))

    def has_add_permission(self, request):
        return not self.read_only_records and self._access(request).manages_any

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        access = self._access(request)
        model = db_field.related_model
        if access.managed is not None:
            if model._meta.label == "rostering.District":
                kwargs["queryset"] = model.objects.filter(pk__in=access.managed)
            elif hasattr(model, "district"):
                kwargs["queryset"] = model.objects.filter(district__in=access.managed)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _field_values(obj, fields) -> dict:
    return {name: getattr(obj, name, None) for name in fields}


class AuditedAdmin(DistrictScopedAdmin):
    """Writes an audit event for every save and delete made through the admin."""

    def save_model(self, request, obj, form, change):
        fields = [f for f in form.changed_data if hasattr(obj, f)]
        before = {}
        if change:
            before = _field_values(type(obj).objects.get(pk=obj.pk), fields)
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                action=AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE,
                obj=obj,
                district_id=self._district_of(obj),
                changes=audit_changes(before=before, after=_field_values(obj, fields)),
                remote_addr=remote_addr_of(request),
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(
                actor=request.user,
                action=AuditEvent.Action.DELETE,
                obj=obj,
                district_id=self._district_of(obj),
                remote_addr=remote_addr_of(request),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

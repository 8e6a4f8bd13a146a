"""District scoping for every admin: managers change their district, reviewers read it."""

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.core.exceptions import BadRequest
from django.db import transaction
from django.http import Http404
from django.template.response import SimpleTemplateResponse
from django.utils import timezone
from django.utils.text import capfirst

from audit.services import audited_delete, audited_save, remote_addr_of
from rostering.access import request_district_access
from rostering.admin.lists import CappedCountPaginator
from rostering.models import District

LIST_PARAMETERS_INVALID = (
    "This list cannot show these filter values ({error}); open the list again from the menu."
)


def district_id_of(obj, lookup: str) -> int | None:
    """Follows a lookup such as "connection__district" to the district id."""
    *path, last = lookup.split("__")
    for name in path:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


class ListValuesChecked:
    """A list's filter values the database cannot use answer 400, not 500.

    Values Django's list does not check itself fail while it is built and counted: a
    year out of datetime's range, an id too large for the database's integers. (A NUL
    character never gets here: QueryStringHygieneMiddleware refuses it.)
    """

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except (ValueError, OverflowError) as exc:
            raise BadRequest(LIST_PARAMETERS_INVALID.format(error=exc)) from exc


class DistrictScopedAdmin(ListValuesChecked, admin.ModelAdmin):
    """Scopes lists, pages and choices to the user's districts.

    `district_lookup` names the path from the model to its District. Objects of
    another district answer 404, never data.
    """

    district_lookup = "district"
    read_only_records = False  # run records and the audit log: nobody edits them
    paginator = CappedCountPaginator  # a list counts at most 10,000 rows (lists.py)

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

    def changelist_view(self, request, extra_context=None):
        """A list is titled by what it lists ("Enrollments"), not Django's "Select
        enrollment to view"; a list that gives its own title keeps it."""
        title = capfirst(self.model._meta.verbose_name_plural)
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such object in your districts.")
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """An object's page in its district's time zone (vendor support spans zones)."""
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        district_id = self._district_of(obj) if obj is not None else None
        zone = District.objects.filter(pk=district_id).values_list("timezone", flat=True).first()
        if zone is None:
            return super().change_view(request, object_id, form_url, extra_context)
        with timezone.override(zone):
            response = super().change_view(request, object_id, form_url, extra_context)
            if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                response.render()
        return response

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


class AuditedObjects:
    """save_object / delete_object: the services a page or inline saves its rows
    through. The default is the audited save; pages with a service of their own
    (sync settings, pause periods) override them."""

    def save_object(self, request, obj, *, fields: list[str]) -> None:
        audited_save(obj=obj, actor=request.user, fields=fields,
                     remote_addr=remote_addr_of(request))  # fmt: skip

    def delete_object(self, request, obj) -> None:
        audited_delete(obj=obj, actor=request.user, remote_addr=remote_addr_of(request))


class DistrictScopedInline(AuditedObjects):
    """An inline whose permissions follow its parent page's district (the parent object
    Django passes in): managers change, reviewers read. Its rows are saved through
    `save_object` / `delete_object`, services that write their audit event."""

    parent_district_lookup = "district"  # from the parent object to its district

    def _parent_allows(self, request, obj, *, manage: bool) -> bool:
        access = request_district_access(request)
        if obj is None:
            return access.manages_any if manage else access.is_member
        lookup = self.parent_district_lookup
        district_id = obj.pk if lookup == "self" else district_id_of(obj, lookup)
        return access.can_manage(district_id) if manage else access.can_read(district_id)

    def has_view_permission(self, request, obj=None):
        return self._parent_allows(request, obj, manage=False)

    def has_change_permission(self, request, obj=None):
        return self._parent_allows(request, obj, manage=True)

    def has_add_permission(self, request, obj=None):
        return self._parent_allows(request, obj, manage=True)

    def has_delete_permission(self, request, obj=None):
        return self._parent_allows(request, obj, manage=True)


def formset_fields(formset, obj) -> list[str]:
    """The model fields a formset's forms edit."""
    return [name for name in formset.form.base_fields if hasattr(obj, name) and name != "id"]


class ServiceInlinesAdmin:
    """Saves every inline row through its inline's services (never a bare save)."""

    def save_formset(self, request, form, formset, change):
        inline = next(
            i for i in self.get_inline_instances(request, form.instance)
            if i.model is formset.model
        )  # fmt: skip
        formset.save(commit=False)
        with transaction.atomic():
            for obj in formset.deleted_objects:
                inline.delete_object(request, obj)
            for obj in formset.new_objects:
                inline.save_object(request, obj, fields=formset_fields(formset, obj))
            for obj, changed in formset.changed_objects:
                inline.save_object(request, obj, fields=list(changed))
            formset.save_m2m()


class AuditedAdmin(AuditedObjects, ServiceInlinesAdmin, DistrictScopedAdmin):
    """Every save and delete made through the page, its inlines' included, goes through
    a service that writes its audit event (AuditedObjects)."""

    def save_model(self, request, obj, form, change):
        fields = [f for f in form.changed_data if hasattr(obj, f)]
        self.save_object(request, obj, fields=fields)

    def delete_model(self, request, obj):
        self.delete_object(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

"""SIS schools and the Map schools page."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from audit.services import remote_addr_of
from connections.models import Connection
from rostering.admin.base import DistrictScopedAdmin
from rostering.models import School, SisSchool
from rostering.schools import (
    SchoolListError,
    sis_school_list,
    sis_school_map,
    sis_schools_refresh,
    sis_schools_unmapped_count,
)

MAPPING_PAGE_TITLE = "Map schools of {connection}"
MAPPINGS_SAVED = "Saved {count} school mapping change{s}."


class VanishedFilter(admin.SimpleListFilter):
    title = "in the SIS"
    parameter_name = "vanished"

    def lookups(self, request, model_admin):
        return [("no", "Still in the SIS"), ("yes", "No longer in the SIS")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(vanished_at__isnull=self.value() == "no")
        return queryset


class SisSchoolMappingForm(forms.Form):
    """One vendor-school select per SIS school; only rows a person changed are saved.

    The hidden initial value of each select makes a row count as changed only when
    this form changed it, so a mapping someone else saved meanwhile is not undone.
    """

    def __init__(self, *args, rows, vendor_schools: dict[int, School], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows, self.vendor_schools = rows, vendor_schools
        choices = [("", "— not mapped —"), *((pk, s.name) for pk, s in vendor_schools.items())]
        for row in rows:
            self.fields[self.field_name(row)] = forms.TypedChoiceField(
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial=row.school_id,
                show_hidden_initial=True,
                label=str(row),
                widget=forms.Select(attrs={"aria-label": f"Vendor school for {row}"}),
            )

    @staticmethod
    def field_name(row: SisSchool) -> str:
        return f"school_{row.pk}"

    def changed_rows(self):
        for row in self.rows:
            name = self.field_name(row)
            if name in self.changed_data:
                yield row, self.vendor_schools.get(self.cleaned_data[name])


@admin.register(SisSchool)
class SisSchoolAdmin(DistrictScopedAdmin):
    """SIS schools come from Update list; people only choose their vendor school."""

    district_lookup = "connection__district"
    list_display = [
        "name",
        "school_code",
        "school_type",
        "school",
        "mapping_method",
        "match_score",
        "needs_review",
        "vanished",
        "connection",
        "mapping_page",
    ]
    list_filter = [
        "mapping_method",
        "needs_review",
        VanishedFilter,
        "school_type",
        ("connection", admin.RelatedOnlyFieldListFilter),
        ("school", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["connection__district", "school"]
    search_fields = ["name", "sourced_id", "school_code", "school__name"]
    fields = [
        "connection",
        "sourced_id",
        "name",
        "school_code",
        "school_type",
        "last_seen_at",
        "vanished_at",
        "school",
        "mapping_method",
        "match_score",
        "needs_review",
        "candidates",
    ]
    readonly_fields = [f for f in fields if f != "school"]

    @admin.display(boolean=True, description="no longer in SIS", ordering="vanished_at")
    def vanished(self, obj: SisSchool) -> bool:
        return obj.vanished_at is not None

    @admin.display(description="mapping")
    def mapping_page(self, obj: SisSchool) -> str:
        url = reverse("admin:rostering_sisschool_map", args=[obj.connection_id])
        return format_html('<a href="{}">Map schools</a>', url)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and "school" in form.base_fields:
            district_schools = School.objects.filter(district_id=obj.connection.district_id)
            form.base_fields["school"].queryset = district_schools
        return form

    def save_model(self, request, obj, form, change):
        sis_school_map(
            sis_school=SisSchool.objects.select_related("connection__district").get(pk=obj.pk),
            school=form.cleaned_data["school"],
            actor=request.user,
            remote_addr=remote_addr_of(request),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "map/<int:connection_id>/",
                view(self.mapping_view),
                name="rostering_sisschool_map",
            ),
            path(
                "map/<int:connection_id>/refresh/",
                view(self.refresh_view),
                name="rostering_sisschool_refresh",
            ),
            *super().get_urls(),
        ]

    def _mapping_connection(self, request, connection_id: int) -> tuple[Connection, bool]:
        """The connection and whether the user may change it; 404 outside their districts."""
        connection = Connection.objects.select_related("district").filter(pk=connection_id)
        connection = connection.first()
        access = self._access(request)
        if connection is None or not access.can_read(connection.district_id):
            raise Http404("No such connection in your districts.")
        return connection, access.can_manage(connection.district_id)

    def mapping_view(self, request, connection_id: int):
        connection, can_change = self._mapping_connection(request, connection_id)
        if request.method == "POST" and not can_change:
            raise PermissionDenied
        rows = list(sis_school_list(connection=connection))
        vendor = {s.pk: s for s in School.objects.filter(district_id=connection.district_id)}
        form = SisSchoolMappingForm(request.POST or None, rows=rows, vendor_schools=vendor)
        if request.method == "POST" and form.is_valid():
            with transaction.atomic():
                changed = [
                    sis_school_map(
                        sis_school=row,
                        school=school,
                        actor=request.user,
                        remote_addr=remote_addr_of(request),
                    )
                    for row, school in form.changed_rows()
                ]
            self.message_user(
                request,
                MAPPINGS_SAVED.format(count=len(changed), s="" if len(changed) == 1 else "s"),
            )
            return redirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "title": MAPPING_PAGE_TITLE.format(connection=connection.name),
            "opts": self.model._meta,
            "connection": connection,
            "form": form,
            "rows": [(row, form[form.field_name(row)]) for row in rows],
            "can_change": can_change,
            "unmapped_count": sis_schools_unmapped_count(connection=connection),
            "vendor_count": len(vendor),
        }
        return TemplateResponse(request, "admin/rostering/sisschool/mapping.html", context)

    def refresh_view(self, request, connection_id: int):
        connection, can_change = self._mapping_connection(request, connection_id)
        if not can_change:
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            result = sis_schools_refresh(
                connection=connection, actor=request.user, remote_addr=remote_addr_of(request)
            )
        except SchoolListError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, result.summary, messages.SUCCESS)
        return redirect("admin:rostering_sisschool_map", connection_id=connection.pk)

"""The rostered data, read-only: it comes from the SIS, and the next import would
overwrite any edit. Fix a record in Aeries, then import again — or, for a person's or a
class's own fields, pin a value of your own on its page (pins.py)."""

from django.contrib import admin
from django.contrib.admin.utils import flatten

from rostering.access import request_district_access
from rostering.admin.base import DistrictScopedAdmin
from rostering.admin.merge import MergeAdminMixin
from rostering.admin.pins import PinsAdminMixin
from rostering.models import (
    AcademicSession,
    Course,
    Enrollment,
    Guardian,
    Person,
    School,
    Section,
    YearArchive,
)

PEOPLE_TITLE = "People rostered from the SIS"


def _joined(values) -> str:
    return ", ".join(str(v) for v in values) or "—"


class SchoolFilter(admin.SimpleListFilter):
    """The vendor schools of the user's districts (no scan of the listed rows)."""

    title = "school"
    parameter_name = "school"
    lookup = "school"

    def lookups(self, request, model_admin):
        readable = request_district_access(request).readable
        schools = (
            School.objects.all()
            if readable is None
            else School.objects.filter(district__in=readable)
        )
        return [(str(pk), name) for pk, name in schools.values_list("pk", "name")]

    def queryset(self, request, queryset):
        return queryset.filter(**{self.lookup: self.value()}) if self.value() else queryset


class PersonSchoolFilter(SchoolFilter):
    lookup = "schools"


class SchoolYearFilter(admin.SimpleListFilter):
    """The current year's rows, or those an end-of-year archive set aside."""

    title = "school year"
    parameter_name = "year"
    CURRENT = "current"

    def lookups(self, request, model_admin):
        readable = request_district_access(request).readable
        archives = YearArchive.objects.filter(status=YearArchive.Status.ARCHIVED)
        if readable is not None:
            archives = archives.filter(district__in=readable)
        labels = archives.values_list("pk", "label", "district__name")
        several = readable is None or len(readable) > 1
        return [(self.CURRENT, "Current (not archived)")] + [
            (str(pk), f"{label} ({district})" if several else f"{label} (archived)")
            for pk, label, district in labels
        ]

    def queryset(self, request, queryset):
        if self.value() == self.CURRENT:
            return queryset.filter(year_archive__isnull=True)
        if self.value() and self.value().isdigit():
            return queryset.filter(year_archive_id=int(self.value()))
        return queryset


class RosterAdmin(DistrictScopedAdmin):
    read_only_records = True
    show_full_result_count = False
    list_per_page = 50


@admin.register(Person)
class PersonAdmin(MergeAdminMixin, PinsAdminMixin, RosterAdmin):
    list_display = ["name", "role", "status", "grade_list", "school_list", "username", "email"]
    list_filter = ["role", "status", PersonSchoolFilter, "enabled", SchoolYearFilter]
    search_fields = ["=sourced_id", "given_name", "family_name", "username", "email", "identifier"]
    search_help_text = "Search by name, username, e-mail, sourcedId or SIS identifier."
    fields = [
        "sourced_id",
        "role",
        ("given_name", "middle_name", "family_name"),
        "email",
        "username",
        "identifier",
        "sis_ids",
        "grade_list",
        "school_list",
        "sis_schools",
        "phone",
        "enabled",
        ("status", "archived_at", "archive_reason"),
        "connection",
        ("sis_modified_at", "created_at", "updated_at"),
    ]
    readonly_fields = flatten(fields)  # data comes from the SIS; a change would be overwritten

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("schools")

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": PEOPLE_TITLE, **(extra_context or {})})

    @admin.display(description="name", ordering="family_name")
    def name(self, obj: Person) -> str:
        return f"{obj.family_name}, {obj.given_name}"

    @admin.display(description="grades")
    def grade_list(self, obj: Person) -> str:
        return _joined(obj.grades)

    @admin.display(description="schools")
    def school_list(self, obj: Person) -> str:
        return _joined(school.name for school in obj.schools.all())

    @admin.display(description="SIS schools")
    def sis_schools(self, obj: Person) -> str:
        return _joined(obj.sis_school_ids)

    @admin.display(description="SIS user ids")
    def sis_ids(self, obj: Person) -> str:
        return _joined(" ".join(map(str, pair)) for pair in obj.user_ids)


@admin.register(Guardian)
class GuardianAdmin(RosterAdmin):
    list_display = ["__str__", "student", "relationship", "email", "phone", "primary", "status"]
    list_filter = ["relationship", "primary", "status", SchoolYearFilter]
    list_select_related = ["student"]
    search_fields = ["=sourced_id", "family_name", "email", "=student__sourced_id"]
    readonly_fields = [
        "sourced_id",
        "student",
        "given_name",
        "family_name",
        "email",
        "phone",
        "relationship",
        "primary",
        "order",
        "status",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields


@admin.register(Section)
class SectionAdmin(PinsAdminMixin, RosterAdmin):
    list_display = ["title", "class_code", "school", "course", "terms", "period_list", "status"]
    list_filter = [SchoolFilter, "class_type", "status", SchoolYearFilter]
    list_select_related = ["school", "course"]
    search_fields = ["title", "=sourced_id", "class_code"]
    readonly_fields = [
        "sourced_id",
        "title",
        "class_code",
        "class_type",
        "school",
        "course",
        "term_sourced_ids",
        "grades",
        "subjects",
        "periods",
        "location",
        "status",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields

    @admin.display(description="terms")
    def terms(self, obj: Section) -> str:
        return _joined(obj.term_sourced_ids)

    @admin.display(description="periods")
    def period_list(self, obj: Section) -> str:
        return _joined(obj.periods)


@admin.register(Enrollment)
class EnrollmentAdmin(RosterAdmin):
    list_display = ["person", "section", "role", "primary", "begin_date", "end_date", "status"]
    list_filter = ["role", "primary", "status", SchoolYearFilter]
    list_select_related = ["person", "section"]
    search_fields = ["=sourced_id", "=person__sourced_id", "=section__sourced_id", "section__title"]
    readonly_fields = [
        "sourced_id",
        "section",
        "person",
        "role",
        "primary",
        "begin_date",
        "end_date",
        "status",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields


@admin.register(AcademicSession)
class AcademicSessionAdmin(RosterAdmin):
    list_display = ["title", "session_type", "school_year", "start_date", "end_date", "school"]
    list_filter = ["session_type", "school_year", SchoolFilter, "status", SchoolYearFilter]
    list_select_related = ["school"]
    search_fields = ["title", "=sourced_id"]
    readonly_fields = [
        "sourced_id",
        "title",
        "session_type",
        "school_year",
        "start_date",
        "end_date",
        "school",
        "parent_sourced_id",
        "status",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields


@admin.register(Course)
class CourseAdmin(RosterAdmin):
    list_display = ["title", "course_code", "school", "grade_list", "status"]
    list_filter = [SchoolFilter, "status", SchoolYearFilter]
    list_select_related = ["school"]
    search_fields = ["title", "=sourced_id", "course_code"]
    readonly_fields = [
        "sourced_id",
        "title",
        "course_code",
        "school",
        "grades",
        "status",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields

    @admin.display(description="grades")
    def grade_list(self, obj: Course) -> str:
        return _joined(obj.grades)

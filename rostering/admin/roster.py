"""The rostered data, read-only: it comes from the SIS, and the next import would
overwrite any edit. Fix a record in Aeries, then import again — or, for a person's or a
class's own fields, pin a value of your own on its page (pins.py)."""

from django.contrib import admin
from django.contrib.admin.utils import flatten
from django.contrib.admin.views.main import ChangeList
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.html import format_html

from rostering.access import request_district_access
from rostering.admin.base import DistrictScopedAdmin
from rostering.admin.changes import CreatedRunFilter, RolesFilter
from rostering.admin.lists import DistrictFilter, fixed_choices
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
from rostering.people_search import people_search, search_ordering
from rostering.person_history import person_history
from rostering.roster_labels import aeries_id, id_label
from rostering.times import when_words
from sis.records import ONEROSTER_CONTACT_ROLES

# The values the SIS readers store (sis/): the filters list them, reading no table.
CLASS_TYPES = ("homeroom", "scheduled")
ENROLLMENT_ROLES = ("student", "teacher", "aide", "administrator", "proctor")
SESSION_TYPES = ("schoolYear", "semester", "term", "gradingPeriod")
SEARCH_IDS = 100  # rows of one sourcedId a search follows (one per district at most)
SEARCH_CLASSES = 200  # classes whose title holds an enrollment search's words, at most
PEOPLE_TITLE = "People rostered from the SIS"
SSO_NOTE = (
    "Accounts imported from Aeries get a random password nobody knows: people sign in with "
    "single sign-on (Google, Microsoft, Clever …). Set up SSO for the district; there is no "
    "password to send."
)


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
    """A school's people, read along its district's name index (person_list): a school
    is one district's, and every district's people by name would be read otherwise."""

    lookup = "schools"

    def queryset(self, request, queryset):
        value = self.value()
        if not value or not value.isdigit():
            return super().queryset(request, queryset)
        district_id = School.objects.filter(pk=value).values_list("district_id", flat=True)
        return queryset.filter(schools=value, district_id=district_id.first())


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

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), CreatedRunFilter, DistrictFilter]

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        if request_district_access(request).readable is None and "district" not in shown:
            shown.insert(1, "district")  # vendor support: every district in one list
        return shown

    def get_list_select_related(self, request):
        related = super().get_list_select_related(request)
        if request_district_access(request).readable is None:
            return [*(related or []), "district"]
        return related


class PeopleChangeList(ChangeList):
    def get_ordering(self, request, queryset):
        ordering = super().get_ordering(request, queryset)
        return search_ordering(ordering) if self.query.strip() else ordering


@admin.register(Person)
class PersonAdmin(MergeAdminMixin, PinsAdminMixin, RosterAdmin):
    list_display = ["name", "role", "aeries_id", "grade_list", "school_list", "status"]
    list_filter = [RolesFilter, "status", PersonSchoolFilter, "enabled", SchoolYearFilter]
    # The columns people_search reads (rostering/people_search.py): Django's admin shows
    # the search box when search_fields is set.
    search_fields = ["=sourced_id", "given_name", "family_name", "username", "email", "identifier"]
    search_help_text = (
        "Search by a part of a name, username, e-mail or SIS identifier (3 characters or "
        "more), or a whole Student ID / Staff ID."
    )
    fields = [
        "sourced_id",
        "role",
        ("given_name", "middle_name", "family_name"),
        "email",
        "username",
        "sign_in",
        "identifier",
        "sis_ids",
        "birth_date",
        "grade_list",
        "school_list",
        "sis_schools",
        "phone",
        "enabled",
        ("status", "archived_at", "archive_reason"),
        "connection",
        ("changed_in_sis", "first_imported", "last_written"),
        "history",
    ]
    readonly_fields = flatten(fields)  # data comes from the SIS; a change would be overwritten

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("schools")

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": PEOPLE_TITLE, **(extra_context or {})})

    def get_changelist(self, request, **kwargs):
        return PeopleChangeList

    def get_search_results(self, request, queryset, search_term):
        """Each word a part of the names, username, e-mail or identifier (PostgreSQL: a
        trigram index), or a whole Student ID / Staff ID (the sourcedId indexes)."""
        if not search_term.strip():
            return queryset, False
        return people_search(queryset=queryset, term=search_term), False

    @admin.display(description="name", ordering="family_name")
    def name(self, obj: Person) -> str:
        return format_html(
            '{}, {}<div class="quiet">{}</div>', obj.family_name, obj.given_name,
            obj.email or obj.username,
        )  # fmt: skip

    @admin.display(description="Student ID / Staff ID", ordering="sourced_id")
    def aeries_id(self, obj: Person) -> str:
        return aeries_id(sourced_id=obj.sourced_id, role=obj.role, user_ids=obj.user_ids or ())

    @admin.display(description="sign-in")
    def sign_in(self, obj: Person) -> str:
        return SSO_NOTE

    @admin.display(description="last changed in the SIS")
    def changed_in_sis(self, obj: Person) -> str:
        return when_words(obj.sis_modified_at)

    @admin.display(description="first imported")
    def first_imported(self, obj: Person) -> str:
        return when_words(obj.created_at)

    @admin.display(description="last written by an import")
    def last_written(self, obj: Person) -> str:
        return when_words(obj.updated_at)

    @admin.display(description="history")
    def history(self, obj: Person):
        return render_to_string(
            "admin/rostering/person/history.html",
            {"events": person_history(person=obj), "id_label": id_label(obj.role)},
        )

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
    list_filter = [
        fixed_choices("relationship", "relationship", ONEROSTER_CONTACT_ROLES),
        "primary",
        "status",
        SchoolYearFilter,
    ]
    list_select_related = ["student"]
    ordering = ["-pk"]  # newest first (index guardian_list), not by student's name
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
    list_filter = [
        SchoolFilter,
        fixed_choices("class_type", "class type", CLASS_TYPES),
        "status",
        SchoolYearFilter,
    ]
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
    list_filter = [
        fixed_choices("role", "role", ENROLLMENT_ROLES),
        "primary",
        "status",
        SchoolYearFilter,
    ]
    list_select_related = ["person", "section"]
    ordering = ["-pk"]  # newest first (index enrollment_list), not by class title
    # People's and classes' ids first (get_search_results), never a scan of every
    # enrollment: exact ids through their indexes, a class title in the classes table.
    search_fields = ["person__sourced_id", "section__sourced_id", "section__title"]
    search_help_text = (
        "Search by Student ID / Staff ID, class id (SIS sourcedId) or a part of a class "
        f"title (the first {SEARCH_CLASSES} classes it finds)."
    )
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

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        people, sections, titled = (
            Person.objects.filter(sourced_id=term),
            Section.objects.filter(sourced_id=term),
            Section.objects.filter(title__icontains=term).order_by(),
        )
        readable = request_district_access(request).readable
        if readable is not None:
            people, sections, titled = (
                people.filter(district__in=readable),
                sections.filter(district__in=readable),
                titled.filter(district__in=readable),
            )
        # The ids first (a few hundred at most): the list then reads the enrollments'
        # own indexes.
        person_ids = list(people.values_list("pk", flat=True)[:SEARCH_IDS])
        section_ids = list(sections.values_list("pk", flat=True)[:SEARCH_IDS])
        section_ids += titled.values_list("pk", flat=True)[:SEARCH_CLASSES]
        return queryset.filter(Q(person_id__in=person_ids) | Q(section_id__in=section_ids)), False


@admin.register(AcademicSession)
class AcademicSessionAdmin(RosterAdmin):
    list_display = ["title", "session_type", "school_year", "start_date", "end_date", "school"]
    list_filter = [
        fixed_choices("session_type", "session type", SESSION_TYPES),
        "school_year",  # a few rows per district
        SchoolFilter,
        "status",
        SchoolYearFilter,
    ]
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

"""The change log in the admin: the rows an import updated, archived or restored, by
name and with what changed (reached from a file's counts), and the roster lists'
"created by import #N" filter."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from rostering.admin.base import DistrictScopedAdmin
from rostering.admin.issues import readable_record
from rostering.change_words import TABLE_NOUNS, field_changes_many
from rostering.models import Person, RosterChange
from rostering.roster_labels import ROLE_LABELS, rows_labels

CHANGES_TITLE = "Changes made by imports"
RECORD_CHANGES_TITLE = "{action} by import #{run} ({kind} file)"


class CreatedRunFilter(admin.SimpleListFilter):
    """?created_run=<import>: the rows that import created (a file's Created count)."""

    title = "created by import"
    parameter_name = "created_run"

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, f"Import #{value}")] if value and value.isdigit() else []

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(created_run_id=int(value)) if value and value.isdigit() else queryset


class RolesFilter(admin.SimpleListFilter):
    """?role=student or ?role=teacher,staff: people of these roles."""

    title = "role"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return list(ROLE_LABELS.items())

    def queryset(self, request, queryset):
        roles = [r for r in (self.value() or "").split(",") if r]
        return queryset.filter(role__in=roles) if roles else queryset


class ChangeRecordFilter(admin.SimpleListFilter):
    title = "import file"
    parameter_name = "record"

    def lookups(self, request, model_admin):
        record = readable_record(request, self.value() or "")
        return [(self.value(), str(record))] if record is not None else []

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(record_id=int(value)) if value and value.isdigit() else queryset


class TableFilter(admin.SimpleListFilter):
    title = "kind of row"
    parameter_name = "table"

    def lookups(self, request, model_admin):
        return [(table, many.capitalize()) for table, (_one, many) in TABLE_NOUNS.items()]

    def queryset(self, request, queryset):
        return queryset.filter(table=self.value()) if self.value() else queryset


class ChangeRoleFilter(RolesFilter):
    """People's changes by the person's role (the change log names rows, not roles)."""

    def queryset(self, request, queryset):
        roles = [r for r in (self.value() or "").split(",") if r]
        if not roles:
            return queryset
        people = Person.objects.filter(role__in=roles).values("pk")
        return queryset.filter(table="person", row_id__in=people)


@admin.register(RosterChange)
class RosterChangeAdmin(DistrictScopedAdmin):
    read_only_records = True
    list_display = ["row", "action_label", "what_changed", "import_link", "created_at"]
    list_filter = [ChangeRecordFilter, "action", TableFilter, ChangeRoleFilter]
    search_fields = ["=sourced_id"]
    search_help_text = "Search by sourcedId (Student ID or Staff ID)."
    ordering = ["-created_at", "-pk"]
    show_full_result_count = False
    list_per_page = 100
    fields = ["sourced_id", "table", "action", "before", "after", "run", "record", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("record")

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        page = list(changelist.result_list)
        words = field_changes_many([(c.table, c.before, c.after) for c in page])
        labels: dict[tuple, object] = {}
        for table in {c.table for c in page}:
            ids = [c.row_id for c in page if c.table == table]
            connection = next((c.record.run.connection_id for c in page if c.record), None)
            for pk, label in rows_labels(table=table, ids=ids, connection_id=connection).items():
                labels[(table, pk)] = label
        for change, word in zip(page, words, strict=True):
            change.words, change.label = word, labels.get((change.table, change.row_id))
        return changelist

    @admin.display(description="row")
    def row(self, obj: RosterChange):
        label = getattr(obj, "label", None)
        if label is None:
            return format_html("<code>{}</code>", obj.sourced_id)
        url = None
        if obj.table == "person":
            url = reverse("admin:rostering_person_change", args=[obj.row_id])
        name = format_html("<a href='{}'>{}</a>", url, label.name) if url else label.name
        return format_html("{}<div class='quiet'>{}</div>", name, label.details)

    @admin.display(description="change", ordering="action")
    def action_label(self, obj: RosterChange) -> str:
        return obj.get_action_display()

    @admin.display(description="what changed")
    def what_changed(self, obj: RosterChange):
        words = getattr(obj, "words", ())
        if not words:
            return "—"
        return format_html(
            "<ul class='field-changes'>{}</ul>",
            format_html_join(
                "", "<li>{}: <span class='old'>{}</span> → <strong>{}</strong></li>",
                ((w.field, w.old, w.new) for w in words),
            ),
        )  # fmt: skip

    @admin.display(description="import", ordering="run_id")
    def import_link(self, obj: RosterChange):
        if obj.run_id is None:
            return "—"
        url = reverse("admin:rostering_syncrun_change", args=[obj.run_id])
        return format_html("<a href='{}'>#{}</a>", url, obj.run_id)

    def changelist_view(self, request, extra_context=None):
        title = CHANGES_TITLE
        record = readable_record(request, request.GET.get("record", ""))
        action = request.GET.get("action__exact", "")
        if record is not None and action in RosterChange.Action.values:
            title = RECORD_CHANGES_TITLE.format(
                action=RosterChange.Action(action).label, run=record.run_id,
                kind=record.get_kind_display().lower(),
            )  # fmt: skip
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

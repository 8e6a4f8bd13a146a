"""Descriptions: the row-level issues of imports, filtered per record, exported as CSV
(the columns other rostering products use, so districts' habits carry over)."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from connections.models import Connection
from rostering.access import request_district_access
from rostering.admin.base import DistrictScopedAdmin
from rostering.admin.csv_export import csv_response
from rostering.issue_labels import issues_label
from rostering.models import ImportIssue, ImportRecord
from rostering.sync.issues import ISSUE_KINDS

ISSUES_TITLE = "Descriptions"


def breakable(text: str) -> str:
    """Codes and ids ("missing_email", "CNT_100008_1") may wrap after an underscore only,
    never inside a word (a narrow column would cut "missing_emai l")."""
    parts = (text or "").split("_")
    pieces = [(f"{part}_",) for part in parts[:-1]] + [(parts[-1],)]
    return format_html_join(mark_safe("<wbr>"), "{}", pieces)


DESCRIPTIONS_TITLE = "Descriptions of the {kind} file of import #{run}"
CSV_HEADER = (
    "SourcedId",
    "Field",
    "Status",
    "Error Message",
    "Student ID / Staff ID",
    "Name",
    "Role",
    "Grade",
    "School",
    "Code",
    "Severity",
    "Fix",
    "File",
    "Import",
)
CSV_STATUS = {
    ImportIssue.Severity.ERROR: "Not imported",
    ImportIssue.Severity.WARNING: "Imported with warning",
}
CSV_CHUNK = 2000
# What a row and its label read (not the timestamps of the issue, file and run): plain
# values, in IssueRow's order — no model objects (they were most of an export's time).
CSV_FIELDS = ("sourced_id", "field", "severity", "message", "code", "fix_hint", "excerpt",
              "record__kind", "record__run_id", "record__run__district_id",
              "record__run__connection_id")  # fmt: skip


@dataclass(slots=True)
class IssueRow:
    """An issue as the CSV export reads it (values_list of CSV_FIELDS); `who` is set by
    issues_label like an ImportIssue's."""

    sourced_id: str
    field: str
    severity: str
    message: str
    code: str
    fix_hint: str
    excerpt: dict
    kind: str
    run_id: int
    district_id: int
    connection_id: int | None
    who: object = None


def readable_record(request, value: str) -> ImportRecord | None:
    """The import record `value` names, if the user may read it (once per request)."""
    cache = request.__dict__.setdefault("_readable_records", {})
    if value not in cache:
        record = None
        if value.isdigit():
            record = ImportRecord.objects.select_related("run").filter(pk=value).first()
        access = request_district_access(request)
        cache[value] = record if record and access.can_read(record.run.district_id) else None
    return cache[value]


class ConnectionFilter(admin.SimpleListFilter):
    """The connections of the user's districts, in one query."""

    title = "connection"
    parameter_name = "connection"
    lookup = "record__run__connection"

    def lookups(self, request, model_admin):
        readable = request_district_access(request).readable
        connections = Connection.objects.select_related("district").order_by("name")
        if readable is not None:
            connections = connections.filter(district__in=readable)
        return [(str(c.pk), str(c) if readable is None else c.name) for c in connections]

    def queryset(self, request, queryset):
        return queryset.filter(**{self.lookup: self.value()}) if self.value() else queryset


class RecordFilter(admin.SimpleListFilter):
    """?record=<id>: the descriptions of one import record (the Descriptions button)."""

    title = "import file"
    parameter_name = "record"

    def lookups(self, request, model_admin):
        value = self.value()
        if not value:
            return []
        record = readable_record(request, value)
        return [(value, str(record) if record is not None else f"#{value}")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(record_id=self.value())
        return queryset


class CodeFilter(admin.SimpleListFilter):
    title = "code"
    parameter_name = "code"

    def lookups(self, request, model_admin):
        return [(code, code.replace("_", " ")) for code in sorted(ISSUE_KINDS)]

    def queryset(self, request, queryset):
        return queryset.filter(code=self.value()) if self.value() else queryset


def csv_filename() -> str:
    """ "import-descriptions-2026-12-01_20h26.csv" (a time like 2026 does not read as a year)."""
    return f"import-descriptions-{timezone.localtime():%Y-%m-%d_%Hh%M}.csv"


def issues_labelled(issues: list[ImportIssue]) -> list[ImportIssue]:
    """Sets `who` on each issue (the person or row it is about), per run's connection."""
    by_run: dict[tuple, list[ImportIssue]] = {}
    for issue in issues:
        run = issue.record.run
        by_run.setdefault((run.district_id, run.connection_id), []).append(issue)
    for (district_id, connection_id), group in by_run.items():
        issues_label(group, district_id=district_id, connection_id=connection_id)
    return issues


def _csv_row(issue: IssueRow, kinds: dict, severities: dict) -> list[str]:
    who = issue.who
    status = CSV_STATUS.get(issue.severity, issue.severity)
    return [issue.sourced_id, issue.field, status, issue.message, who.aeries_id, who.name,
            who.role, who.grade, who.school, issue.code, severities.get(issue.severity),
            issue.fix_hint, kinds.get(issue.kind, issue.kind), str(issue.run_id)]  # fmt: skip


def _csv_chunk(chunk: list[IssueRow], kinds: dict, severities: dict) -> Iterator[list[str]]:
    by_run: dict[tuple, list[IssueRow]] = {}
    for issue in chunk:
        by_run.setdefault((issue.district_id, issue.connection_id), []).append(issue)
    for (district_id, connection_id), group in by_run.items():
        issues_label(group, district_id=district_id, connection_id=connection_id)
    return (_csv_row(issue, kinds, severities) for issue in chunk)


def issues_csv_rows(queryset) -> Iterator[list[str]]:
    """The header, then one row per issue with the person it is about; streamed in
    chunks of plain rows, never all in memory."""
    yield list(CSV_HEADER)
    kinds = dict(ImportRecord.Kind.choices)
    severities = dict(ImportIssue.Severity.choices)
    chunk: list[IssueRow] = []
    # In a transaction: PostgreSQL's cursor outside one is WITH HOLD, and reads every
    # row before the first is sent.
    with transaction.atomic():
        for values in queryset.values_list(*CSV_FIELDS).iterator(chunk_size=CSV_CHUNK):
            chunk.append(IssueRow(*values))
            if len(chunk) == CSV_CHUNK:
                yield from _csv_chunk(chunk, kinds, severities)
                chunk = []
    yield from _csv_chunk(chunk, kinds, severities)


@admin.register(ImportIssue)
class ImportIssueAdmin(DistrictScopedAdmin):
    district_lookup = "record__run__district"
    read_only_records = True
    list_display = ["file", "severity_badge", "person", "aeries_id", "field_name", "description"]
    list_filter = [
        RecordFilter,
        "severity",
        CodeFilter,
        "record__kind",
        ConnectionFilter,
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["record__run"]
    search_fields = ["sourced_id"]
    search_help_text = "Search by Student ID, Staff ID or SIS sourcedId."
    # Newest file first (a later run's records have higher ids): the issues' own index,
    # no join to sort by.
    ordering = ["-record_id", "pk"]
    show_full_result_count = False
    actions = None  # Export CSV exports the filtered list
    fields = [
        "record",
        "severity",
        "code",
        "sourced_id",
        "field",
        "message",
        "fix_hint",
        "excerpt",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description="field", ordering="field")
    def field_name(self, obj: ImportIssue):
        return breakable(obj.field)

    @admin.display(description="file", ordering="record__kind")
    def file(self, obj: ImportIssue) -> str:
        return f"{obj.record.get_kind_display()} · #{obj.record.run_id}"

    @admin.display(description="severity / code", ordering="severity")
    def severity_badge(self, obj: ImportIssue):
        css = "error" if obj.severity == ImportIssue.Severity.ERROR else "completed-with-error"
        return format_html(
            '<span class="status-badge status-{}">{}</span><div class="code">{}</div>',
            css,
            obj.get_severity_display(),
            breakable(obj.code),
        )

    @admin.display(description="person or row")
    def person(self, obj: ImportIssue):
        who = getattr(obj, "who", None)
        if who is None:
            return obj.sourced_id
        grade = f"Grade {who.grade}" if who.grade else ""
        details = " · ".join(p for p in (who.role, grade, who.school) if p) or who.details
        return format_html('{}<div class="quiet">{}</div>', who.name, details)

    @admin.display(description="Student ID / Staff ID", ordering="sourced_id")
    def aeries_id(self, obj: ImportIssue):
        who = getattr(obj, "who", None)
        the_id = who.aeries_id if who is not None and who.aeries_id else obj.sourced_id
        if the_id == obj.sourced_id or not obj.sourced_id:
            return breakable(the_id)
        return format_html(
            '{}<div class="quiet">sourcedId {}</div>', breakable(the_id), breakable(obj.sourced_id)
        )

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        issues_labelled(list(changelist.result_list))
        return changelist

    @admin.display(description="error message / how to fix")
    def description(self, obj: ImportIssue):
        return format_html(
            '{}<div class="fix-hint"><strong>Fix:</strong> {}</div>', obj.message, obj.fix_hint
        )

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        one_record = readable_record(request, request.GET.get(RecordFilter.parameter_name, ""))
        return [c for c in shown if c != "file"] if one_record else shown

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_view)
        return [
            path("export/", export, name="rostering_importissue_export"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"title": ISSUES_TITLE, **(extra_context or {})}
        record = readable_record(request, request.GET.get(RecordFilter.parameter_name, ""))
        if record is not None:
            extra["record"] = record
            extra["title"] = DESCRIPTIONS_TITLE.format(
                kind=record.get_kind_display().lower(), run=record.run_id
            )
        return super().changelist_view(request, extra)

    def export_view(self, request):
        """The current filtered list (same query string as the list page) as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        return csv_response(issues_csv_rows(changelist.queryset), csv_filename())

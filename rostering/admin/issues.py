"""Descriptions: the row-level issues of imports, filtered per record, exported as CSV
(the columns other rostering products use, so districts' habits carry over)."""

import csv
from collections.abc import Iterator

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from connections.models import Connection
from rostering.access import request_district_access
from rostering.admin.base import DistrictScopedAdmin
from rostering.models import ImportIssue, ImportRecord
from rostering.sync.issues import ISSUE_KINDS

ISSUES_TITLE = "Descriptions"
DESCRIPTIONS_TITLE = "Descriptions of the {kind} file of import #{run}"
CSV_HEADER = (
    "SourcedId",
    "Field",
    "Status",
    "Error Message",
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
# A cell starting with one of these runs as a formula in spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def issues_csv_rows(queryset) -> Iterator[list[str]]:
    """The header, then one row per issue; streamed in chunks, never all in memory."""
    yield list(CSV_HEADER)
    kinds = dict(ImportRecord.Kind.choices)
    severities = dict(ImportIssue.Severity.choices)
    rows = queryset.values_list(
        "sourced_id",
        "field",
        "severity",
        "message",
        "code",
        "fix_hint",
        "record__kind",
        "record__run_id",
    )
    for sid, field, severity, message, code, fix, kind, run in rows.iterator(chunk_size=2000):
        status = CSV_STATUS.get(severity, severity)
        values = (sid, field, status, message, code, severities.get(severity), fix)
        yield [*(_cell(v) for v in values), kinds.get(kind, kind), str(run)]


@admin.register(ImportIssue)
class ImportIssueAdmin(DistrictScopedAdmin):
    district_lookup = "record__run__district"
    read_only_records = True
    list_display = ["file", "severity_badge", "sourced_id", "field", "description"]
    list_filter = [
        RecordFilter,
        "severity",
        CodeFilter,
        "record__kind",
        ConnectionFilter,
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["record"]
    search_fields = ["sourced_id"]
    search_help_text = "Search by SIS sourcedId."
    ordering = ["-record__run_id", "record_id", "pk"]
    show_full_result_count = False
    actions = ["export_selected"]
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
            obj.code,
        )

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

    def _csv_response(self, queryset, filename: str) -> StreamingHttpResponse:
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in issues_csv_rows(queryset)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def export_view(self, request):
        """The current filtered list (same query string as the list page) as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return self._csv_response(changelist.queryset, f"import-descriptions-{stamp}.csv")

    @admin.action(description="Export selected descriptions as CSV")
    def export_selected(self, request, queryset):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return self._csv_response(queryset, f"import-descriptions-{stamp}.csv")

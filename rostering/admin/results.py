"""Import results: one record per file with its counts and colored status, the row-level
descriptions (with CSV export), the way to its held changes, and a troubleshooting page."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from rostering.admin.badges import status_badge
from rostering.admin.base import DistrictScopedAdmin
from rostering.admin.count_links import count_url, counts_table, held_review_url
from rostering.admin.issues import ConnectionFilter
from rostering.issue_labels import issues_label
from rostering.models import HeldChange, ImportIssue, ImportRecord, RunStatus
from rostering.record_counts import (
    CountsRow,
    record_counts_rows,
    record_received_words,
    record_skipped_reasons,
)
from rostering.sync.held import held_changes_outcome
from rostering.sync.issues import ISSUE_KINDS
from rostering.times import duration_label, local_time, seconds_between
from rostering.troubleshooting import issue_entries, record_error_causes, skip_entries

RESULTS_TITLE = "Import results"
RUN_RESULTS_TITLE = "Import results of import #{run}"
TROUBLESHOOTING_TITLE = "Troubleshooting imports"
FIRST_ISSUES = 20
RESULT_COUNTS = ("created", "updated", "unchanged", "skipped", "archived", "restored", "failed")
ERROR_CHARS = 160
NO_ROWS_READ = "No rows were read from the SIS for this file, so there is nothing to describe."
NO_ISSUES = "No row-level descriptions: every row read was imported without a problem."


def run_url(run_id: int) -> str:
    return reverse("admin:rostering_syncrun_change", args=[run_id])


def descriptions_url(record_id: int) -> str:
    return reverse("admin:rostering_importissue_changelist") + f"?record={record_id}"


class RunConnectionFilter(ConnectionFilter):
    lookup = "run__connection"


@admin.register(ImportRecord)
class ImportRecordAdmin(DistrictScopedAdmin):
    district_lookup = "run__district"
    read_only_records = True
    list_display = ["run_number", "file", "status_badge", "result", "descriptions"]
    list_display_links = ["file"]
    list_filter = ["status", "kind", RunConnectionFilter, ("started_at", admin.DateFieldListFilter)]
    list_select_related = ["run__connection__district"]
    ordering = ["-run_id", "pk"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["run_number", "connection", "file", "status_badge", "message"]}),
        (None, {"fields": [("started_at", "finished_at", "duration")]}),
        ("Counts", {"fields": ["counts_explained"]}),
    ]
    readonly_fields = ["run_number", "connection", "file", "status_badge", "message", "duration"]
    readonly_fields += ["started_at", "finished_at", "counts_explained"]

    def get_queryset(self, request):
        issues = ImportIssue.objects.filter(record=OuterRef("pk")).order_by().values("record")
        issues = issues.annotate(n=Count("pk")).values("n")
        pending = HeldChange.objects.filter(record=OuterRef("pk"), status=HeldChange.Status.PENDING)
        return (
            super()
            .get_queryset(request)
            .annotate(
                issue_count=Coalesce(Subquery(issues, output_field=IntegerField()), 0),
                held_pending=Exists(pending),
            )
        )

    @admin.display(description="import", ordering="run_id")
    def run_number(self, obj: ImportRecord):
        when = local_time(obj.started_at, obj.run.connection.district.timezone, fmt="%b %-d, %H:%M")
        took = duration_label(seconds_between(obj.started_at, obj.finished_at))
        return format_html(
            '<a href="{}">#{}</a> {}<div class="quiet">{} · took {}</div>',
            run_url(obj.run_id), obj.run_id, obj.run.connection.name, when, took,
        )  # fmt: skip

    @admin.display(description="connection")
    def connection(self, obj: ImportRecord) -> str:
        return obj.run.connection.name

    @admin.display(description="file", ordering="kind")
    def file(self, obj: ImportRecord) -> str:
        return obj.get_kind_display()

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: ImportRecord):
        return status_badge(obj.status, obj.get_status_display())

    def _held(self, obj: ImportRecord):
        total = obj.held_updates + obj.held_archives
        if not total:
            return ""
        if getattr(obj, "held_pending", False):
            return format_html(
                '<a class="held-pending" href="{}">{} held, to review</a>',
                held_review_url(obj.run_id, obj.kind), total,
            )  # fmt: skip
        return f"{total} held, decided"

    @admin.display(description="result")
    def result(self, obj: ImportRecord):
        """The non-zero counts in words (the record page shows all); why, for an ERROR."""
        if obj.status == RunStatus.ERROR:
            return format_html('<span class="error-message">{}</span>', obj.message[:ERROR_CHARS])
        row = CountsRow(obj.get_kind_display(), obj.counts())
        counts = format_html_join(
            " · ",
            '<span class="count count-{}">{}</span>',
            ((f, _linked(obj, row, f, f"{getattr(obj, f):,} {f}")) for f in RESULT_COUNTS
             if getattr(obj, f)),
        )  # fmt: skip
        received = record_received_words(obj) if obj.received else "nothing read"
        held = self._held(obj)
        return format_html("{} · {}{}{}", received, counts or "", " · " if held else "", held)

    @admin.display(description="duration")
    def duration(self, obj: ImportRecord) -> str:
        return duration_label(seconds_between(obj.started_at, obj.finished_at))

    @admin.display(description="counts")
    def counts_explained(self, obj: ImportRecord):
        table = counts_table([(obj, record_counts_rows(obj))])
        reasons = record_skipped_reasons(obj)
        skipped = format_html_join(
            "", "<li><strong>{}</strong> {}</li>", ((f"{r.count:,}", r.label) for r in reasons)
        )
        skipped = format_html(
            '<div id="skipped"><h3>Skipped: why</h3><ul>{}</ul><p class="help">Skipped rows are '
            'not errors: <a href="{}#skipped">what each reason means</a>.</p></div>',
            skipped, reverse("admin:rostering_importrecord_troubleshooting"),
        ) if reasons else ""  # fmt: skip
        return format_html('<div id="counts">{}{}</div>', table, skipped)

    @admin.display(description="actions")
    def descriptions(self, obj: ImportRecord):
        count = getattr(obj, "issue_count", None)
        suffix = f" ({count})" if count else ""
        return format_html(
            '<a class="button descriptions-button" href="{}">Descriptions{}</a>',
            descriptions_url(obj.pk),
            suffix,
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.troubleshooting_view)
        return [
            path("troubleshooting/", view, name="rostering_importrecord_troubleshooting"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        run = request.GET.get("run__id__exact", "")
        title = RUN_RESULTS_TITLE.format(run=run) if run.isdigit() else RESULTS_TITLE
        extra = {"title": title, **(extra_context or {})}
        return super().changelist_view(request, extra)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        record = self.get_object(request, unquote(object_id))
        if record is not None and self.has_view_permission(request, record):
            extra_context = {**self._record_context(record), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def _record_context(self, record: ImportRecord) -> dict:
        outcome = held_changes_outcome(record=record)
        return {
            "held_pending": outcome.get(HeldChange.Status.PENDING, 0),
            "held_outcome": outcome,
            "held_url": held_review_url(record.run_id, record.kind),
            "first_issues": issues_label(
                list(record.issues.all()[:FIRST_ISSUES]),
                district_id=record.run.district_id,
                connection_id=record.run.connection_id,
            ),
            "no_issues": NO_ROWS_READ if not record.received else NO_ISSUES,
            "descriptions_url": descriptions_url(record.pk),
            "run_url": run_url(record.run_id),
        }

    def troubleshooting_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": TROUBLESHOOTING_TITLE,
            "opts": self.model._meta,
            "statuses": [
                status_badge(s)
                for s in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR, RunStatus.ERROR)
            ],
            "causes": record_error_causes(),
            "issue_kinds": issue_entries(ISSUE_KINDS),
            "skip_reasons": skip_entries(),
        }
        return TemplateResponse(request, "admin/rostering/troubleshooting.html", context)


def _linked(record: ImportRecord, row: CountsRow, column: str, text: str):
    url = count_url(record, row, column)
    return format_html('<a href="{}">{}</a>', url, text) if url else text

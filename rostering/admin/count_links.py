"""Every count of a file links to the rows it counts: created rows (the roster lists
filtered by the run that created them), updated, archived and restored rows (the
change list of the file), failed rows (Descriptions), held changes (the review page)."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from rostering.models import ImportRecord
from rostering.record_counts import COLUMN_LABELS, COLUMNS, FILE_ROLES, CountsRow

LIST_URLS = {
    "person": "admin:rostering_person_changelist",
    "guardian": "admin:rostering_guardian_changelist",
    "term": "admin:rostering_academicsession_changelist",
    "course": "admin:rostering_course_changelist",
    "section": "admin:rostering_section_changelist",
    "enrollment": "admin:rostering_enrollment_changelist",
}
FILE_TABLES = {
    ImportRecord.Kind.STAFF: "person",
    ImportRecord.Kind.STUDENTS: "person",
    ImportRecord.Kind.ENROLLMENTS: "enrollment",
}
CHANGED = {"updated", "archived", "restored"}


def _url(name: str, **query) -> str:
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return reverse(name) + ("?" + urlencode(query) if query else "")


def _table_and_roles(record: ImportRecord, row: CountsRow) -> tuple[str | None, tuple]:
    if row.part is not None:
        return row.table, (row.role,) if row.role else ()
    table = FILE_TABLES.get(record.kind)
    if record.kind == ImportRecord.Kind.STUDENTS and len(record.part_counts or {}) > 1:
        return table, ("student",)  # the file's line also counts its parent contacts
    return table, FILE_ROLES.get(record.kind, ()) if table == "person" else ()


def held_review_url(run_id: int, kind: str = "") -> str:
    url = reverse("admin:rostering_syncrun_held", args=[run_id])
    return f"{url}#file-{kind}" if kind else url


def count_url(record: ImportRecord, row: CountsRow, column: str) -> str | None:
    """Where the rows a count counts are listed; None for counts without rows to show."""
    table, roles = _table_and_roles(record, row)
    if column == "held":
        return held_review_url(record.run_id, record.kind)
    if column == "failed":  # a part's failed rows are among its file's Descriptions
        return (
            reverse("admin:rostering_importissue_changelist")
            + "?"
            + urlencode({"record": record.pk, "severity__exact": "error"})
        )
    if column == "skipped":  # the file's page breaks Skipped down by reason
        return reverse("admin:rostering_importrecord_change", args=[record.pk]) + "#skipped"
    if table is None:
        return _mixed_file_url(record, column)
    role = ",".join(roles)
    if column == "created":
        return _url(LIST_URLS[table], created_run=record.run_id, role=role)
    if column in CHANGED:
        name = "admin:rostering_rosterchange_changelist"
        return _url(name, record=record.pk, action__exact=column, table=table, role=role)
    return None


def _mixed_file_url(record: ImportRecord, column: str) -> str | None:
    """A file whose line counts rows of several tables (classes: terms, courses and
    classes): changes go to the file's change list, created rows to the file's page,
    where each part's line links to its own rows."""
    if column in CHANGED:
        name = "admin:rostering_rosterchange_changelist"
        return _url(name, record=record.pk, action__exact=column)
    if column == "created":
        return reverse("admin:rostering_importrecord_change", args=[record.pk]) + "#counts"
    return None


def counts_table(record_rows: list[tuple[ImportRecord, list[CountsRow]]], *, status=None) -> str:
    """The files' counts as a table, each non-zero count a link to its rows; `status`
    renders a record's status badge (no status column without it)."""
    head = format_html_join("", "<th scope='col'>{}</th>", ((COLUMN_LABELS[c],) for c in COLUMNS))
    if status is not None:
        head = format_html("<th scope='col'>Status</th>{}", head)
    lines = []
    for record, rows in record_rows:
        for row in rows:
            cells = format_html_join(
                "",
                "<td class='count count-{}'>{}</td>",
                ((c, _cell(record, row, c)) for c in COLUMNS),
            )
            if status is not None:
                badge = status(record) if row.part is None else ""
                cells = format_html("<td>{}</td>{}", badge, cells)
            css = "part" if row.part else "file"
            lines.append(format_html("<tr class='{}'><th scope='row'>{}</th>{}</tr>",
                                     css, row.label, cells))  # fmt: skip
    return format_html(
        "<div class='counts-scroll'><table class='run-files'><thead><tr><th scope='col'>File</th>"
        "{}</tr></thead><tbody>{}</tbody></table></div>",
        head,
        format_html_join("", "{}", ((line,) for line in lines)),
    )


def _cell(record: ImportRecord, row: CountsRow, column: str) -> str:
    value = row.value(column)
    if not value:
        return mark_safe("<span class='zero'>0</span>")
    url = count_url(record, row, column)
    return format_html("<a href='{}'>{}</a>", url, f"{value:,}") if url else f"{value:,}"

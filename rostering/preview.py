"""What a preview (a dry run) would do, per file: who would be created, updated, archived,
restored or held, by name. Read inside the preview's transaction, before it is rolled
back, into plain data that outlives it."""

from collections import defaultdict
from dataclasses import dataclass

from rostering.change_words import FieldChange, field_changes_many, table_noun
from rostering.held_review import HeldFile, run_held_files
from rostering.models import (
    AcademicSession,
    Course,
    Enrollment,
    Guardian,
    ImportRecord,
    Person,
    RosterChange,
    RunStatus,
    Section,
    SyncRun,
)
from rostering.record_counts import FILE_ROLES, CountsRow, record_counts_rows
from rostering.roster_labels import RowLabel, rows_labels

ROWS_SHOWN = 100
# The tables each file creates rows in (people by role).
FILE_CREATES = {
    ImportRecord.Kind.STAFF: [("person", Person, FILE_ROLES[ImportRecord.Kind.STAFF])],
    ImportRecord.Kind.STUDENTS: [("person", Person, ("student",)), ("guardian", Guardian, ())],
    ImportRecord.Kind.CLASSES: [
        ("term", AcademicSession, ()),
        ("course", Course, ()),
        ("section", Section, ()),
    ],
    ImportRecord.Kind.ENROLLMENTS: [("enrollment", Enrollment, ())],
}
ACTION_ORDER = ["created", "updated", "relinked", "restored", "archived"]


@dataclass(frozen=True)
class PreviewRow:
    label: RowLabel
    sourced_id: str
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class PreviewList:
    action: str
    table: str
    count: int
    rows: tuple[PreviewRow, ...]

    @property
    def label(self) -> str:
        return f"{self.count:,} {table_noun(self.table, self.count)} would be {self.action}"

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


@dataclass(frozen=True)
class PreviewFile:
    kind: str
    label: str
    status: str
    message: str
    counts: list[CountsRow]
    lists: list[PreviewList]
    held: HeldFile | None

    @property
    def status_label(self) -> str:
        return RunStatus(self.status).label


def _created(run: SyncRun, kind: str, rows_shown: int) -> list[PreviewList]:
    lists = []
    for table, model, roles in FILE_CREATES.get(kind, ()):
        rows = model.objects.filter(created_run_id=run.pk)
        if roles:
            rows = rows.filter(role__in=roles)
        count = rows.count()
        if not count:
            continue
        shown = list(rows.order_by("pk").values_list("pk", "sourced_id")[:rows_shown])
        labels = rows_labels(
            table=table, ids=[pk for pk, _ in shown], connection_id=run.connection_id
        )
        items = tuple(PreviewRow(labels.get(pk) or RowLabel(sid), sid) for pk, sid in shown)
        lists.append(PreviewList("created", table, count, items))
    return lists


def _changed(run: SyncRun, record: ImportRecord, rows_shown: int) -> list[PreviewList]:
    counts = defaultdict(int)
    for table, action in RosterChange.objects.filter(record=record).values_list("table", "action"):
        counts[(table, action)] += 1
    lists = []
    for (table, action), count in sorted(counts.items(), key=lambda i: ACTION_ORDER.index(i[0][1])):
        changes = list(
            RosterChange.objects.filter(record=record, table=table, action=action).order_by("pk")[
                :rows_shown
            ]
        )
        labels = rows_labels(
            table=table, ids=[c.row_id for c in changes], connection_id=run.connection_id
        )
        words = field_changes_many([(c.table, c.before, c.after) for c in changes])
        items = tuple(
            PreviewRow(labels.get(c.row_id) or RowLabel(c.sourced_id), c.sourced_id, w)
            for c, w in zip(changes, words, strict=True)
        )
        lists.append(PreviewList(action, table, count, items))
    return lists


def preview_files(*, run: SyncRun, rows_shown: int = ROWS_SHOWN) -> list[PreviewFile]:
    """Each file of a (dry) run with the rows it created, changed and held, by name."""
    held = {f.record.pk: f for f in run_held_files(run=run, rows_shown=rows_shown)}
    return [
        PreviewFile(
            kind=record.kind,
            label=record.get_kind_display(),
            status=record.status,
            message=record.message,
            counts=record_counts_rows(record),
            lists=_created(run, record.kind, rows_shown) + _changed(run, record, rows_shown),
            held=held.get(record.pk),
        )
        for record in run.records.order_by("pk")
    ]

"""A file's counts that explain themselves: each part counted on its own (the students
file's students and parent contacts), Skipped broken down by reason, held changes told
apart; for the run page, the record page, Troubleshooting and the e-mail."""

from dataclasses import dataclass

from rostering.models import ImportRecord
from rostering.sync.counts import SKIP_REASONS
from rostering.sync.safeguard import SKIP_DISCARDED, SKIP_DISCARDED_LABEL

SKIP_LABELS = {**SKIP_REASONS, SKIP_DISCARDED: SKIP_DISCARDED_LABEL}
# The columns a person reads, in the order the rows add up: what was received ended
# created, updated, unchanged, skipped, restored, failed or held; archived rows are
# rows the SIS no longer lists (not received).
COLUMNS = ("received", "created", "updated", "unchanged", "skipped", "restored", "failed")
COLUMNS += ("held", "archived")
COLUMN_LABELS = {c: c.capitalize() for c in COLUMNS}
# A file part -> (the table its rows are in, the role of its people).
PART_TABLES = {
    "students": ("person", "student"),
    "teachers": ("person", "teacher"),
    "staff": ("person", "staff"),
    "administrators": ("person", "administrator"),
    "parent contacts": ("guardian", None),
    "terms": ("term", None),
    "courses": ("course", None),
    "classes": ("section", None),
    "enrollments": ("enrollment", None),
}
FILE_ROLES = {
    ImportRecord.Kind.STAFF: ("teacher", "staff", "administrator"),
    ImportRecord.Kind.STUDENTS: ("student",),
}


def _held(counts: dict) -> int:
    return counts.get("held_updates", 0) + counts.get("held_archives", 0)


@dataclass(frozen=True)
class SkipReason:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class CountsRow:
    """One line of counts: a whole file, or one of its parts."""

    label: str
    counts: dict
    part: str | None = None  # the part's label; None for the file's own line

    def value(self, column: str) -> int:
        return _held(self.counts) if column == "held" else self.counts.get(column, 0)

    @property
    def values(self) -> list[tuple[str, int]]:
        return [(c, self.value(c)) for c in COLUMNS]

    @property
    def table(self) -> str | None:
        return PART_TABLES.get(self.part, (None, None))[0] if self.part else None

    @property
    def role(self) -> str | None:
        return PART_TABLES.get(self.part, (None, None))[1] if self.part else None

    @property
    def skipped_reasons(self) -> list[SkipReason]:
        return skip_reasons(self.counts.get("skipped_by") or {})


def skip_reasons(by_code: dict[str, int]) -> list[SkipReason]:
    """Skipped rows by reason, most first, each with its label."""
    return [
        SkipReason(code, SKIP_LABELS.get(code, code.replace("_", " ")), n)
        for code, n in sorted(by_code.items(), key=lambda item: -item[1])
        if n
    ]


def record_counts_rows(record: ImportRecord) -> list[CountsRow]:
    """The file's line, then one line per part when it has more than one."""
    rows = [CountsRow(record.get_kind_display(), record.counts())]
    parts = record.part_counts or {}
    if len(parts) > 1:
        rows += [CountsRow(label.capitalize(), counts, label) for label, counts in parts.items()]
    return rows


def record_received_words(record: ImportRecord) -> str:
    """ "5,426 received (2,000 students, 3,426 parent contacts)"."""
    text = f"{record.received:,} received"
    parts = record.part_counts or {}
    if len(parts) > 1:
        text += " (" + ", ".join(f"{c.get('received', 0):,} {p}" for p, c in parts.items()) + ")"
    return text


def record_skipped_reasons(record: ImportRecord) -> list[SkipReason]:
    return skip_reasons(record.skipped_reasons or {})

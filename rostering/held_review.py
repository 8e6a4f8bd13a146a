"""The held changes of one import, as its review page, its CSV and its e-mail show them:
every file of the run, each set of changes with the safeguard rule that held it in
words, and each row by name (a person with their Student ID or Staff ID, grade and
school; a class by its title; an enrollment as who is in which class)."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from rostering.change_words import FieldChange, field_changes_many, table_noun
from rostering.models import HeldChange, ImportRecord, Person, RosterStatus, SyncRun, SyncSettings
from rostering.roster_labels import ROLE_LABELS, RowLabel, rows_labels
from rostering.sync.changes import NOT_SHOWN
from rostering.sync.held import HELD_MODELS, HELD_SPECS, held_changes_superseded_by
from rostering.sync.safeguard import MIN_HELD_CHANGES

ROWS_SHOWN = 100  # per set on the page; the CSV has every row
BATCH = 1000
FILE_ORDER = [k for k, _ in ImportRecord.Kind.choices]
ROLE_NOUNS = {
    "student": ("student", "students"),
    "teacher": ("teacher", "teachers"),
    "staff": ("staff member", "staff members"),
    "administrator": ("administrator", "administrators"),
}
VERBS = {
    HeldChange.Kind.UPDATE: "updated",
    HeldChange.Kind.ARCHIVE: "archived",
    HeldChange.Kind.RELINK: "relinked",
    HeldChange.Kind.RENAME: "renamed",
}
RULE_SHARE = (
    "{share} of the active {nouns} ({count:,} of {active:,}) would be {verb}; "
    "the limit is {pct}% (“{setting}” in the connection's sync settings)."
)
RULE_ALL = (
    "All {active:,} active {nouns} would be archived: an import never archives every row "
    "of a kind without approval (an empty or half-loaded feed is not a reason to empty "
    "a district)."
)
RULE_RELINK = (
    "The SIS lists {what} under a new sourcedId, with the Aeries ids of an account the "
    "import would otherwise archive; approving keeps that account (its history, classes "
    "and contacts) under the new sourcedId. “{setting}” is off in the connection's sync "
    "settings, so relinks wait for approval."
)
RULE_RENAME = (
    "The connection's name format gives {what} a new username or e-mail (see “Name "
    "formats” on the connection page). Renames are never applied without approval: "
    "people sign in with these names."
)
# What a relink never shows as a change: bookkeeping, and the SIS's own copy of values.
RELINK_NOT_SHOWN = NOT_SHOWN | {"user_ids", "sis_school_ids"}
CSV_HEADER = ("Import", "File", "Change", "Kind of row", "sourcedId", "Student ID / Staff ID",
              "Name", "Details", "What would change")  # fmt: skip


def held_noun(*, table: str, role: str | None, count: int) -> str:
    """ "students", "staff members", "classes", "parent contact" …"""
    if table == "person" and role in ROLE_NOUNS:
        one, many = ROLE_NOUNS[role]
        return one if count == 1 else many
    return table_noun(table, count)


@dataclass(frozen=True)
class HeldRow:
    sourced_id: str
    label: RowLabel
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class HeldSet:
    """One file's held changes of one kind, table and role: what one safeguard held."""

    record_id: int
    table: str
    kind: str
    role: str | None
    count: int
    rule: str
    rows: tuple[HeldRow, ...]

    @property
    def more(self) -> int:
        return self.count - len(self.rows)

    @property
    def label(self) -> str:
        noun = held_noun(table=self.table, role=self.role, count=self.count)
        return f"{self.count:,} {noun} to be {VERBS[self.kind]}"


@dataclass(frozen=True)
class HeldFile:
    record: ImportRecord
    sets: tuple[HeldSet, ...]
    superseded_by: int | None

    @property
    def count(self) -> int:
        return sum(s.count for s in self.sets)


def _pending(run: SyncRun):
    return HeldChange.objects.filter(record__run=run, status=HeldChange.Status.PENDING)


def run_held_count(*, run: SyncRun) -> int:
    """How many of the run's held changes wait for a decision."""
    return _pending(run).count()


def _grouped(run: SyncRun) -> dict[tuple, list[int]]:
    """(record id, table, role, kind) -> the held changes' ids, in order."""
    rows = list(
        _pending(run)
        .order_by("pk")
        .values_list("pk", "record_id", "table", "kind", "payload__row__role", "payload__id")
    )
    archived_people = [r[5] for r in rows if r[2] == "person" and r[3] == HeldChange.Kind.ARCHIVE]
    roles = dict(Person.objects.filter(pk__in=archived_people).values_list("pk", "role"))
    groups: dict[tuple, list[int]] = defaultdict(list)
    for pk, record_id, table, kind, row_role, row_id in rows:
        role = (row_role or roles.get(row_id)) if table == "person" else None
        groups[(record_id, table, role, kind)].append(pk)
    return groups


def _active(run: SyncRun, table: str, role: str | None) -> int:
    """Active rows the safeguard weighed the changes against (not the run's new ones)."""
    rows = HELD_MODELS[table].objects.filter(district_id=run.district_id)
    rows = rows.filter(status=RosterStatus.ACTIVE).exclude(created_run_id=run.pk)
    if role is not None:
        rows = rows.filter(role=role, connection_id=run.connection_id)
    return rows.count()


def held_rule(*, run: SyncRun, table: str, role: str | None, kind: str, count: int) -> str:
    """The safeguard rule that held `count` changes, in words."""
    settings = SyncSettings.objects.filter(connection_id=run.connection_id).first()
    settings = settings or SyncSettings()
    if kind == HeldChange.Kind.RELINK:
        nouns = held_noun(table=table, role=role, count=count)
        what = f"this {nouns}" if count == 1 else f"these {nouns}"
        setting = SyncSettings._meta.get_field("relink_automatically").verbose_name
        return RULE_RELINK.format(what=what, setting=setting)
    if kind == HeldChange.Kind.RENAME:
        nouns = held_noun(table=table, role=role, count=count)
        return RULE_RENAME.format(what=f"this {nouns}" if count == 1 else f"these {nouns}")
    active = _active(run, table, role)
    nouns = held_noun(table=table, role=role, count=2)
    if kind == HeldChange.Kind.ARCHIVE and count >= active > MIN_HELD_CHANGES:
        return RULE_ALL.format(active=active, nouns=nouns)
    field = "update_threshold_pct" if kind == HeldChange.Kind.UPDATE else "archive_threshold_pct"
    share = 100 * count / active if active else 100
    return RULE_SHARE.format(
        share=f"{share:.1f}%" if share < 10 else f"{share:.0f}%",
        nouns=nouns,
        count=count,
        active=active,
        verb=VERBS[kind],
        pct=getattr(settings, field),
        setting=SyncSettings._meta.get_field(field).verbose_name,
    )


def _archive_rows(run: SyncRun, table: str, changes: list[HeldChange]) -> list[HeldRow]:
    ids = [c.payload.get("id") for c in changes]
    labels = rows_labels(table=table, ids=ids, connection_id=run.connection_id)
    return [
        HeldRow(c.sourced_id, labels.get(c.payload.get("id")) or RowLabel(c.sourced_id))
        for c in changes
    ]


def _update_rows(run: SyncRun, table: str, changes: list[HeldChange]) -> list[HeldRow]:
    spec, model = HELD_SPECS[table], HELD_MODELS[table]
    keys = spec.key_columns
    rows = [spec.decode(c.payload["row"]) for c in changes]
    stored_objects = model.objects.filter(
        district_id=run.district_id, sourced_id__in={c.sourced_id for c in changes}
    )
    stored = {tuple(getattr(o, k) for k in keys): o for o in stored_objects}
    found = [stored.get(tuple(row[spec.index(k)] for k in keys)) for row in rows]
    labels = rows_labels(
        table=table, ids=[o.pk for o in found if o is not None], connection_id=run.connection_id
    )
    diffs = []
    for obj, row in zip(found, rows, strict=True):
        before, after = {}, {}
        for i, column in enumerate(spec.columns):
            old = getattr(obj, column, None) if obj is not None else None
            if column not in NOT_SHOWN and hasattr(obj, column) and old != row[i]:
                before[column], after[column] = old, row[i]
        diffs.append((table, before, after))
    words = field_changes_many(diffs)
    return [
        HeldRow(c.sourced_id, labels.get(getattr(o, "pk", None)) or RowLabel(c.sourced_id), w)
        for c, o, w in zip(changes, found, words, strict=True)
    ]


def _relink_rows(run: SyncRun, changes: list[HeldChange]) -> list[HeldRow]:
    """Each relink by the account it keeps, with its sourcedId and whatever else of it
    changes (a new Student ID, a new e-mail …) before and after."""
    ids = [c.payload.get("old_id") for c in changes]
    labels = rows_labels(table="person", ids=ids, connection_id=run.connection_id)
    spec, accounts = HELD_SPECS["person"], Person.objects.in_bulk(ids)
    diffs = []
    for change in changes:
        account, row = accounts.get(change.payload.get("old_id")), change.payload.get("row")
        values = dict(zip(spec.columns, spec.decode(row), strict=True)) if row else {}
        before, after = {}, {}
        for column, new in values.items():
            old = getattr(account, column, None)
            if column not in RELINK_NOT_SHOWN and account is not None and old != new:
                before[column], after[column] = old, new
        diffs.append(("person", before, after))
    words = field_changes_many(diffs)
    return [
        HeldRow(
            c.sourced_id,
            labels.get(c.payload.get("old_id")) or RowLabel(c.payload.get("old_sourced_id", "")),
            w or (FieldChange("SIS sourcedId", c.payload.get("old_sourced_id", ""), c.sourced_id),),
        )
        for c, w in zip(changes, words, strict=True)
    ]


def held_rows(*, run: SyncRun, table: str, kind: str, changes: list[HeldChange]) -> list[HeldRow]:
    """The held changes of one table and kind, each by name (and what would change)."""
    if kind in (HeldChange.Kind.UPDATE, HeldChange.Kind.RENAME):
        return _update_rows(run, table, changes)
    if kind == HeldChange.Kind.RELINK:
        return _relink_rows(run, changes)
    return _archive_rows(run, table, changes)


def _rank(key: tuple, kinds: dict[int, str]) -> tuple:
    record_id, table, role, kind = key
    order = list(HELD_SPECS)
    return (FILE_ORDER.index(kinds[record_id]), order.index(table), role or "", kind)


def run_held_files(*, run: SyncRun, rows_shown: int = ROWS_SHOWN) -> list[HeldFile]:
    """Every file of the run with pending held changes, each set with its rule and its
    first `rows_shown` rows by name."""
    groups = _grouped(run)
    records = {r.pk: r for r in run.records.all()}
    kinds = {pk: r.kind for pk, r in records.items()}
    sets: dict[int, list[HeldSet]] = defaultdict(list)
    for key in sorted((k for k in groups if k[1] in HELD_SPECS), key=lambda k: _rank(k, kinds)):
        record_id, table, role, kind = key
        ids = groups[key]
        changes = list(HeldChange.objects.filter(pk__in=ids[:rows_shown]).order_by("pk"))
        rule = held_rule(run=run, table=table, role=role, kind=kind, count=len(ids))
        rows = held_rows(run=run, table=table, kind=kind, changes=changes)
        sets[record_id].append(HeldSet(record_id, table, kind, role, len(ids), rule, tuple(rows)))
    return [
        HeldFile(records[pk], tuple(file_sets), held_changes_superseded_by(record=records[pk]))
        for pk, file_sets in sets.items()
    ]


def run_held_csv_rows(*, run: SyncRun) -> Iterator[list[str]]:
    """The header, then every pending held change of the run, by name, batch by batch."""
    yield list(CSV_HEADER)
    kinds = dict(run.records.values_list("pk", "kind"))
    for (record_id, table, role, kind), ids in _grouped(run).items():
        if table not in HELD_SPECS:
            continue
        what = ROLE_LABELS.get(role or "", table_noun(table, 1)) if role else table_noun(table, 1)
        for start in range(0, len(ids), BATCH):
            changes = list(HeldChange.objects.filter(pk__in=ids[start : start + BATCH]))
            for row in held_rows(run=run, table=table, kind=kind, changes=changes):
                yield [
                    str(run.pk),
                    ImportRecord.Kind(kinds[record_id]).label,
                    VERBS[kind].capitalize(),
                    what,
                    row.sourced_id,
                    row.label.aeries_id,
                    row.label.name,
                    row.label.details,
                    "; ".join(str(c) for c in row.changes),
                ]

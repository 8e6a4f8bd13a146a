"""Rows re-keyed: what a full import lists under a new sourcedId that is a row it no
longer lists under the old one.

When a district's connection changes kind (OneRoster ↔ the Aeries native API) or Aeries
changes the form of its ids, people are relinked (identity.py), and the rows that link
them change sourcedId too: enrollments (`994_STU_100020_1001` ↔ `994_1001_100020`),
parent contacts (`PAT_7` ↔ `CNT_100020_1`), and classes whose ids changed form (Aeries'
elementary classes in 2019-20: `990_990421` → `990_TN_421`). Created again under the new
ids, they would leave the old ones to be archived — held by the safeguard, so that every
student showed twice in each class until a manager approved.

At the end of a full import's part, the rows it created are compared with the live rows
it no longer lists, on what makes a row the same row whatever its sourcedId:

- an enrollment: its class, its person and its role;
- a parent contact: its student and name (folded: accents, case, spaces); for the
  contacts of a student that share a name (or have none), their e-mail too. Not the
  relationship: the two APIs word it differently (OneRoster says `guardian` where the
  native code table says grandmother, a `relative`; a native code nobody explains is
  blank), and a contact's relationship can change while it stays the same person;
- a class: its school, course, class code, periods and terms — what Aeries builds from
  the master schedule whatever the form of the class's id.

A key exactly one old row and one new row share is a re-key: the old row takes the new
row's sourcedId and values (its id, creation and history stay; a pinned field keeps its
pin), the new row — written moments before, in the same transaction — is dropped, and
the change log notes a RELINKED change (undoing the import puts the old sourcedId back).
It is counted as relinked, not created, and the file's record says so. A key two rows
share on either side proves nothing: those rows are created and archived as before.

Cost: nothing on a first import (the table held none of the district's rows) nor on an
import that created no row. Otherwise the keys of the rows it creates are noted as they
are written, and the part's end reads the stored rows of the same people (an
enrollment's person, a contact's student) or schools (a class's), not the whole table.
"""

import unicodedata
from collections.abc import Callable, Container, Hashable, Iterable
from dataclasses import dataclass, replace

from django.db import models

from rostering.models.changes import RosterChange
from rostering.models.people import RosterStatus
from rostering.models.pins import PINNABLE, FieldPin
from rostering.sync.changes import row_diff
from rostering.sync.known import KnownRows
from rostering.sync.upsert import MAX_PARAMS, RUN_COLUMN, chunks, rows_delete

# What stays the old row's own when it takes the new row's values.
KEPT = ("district_id", "created_at", RUN_COLUMN)
REKEYED_NOTE = (
    "{count:,} {what} the SIS now lists under new sourcedIds are ones it listed before: "
    "re-keyed (their history kept), not created again."
)
Row = dict  # a row by column, with its id
BATCH = 5_000  # rows re-keyed at a time
Key = Callable[[Row], Hashable | None]  # None: the row has no such key


@dataclass(frozen=True)
class RekeyRule:
    """How rows of one table are recognised under another sourcedId."""

    model: type[models.Model]
    what: str  # the rows, for the record's note: "enrollments"
    anchor: str  # the column whose stored rows may be the same (person, student, school)
    columns: tuple[str, ...]  # what the keys read
    keys: tuple[Key, ...]  # coarse first: a refined key settles what a coarse one cannot


def folded(text: str) -> str:
    """A name as the two APIs may spell it: accents, case and spacing folded."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def _contact_name(row: Row) -> Hashable | None:
    name = (folded(row["given_name"]), folded(row["family_name"]))
    return (row["student_id"], name) if any(name) else None


def _contact_email(row: Row) -> Hashable | None:
    email = (row["email"] or "").strip().casefold()
    if not email:
        return None
    return (row["student_id"], folded(row["given_name"]), folded(row["family_name"]), email)


def _enrollment(row: Row) -> Hashable:
    return (row["section_id"], row["person_id"], row["role"])


def _section(row: Row) -> Hashable | None:
    if not row["class_code"]:
        return None  # nothing of the master schedule to recognise it by
    return (row["school_id"], row["course_id"], row["class_code"].strip().casefold(),
            tuple(row["periods"] or ()), tuple(sorted(row["term_sourced_ids"] or ())))  # fmt: skip


def enrollment_rule(model) -> RekeyRule:
    columns = ("section_id", "person_id", "role")
    return RekeyRule(model, "enrollments", "person_id", columns, (_enrollment,))


def contact_rule(model) -> RekeyRule:
    columns = ("student_id", "given_name", "family_name", "email")
    return RekeyRule(model, "parent contacts", "student_id", columns,
                     (_contact_name, _contact_email))  # fmt: skip


def section_rule(model) -> RekeyRule:
    columns = ("school_id", "course_id", "class_code", "periods", "term_sourced_ids")
    return RekeyRule(model, "classes", "school_id", columns, (_section,))


# (a row's identity: its id, or a new row's key; its value of each key, None where it
# has none): all a pairing keeps of a row (a kind switch compares hundreds of thousands).
Keyed = tuple[Hashable, tuple]


def keyed(rows: Iterable[Row], keys: tuple[Key, ...]) -> list[Keyed]:
    """Each row's id and keys."""
    return [(row["id"], tuple(key(row) for key in keys)) for row in rows]


def pairs_matched(old: list[Keyed], new: list[Keyed]) -> list[tuple[Hashable, Hashable]]:
    """(old, new) identities of rows that share a key no other row on either side has,
    key by key (a refined key for what a coarse one left)."""
    found = []
    levels = len(old[0][1]) if old else 0
    for level in range(levels):
        olds, news = _by_key(old, level), _by_key(new, level)
        taken: set[Hashable] = set()
        for value, group in olds.items():
            other = news.get(value, ())
            if len(group) == 1 and len(other) == 1:
                found.append((group[0], other[0]))
                taken |= {group[0], other[0]}
        old = [r for r in old if r[0] not in taken]
        new = [r for r in new if r[0] not in taken]
    return found


def _by_key(rows: list[Keyed], level: int) -> dict[Hashable, list[Hashable]]:
    grouped: dict[Hashable, list[Hashable]] = {}
    for pk, keys in rows:
        if keys[level] is not None:
            grouped.setdefault(keys[level], []).append(pk)
    return grouped


class Rekeys:
    """A writer's re-keys (rows.RowWriter.rekeys): the keys of the rows it creates, noted
    as they are written; re-keyed when its full part ends."""

    def __init__(self, writer, rule: RekeyRule):
        self.writer, self.rule, self.ctx = writer, rule, writer.ctx
        self.spec = writer.spec
        self.columns = ("id", *self.spec.columns)
        self.identity = [self.spec.index(c) for c in self.spec.key_columns]
        self.noting: bool | None = None  # decided at the first rows created
        self.created: list[Keyed] = []  # (the new row's key columns, its keys)
        self.anchors: set = set()

    def note_created(self, rows: list) -> None:
        """Notes the keys of rows the part creates (full rows in the spec's order): none
        in a delta import or when the table held none of the district's rows."""
        if self.noting is None:
            known = self.writer.known
            self.noting = self.ctx.full and not (isinstance(known, KnownRows) and not known.keys)
        if not self.noting:
            return
        columns, keys = self.spec.columns, self.rule.keys
        for row in rows:
            values = dict(zip(columns, row, strict=True))
            self.created.append((tuple(row[i] for i in self.identity),
                                 tuple(key(values) for key in keys)))  # fmt: skip
            self.anchors.add(values[self.rule.anchor])

    def apply(self, *, keep: Container[str]) -> None:
        """Re-keys the live rows not in `keep` (the import no longer lists them) that are
        rows it created under other sourcedIds."""
        if not self.created:
            return
        old = self._unlisted(keep)
        pairs = pairs_matched(old, self.created) if old else []
        self.created, self.anchors = [], set()
        rekeyed = sum(self._write(batch) for batch in chunks(pairs, BATCH))
        if rekeyed:
            self.writer.counts.created -= rekeyed
            self.writer.counts.relinked += rekeyed
            self.writer.notes.append(REKEYED_NOTE.format(count=rekeyed, what=self.rule.what))

    def _live(self, **filters) -> models.QuerySet:
        return self.rule.model.objects.filter(
            district_id=self.ctx.district_id, status=RosterStatus.ACTIVE,
            year_archive__isnull=True, **filters,
        )  # fmt: skip

    def _unlisted(self, keep: Container[str]) -> list[Keyed]:
        """The stored rows of the same people (or schools) the import no longer lists."""
        names = ("id", "sourced_id", *self.rule.columns)
        found = []
        for part in chunks(sorted(self.anchors, key=str), MAX_PARAMS):
            rows = self._live(**{f"{self.rule.anchor}__in": part}).exclude(
                created_run_id=self.ctx.run.pk
            )
            for values in rows.values_list(*names):
                if values[1] not in keep:
                    found.append(dict(zip(names, values, strict=True)))
        return keyed(found, self.rule.keys)

    def _full(self, pairs: list[tuple[int, tuple]]) -> tuple[dict[int, Row], dict[tuple, Row]]:
        """The old rows by id and the new ones by key, as the ORM reads them (the same
        values on every database)."""
        model, columns = self.rule.model, self.columns
        olds = model.objects.filter(pk__in=[o for o, _ in pairs]).values_list(*columns)
        created = self._live(created_run_id=self.ctx.run.pk)
        news = created.filter(sourced_id__in={n[0] for _, n in pairs}).values_list(*columns)
        key_of = [columns.index(c) for c in self.spec.key_columns]
        return (
            {values[0]: dict(zip(columns, values, strict=True)) for values in olds},
            {tuple(values[i] for i in key_of): dict(zip(columns, values, strict=True))
             for values in news},
        )  # fmt: skip

    def _write(self, pairs: list[tuple[int, tuple]]) -> int:
        """One batch: the new rows dropped, the old ones given their sourcedIds and values;
        how many."""
        spec, ctx = self.spec, self.ctx
        olds, news = self._full(pairs)
        pairs = [(o, n) for o, n in pairs if o in olds and n in news]
        rows_delete(table=spec.table, column="id", values=[news[n]["id"] for _, n in pairs])
        pins = self._pins(list(olds))
        written = []
        for old_id, new_key in pairs:
            old, new = olds[old_id], news[new_key]
            row = {**new, "id": old_id, **{c: old[c] for c in KEPT}, "updated_at": ctx.now}
            for field, value in pins.get(old_id, {}).items():
                row[field], row["sis_digest"] = value, ""
            written.append([row[c] for c in self.columns])
            before, after = row_diff(spec, [old[c] for c in spec.columns],
                                     [row[c] for c in spec.columns])  # fmt: skip
            ctx.changes.add(
                record_id=self.writer.issues.record.pk, table=spec.name, row_id=old_id,
                sourced_id=new["sourced_id"], action=RosterChange.Action.RELINKED,
                before=before, after=after, before_hash=old["content_hash"],
            )  # fmt: skip
            if old_id in pins:  # a pin names the sourcedId its row carries now
                FieldPin.objects.filter(table=spec.name, row_id=old_id).update(
                    sourced_id=new["sourced_id"]
                )
        with_id = replace(spec, columns=self.columns)
        update = [c for c in spec.columns if c not in KEPT]
        ctx.backend.rows_upsert(
            table=spec.table, columns=self.columns, conflict=("id",),
            rows=ctx.backend.prepared(with_id, written), update=update,
        )  # fmt: skip
        ctx.changes.flush()
        return len(pairs)

    def _pins(self, ids: list[int]) -> dict[int, dict[str, object]]:
        """Row id -> field -> pinned value, of the re-keyed rows (pinnable tables)."""
        if self.spec.name not in PINNABLE:
            return {}
        found: dict[int, dict[str, object]] = {}
        for part in chunks(ids, MAX_PARAMS):
            pins = FieldPin.objects.filter(table=self.spec.name, row_id__in=list(part))
            for row_id, field, value in pins.values_list("row_id", "field", "value"):
                found.setdefault(row_id, {})[field] = value
        return found

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

Cost: nothing unless a full import of the table both created rows and left rows unlisted;
then one read of those rows and of the rows it created.
"""

import unicodedata
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, replace

from django.db import models

from rostering.models.changes import RosterChange
from rostering.models.people import RosterStatus
from rostering.models.pins import PINNABLE, FieldPin
from rostering.sync.changes import row_diff
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
    return RekeyRule(model, "enrollments", ("section_id", "person_id", "role"), (_enrollment,))


def contact_rule(model) -> RekeyRule:
    columns = ("student_id", "given_name", "family_name", "email")
    return RekeyRule(model, "parent contacts", columns, (_contact_name, _contact_email))


def section_rule(model) -> RekeyRule:
    columns = ("school_id", "course_id", "class_code", "periods", "term_sourced_ids")
    return RekeyRule(model, "classes", columns, (_section,))


Keyed = tuple[int, tuple]  # (row id, its value of each key, None where it has none)


def keyed(rows: Iterable[Row], keys: tuple[Key, ...]) -> list[Keyed]:
    """Each row's id and keys: all a pairing keeps of a row (a kind switch of a large
    district compares hundreds of thousands)."""
    return [(row["id"], tuple(key(row) for key in keys)) for row in rows]


def pairs_matched(old: list[Keyed], new: list[Keyed]) -> list[tuple[int, int]]:
    """(old id, new id) of rows that share a key no other row on either side has, key
    by key (a refined key for what a coarse one left)."""
    found = []
    levels = len(old[0][1]) if old else 0
    for level in range(levels):
        olds, news = _by_key(old, level), _by_key(new, level)
        taken: set[int] = set()
        for value, group in olds.items():
            other = news.get(value, ())
            if len(group) == 1 and len(other) == 1:
                found.append((group[0], other[0]))
                taken |= {group[0], other[0]}
        old = [r for r in old if r[0] not in taken]
        new = [r for r in new if r[0] not in taken]
    return found


def _by_key(rows: list[Keyed], level: int) -> dict[Hashable, list[int]]:
    grouped: dict[Hashable, list[int]] = {}
    for pk, keys in rows:
        if keys[level] is not None:
            grouped.setdefault(keys[level], []).append(pk)
    return grouped


class Rekeys:
    """A writer's re-keys (rows.RowWriter.rekeys), applied when its full part ends."""

    def __init__(self, writer, rule: RekeyRule):
        self.writer, self.rule, self.ctx = writer, rule, writer.ctx
        self.spec = writer.spec
        self.columns = ("id", *self.spec.columns)

    def apply(self, missing: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """Re-keys what it can among `missing` (id, sourcedId: rows the import no longer
        lists); the rest, to be archived."""
        if not missing or not self.writer.counts.created:
            return missing
        old = [row for part in chunks([pk for pk, _ in missing], MAX_PARAMS)
               for row in self._keyed(pk__in=list(part))]  # fmt: skip
        pairs = pairs_matched(old, self._keyed(created_run_id=self.ctx.run.pk))
        if not pairs:
            return missing
        for batch in chunks(pairs, BATCH):
            self._write(batch)
        self.writer.counts.created -= len(pairs)
        self.writer.counts.relinked += len(pairs)
        self.writer.notes.append(REKEYED_NOTE.format(count=len(pairs), what=self.rule.what))
        rekeyed = {old_id for old_id, _ in pairs}
        return [(pk, sid) for pk, sid in missing if pk not in rekeyed]

    def _live(self, **filters) -> models.QuerySet:
        return self.rule.model.objects.filter(
            district_id=self.ctx.district_id, status=RosterStatus.ACTIVE,
            year_archive__isnull=True, **filters,
        )  # fmt: skip

    def _keyed(self, **filters) -> list[Keyed]:
        names = ("id", *self.rule.columns)
        rows = self._live(**filters).values_list(*names).iterator(chunk_size=BATCH)
        return keyed((dict(zip(names, values, strict=True)) for values in rows), self.rule.keys)

    def _full(self, ids: list[int]) -> dict[int, Row]:
        """The rows as the ORM reads them (the same values on every database)."""
        rows = self.rule.model.objects.filter(pk__in=ids).values_list(*self.columns)
        return {values[0]: dict(zip(self.columns, values, strict=True)) for values in rows}

    def _write(self, pairs: list[tuple[int, int]]) -> None:
        """One batch: the new rows dropped, the old ones given their sourcedIds and values."""
        spec, ctx = self.spec, self.ctx
        olds, news = self._full([o for o, _ in pairs]), self._full([n for _, n in pairs])
        rows_delete(table=spec.table, column="id", values=list(news))
        pins = self._pins(list(olds))
        written = []
        for old_id, new_id in pairs:
            old, new = olds[old_id], news[new_id]
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
        with_id = replace(spec, columns=self.columns)
        update = [c for c in spec.columns if c not in KEPT]
        ctx.backend.rows_upsert(
            table=spec.table, columns=self.columns, conflict=("id",),
            rows=ctx.backend.prepared(with_id, written), update=update,
        )  # fmt: skip
        for old_id, new_id in pairs:
            if old_id in pins:  # a pin names the sourcedId its row carries now
                FieldPin.objects.filter(table=spec.name, row_id=old_id).update(
                    sourced_id=news[new_id]["sourced_id"]
                )
        ctx.changes.flush()

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

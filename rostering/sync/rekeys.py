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
from collections.abc import Callable, Hashable
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
Key = Callable[[Row], Hashable | None]  # None: the row has no such key


@dataclass(frozen=True)
class RekeyRule:
    """How rows of one table are recognised under another sourcedId."""

    model: type[models.Model]
    what: str  # the rows, for the record's note: "enrollments"
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
    return RekeyRule(model, "enrollments", (_enrollment,))


def contact_rule(model) -> RekeyRule:
    return RekeyRule(model, "parent contacts", (_contact_name, _contact_email))


def section_rule(model) -> RekeyRule:
    return RekeyRule(model, "classes", (_section,))


def pairs_matched(old: list[Row], new: list[Row], keys: tuple[Key, ...]) -> list[tuple[Row, Row]]:
    """(old, new) rows that share a key no other row on either side has, key by key."""
    found = []
    for key in keys:
        olds, news = _by_key(old, key), _by_key(new, key)
        taken: set[int] = set()
        for value, group in olds.items():
            other = news.get(value, ())
            if len(group) == 1 and len(other) == 1:
                found.append((group[0], other[0]))
                taken |= {group[0]["id"], other[0]["id"]}
        old = [r for r in old if r["id"] not in taken]
        new = [r for r in new if r["id"] not in taken]
    return found


def _by_key(rows: list[Row], key: Key) -> dict[Hashable, list[Row]]:
    grouped: dict[Hashable, list[Row]] = {}
    for row in rows:
        value = key(row)
        if value is not None:
            grouped.setdefault(value, []).append(row)
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
               for row in self._rows(self._live(pk__in=list(part)))]  # fmt: skip
        new = self._rows(self._live(created_run_id=self.ctx.run.pk))
        pairs = pairs_matched(old, new, self.rule.keys)
        if not pairs:
            return missing
        self._write(pairs)
        rekeyed = {old_row["id"] for old_row, _ in pairs}
        return [(pk, sid) for pk, sid in missing if pk not in rekeyed]

    def _live(self, **filters) -> models.QuerySet:
        return self.rule.model.objects.filter(
            district_id=self.ctx.district_id, status=RosterStatus.ACTIVE,
            year_archive__isnull=True, **filters,
        )  # fmt: skip

    def _rows(self, rows: models.QuerySet) -> list[Row]:
        """The rows as the ORM reads them (the same values on every database)."""
        return [dict(zip(self.columns, values, strict=True))
                for values in rows.values_list(*self.columns)]  # fmt: skip

    def _write(self, pairs: list[tuple[Row, Row]]) -> None:
        spec, ctx, writer = self.spec, self.ctx, self.writer
        rows_delete(table=spec.table, column="id", values=[new["id"] for _, new in pairs])
        pins = self._pins([old["id"] for old, _ in pairs])
        written = []
        for old, new in pairs:
            row = {**new, "id": old["id"], **{c: old[c] for c in KEPT}, "updated_at": ctx.now}
            for field, value in pins.get(old["id"], {}).items():
                row[field], row["sis_digest"] = value, ""
            written.append([row[c] for c in self.columns])
            before, after = row_diff(spec, [old[c] for c in spec.columns],
                                     [row[c] for c in spec.columns])  # fmt: skip
            ctx.changes.add(
                record_id=writer.issues.record.pk, table=spec.name, row_id=old["id"],
                sourced_id=new["sourced_id"], action=RosterChange.Action.RELINKED,
                before=before, after=after, before_hash=old["content_hash"],
            )  # fmt: skip
        with_id = replace(spec, columns=self.columns)
        update = [c for c in spec.columns if c not in KEPT]
        ctx.backend.rows_upsert(
            table=spec.table, columns=self.columns, conflict=("id",),
            rows=ctx.backend.prepared(with_id, written), update=update,
        )  # fmt: skip
        if pins:
            self._pins_follow(pairs, set(pins))
        writer.counts.created -= len(pairs)
        writer.counts.relinked += len(pairs)
        writer.notes.append(REKEYED_NOTE.format(count=len(pairs), what=self.rule.what))

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

    def _pins_follow(self, pairs: list[tuple[Row, Row]], pinned: set[int]) -> None:
        """A pin names the sourcedId its row carries now."""
        for old, new in pairs:
            if old["id"] in pinned:
                FieldPin.objects.filter(table=self.spec.name, row_id=old["id"]).update(
                    sourced_id=new["sourced_id"]
                )

"""The writer every table's rows go through: one change-detection loop.

A part's pages arrive as records; each becomes rows with a key and a content hash.
Rows whose hash the table already holds write nothing; new rows go in (COPY where the
backend can), changed and restored rows are upserted; finish() checks the links the
rows made and archives the rows the SIS no longer lists. People add their own
screening, usernames and school links on top (people.PersonWriter).
"""

from collections.abc import Callable, Sequence
from operator import gt, itemgetter
from typing import Any

from rostering.models.changes import RosterChange
from rostering.models.people import RosterStatus
from rostering.sync import issues
from rostering.sync.changes import row_diff
from rostering.sync.context import RunContext
from rostering.sync.counts import SKIP_TOBEDELETED, Counts
from rostering.sync.fingerprints import sis_digest
from rostering.sync.hashing import content_hash
from rostering.sync.issues import IssueCollector
from rostering.sync.known import KnownRows, known_rows
from rostering.sync.rekeys import Rekeys
from rostering.sync.row_links import Reference, references_verify
from rostering.sync.row_passing import PassingOver
from rostering.sync.row_pins import PinnedFields
from rostering.sync.rules import RULE_ARCHIVE_REASON
from rostering.sync.safeguard import Safeguard
from rostering.sync.upsert import RUN_COLUMN, TableSpec
from sis.fingerprints import SisUnchanged

# What the database holds for an incoming row: (id, content_hash, status, *the row in
# the spec's column order).
STORED_ID, STORED_HASH, STORED_STATUS, STORED_ROW = 0, 1, 2, 3


# Builds the rows (values without bookkeeping columns) for one record; an empty
# list when the builder already counted the record as skipped or failed.
Builder = Callable[[Any], list[list]]
BOOKKEEPING = ("district_id", "status", "content_hash", "created_at", "updated_at", RUN_COLUMN,
               "sis_digest")  # fmt: skip
# (what the caller writes, its key, its content hash), and what changed of them:
# (what the caller writes, its content hash, the stored row or None when it is new).
# RowWriter writes (its values, their sis_digest); PersonWriter (person, school ids).
Item = tuple[Any, tuple, str]
Change = tuple[Any, str, tuple | None]


class RowWriter(PassingOver, PinnedFields):
    """Writes one part's rows into its table; `finish()` ends the part."""

    def __init__(
        self,
        *,
        ctx: RunContext,
        spec: TableSpec,
        build: Builder | None,
        issues_: IssueCollector,
        counts: Counts,
        archive: bool = True,
        references: tuple[Reference, ...] = (),
        role: str | None = None,
    ):
        self.ctx, self.spec, self.build = ctx, spec, build
        self.backend = ctx.backend
        self.issues, self.counts, self.archive = issues_, counts, archive
        # Ids this run's rows link to, by link column, checked by finish().
        self.linked = {ref: set() for ref in references}
        self.linked_index = [(ref, spec.index(ref.column)) for ref in references]
        self.data_columns = [c for c in spec.columns if c not in BOOKKEEPING]
        # A full row is picked, in the table's column order, from the data values
        # followed by the bookkeeping ones (itemgetter: one C call per row).
        sources = [*self.data_columns, *BOOKKEEPING]
        self._pick = itemgetter(*[sources.index(c) for c in spec.columns])
        self._bookkeeping = (ctx.district_id, str(RosterStatus.ACTIVE), ctx.now, ctx.now,
                             ctx.run.pk)  # fmt: skip
        # Composite keys: the keys of an unchanged row (guardians), None if unknown.
        self.unchanged_keys: Callable[[SisUnchanged], set[tuple] | None] | None = None
        # (data index, column, limit) of each text column: a longer value fails its row.
        self.limits = [
            (self.data_columns.index(c), c, n)
            for c, n in spec.max_lengths
            if c in self.data_columns
        ]
        # The limited values of a row as a tuple, and their limits, for overlong().
        self._limited = _key_function([index for index, _, _ in self.limits])
        self._limits_max = tuple(limit for _, _, limit in self.limits)
        key_columns = spec.key_columns
        self.key_sid = key_columns.index("sourced_id")
        self.row_sid = spec.index("sourced_id")
        keys = [self.data_columns.index(c) for c in key_columns]
        # Keyed by sourcedId alone, a row's key is its id: seen_ids tells repeats, and a
        # second set of 600,000 keys is not kept (composite keys need their own).
        self.single_key = key_columns == ("sourced_id",)
        self.key_of = _key_function(keys)
        self.seen: set[tuple] = set()
        self.known: KnownRows | None = None
        self.seen_ids: set[str] = set()
        self.leavers: set[str] = set()
        # Rows the connection's sync rules leave out (sync/rules.py): archived as such.
        self.rule_cut: set[str] = set()
        self.also_keep: Callable[[], set[str]] | None = None
        # Stored rows the run must convert even when the SIS sends them unchanged: their
        # outcome depends on another row's (a link whose class or person a rule now cuts).
        self.convert_always: Callable[[], set[str]] | None = None
        # Rows a full import lists under new sourcedIds that are rows it listed before
        # (rekeys.py; enrollments, parent contacts, classes), and what the record says.
        self.rekeys: Rekeys | None = None
        self.notes: list[str] = []
        self.safeguard = Safeguard(
            ctx=ctx, spec=spec, role=role, counts=counts, record=issues_.record
        )
        # Pinned fields of this table's rows (a manager's values, kept by imports).
        self.pins = ctx.pins.get(spec.name, {})
        self.pin_seen: dict[int, Any] = {}  # pin id -> the SIS's value this run
        selected = spec.select_list(*key_columns, "id", "content_hash", "status")
        self.existing_sql = (
            f"SELECT {selected} FROM {spec.table} WHERE district_id = %s{spec.live_sql} "
            "AND sourced_id IN ({marks})"
        )

    def fail(self, sourced_id: str, kind: issues.IssueKind, field: str, record: Any, **values):
        self.fail_row(sourced_id, record, [(kind, field, values)])

    def fail_row(self, sourced_id: str, record: Any, found: list[tuple]) -> None:
        """One row not imported, with every problem it has: [(kind, field, values)]."""
        self.counts.failed += 1
        for kind, field, values in found:
            self.issues.add(kind, sourced_id=sourced_id, field=field, record=record, **values)

    # The change-detection loop, shared by every writer -------------------------------
    def known_load(self) -> KnownRows:
        """What the table holds (keys and content hashes), loaded on first use."""
        if self.known is None:
            self.known = known_rows(
                full=self.ctx.full,
                table=self.spec.table,
                district_id=self.ctx.district_id,
                key_columns=self.spec.key_columns,
                where=self.spec.live_sql,
                passing_over=self.spec.table in self.ctx.passing_over,
            )
        return self.known

    def _stored(self, keys: Sequence[tuple]) -> dict[tuple, tuple]:
        """The stored row of each key that may exist, in one look-up."""
        if not keys:
            return {}
        sid = self.key_sid
        found = self.backend.select_in(
            sql=self.existing_sql,
            params=[self.ctx.district_id],
            values=sorted({key[sid] for key in keys}),
        )
        n = len(self.spec.key_columns)
        return {tuple(row[:n]): row[n:] for row in found}

    def changes(self, items: list[Item]) -> list[Change]:
        """The items that are not unchanged, in order, each with its stored row (None when
        it is new); unchanged ones are counted. Only rows that may exist are looked up."""
        known = self.known_load()
        if known.__class__ is KnownRows and known.empty:  # a first load: nothing to compare
            return [(payload, digest, None) for payload, _, digest in items]
        unchanged, is_new = known.unchanged, known.is_new
        candidates, maybe_stored = [], []
        same = 0
        for item in items:
            if unchanged(item[1], item[2]):
                same += 1
                continue
            candidates.append(item)
            if not is_new(item[1]):
                maybe_stored.append(item[1])
        stored_rows = self._stored(maybe_stored)
        found = []
        for payload, key, digest in candidates:
            stored = stored_rows.get(key)
            if (
                stored is not None
                and stored[STORED_HASH] == digest
                and (stored[STORED_STATUS] != RosterStatus.ARCHIVED)
            ):
                same += 1
                continue
            found.append((payload, digest, stored))
        self.counts.unchanged += same
        return found

    # Rows the SIS sends exactly as they were stored (fingerprints.py) ---------------------
    def digest_refresh(self, items: list[Item], found: list[Change], sis_of) -> None:
        """Stores the fingerprints of rows found unchanged the slow way (after a new
        version, or a change of settings): the next pull passes over them.
        `sis_of(payload, content hash)` is the sis_digest a row would be written with."""
        if len(found) == len(items):  # every row changed, or is new
            return
        changed = {id(payload) for payload, _, _ in found}
        refresh = [(key, sis) for payload, key, digest in items if id(payload) not in changed
                   and (sis := sis_of(payload, digest))]  # fmt: skip
        if refresh:
            self.backend.digests_refresh(self.spec, self.ctx.district_id, refresh)

    # Class-side rows -----------------------------------------------------------------
    def apply_page(self, records: list, problems: list) -> None:
        self.counts.received += len(records) + len(problems)
        issues.problems_report(problems, self.fail)
        rows = []
        # Nothing else to ask of an unchanged row than whether its sourcedId came before
        # (passes_over, inlined: most rows of a no-change pull come this way).
        plain = not self.pins and self.convert_always is None and self.unchanged_keys is None
        seen_ids, passed = self.seen_ids, 0
        for record in records:
            if record.__class__ is SisUnchanged:
                if plain and record.sourced_id not in seen_ids:
                    seen_ids.add(record.sourced_id)
                    passed += 1
                elif not self.passes_over(record):
                    for converted in self.converted_after_all(record):
                        self._record_rows(converted, rows)
                continue
            self._record_rows(record, rows)
        self.counts.unchanged += passed
        if rows:
            self._write(rows)

    def _record_rows(self, record: Any, rows: list[Item]) -> None:
        """Adds the rows of one record to `rows`, or counts it skipped or failed."""
        repeated = record.sourced_id in self.seen_ids
        self.seen_ids.add(record.sourced_id)
        if record.status == "tobedeleted":
            self.leavers.add(record.sourced_id)
            self.counts.skip(SKIP_TOBEDELETED)
            return
        noted = self.issues.errors + self.issues.warnings
        built = self.build(record)
        # Only a row that makes one row, with nothing to report, may be passed over.
        fingerprint = record.sis_digest if len(built) == 1 else ""
        for data in built:
            if self.limits and (overlong := self.overlong(data)):
                self.fail_row(record.sourced_id, record, overlong)
                continue
            key = self.key_of(data)
            if repeated if self.single_key else key in self.seen:
                self.fail(
                    record.sourced_id,
                    issues.DUPLICATE_ID,
                    "sourcedId",
                    record,
                    value=record.sourced_id,
                )
                continue
            if not self.single_key:
                self.seen.add(key)
            digest = content_hash(data)  # of the SIS's values, pinned fields included
            if self.pins and record.sourced_id in self.pins:
                sid, columns = record.sourced_id, self.data_columns
                self.pins_observe(sid, dict(zip(columns, data, strict=True)))
                data = self.pinned(sid, data, columns)
                fingerprint = ""
            if fingerprint and noted != self.issues.errors + self.issues.warnings:
                fingerprint = ""
            rows.append(((data, sis_digest(fingerprint, digest)), key, digest))

    def overlong(self, data: list) -> list[tuple]:
        """The row's values longer than their column, as failures naming each field."""
        try:  # in C: no value is longer than its limit (the usual row)
            if not any(map(gt, map(len, self._limited(data)), self._limits_max)):
                return []
        except TypeError:
            pass  # a value without a length (None): looked at one by one
        found = []
        for index, column, limit in self.limits:
            value = data[index]
            if value.__class__ is str and len(value) > limit:
                values = {"length": len(value), "limit": limit}
                found.append((issues.VALUE_TOO_LONG, column, values))
        return found

    def _full_row(self, data: list, digest: str, sis: str) -> tuple:
        district_id, status, created_at, updated_at, run_id = self._bookkeeping
        return self._pick([*data, district_id, status, digest, created_at, updated_at, run_id,
                           sis])  # fmt: skip

    def change_note(self, stored: tuple, row: Sequence) -> None:
        """Notes in the run's change log what an updated or restored row held before."""
        before, after = row_diff(self.spec, stored[STORED_ROW:], row)
        restored = stored[STORED_STATUS] == RosterStatus.ARCHIVED
        self.ctx.changes.add(
            record_id=self.issues.record.pk,
            table=self.spec.name,
            row_id=stored[STORED_ID],
            sourced_id=row[self.row_sid],
            action=RosterChange.Action.RESTORED if restored else RosterChange.Action.UPDATED,
            before=before,
            after=after,
            before_hash=stored[STORED_HASH],
        )

    def _write(self, rows: list[Item]) -> None:
        """Writes new, changed and restored rows."""
        creates, writes = [], []
        changed = self.changes(rows)
        self.digest_refresh(rows, changed, lambda payload, _: payload[1])
        for (data, sis), digest, stored in changed:
            row = self._full_row(data, digest, sis)
            if stored is None:
                self.counts.created += 1
                creates.append(row)
                continue
            if stored[STORED_STATUS] == RosterStatus.ARCHIVED:
                self.counts.restored += 1
            else:
                self.counts.updated += 1
            self.change_note(stored, row)
            writes.append(row)
        # This writer alone writes its table in this run, and `seen` stops a key from
        # coming twice: rows not found are certainly new.
        self.backend.insert_new(self.spec, creates)
        if self.rekeys is not None and creates:
            self.rekeys.note_created(creates)
        self.backend.upsert(self.spec, writes)
        for ref, index in self.linked_index:
            pick = itemgetter(index)
            self.linked[ref].update(map(pick, creates))
            self.linked[ref].update(map(pick, writes))

    # The end of a part ---------------------------------------------------------------
    def finish(self) -> None:
        self.known = None
        self.finish_writes()
        self.pins_flush()
        self.leavers_archive()

    def finish_writes(self) -> None:
        references_verify(self.backend, self.spec, self.linked)

    def archive_keep(self) -> "Kept":
        """The rows a full import keeps: those the SIS listed and did not mark to delete
        (and those `also_keep` names: rows of accounts whose relink waits)."""
        also = (self.also_keep(),) if self.also_keep is not None else ()
        return Kept(self.seen_ids, self.leavers, also)

    def leavers_archive(self) -> None:
        """Archives what the SIS no longer lists (a full run) or marked to be deleted; in a
        full run, rows it lists under new sourcedIds are re-keyed first (rekeys.py)."""
        if self.rekeys is not None and self.ctx.full:
            self.rekeys.apply(keep=self.archive_keep())
        if not (self.archive and self.ctx.settings.archive_missing):
            return
        if self.ctx.full:
            self.safeguard.archive_missing(keep=self.archive_keep())
        elif self.leavers:
            self.safeguard.archive_listed(self.leavers)
        if self.rule_cut:  # listed by the SIS, left out by the rules: weighed on their own
            self.safeguard.archive_listed(self.rule_cut, reason=RULE_ARCHIVE_REASON)


class Kept:
    """The sourcedIds a full import keeps, asked one by one: `listed` less `leavers`,
    and those of `also`. Not a set made of them: a copy of 600,000 enrollment ids costs
    tens of MB at the end of the part."""

    __slots__ = ("also", "leavers", "listed")

    def __init__(self, listed: set[str], leavers: set[str], also: tuple[set[str], ...] = ()):
        self.listed, self.leavers, self.also = listed, leavers, also

    def __contains__(self, sourced_id: object) -> bool:
        if sourced_id in self.listed and sourced_id not in self.leavers:
            return True
        return any(sourced_id in extra for extra in self.also)

    def adding(self, extra: set[str]) -> "Kept":
        return Kept(self.listed, self.leavers, (*self.also, extra))


def _key_function(indexes: list[int]) -> Callable[[list], tuple]:
    """A row's values at `indexes` as a tuple (a key, what KnownRows hashes; the values
    overlong() measures)."""
    if not indexes:
        return lambda data: ()
    if len(indexes) == 1:
        (index,) = indexes
        return lambda data: (data[index],)
    return itemgetter(*indexes)

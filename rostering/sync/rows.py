"""The generic writer for class-side tables: terms, courses, sections, enrollments,
guardians. (People have their own writer: usernames, skip/update, update safeguard.)"""

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from django.db import IntegrityError
from django.db import connection as db

from rostering.models.people import RosterStatus
from rostering.sync import issues
from rostering.sync.context import RunContext
from rostering.sync.counts import Counts
from rostering.sync.hashing import content_hash
from rostering.sync.issues import IssueCollector
from rostering.sync.known import KnownRows, known_rows
from rostering.sync.safeguard import Safeguard
from rostering.sync.upsert import TableSpec, rows_select


@dataclass(frozen=True)
class Reference:
    """A link column to another roster table that has no database constraint."""

    column: str
    table: str
    names: str  # what the linked row is, for the message: "class", "person"


MISSING_REFERENCES = (
    "{table} rows written by this import name {count:,} {names} id(s) that are not in the "
    "database (deleted while importing?)"
)


def references_verify(spec: TableSpec, linked: dict[Reference, set[int]]) -> None:
    """Raises IntegrityError (the file is rolled back) if a row this run wrote links to a
    row that does not exist: one look-up of the distinct ids, not a check per row."""
    for ref, ids in linked.items():
        if not ids:
            continue
        found = rows_select(
            sql=f"SELECT id FROM {ref.table} WHERE id IN ({{marks}})", params=[], values=list(ids)
        )
        missing = ids - {row[0] for row in found}
        if missing:
            raise IntegrityError(
                MISSING_REFERENCES.format(count=len(missing), table=spec.name, names=ref.names)
            )


# Builds the rows (values without bookkeeping columns) for one record; an empty
# list when the builder already counted the record as skipped or failed.
Builder = Callable[[Any], list[list]]
BOOKKEEPING = ("district_id", "status", "content_hash", "created_at", "updated_at")


class RowWriter:
    def __init__(
        self,
        *,
        ctx: RunContext,
        spec: TableSpec,
        build: Builder,
        issues_: IssueCollector,
        counts: Counts,
        archive: bool = True,
        references: tuple[Reference, ...] = (),
    ):
        self.ctx, self.spec, self.build = ctx, spec, build
        self.issues, self.counts, self.archive = issues_, counts, archive
        # Ids this run's rows link to, by link column, checked by finish().
        self.linked = {ref: set() for ref in references}
        self.linked_index = [(ref, spec.index(ref.column)) for ref in references]
        self.data_columns = [c for c in spec.columns if c not in BOOKKEEPING]
        # A full row is picked, in the table's column order, from the data values
        # followed by the bookkeeping ones (itemgetter: one C call per row).
        sources = [*self.data_columns, *BOOKKEEPING]
        self._pick = itemgetter(*[sources.index(c) for c in spec.columns])
        self._bookkeeping = {
            "district_id": ctx.district_id,
            "status": str(RosterStatus.ACTIVE),
            "created_at": ctx.now,
            "updated_at": ctx.now,
        }
        self.keys = [self.data_columns.index(c) for c in spec.conflict if c != "district_id"]
        self.sid = self.data_columns.index("sourced_id")
        # Keyed by sourcedId alone, a row's key is its id: seen_ids tells repeats, and a
        # second set of 600,000 keys is not kept (composite keys need their own).
        self.single_key = self.keys == [self.sid]
        self.key_of = _key_function(self.keys)
        self.seen: set[tuple] = set()
        self.known: KnownRows | None = None
        self.seen_ids: set[str] = set()
        self.leavers: set[str] = set()
        self.safeguard = Safeguard(
            ctx=ctx, spec=spec, role=None, counts=counts, record=issues_.record
        )
        key_sql = ", ".join(c for c in spec.conflict if c != "district_id")
        self.existing_sql = (
            f"SELECT {key_sql}, id, content_hash, status FROM {spec.table} "
            "WHERE district_id = %s AND sourced_id IN ({marks})"
        )

    def fail(self, sourced_id: str, kind: issues.IssueKind, field: str, record: Any, **values):
        self.counts.failed += 1
        self.issues.add(kind, sourced_id=sourced_id, field=field, record=record, **values)

    def apply_page(self, records: list, problems: list) -> None:
        self.counts.received += len(records) + len(problems)
        issues.problems_report(problems, self.fail)
        rows = []
        for record in records:
            repeated = record.sourced_id in self.seen_ids
            self.seen_ids.add(record.sourced_id)
            if record.status == "tobedeleted":
                self.leavers.add(record.sourced_id)
                self.counts.skipped += 1
                continue
            for data in self.build(record):
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
                rows.append((data, key))
        if rows:
            self._write(rows)

    def _full_row(self, data: list, digest: str) -> tuple:
        b = self._bookkeeping
        return self._pick(
            [*data, b["district_id"], b["status"], digest, b["created_at"], b["updated_at"]]
        )

    def _existing(self, rows: list[list]) -> dict[tuple, tuple]:
        """(id, hash, status) by key, looked up only for rows that may exist."""
        if not rows:
            return {}
        found = rows_select(
            sql=self.existing_sql,
            params=[self.ctx.district_id],
            values=sorted({r[self.sid] for r in rows}),
        )
        n = len(self.keys)
        return {tuple(row[:n]): row[n:] for row in found}

    def _write(self, rows: list[tuple[list, tuple]]) -> None:
        """Writes (data, key) pairs: new ones, changed ones and restored ones."""
        known = self.known or self._load_known()
        candidates, maybe_existing = [], []
        for data, key in rows:
            digest = content_hash(data)
            if known.unchanged(key, digest):
                self.counts.unchanged += 1
                continue
            candidates.append((data, key, digest))
            if not known.is_new(key):
                maybe_existing.append(data)
        existing = self._existing(maybe_existing)
        creates, writes = [], []
        for data, key, digest in candidates:
            found = existing.get(key)
            if found is None:
                self.counts.created += 1
                creates.append(self._full_row(data, digest))
                continue
            if found[2] == RosterStatus.ARCHIVED:
                self.counts.restored += 1
            elif found[1] == digest:
                self.counts.unchanged += 1
                continue
            else:
                self.counts.updated += 1
            writes.append(self._full_row(data, digest))
        # This writer alone writes its table in this run, and `seen` stops a key from
        # coming twice: rows not found are certainly new.
        self.spec.insert_new(creates)
        self.spec.upsert(writes)
        for ref, index in self.linked_index:
            pick = itemgetter(index)
            self.linked[ref].update(map(pick, creates))
            self.linked[ref].update(map(pick, writes))

    def _load_known(self) -> KnownRows:
        key_columns = tuple(c for c in self.spec.conflict if c != "district_id")
        self.known = known_rows(
            full=self.ctx.full,
            table=self.spec.table,
            district_id=self.ctx.district_id,
            key_columns=key_columns,
        )
        return self.known

    def finish(self) -> None:
        self.known = None
        references_verify(self.spec, self.linked)
        if not (self.archive and self.ctx.settings.archive_missing):
            return
        if self.ctx.full:
            self.safeguard.archive_missing(keep=self.seen_ids - self.leavers)
        elif self.leavers:
            self.safeguard.archive_listed(self.leavers)


def _key_function(indexes: list[int]) -> Callable[[list], tuple]:
    """A row's key as a tuple of its key values (what KnownRows hashes)."""
    if len(indexes) == 1:
        (index,) = indexes
        return lambda data: (data[index],)
    return itemgetter(*indexes)


def id_map(*, table: str, district_id: int, where: str = "", params: tuple = ()) -> dict[str, int]:
    """sourcedId → id for a district's rows of one table (one query)."""
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT sourced_id, id FROM {table} WHERE district_id = %s {where}",
            [district_id, *params],
        )
        return dict(cursor.fetchall())

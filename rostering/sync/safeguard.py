"""Safeguards: hold unusually large updates or archives for a manager's approval."""

from collections.abc import Callable, Container
from typing import TYPE_CHECKING

from django.db import connection as db

from rostering.models.people import RosterStatus
from rostering.models.sync import HeldChange, ImportRecord, RunStatus
from rostering.sync.counts import Counts
from rostering.sync.upsert import TableSpec

if TYPE_CHECKING:  # the context imports the backends, which import this module's users
    from rostering.sync.context import RunContext

# Changes this small never hold, however small the district.
MIN_HELD_CHANGES = 5
ARCHIVE_READ_BATCH = 10_000  # stored rows read at a time by archive_missing
ARCHIVE_REASON = "No longer in the SIS roster"
LEAVER_REASON = "Marked to be deleted in the SIS"
# A change a manager discarded is not held again while the SIS still says the same.
SKIP_DISCARDED = "discarded_before"
CARRIED_FROM = "carried_from"  # payload key: the import record whose discard this keeps
SKIP_DISCARDED_LABEL = "a held change a manager discarded (held again only if the SIS changes it)"

Links = dict[str, list[int]]
Apply = Callable[[list[list], Links], None]


def limit_exceeded(*, count: int, active: int, pct: int) -> bool:
    """True when `count` changes of `active` rows is more than `pct`% (and not tiny).

    Archiving every active row is always held: an empty feed is the classic way
    weaker tools wipe a district.
    """
    if count == 0:
        return False
    if count >= active > MIN_HELD_CHANGES:
        return True
    return count > max(active * pct / 100, MIN_HELD_CHANGES)


class Safeguard:
    """Counts one role's (or table's) changes against the thresholds."""

    def __init__(
        self,
        *,
        ctx: "RunContext",
        spec: TableSpec,
        role: str | None,
        counts: Counts,
        record: ImportRecord | None,
        reason: str = ARCHIVE_REASON,
    ):
        self.ctx, self.spec, self.role, self.counts, self.record = ctx, spec, role, counts, record
        self.reason = reason
        self._active: int | None = None
        self.pending: list[list] = []
        self.links: Links = {}
        self.held = False
        self._discarded: set[tuple] | None = None
        self._previous: int | None = None

    def _scope_sql(self) -> tuple[str, list]:
        sql, params = (
            "district_id = %s AND status = %s",
            [self.ctx.district_id, RosterStatus.ACTIVE],
        )
        if self.role is not None:
            sql += " AND role = %s AND connection_id = %s"
            params += [self.role, self.ctx.connection_id]
        return sql, params

    @property
    def active(self) -> int:
        """Active rows before this run (counted on first use, leaving out the rows this
        run created: they all carry the run's `created_at`)."""
        if self._active is None:
            where, params = self._scope_sql()
            with db.cursor() as cursor:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {self.spec.table} WHERE {where} AND created_at < %s",
                    [*params, db.ops.adapt_datetimefield_value(self.ctx.now)],
                )
                self._active = cursor.fetchone()[0]
        return self._active

    def _discarded_before(self) -> set[tuple]:
        """(kind, sourcedId, content hash or row id) of this table's changes discarded (or
        carried forward as discarded) at the connection's previous import of this file."""
        if self._discarded is None:
            self._discarded = set()
            self._previous = previous = self._previous_record()
            if previous is not None:
                for kind, sid, payload in HeldChange.objects.filter(
                    record_id=previous, table=self.spec.name, status=HeldChange.Status.DISCARDED
                ).values_list("kind", "sourced_id", "payload"):
                    self._discarded.add((kind, sid, _fingerprint(kind, payload)))
        return self._discarded

    def _previous_record(self) -> int | None:
        """The connection's previous import of this file that ran to its end."""
        if self.record is None:
            return None
        earlier = ImportRecord.objects.filter(
            run__connection_id=self.ctx.connection_id, kind=self.record.kind,
            run_id__lt=self.record.run_id,
            status__in=(RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR),
        )  # fmt: skip
        return earlier.order_by("-run_id").values_list("pk", flat=True).first()

    def _carry_discarded(self, kind: str, items: list[tuple[str, dict]]) -> None:
        """Keeps the discard of changes the SIS still asks for: recorded on this import
        (as discarded, so the next import remembers them too), counted as skipped."""
        HeldChange.objects.bulk_create(
            [HeldChange(record=self.record, kind=kind, table=self.spec.name, sourced_id=sid,
                        payload={**payload, CARRIED_FROM: self._previous},
                        status=HeldChange.Status.DISCARDED)
             for sid, payload in items],
            batch_size=1000,
        )  # fmt: skip
        self.counts.skip(SKIP_DISCARDED, len(items))

    def _without_discarded_updates(self, rows: list[list], links: Links) -> list[list]:
        discarded = self._discarded_before()
        if not discarded:
            return rows
        sid, digest = self.spec.index("sourced_id"), self.spec.index("content_hash")
        update = HeldChange.Kind.UPDATE
        kept, carried = [], []
        for row in rows:
            if (update, row[sid], row[digest]) in discarded:
                payload = {"row": self.spec.encode(row), "schools": links.get(row[sid], [])}
                carried.append((row[sid], payload))
            else:
                kept.append(row)
        if carried:
            self._carry_discarded(update, carried)
        return kept

    def stage_updates(self, rows: list[list], links: Links) -> None:
        rows = self._without_discarded_updates(rows, links)
        if not rows:
            return
        if self.held:
            self._hold_updates(rows, links)
            return
        self.pending.extend(rows)
        self.links.update({r[2]: links.get(r[2], []) for r in rows})
        pct = self.ctx.settings.update_threshold_pct
        if limit_exceeded(count=len(self.pending), active=self.active, pct=pct):
            self.held = True
            self._hold_updates(self.pending, self.links)
            self.pending, self.links = [], {}

    def _hold_updates(self, rows: list[list], links: Links) -> None:
        sid = self.spec.index("sourced_id")
        HeldChange.objects.bulk_create(
            [
                HeldChange(
                    record=self.record,
                    kind=HeldChange.Kind.UPDATE,
                    table=self.spec.name,
                    sourced_id=row[sid],
                    payload={"row": self.spec.encode(row), "schools": links.get(row[sid], [])},
                )
                for row in rows
            ],
            batch_size=1000,
        )
        self.counts.held_updates += len(rows)

    def hold_renames(self, rows: list[list], links: Links) -> None:
        """Holds the renames a name format asks for (never applied without approval),
        but those a manager discarded while the SIS still says the same."""
        sid, digest = self.spec.index("sourced_id"), self.spec.index("content_hash")
        rename, discarded = HeldChange.Kind.RENAME, self._discarded_before()
        held, carried = [], []
        for row in rows:
            payload = {"row": self.spec.encode(row), "schools": links.get(row[sid], [])}
            kept = (rename, row[sid], row[digest]) in discarded
            (carried if kept else held).append((row[sid], payload))
        if carried:
            self._carry_discarded(rename, carried)
        HeldChange.objects.bulk_create(
            [HeldChange(record=self.record, kind=rename, table=self.spec.name, sourced_id=s,
                        payload=payload) for s, payload in held],
            batch_size=1000,
        )  # fmt: skip
        self.counts.held_updates += len(held)

    def finish_updates(self, *, apply: Apply) -> None:
        if not self.held and self.pending:
            apply(self.pending, self.links)
            self.counts.updated += len(self.pending)
        self.pending, self.links = [], {}

    def archive_missing(self, *, keep: Container[str]) -> None:
        """Archives active rows whose sourcedId is not in `keep` (a full feed). The
        stored rows are read in batches (a server-side cursor on PostgreSQL): all of a
        large district's enrollments at once would be the pull's peak of memory."""
        where, params = self._scope_sql()
        missing = []
        with db.chunked_cursor() as cursor:
            cursor.execute(f"SELECT id, sourced_id FROM {self.spec.table} WHERE {where}", params)
            while rows := cursor.fetchmany(ARCHIVE_READ_BATCH):
                missing.extend((pk, sid) for pk, sid in rows if sid not in keep)
        self._archive(missing)

    def archive_listed(self, sourced_ids: set[str], *, reason: str | None = None) -> None:
        """Archives the active rows the SIS marked to be deleted (or, with `reason`,
        that the connection's sync rules leave out: weighed on their own)."""
        where, params = self._scope_sql()
        table = self.spec.table
        sql = f"SELECT id, sourced_id FROM {table} WHERE {where} AND sourced_id IN ({{marks}})"
        found = self.ctx.backend.select_in(sql=sql, params=params, values=sorted(sourced_ids))
        self._archive(found, reason=reason)

    def _archive(self, rows: list[tuple[int, str]], *, reason: str | None = None) -> None:
        discarded = self._discarded_before() if rows else set()
        archive = HeldChange.Kind.ARCHIVE
        carried = [(pk, sid) for pk, sid in rows if (archive, sid, pk) in discarded]
        if carried:
            self._carry_discarded(archive, [(sid, {"id": pk}) for pk, sid in carried])
            rows = [(pk, sid) for pk, sid in rows if (archive, sid, pk) not in discarded]
        if not rows:
            return
        pct = self.ctx.settings.archive_threshold_pct
        if limit_exceeded(count=len(rows), active=self.active, pct=pct):
            HeldChange.objects.bulk_create(
                [
                    HeldChange(
                        record=self.record,
                        kind=HeldChange.Kind.ARCHIVE,
                        table=self.spec.name,
                        sourced_id=sid,
                        payload={"id": pk, "reason": reason} if reason else {"id": pk},
                    )
                    for pk, sid in rows
                ],
                batch_size=1000,
            )
            self.counts.held_archives += len(rows)
            return
        reason = reason or self.reason
        self.counts.archived += rows_archive(
            spec=self.spec, ids=[pk for pk, _ in rows], now=self.ctx.now, reason=reason
        )
        self.ctx.changes.archived(record_id=self.record.pk, table=self.spec.name, rows=rows,
                                  reason=reason)  # fmt: skip


def _fingerprint(kind: str, payload: dict):
    """What must be the same for a change to be the one discarded: the row's content
    (an update) or the row itself (an archive)."""
    if kind in (HeldChange.Kind.UPDATE, HeldChange.Kind.RENAME):
        return payload.get("row", {}).get("content_hash")
    return payload.get("id")


def rows_archive(*, spec: TableSpec, ids: list[int], now, reason: str) -> int:
    values = {
        "status": RosterStatus.ARCHIVED,
        "updated_at": now,
        "archived_at": now,
        "archive_reason": reason,
    }
    sets = [c for c in spec.archive_columns]
    params = [
        db.ops.adapt_datetimefield_value(values[c]) if c.endswith("_at") else values[c]
        for c in sets
    ]
    archived = 0
    with db.cursor() as cursor:
        for start in range(0, len(ids), 5000):
            part = ids[start : start + 5000]
            cursor.execute(
                f"UPDATE {spec.table} SET {', '.join(f'{c} = %s' for c in sets)} "
                f"WHERE id IN ({','.join(['%s'] * len(part))})",
                [*params, *part],
            )
            archived += cursor.rowcount
    return archived

"""Safeguards: hold unusually large updates or archives for a manager's approval."""

from collections.abc import Callable

from django.db import connection as db

from rostering.models.people import RosterStatus
from rostering.models.sync import HeldChange, ImportRecord
from rostering.sync.context import RunContext
from rostering.sync.counts import Counts
from rostering.sync.upsert import TableSpec

# Changes this small never hold, however small the district.
MIN_HELD_CHANGES = 5
ARCHIVE_REASON = "No longer in the SIS roster"
LEAVER_REASON = "Marked to be deleted in the SIS"

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
        ctx: RunContext,
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

    def stage_updates(self, rows: list[list], links: Links) -> None:
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

    def finish_updates(self, *, apply: Apply) -> None:
        if not self.held and self.pending:
            apply(self.pending, self.links)
            self.counts.updated += len(self.pending)
        self.pending, self.links = [], {}

    def archive_missing(self, *, keep: set[str]) -> None:
        """Archives active rows whose sourcedId is not in `keep` (a full feed)."""
        where, params = self._scope_sql()
        with db.cursor() as cursor:
            cursor.execute(f"SELECT id, sourced_id FROM {self.spec.table} WHERE {where}", params)
            missing = [(pk, sid) for pk, sid in cursor.fetchall() if sid not in keep]
        self._archive(missing)

    def archive_listed(self, sourced_ids: set[str]) -> None:
        """Archives the active rows the SIS marked to be deleted."""
        where, params = self._scope_sql()
        table = self.spec.table
        sql = f"SELECT id, sourced_id FROM {table} WHERE {where} AND sourced_id IN ({{marks}})"
        found = self.ctx.backend.select_in(sql=sql, params=params, values=sorted(sourced_ids))
        self._archive(found)

    def _archive(self, rows: list[tuple[int, str]]) -> None:
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
                        payload={"id": pk},
                    )
                    for pk, sid in rows
                ],
                batch_size=1000,
            )
            self.counts.held_archives += len(rows)
            return
        self.counts.archived += rows_archive(
            spec=self.spec, ids=[pk for pk, _ in rows], now=self.ctx.now, reason=self.reason
        )
        self.ctx.changes.archived(record_id=self.record.pk, table=self.spec.name, rows=rows,
                                  reason=self.reason)  # fmt: skip


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

"""The change log of a run: what each row it updated, archived or restored held before.

Writers compare a changed row with the stored one they already looked up (rows.py) and
note the columns that differ; the notes are written in bulk beside the page's rows, in
the file's transaction, as RosterChange rows (creations are told by created_run_id).
"""

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime

import orjson
from django.core.serializers.json import DjangoJSONEncoder

from rostering.models.changes import RosterChange
from rostering.sync.upsert import TableSpec

# Bookkeeping, not something a person changed in the SIS (an undo restores the hash).
UNCOMPARED = frozenset(
    {"id", "district_id", "password", "content_hash", "created_at", "updated_at", "created_run_id"}
)
# Logged (an undo puts it back), but not a change a reviewer decides on or reads.
# Kept beside a change (RosterChange.before_digest), not in its columns.
DIGEST = "sis_digest"
NOT_SHOWN = UNCOMPARED | {"sis_modified_at", DIGEST}


def _comparable(spec: TableSpec, column: str, value, new):
    """A stored value as the engine's own rows carry it (SQLite returns JSON as text,
    dates as text and booleans as 0/1)."""
    if value is None:
        return None
    if column in spec.json_columns and isinstance(value, str):
        return orjson.loads(value)
    if isinstance(new, bool) and value in (0, 1):
        return bool(value)
    if column in spec.date_columns and isinstance(value, str):
        return date.fromisoformat(value[:10])
    if column in spec.datetime_columns:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # SQLite stores UTC
    return value


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _jsonable(values: dict) -> dict:
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def row_diff(spec: TableSpec, stored: Sequence, row: Sequence) -> tuple[dict, dict]:
    """(before, after) of the columns that differ between a stored row and a new one,
    both in the spec's column order."""
    before, after = {}, {}
    for column, old, new in zip(spec.columns, stored, row, strict=True):
        if column in UNCOMPARED:
            continue
        new = _plain(new)
        old = _comparable(spec, column, old, new)
        if old != new:
            before[column], after[column] = old, new
    return _jsonable(before), _jsonable(after)


class ChangeLog:
    """A run's (or an approval's) notes of changed rows, flushed in bulk."""

    def __init__(
        self, *, run_id: int | None, district_id: int, now: datetime, approved: bool = False
    ):
        self.run_id, self.district_id, self.now = run_id, district_id, now
        self.approved = approved  # the notes of an approval of held changes
        self.pending: list[RosterChange] = []

    def add(
        self,
        *,
        record_id: int | None,
        table: str,
        row_id: int,
        sourced_id: str,
        action: str,
        before: dict,
        after: dict,
        before_hash: str = "",
    ) -> None:
        after.pop(DIGEST, None)
        self.pending.append(
            RosterChange(
                run_id=self.run_id,
                record_id=record_id,
                district_id=self.district_id,
                table=table,
                row_id=row_id,
                sourced_id=sourced_id,
                action=action,
                before=before,
                after=after,
                before_hash=before_hash,
                before_digest=before.pop(DIGEST, None),
                approved=self.approved,
                created_at=self.now,
            )
        )

    def archived(self, *, record_id, table: str, rows: list[tuple[int, str]], reason: str) -> None:
        for row_id, sourced_id in rows:
            self.add(record_id=record_id, table=table, row_id=row_id, sourced_id=sourced_id,
                     action=RosterChange.Action.ARCHIVED, before={"status": "active"},
                     after={"status": "archived", "archive_reason": reason})  # fmt: skip

    def flush(self) -> None:
        if self.pending:
            RosterChange.objects.bulk_create(self.pending, batch_size=2000)
            self.pending = []

    def discard(self) -> None:
        self.pending = []

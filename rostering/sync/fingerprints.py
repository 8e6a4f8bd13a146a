"""Rows a full pull passes over: those the SIS sends exactly as when they were stored.

Each roster row keeps, in `sis_digest`, the fingerprint of the SIS row it was written
from (sis.fingerprints: XXH3-64 of the row's bytes under the run's seed) followed by the
first 16 digits of the content hash it was written with. A full pull hands the client
the fingerprints still valid for a collection (`stored_digests`); rows with one of them
come back unconverted (SisUnchanged) and the writers count them unchanged.

What makes this safe:
- The seed covers everything else a row's outcome depends on: the engine's code (the
  source files of sis/, rostering/sync/ and rostering/models/), the connection's sync
  settings and school mapping, the district's former sourcedIds. Any change there makes
  every row convert again (and its fingerprint is stored again: `digest_refresh` in the
  writers). A new input to a row's outcome kept elsewhere (another model, a setting)
  must be added to `run_seed`.
- The content hash half: anything else that rewrites a row (an undo, a pin, a merge, an
  approval) writes another content hash, so the stored fingerprint no longer counts.
- A writer stores a fingerprint only for a row that produced exactly one row, with no
  issue, no pin and no former sourcedId: a row that must be re-screened every run
  (a warning, a skipped row) is always converted.
- A writer converts an unchanged row after all when the run needs it (a repeated
  sourcedId, an e-mail another person of this run has, a person written earlier in the
  run), so duplicates and run-wide checks come out as before.
"""

from array import array
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import xxhash

from rostering.models.people import RosterStatus
from rostering.models.rules import NameFormat, SyncRules
from rostering.sync.context import RunContext
from rostering.sync.upsert import TableSpec
from sis.fingerprints import KnownDigests, held_digests
from sis.records import ENTITY_ROLE, Entity

ROOT = Path(__file__).resolve().parents[2]
# The code a row's outcome depends on: conversion, writing, the models' limits.
CODE_FOLDERS = ("sis", "rostering/sync", "rostering/models")
HALF = 16  # hex digits of each half of sis_digest


@cache
def code_digest() -> int:
    """XXH3-64 of the engine's source files: a new version converts every row once."""
    digest = xxhash.xxh3_64()
    for folder in CODE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.intdigest()


def run_seed(ctx: RunContext) -> int:
    """The seed of a run's fingerprints: what else its rows' outcome depends on."""
    settings = ctx.settings
    credentials = getattr(ctx.client, "credentials", None)
    parts = (
        code_digest(),
        ctx.district_id,
        [(f.attname, getattr(settings, f.attname)) for f in settings._meta.concrete_fields],
        sorted(ctx.scope.mapped.items()),
        sorted(ctx.scope.known),
        sorted(ctx.aliases.items()),
        getattr(credentials, "school_codes", None),
        getattr(credentials, "relationship_codes", None),
        _values(SyncRules.objects.filter(connection_id=ctx.run.connection_id).first()),
        _values(NameFormat.objects.filter(connection_id=ctx.run.connection_id).first()),
    )
    return xxhash.xxh3_64_intdigest(repr(parts).encode())


def _values(row) -> list | None:
    """A connection's settings row as plain values (sync rules, name formats)."""
    if row is None:
        return None
    return [(f.attname, getattr(row, f.attname)) for f in row._meta.concrete_fields]


def sis_digest(record_digest: str, content_hash: str) -> str:
    """What a written row stores: the SIS row's fingerprint and its content hash's start."""
    return record_digest + content_hash[:HALF] if record_digest else ""


@dataclass(frozen=True)
class StoredDigests:
    """The fingerprints a part may pass over, kept compact (8 bytes each) until read."""

    seed: int
    digests: array
    ordered: bool = False  # in ascending order already

    def known(self) -> KnownDigests:
        return KnownDigests(seed=self.seed, digests=held_digests(self.digests, self.ordered))


def stored_digests(*, ctx: RunContext, entity: Entity, spec: TableSpec) -> StoredDigests | None:
    """The fingerprints of the stored rows of `spec` a full pull of `entity` may pass
    over (active, live, their content hash the one they were stored with); None when
    the run does not use fingerprints (a delta run, a client without them). They are
    what the run's connection sees: read before the run writes, they are the rows as
    the previous imports left them."""
    if not ctx.full or not getattr(ctx.client, "reads_fingerprints", False):
        return None
    if ctx.fingerprint_seed is None:
        ctx.fingerprint_seed = run_seed(ctx)
    seed = xxhash.xxh3_64_intdigest(entity.value.encode(), ctx.fingerprint_seed)
    role = ENTITY_ROLE.get(entity)
    from_where = (
        f"FROM {spec.table} WHERE district_id = %s "
        f"AND status = %s AND sis_digest <> '' "
        f"AND substr(sis_digest, {HALF + 1}) = substr(content_hash, 1, {HALF})"
        f"{spec.live_sql}" + (" AND role = %s" if role else "")
    )
    params = [ctx.district_id, RosterStatus.ACTIVE.value] + ([role.value] if role else [])
    digests, ordered = ctx.backend.digests_read(
        column=f"substr(sis_digest, 1, {HALF})", from_where=from_where, params=params
    )
    if digests:
        ctx.passing_over.add(spec.table)
    return StoredDigests(seed=seed, digests=digests, ordered=ordered)

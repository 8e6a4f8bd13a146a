"""A split OneRoster page (sis.fingerprints) into records: rows the engine holds as they
are become SisUnchanged, the others are parsed (orjson) and converted as usual."""

from __future__ import annotations

from typing import Any

import orjson

from sis import errors
from sis.convert_common import JSON_NUL, NotText, nul_scrub, ref_ids, text
from sis.fingerprints import (
    KnownDigests,
    SisUnchanged,
    fingerprint,
    held_found,
    hex16,
    intdigest,
    row_keys,
)
from sis.oneroster_convert import contact_students, oneroster_rows_convert
from sis.oneroster_typed import TYPED, Slow, typed_convert
from sis.records import ENTITY_ROLE, Entity, SisRowProblem


def _sourced_id(key: Any) -> str:
    sid = key.sourcedId if key is not None else None
    return sid.strip() if sid.__class__ is str else ""


def contact_fingerprint(
    raw: Any, key: Any, sid: str, *, seed: int, agents: dict[str, tuple[str, ...]]
) -> tuple[int, tuple[str | None, ...]]:
    """A contact's fingerprint, which covers its students' agents (its order), and its
    students; a contact naming no student has none (its students come from the run)."""
    students = contact_students(sid, key.agents) if sid else (None,)
    if students == (None,):
        return 0, students
    return fingerprint(raw, seed, tuple(agents.get(s) for s in students)), students


class _ContactDigest:
    """A contact's fingerprint from its records (contact_fingerprint's, without decoding
    the row twice): convert_rows calls it with the row's records."""

    __slots__ = ("agents", "raw", "seed")

    def __init__(self, raw: Any, seed: int, agents: dict[str, tuple[str, ...]]) -> None:
        self.raw, self.seed, self.agents = raw, seed, agents

    def __call__(self, records: list) -> str:
        students = tuple(record.student_sourced_id for record in records)
        if not students or None in students:
            return ""
        return hex16(fingerprint(self.raw, self.seed, tuple(self.agents.get(s) for s in students)))


_new = tuple.__new__  # a SisUnchanged without its Python-level __new__ (a call per row)


def _unchanged(
    raw: Any, key: Any, sid: str, digest: int, entity: Entity, students: tuple
) -> SisUnchanged | None:
    """The row as a SisUnchanged, with what a person's or contact's row lends the run;
    None when a value is not what a converted row had (the row then converts)."""
    if entity is Entity.CONTACTS:
        return _new(SisUnchanged, (sid, hex16(digest), raw, entity, "", (), students))
    if entity not in ENTITY_ROLE:
        return _new(SisUnchanged, (sid, hex16(digest), raw, entity, "", (), ()))
    try:
        email = text(key.email)
    except NotText:
        return None
    return _new(SisUnchanged, (sid, hex16(digest), raw, entity, email, ref_ids(key.agents), ()))


def _parsed(raw: Any, path: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise errors.SisMalformedJsonError(
            errors.MALFORMED_JSON_MESSAGE.format(path=path),
            fix=errors.MALFORMED_JSON_FIX,
            url_path=path,
        ) from None


class _Pending:
    """Rows to convert, in order, with their fingerprints."""

    def __init__(self, entity: Entity, path: str, *, nul: bool = True) -> None:
        self.entity, self.path, self.nul = entity, path, nul  # nul: the page may have NULs
        self.rows: list[Any] = []
        self.digests: list[Any] = []

    def add(self, raw: Any, digest: Any) -> None:
        self.rows.append(memoryview(raw))
        self.digests.append(digest)

    def convert(self, records: list, problems: list, warnings: list) -> None:
        if not self.rows:
            return
        parsed = [_parsed(raw, self.path) for raw in self.rows]
        for index, raw in enumerate(self.rows):
            if self.nul and JSON_NUL in bytes(raw):  # cleaned rows are never passed over
                warnings.extend(nul_scrub([parsed[index]], entity=self.entity))
                self.digests[index] = ""
        done, failed = oneroster_rows_convert(entity=self.entity, rows=parsed, digests=self.digests)
        records.extend(done)
        problems.extend(failed)
        self.rows, self.digests = [], []


def split_rows_convert(
    *,
    entity: Entity,
    rows: list[Any],
    known: KnownDigests,
    agents: dict[str, tuple[str, ...]],
    path: str,
) -> tuple[list[Any], list[SisRowProblem], list[SisRowProblem]]:
    """(records and SisUnchanged in row order, row problems, NUL warnings) of a page.

    `rows`: the page's rows as split (sis.fingerprints.split_rows). Rows are decoded
    straight into records where they have the usual shape (sis.oneroster_typed); the
    others, and every row of a page with a NUL character, are parsed and converted the
    general way."""
    records: list[Any] = []
    problems: list[SisRowProblem] = []
    warnings: list[SisRowProblem] = []
    pending = _Pending(entity, path, nul=getattr(rows, "nul", True))
    typed = None if pending.nul else TYPED.get(entity)

    def convert(raw: Any, digest: Any) -> None:
        if typed is not None:
            try:
                done = typed_convert(typed, raw, digest)
            except Slow:
                pass
            else:
                if pending.rows:  # the rows before it, in order
                    pending.convert(records, problems, warnings)
                records.extend(done)
                return
        pending.add(raw, digest)

    seed, held = known.seed, known.digests
    if entity is Entity.CONTACTS:
        if not held:  # nothing to pass over: the students come from the records
            for raw in rows:
                convert(raw, _ContactDigest(raw, seed, agents))
        else:
            for raw, key in zip(rows, row_keys(rows, users=True), strict=True):
                sid = _sourced_id(key)
                digest, students = contact_fingerprint(raw, key, sid, seed=seed, agents=agents)
                if sid and digest in held:
                    pending.convert(records, problems, warnings)
                    records.append(_unchanged(raw, key, sid, digest, entity, students))
                    continue
                convert(raw, hex16(digest) if digest else "")
        pending.convert(records, problems, warnings)
        return records, problems, warnings

    digests = [intdigest(raw, seed) for raw in rows]
    found = held_found(held, digests) if held else ()
    if True not in found:  # a first pull, or a page of new or changed rows
        for raw, digest in zip(rows, digests, strict=True):
            convert(raw, hex16(digest))
        pending.convert(records, problems, warnings)
        return records, problems, warnings
    users = entity in ENTITY_ROLE
    keys = row_keys(rows, users=users)
    for raw, digest, hit, key in zip(rows, digests, found, keys, strict=True):
        if hit and (sid := _sourced_id(key)):
            if not users:  # inline: most rows of a no-change pull come this way
                if pending.rows:
                    pending.convert(records, problems, warnings)
                records.append(_new(SisUnchanged, (sid, f"{digest:016x}", raw, entity, "", (), ())))
                continue
            unchanged = _unchanged(raw, key, sid, digest, entity, ())
            if unchanged is not None:
                pending.convert(records, problems, warnings)
                records.append(unchanged)
                continue
        convert(raw, hex16(digest))
    pending.convert(records, problems, warnings)
    return records, problems, warnings


def unchanged_convert(
    items: list[SisUnchanged],
) -> tuple[list[Any], list[SisRowProblem], list[SisRowProblem]]:
    """Records of rows handed over unchanged, for a caller that must convert them after
    all (each keeps its fingerprint)."""
    records: list[Any] = []
    problems: list[SisRowProblem] = []
    warnings: list[SisRowProblem] = []
    for item in items:
        pending = _Pending(item.entity, "")
        pending.rows.append(memoryview(item.raw))
        pending.digests.append(item.sis_digest)
        pending.convert(records, problems, warnings)
    return records, problems, warnings

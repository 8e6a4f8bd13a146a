"""A split OneRoster page (sis.fingerprints) into records: rows the engine holds as they
are become SisUnchanged, the others are parsed (orjson) and converted as usual."""

from __future__ import annotations

from typing import Any

import orjson

from sis import errors
from sis.convert_common import JSON_NUL, NotText, nul_scrub, ref_ids, text
from sis.fingerprints import KnownDigests, RawRow, SisUnchanged, fingerprint, hex16, intdigest
from sis.oneroster_convert import contact_students, oneroster_rows_convert
from sis.oneroster_typed import TYPED, Slow, typed_convert
from sis.records import ENTITY_ROLE, Entity, SisRowProblem


def _sourced_id(row: RawRow) -> str:
    sid = row.key.sourcedId if row.key is not None else None
    return sid.strip() if sid.__class__ is str else ""


def contact_fingerprint(
    row: RawRow, sid: str, *, seed: int, agents: dict[str, tuple[str, ...]]
) -> tuple[int, tuple[str | None, ...]]:
    """A contact's fingerprint, which covers its students' agents (its order), and its
    students; a contact naming no student has none (its students come from the run)."""
    students = contact_students(sid, row.key.agents) if sid else (None,)
    if students == (None,):
        return 0, students
    return fingerprint(row.raw, seed, tuple(agents.get(s) for s in students)), students


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


def _unchanged(
    row: RawRow, sid: str, digest: int, entity: Entity, students: tuple
) -> SisUnchanged | None:
    """The row as a SisUnchanged, with what a person's or contact's row lends the run;
    None when a value is not what a converted row had (the row then converts)."""
    raw, digest = row.raw, hex16(digest)
    if entity is Entity.CONTACTS:
        return SisUnchanged(sid, digest, raw, entity, student_sourced_ids=students)
    if entity not in ENTITY_ROLE:
        return SisUnchanged(sid, digest, raw, entity)
    try:
        email = text(row.key.email)
    except NotText:
        return None
    return SisUnchanged(sid, digest, raw, entity, email, ref_ids(row.key.agents))


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

    def add(self, row: RawRow, digest: Any) -> None:
        self.rows.append(memoryview(row.raw))
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
    rows: list[RawRow],
    known: KnownDigests,
    agents: dict[str, tuple[str, ...]],
    path: str,
) -> tuple[list[Any], list[SisRowProblem], list[SisRowProblem]]:
    """(records and SisUnchanged in row order, row problems, NUL warnings) of a page.

    Rows are decoded straight into records where they have the usual shape
    (sis.oneroster_typed); the others, and every row of a page with a NUL character,
    are parsed and converted the general way."""
    records: list[Any] = []
    problems: list[SisRowProblem] = []
    warnings: list[SisRowProblem] = []
    pending = _Pending(entity, path, nul=getattr(rows, "nul", True))
    typed = None if pending.nul else TYPED.get(entity)

    def convert(row: RawRow, digest: Any) -> None:
        if typed is not None:
            try:
                done = typed_convert(typed, row.raw, digest)
            except Slow:
                pass
            else:
                if pending.rows:  # the rows before it, in order
                    pending.convert(records, problems, warnings)
                records.extend(done)
                return
        pending.add(row, digest)

    seed, held = known.seed, known.digests
    contacts, students = entity is Entity.CONTACTS, ()
    for row in rows:
        if contacts and not held:  # nothing to pass over: the students come from the records
            convert(row, _ContactDigest(row.raw, seed, agents))
            continue
        if contacts:
            sid = _sourced_id(row)
            digest, students = contact_fingerprint(row, sid, seed=seed, agents=agents)
        else:
            digest = intdigest(row.raw, seed)
            if digest not in held:
                convert(row, hex16(digest))
                continue
            sid = _sourced_id(row)
        if sid and (not contacts or digest in held):  # the others were asked above
            unchanged = _unchanged(row, sid, digest, entity, students)
            if unchanged is not None:
                pending.convert(records, problems, warnings)
                records.append(unchanged)
                continue
        convert(row, hex16(digest) if digest else "")
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

"""Fetch first, write after: pages of a file go to a temporary file, not to memory.

A file (staff, students, …) is applied in one transaction only once every page
has arrived, so a network failure half-way leaves nothing half-written.
"""

import copyreg
import dataclasses
import pickle
import tempfile
from array import array
from collections.abc import Iterator
from itertools import accumulate
from operator import attrgetter

from rostering.sync.context import RunContext
from sis import records
from sis.fingerprints import SisUnchanged
from sis.records import Entity, SisNotice, SisPage, SisRowProblem

RECORD_CLASSES = (
    records.SisSchool,
    records.SisTerm,
    records.SisCourse,
    records.SisPerson,
    records.SisClass,
    records.SisEnrollment,
    records.SisContact,
    SisRowProblem,
    SisNotice,
    SisPage,
)


def _register_fast_pickling() -> None:
    """Pickle records as (class, field tuple): half the time of the dataclass default."""
    for cls in RECORD_CLASSES:
        values = attrgetter(*[f.name for f in dataclasses.fields(cls)])  # a tuple, in C

        def reduce(record, cls=cls, values=values):
            return cls, values(record)

        copyreg.pickle(cls, reduce)


_register_fast_pickling()


class Spool:
    def __init__(self, entity: Entity):
        self.entity = entity
        self.file = tempfile.TemporaryFile(prefix="autoroster-spool-")  # noqa: SIM115 (closed by close())
        self.records = 0
        self.problems = 0

    def add(self, page: SisPage) -> None:
        self.records += len(page.records)
        self.problems += len(page.problems)
        if any(record.__class__ is SisUnchanged for record in page.records):
            page = dataclasses.replace(page, records=_packed(page.records))
        pickle.dump(page, self.file, protocol=pickle.HIGHEST_PROTOCOL)

    def pages(self) -> Iterator[SisPage]:
        self.file.seek(0)
        while True:
            try:
                page = pickle.load(self.file)
            except EOFError:
                return
            if any(record.__class__ is _Passed for record in page.records):
                page.records = _unpacked(page.records)
            yield page

    def close(self) -> None:
        self.file.close()


class _Passed(tuple):
    """Consecutive rows passed over (SisUnchanged) as a few columns: (entity, sourcedIds,
    fingerprints, the rows' bytes end to end, where each ends, e-mails, agents, students).
    A no-change pull spools ~900,000 of them: pickled one by one, each cost a tuple of
    seven and a copy of its bytes both ways."""

    __slots__ = ()

    def __reduce__(self):
        return _Passed, (tuple(self),)


def _packed(records: list) -> list:
    """The page's records, each run of SisUnchanged in one _Passed."""
    packed: list = []
    run: list[SisUnchanged] = []
    for record in records:
        if record.__class__ is SisUnchanged:
            run.append(record)
            continue
        if run:
            packed.append(_passed(run))
            run = []
        packed.append(record)
    if run:
        packed.append(_passed(run))
    return packed


def _passed(run: list[SisUnchanged]) -> _Passed:
    ends = array("Q", accumulate(len(item.raw) for item in run))
    columns = list(zip(*run, strict=True))  # sourced_id, sis_digest, raw, entity, …
    return _Passed((run[0].entity, columns[0], columns[1], b"".join(columns[2]), ends.tobytes(),
                    *columns[4:]))  # fmt: skip


def _unpacked(records: list) -> list:
    unpacked: list = []
    for record in records:
        if record.__class__ is not _Passed:
            unpacked.append(record)
            continue
        entity, sids, digests, joined, ends_bytes, emails, agents, students = record
        ends = array("Q")
        ends.frombytes(ends_bytes)
        starts = [0, *ends[:-1]]
        new = tuple.__new__
        unpacked.extend(
            new(SisUnchanged, (sid, digest, joined[start:end], entity, email, agent, student))
            for sid, digest, start, end, email, agent, student
            in zip(sids, digests, starts, ends, emails, agents, students, strict=True)
        )  # fmt: skip
    return unpacked


def spool_fetch(*, ctx: RunContext, entity: Entity, label: str, pages=None) -> Spool:
    """Reads every page of one entity (or `pages`, its pages as asked) into a spool,
    reporting progress."""
    spool = Spool(entity)
    ctx.progress.start_stage(f"Reading {label}")
    since = ctx.since if not ctx.full else None
    try:
        for page in pages if pages is not None else ctx.client.iter_pages(entity, since=since):
            ctx.progress.set_total(page.total)
            spool.add(page)
            ctx.progress.advance(len(page.records) + len(page.problems))
    except BaseException:
        spool.close()
        raise
    return spool

"""Native Aeries batches re-cut into SisPages of the client's page size."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sis.convert_common import split_problems
from sis.records import Entity, SisNotice, SisPage, SisRowProblem

Batch = tuple[list[Any], list[SisRowProblem]]
# Where a native row keeps its id, for row problems found before conversion.
NATIVE_ID_KEYS = ("StudentID", "ID", "SectionNumber", "TeacherNumber", "SchoolCode", "TermCode")


def paginate(
    entity: Entity,
    batches: Iterator[Batch],
    *,
    page_size: int,
    extras: Callable[[], tuple[list[SisRowProblem], list[SisNotice]]],
) -> Iterator[SisPage]:
    """Re-cut record batches into SisPages of page_size; problems, warnings and notices
    ride on the next page."""
    records: list[Any] = []
    problems: list[SisRowProblem] = []
    offset = 0
    emitted = False

    def page_of(chunk: list[Any]) -> SisPage:
        cleaned, notices = extras()
        errors_, warnings = split_problems(problems)
        return SisPage(entity, chunk, errors_, None, offset, cleaned + warnings, notices)

    for batch_records, batch_problems in batches:
        records.extend(batch_records)
        problems.extend(batch_problems)
        while len(records) >= page_size:
            chunk, records = records[:page_size], records[page_size:]
            yield page_of(chunk)
            offset, problems, emitted = offset + len(chunk), [], True
    last = page_of(records)
    if records or last.problems or last.warnings or last.notices or not emitted:
        yield last

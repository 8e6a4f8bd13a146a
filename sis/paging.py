"""Offset paging that trusts nothing the server says it will do, plus ordered prefetch.

Servers cap `limit` silently, omit X-Total-Count, send relative Link URLs, or repeat
the same page forever; the walkers here step by the number of rows actually
returned and stop on an empty page. With a known total the remaining offsets are
fetched on a small thread pool, yielded strictly in order with bounded prefetch.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TypeVar

import msgspec

from sis import errors
from sis.fingerprints import raw_ident

T = TypeVar("T")
R = TypeVar("R")


@dataclass(slots=True)
class RawPage:
    rows: list[Any]
    offset: int
    total: int | None
    next_url: str | None
    path: str
    # What the fetcher made of exactly these rows (a client's own use), or None. A page
    # rebuilt from a slice of the rows (_fill, _trim_overlap) starts again with None.
    converted: Any = None
    # The server's next link pointed off the base URL's origin and was dropped: go on
    # by offset instead of stopping.
    link_refused: bool = False
    # Row warnings found before conversion (NUL characters removed), for the page.
    warnings: list[Any] = field(default_factory=list)


FetchOffset = Callable[[int, int], RawPage]
FetchUrl = Callable[[str, int], RawPage]


def ordered_map(
    fn: Callable[[T], R], items: Iterable[T], *, concurrency: int, prefetch: int = 0
) -> Iterator[R]:
    """fn over items on `concurrency` threads, results in item order.

    At most `prefetch` (default 2 x concurrency) results are in flight or waiting, so
    memory stays bounded however far the consumer lags. Closing the iterator cancels
    what has not started.
    """
    if concurrency <= 1:
        yield from map(fn, items)
        return
    window = max(prefetch or concurrency * 2, concurrency)
    source = iter(items)
    executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="sis-fetch")
    pending: deque[Future[R]] = deque(executor.submit(fn, item) for item in islice(source, window))
    try:
        while pending:
            result = pending.popleft().result()
            for item in islice(source, 1):
                pending.append(executor.submit(fn, item))
            yield result
    finally:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=False, cancel_futures=True)


def _row_key(row: Any) -> Any:
    if row.__class__ is msgspec.Raw:  # a split page's row (sis.fingerprints)
        return raw_ident(row)
    return row.get("sourcedId") or row if isinstance(row, dict) else row


def _row_keys(rows: list[Any]) -> list[Any]:
    return [_row_key(row) for row in rows]


class _RepeatGuard:
    """Raises when a page carries exactly the previous page's records."""

    def __init__(self) -> None:
        self._previous: list[Any] = []

    def check(self, page: RawPage) -> None:
        rows, previous = page.rows, self._previous
        self._previous = rows
        # Pages of the same length whose first and last records match are the only
        # candidates; only those pay for the full comparison of keys.
        if (
            rows
            and len(rows) == len(previous)
            and [_row_key(rows[0]), _row_key(rows[-1])]
            == [_row_key(previous[0]), _row_key(previous[-1])]
            and _row_keys(rows) == _row_keys(previous)
        ):
            raise errors.SisRepeatedPageError(
                errors.REPEATED_PAGE_MESSAGE.format(path=page.path, offset=page.offset),
                fix=errors.REPEATED_PAGE_FIX,
                url_path=page.path,
            )


def iter_raw_pages(
    *,
    fetch_offset: FetchOffset,
    fetch_url: FetchUrl,
    limit: int,
    concurrency: int,
    prefetch: int = 0,
    first: RawPage | None = None,
) -> Iterator[RawPage]:
    """Every page of one collection, in order, ending after the last non-empty page.

    `first`: the page at offset 0 when the caller has read it already.
    """
    guard = _RepeatGuard()
    first = first if first is not None else fetch_offset(0, limit)
    guard.check(first)
    yield first
    step = len(first.rows)
    if not step:
        return
    if first.total is not None and concurrency > 1:
        yield from _concurrent(first, fetch_offset, guard, concurrency, prefetch)
    elif first.next_url:
        yield from _follow_links(first, fetch_url, fetch_offset, guard)
    else:
        yield from _sequential(fetch_offset, guard, start=step, step=step, total=first.total)


def _sequential(
    fetch_offset: FetchOffset, guard: _RepeatGuard, *, start: int, step: int, total: int | None
) -> Iterator[RawPage]:
    offset = start
    while total is None or offset < total:
        page = fetch_offset(offset, step)
        if not page.rows:
            return
        guard.check(page)
        yield page
        offset += len(page.rows)
        if page.total is not None:
            total = page.total


def _follow_links(
    first: RawPage, fetch_url: FetchUrl, fetch_offset: FetchOffset, guard: _RepeatGuard
) -> Iterator[RawPage]:
    page = first
    offset = len(first.rows)
    while page.next_url:
        page = fetch_url(page.next_url, offset)
        if not page.rows:
            return
        guard.check(page)
        yield page
        offset += len(page.rows)
        if page.link_refused:
            step = len(first.rows)
            yield from _sequential(fetch_offset, guard, start=offset, step=step, total=page.total)
            return


def _concurrent(
    first: RawPage, fetch_offset: FetchOffset, guard: _RepeatGuard, concurrency: int, prefetch: int
) -> Iterator[RawPage]:
    step = len(first.rows)
    total = first.total or 0
    cursor = step
    planned = range(step, total, step)
    pages = ordered_map(
        lambda offset: fetch_offset(offset, step),
        planned,
        concurrency=concurrency,
        prefetch=prefetch,
    )
    try:
        for page in pages:
            if page.offset > cursor:
                # An earlier page came back short: read the hole before going on.
                filled = yield from _fill(fetch_offset, guard, start=cursor, stop=page.offset)
                cursor = max(filled, page.offset)  # rows the server no longer has are gone
            page = _trim_overlap(page, cursor)
            if not page.rows:
                return
            guard.check(page)
            yield page
            cursor += len(page.rows)
            total = max(total, page.total or 0)
    finally:
        pages.close()
    # Records added while we read (or a total that grew) are read one page at a time.
    yield from _sequential(fetch_offset, guard, start=cursor, step=step, total=total)


def _fill(
    fetch_offset: FetchOffset, guard: _RepeatGuard, *, start: int, stop: int
) -> Generator[RawPage, None, int]:
    offset = start
    while offset < stop:
        page = fetch_offset(offset, stop - offset)
        if not page.rows:
            break
        page = RawPage(
            page.rows[: stop - offset], offset, page.total, None, page.path, warnings=page.warnings
        )
        guard.check(page)
        yield page
        offset += len(page.rows)
    return offset


def _trim_overlap(page: RawPage, cursor: int) -> RawPage:
    if page.offset >= cursor:
        return page
    skip = cursor - page.offset
    return RawPage(
        page.rows[skip:], cursor, page.total, page.next_url, page.path, warnings=page.warnings
    )

"""PostgreSQL: each page written as it arrives, while the next pages are read.

One thread reads every file of a run, part by part and page by page, into a small
bounded queue; the run's thread writes each file in one transaction as its pages
come. Reading and writing overlap all the way through (the SIS, the parsing and the
database work at once), and no page is kept beyond the queue.

A file stays all-or-nothing: when a required part cannot be read, the file's
transaction is rolled back and nothing of it is written, as when the whole file is
read before writing (SQLite's way, in files.py). An optional part (parent contacts)
that cannot be read is rolled back to its savepoint, and the rest of the file lands.
"""

import logging
import queue
import threading
from collections.abc import Iterator
from contextlib import suppress

from django.db import DatabaseError, transaction
from django.db import connections as db_connections
from django.utils import timezone

from rostering.models.sync import ImportRecord
from rostering.sync.context import RunContext
from rostering.sync.files import (
    OPTIONAL_PART_FAILED,
    FileCounts,
    FileUnreadable,
    Part,
    apply_outcome,
    part_write,
)
from rostering.sync.fingerprints import StoredDigests
from rostering.sync.issues import IssueCollector
from sis.errors import SisError
from sis.records import SisPage

logger = logging.getLogger(__name__)

# Pages waiting between the reader and the writer (a page is SIS_PAGE_SIZE records).
QUEUE_PAGES = 24
# How often a blocked reader checks whether the run stopped.
STOP_POLL_SECONDS = 0.2
READER_CRASHED = "Reading from the SIS stopped unexpectedly: {error}"

PAGE, PART_DONE, PART_FAILED, FILE_END, CRASHED = "page", "done", "failed", "end", "crashed"


class ReaderCrashed(Exception):
    """The reading thread failed for a reason other than the SIS (a bug): the run stops."""


class PageReader:
    """Reads the plan's files in order on its own thread; `pages()` hands them over."""

    def __init__(self, *, ctx: RunContext, plan: list[tuple[str, list[Part]]]):
        self.ctx, self.plan = ctx, plan
        # Each part's stored fingerprints (fingerprints.py), read on the run's own
        # connection before the run writes, while the reading thread starts.
        self.digests: dict[tuple[int, int], StoredDigests | None] = {}
        self.digests_read = threading.Condition()
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE_PAGES)
        self.stopping = threading.Event()
        self.skipped_file: int | None = None  # the writer wants no more of this file
        self.thread = threading.Thread(target=self._read_all, name="autoroster-fetch", daemon=True)

    def __enter__(self) -> "PageReader":
        self.thread.start()
        try:
            for file_index, (_, parts) in enumerate(self.plan):
                for part_index, part in enumerate(parts):
                    stored = part.digests(self.ctx)
                    with self.digests_read:
                        self.digests[file_index, part_index] = stored
                        self.digests_read.notify_all()
        except BaseException:
            self.stop()
            raise
        return self

    def _stored(self, file_index: int, part_index: int) -> tuple[bool, StoredDigests | None]:
        """(False, None) when the run stops first; else (True, the part's fingerprints)."""
        key = (file_index, part_index)
        with self.digests_read:
            while key not in self.digests:
                if self.stopping.is_set():
                    return False, None
                self.digests_read.wait(STOP_POLL_SECONDS)
            return True, self.digests.pop(key)

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        """Stops the reading (between pages) and waits for the thread."""
        self.stopping.set()
        with suppress(queue.Empty):
            while True:
                self.queue.get_nowait()
        self.thread.join()

    # the reading thread ------------------------------------------------------------
    def _put(self, item: tuple) -> bool:
        while not self.stopping.is_set():
            try:
                self.queue.put(item, timeout=STOP_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def _read_all(self) -> None:
        try:
            for file_index, (_, parts) in enumerate(self.plan):
                if not self._read_file(file_index, parts) or not self._put((FILE_END, file_index)):
                    return
        except BaseException as exc:
            logger.exception("reading the SIS crashed")
            self._put((CRASHED, exc))
        finally:
            db_connections.close_all()  # this thread's own connection (progress)

    def _read_file(self, file_index: int, parts: list[Part]) -> bool:
        """Puts a file's pages; False when the run is stopping."""
        progress = self.ctx.progress
        for part_index, part in enumerate(parts):
            progress.start_stage(f"Importing {part.label}")
            try:
                going, stored = self._stored(file_index, part_index)
                if not going:
                    return False
                for page in part.pages(self.ctx, stored):
                    if self.skipped_file == file_index:
                        return True
                    progress.set_total(page.total)
                    item = (PAGE, file_index, part_index, page)
                    if not self._put(item):
                        return False
                    progress.advance(len(page.records) + len(page.problems))
            except SisError as exc:
                if not self._put((PART_FAILED, file_index, part_index, exc)):
                    return False
                if part.optional:
                    continue
                return True  # the rest of the file is not read: it would not be written
            if not self._put((PART_DONE, file_index, part_index)):
                return False
        return True

    # the writing thread ------------------------------------------------------------
    def _next(self, file_index: int) -> tuple:
        item = self.queue.get()
        if item[0] == CRASHED:
            raise ReaderCrashed(READER_CRASHED.format(error=item[1])) from item[1]
        if item[1] != file_index:  # the protocol itself is broken: never write on
            raise ReaderCrashed(f"expected file {file_index}, the reader sent {item[:3]}")
        return item

    def pages(self, file_index: int, part_index: int) -> Iterator[SisPage]:
        """The SisPages of one part; raises FileUnreadable if its reading failed."""
        while True:
            item = self._next(file_index)
            if item[0] == PAGE and item[2] == part_index:
                yield item[3]
            elif item[0] == PART_DONE and item[2] == part_index:
                return
            elif item[0] == PART_FAILED and item[2] == part_index:
                raise FileUnreadable(str(item[3])) from item[3]
            else:
                raise ReaderCrashed(f"expected part {part_index}, the reader sent {item[:3]}")

    def file_end(self, file_index: int, *, skip: bool = False) -> None:
        """Consumes what is left of a file up to its end; with `skip`, the reader stops
        reading it first (a file that will not be written)."""
        if skip:
            self.skipped_file = file_index
        while self._next(file_index)[0] != FILE_END:
            pass


def _optional_part_write(ctx, part, pages, issues, counts: FileCounts) -> None:
    """Writes an optional part under a savepoint: unreadable, it is undone and noted."""
    before = issues.errors, issues.warnings
    try:
        with transaction.atomic():
            written = part_write(ctx=ctx, part=part, pages=pages, issues=issues, outcome=counts)
            counts.add(part, written)
    except FileUnreadable as exc:
        issues.errors, issues.warnings = before
        issues.pending = []
        counts.notes.append(OPTIONAL_PART_FAILED.format(label=part.label.capitalize(), error=exc))


def file_apply_streamed(
    *, ctx: RunContext, record: ImportRecord, reader: PageReader, file_index: int, parts: list
) -> ImportRecord:
    """Writes one file from the reader in one transaction, as file_apply does a spooled
    one; the record ends Completed, Completed with ERROR or ERROR."""
    counts = FileCounts()
    record.started_at = timezone.now()

    def write() -> None:
        issues = IssueCollector(record)
        try:
            with transaction.atomic():
                for part_index, part in enumerate(parts):
                    pages = reader.pages(file_index, part_index)
                    if part.optional:
                        _optional_part_write(ctx, part, pages, issues, counts)
                    else:
                        written = part_write(
                            ctx=ctx, part=part, pages=pages, issues=issues, outcome=counts
                        )
                        counts.add(part, written)
                issues.flush()
        except (FileUnreadable, DatabaseError):
            reader.file_end(file_index, skip=True)  # the run goes on with the next file
            raise
        reader.file_end(file_index)

    return apply_outcome(record=record, counts=counts, write=write)

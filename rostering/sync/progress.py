"""Live progress of a run: stage, records processed of the total, heartbeat."""

import threading
import time

from django.db import connection as db
from django.utils import timezone

from rostering.models.sync import SyncRun


class Progress:
    """Writes progress to the run row at most every `interval` seconds.

    Nothing is written inside a transaction: the row would stay locked and the
    numbers invisible until commit.
    """

    def __init__(
        self,
        run: SyncRun,
        *,
        interval: float = 1.0,
        enabled: bool = True,
        threads_write: bool = True,
    ):
        self.run = run
        # False where the database has a single writer (SQLite): a reading thread must
        # never wait for it, so only the run's own thread writes progress.
        self.threads_write = threads_write
        self.interval = interval
        self.enabled = enabled
        self.processed = 0
        self.total: int | None = None
        self.stage = ""
        self._last_write = 0.0
        self._owner = threading.get_ident()

    def start_stage(self, stage: str, *, total: int | None = None) -> None:
        self.stage, self.total, self.processed = stage, total, 0
        self.flush(force=True)

    def set_total(self, total: int | None) -> None:
        if total is not None:
            self.total = total

    def advance(self, count: int) -> None:
        self.processed += count
        self.flush()

    def flush(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or db.in_atomic_block:
            return
        if not self.threads_write and threading.get_ident() != self._owner:
            return
        if not force and now - self._last_write < self.interval:
            return
        self._last_write = now
        SyncRun.objects.filter(pk=self.run.pk).update(
            stage=self.stage[:64],
            processed=self.processed,
            total=self.total,
            heartbeat_at=timezone.now(),
        )

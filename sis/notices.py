"""The notices of one client's reads: kept in full, and handed to the next page once."""

from __future__ import annotations

import threading

from sis import errors
from sis.records import ERROR, SCHOOL_MISSING, Entity, SisNotice


class NoticeBoard:
    """Thread-safe: fetch threads post, the consumer's page takes what is pending."""

    def __init__(self) -> None:
        self.all: list[SisNotice] = []
        self._pending: list[SisNotice] = []
        self._lock = threading.Lock()

    def post(self, notice: SisNotice) -> None:
        with self._lock:
            if notice not in self.all:
                self.all.append(notice)
                self._pending.append(notice)

    def take(self) -> list[SisNotice]:
        with self._lock:
            pending, self._pending = self._pending, []
        return pending

    def school_missing(self, entity: Entity, code: str) -> None:
        message = errors.SCHOOL_MISSING_MESSAGE.format(code=code)
        self.post(
            SisNotice(SCHOOL_MISSING, entity, ERROR, message, errors.SCHOOL_MISSING_FIX, code)
        )

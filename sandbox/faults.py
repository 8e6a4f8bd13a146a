"""Fault injection: latency, random 500/503, rate limiting, and faults on chosen pages.

Page faults name a page by its path under the API root (`users`,
`schools/994/students`) and its offset (OneRoster `offset`, or native
`StartingRecord - 1`; `None` matches any page). `times` says how often the fault
fires before the page behaves again (`None`: always).
"""

import dataclasses
import random
import threading
import time
from dataclasses import dataclass

from sandbox.wire import Response, json_response, status_info

PAGE_FAULT_KINDS = ("timeout", "truncate", "malformed", "status")
UNAVAILABLE_HTML = (
    b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head>"
    b"<body><h2>Service Unavailable</h2><hr><p>HTTP Error 503. "
    b"The service is unavailable.</p></body></html>"
)


@dataclass
class PageFault:
    kind: str
    path: str
    offset: int | None = 0
    times: int | None = 1
    seconds: float = 10.0
    status: int = 500

    def __post_init__(self) -> None:
        if self.kind not in PAGE_FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(PAGE_FAULT_KINDS)}")
        self.path = self.path.strip("/")


def error_response(status: int, message: str, *, native: bool, code_minor: str) -> Response:
    if native:
        return json_response(status, {"Message": message})
    return status_info(status, message, code_minor)


class Faults:
    """Fault settings and the seeded dice that decide each request's fate."""

    def __init__(
        self,
        *,
        seed: int,
        latency_ms: int = 0,
        fail_rate: float = 0.0,
        rate_limit: int | None = None,
    ) -> None:
        self.seed = seed
        self.lock = threading.Lock()
        self.latency_ms = latency_ms
        self.fail_rate = fail_rate
        self.rate_limit = rate_limit
        self.page_faults: list[PageFault] = []
        self.rng = random.Random(seed)
        self.window = (0, 0)
        self.stats = {"failed": 0, "rate_limited": 0, "page_faults": 0}

    def configure(
        self,
        *,
        latency_ms: int | None = None,
        fail_rate: float | None = None,
        rate_limit: int | None = None,
        page_faults: list | None = None,
    ) -> None:
        with self.lock:
            if latency_ms is not None:
                self.latency_ms = int(latency_ms)
            if fail_rate is not None:
                self.fail_rate = float(fail_rate)
            if rate_limit is not None:
                self.rate_limit = int(rate_limit) or None
            for fault in page_faults or ():
                self.page_faults.append(
                    fault if isinstance(fault, PageFault) else PageFault(**fault)
                )

    def reset(self) -> None:
        with self.lock:
            self.latency_ms, self.fail_rate, self.rate_limit = 0, 0.0, None
            self.page_faults = []
            self.rng = random.Random(self.seed)

    def describe(self) -> dict:
        return {
            "latency_ms": self.latency_ms,
            "fail_rate": self.fail_rate,
            "rate_limit": self.rate_limit,
            "stats": dict(self.stats),
            "page_faults": [dataclasses.asdict(f) for f in self.page_faults],
        }

    def _limited(self) -> bool:
        second = int(time.monotonic())
        start, count = self.window
        count = count + 1 if start == second else 1
        self.window = (second, count)
        return count > self.rate_limit

    def before(self, *, native: bool) -> Response | None:
        """Latency, then rate limit, then random failure; None lets the request through."""
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        with self.lock:
            if self.rate_limit and self._limited():
                self.stats["rate_limited"] += 1
                response = error_response(
                    429, "Too many requests; slow down.", native=native, code_minor="server_busy"
                )
                response.headers.append(("Retry-After", "1"))
                return response
            if not self.fail_rate or self.rng.random() >= self.fail_rate:
                return None
            self.stats["failed"] += 1
            status = self.rng.choice((500, 503))
        if status == 503:
            return Response(
                503, UNAVAILABLE_HTML, content_type="text/html", headers=[("Retry-After", "1")]
            )
        return error_response(
            500, "An error has occurred.", native=native, code_minor="internal_server_error"
        )

    def page_fault(self, path: str, offset: int) -> PageFault | None:
        with self.lock:
            for fault in self.page_faults:
                if fault.path == path and fault.offset in (None, offset):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.page_faults.remove(fault)
                    self.stats["page_faults"] += 1
                    return fault
        return None

"""Aeries' one database per school year, as the native API shows it.

Aeries keeps each school year in a database of its own. `GET api/v5/systeminfo` answers
the year of the request's database (`DatabaseYear`, "2026-2027") and every year the
installation has (`AvailableDatabaseYears`, newest first); any native request may name a
year with the `DatabaseYear` query parameter, as the year it starts ("2026" for
2026-2027). A year that is missing, malformed or not available reads the default year
instead — silently, as Aeries does. The default year is the district's current one; each
rollover (sandbox/rollover.py) keeps a frozen copy of the year it ends, read-only.
OneRoster has no year parameter: it serves the default year only.
"""

import copy
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from sandbox.model import District
from sandbox.wire import Request, Response, json_response

AERIES_VERSION = "10.24.0930.1"
DEFAULT = "default"  # the served count of requests that named no available year


def year_label(district: District) -> str:
    """The district's school year as Aeries names its database: "2026-2027"."""
    year = next(s for s in district.sessions if s.kind == "schoolYear")
    return year.title


def query_value(request: Request, name: str) -> str:
    """A query parameter, its name matched without case (IIS does)."""
    wanted = name.lower()
    return next((v for k, v in request.query.items() if k.lower() == wanted), "")


@dataclass
class FrozenYear:
    """What the native API reads of a past year: its district, never changed again."""

    district: District
    lock: threading.RLock = field(default_factory=threading.RLock)
    version: int = 1


class YearDatabases:
    """The past years' databases beside the live (current) one, and which year each
    native request read."""

    def __init__(self, *, current: District, make_api) -> None:
        self.current = current
        self.make_api = make_api  # store -> an AeriesApi reading it
        self.past: dict[str, object] = {}  # label -> AeriesApi over a FrozenYear
        self.served: Counter[str] = Counter()
        self.lock = threading.Lock()

    def keep(self, district: District) -> None:
        """Freezes the district's year before a rollover moves it on."""
        label = year_label(district)
        self.past[label] = self.make_api(FrozenYear(copy.deepcopy(district)))

    def labels(self) -> list[str]:
        """Every available year, the current first, then the past ones newest first."""
        return [year_label(self.current), *sorted(self.past, reverse=True)]

    def selected(self, request: Request) -> str | None:
        """The past year the request names, or None for the default (current) year."""
        start = query_value(request, "DatabaseYear").strip()
        if not (start.isdigit() and len(start) == 4):
            return None
        label = f"{start}-{int(start) + 1}"
        return label if label in self.past else None

    def api_for(self, request: Request, live):
        """The native API of the year the request reads (`live` for the current one);
        counted by year (a request that named the current year counts as that year)."""
        past = self.selected(request)
        if past is None:
            named = query_value(request, "DatabaseYear").strip()
            current = year_label(self.current)
            key = current if named and current.startswith(f"{named}-") else DEFAULT
        else:
            key = past
        with self.lock:
            self.served[key] += 1
        return live if past is None else self.past[past]

    def systeminfo(self, request: Request) -> Response:
        past = self.selected(request)
        return json_response(
            200,
            {
                "AeriesVersion": AERIES_VERSION,
                "DatabaseYear": past or year_label(self.current),
                "AvailableDatabaseYears": self.labels(),
                "LocalTimeZoneName": "(UTC-08:00) Pacific Time (US & Canada)",
                "CurrentDateTime": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "Sandbox": True,
            },
        )

    def describe(self) -> dict:
        with self.lock:
            served = dict(self.served)
        return {"current": year_label(self.current), "available": self.labels(), "served": served}

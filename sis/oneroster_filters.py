"""OneRoster filters, and what to ask instead when a provider refuses one.

OneRoster servers differ in the filters they accept; a 400 (e.g. Aeries'
invalid_filter_field) to a filtered read means "not supported here", not "no
data". The client then asks with less: the delta clause alone (roles are then
told apart here), the role clause alone (a delta read becomes a full one), and
finally nothing. A clause refused on its own is remembered for the collection,
so the next pass asks without it straight away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

ROLE, DELTA = "role", "delta"
FILTER_UNSUPPORTED_MESSAGE = (
    "The SIS does not accept the filter {clause} on {path}; every record is read and "
    "the {entity} are picked out by Autoroster."
)
DELTA_UNSUPPORTED_MESSAGE = (
    "The SIS does not accept the filter on dateLastModified for {path}, so this delta "
    "import read every {entity} record (a full read)."
)
FILTER_FIX = "Nothing to do; a provider that accepts the filter makes the import faster."


def since_filter(since: datetime) -> str:
    moment = since.astimezone(UTC) if since.tzinfo else since.replace(tzinfo=UTC)
    return f"dateLastModified>'{moment.strftime('%Y-%m-%dT%H:%M:%SZ')}'"


def role_filter(role: str) -> str:
    return f"role='{role}'"


@dataclass(frozen=True, slots=True)
class Filter:
    """The clauses one read asks for; None where the clause is left out."""

    role: str | None = None
    delta: str | None = None

    @property
    def text(self) -> str | None:
        clauses = [c for c in (self.role and role_filter(self.role), self.delta) if c]
        return " AND ".join(clauses) or None

    def kinds(self) -> frozenset[str]:
        return frozenset(k for k, v in ((ROLE, self.role), (DELTA, self.delta)) if v)


def filter_candidates(*, wanted: Filter, refused: frozenset[str]) -> list[Filter]:
    """What to ask, best first, leaving out the clause kinds known to be refused."""
    role, delta = wanted.role, wanted.delta
    ladder = [Filter(role, delta), Filter(None, delta), Filter(role, None), Filter(None, None)]
    fitting = [f for f in ladder if not (f.kinds() & refused)]
    return list(dict.fromkeys(fitting))


def refused_kinds(candidate: Filter) -> frozenset[str]:
    """What a 400 to this candidate proves the SIS refuses (one clause: that clause)."""
    kinds = candidate.kinds()
    return kinds if len(kinds) == 1 else frozenset()

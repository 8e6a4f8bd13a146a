"""Which school year a SIS serves, read before an import.

Aeries keeps one database per school year. Its native API says which one it reads by
default (`/api/v5/systeminfo`: `DatabaseYear` "2026-2027", `AvailableDatabaseYears`), and
reads another when a request names it (`DatabaseYear=2026`, the year it starts); a year it
does not have silently reads the default one. OneRoster has no year parameter: its
current school year is its `schoolYear` academicSession. Around the summer rollover the
current year changes under the vendor; knowing it lets the import hold instead of
reading a new year into the old one.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from sis import errors
from sis.records import Entity

SYSTEMINFO = "systeminfo"
ACADEMIC_SESSIONS = "academicSessions"
SCHOOL_YEAR_TYPE = "schoolYear"
PAGE_LIMIT = 1000
MAX_PAGES = 20
_LABEL = re.compile(r"^\s*(\d{4})\s*[-\u2013/]\s*(\d{2}|\d{4})\s*$")

YEAR_UNAVAILABLE_MESSAGE = (
    "Aeries has no {year} database (it has {available}); a DatabaseYear it does not have "
    "would read its default year instead."
)
YEAR_UNAVAILABLE_FIX = (
    "The district's Aeries no longer keeps that year: run the end-of-year rollover, or "
    "accept Aeries' current school year on the connection page."
)
YEAR_NOT_SELECTED_MESSAGE = (
    "Aeries answered school year {answered} when asked for {year} (DatabaseYear={param})."
)
YEAR_NOT_SELECTED_FIX = (
    "Check AvailableDatabaseYears in the district's Aeries configuration (AeriesNetConnections)."
)


class SisYearUnavailable(errors.SisError):
    code = "year_unavailable"


@dataclass(frozen=True, slots=True)
class SisSchoolYear:
    """The SIS's current school year ("2026-2027"), and every year it offers (native)."""

    current: str
    available: tuple[str, ...] = ()
    source: str = SYSTEMINFO  # systeminfo | academicSessions


def year_label(text: Any) -> str:
    """ "2026-2027" for "2026-2027", "2026-27", "2026/2027"; "" for anything else."""
    match = _LABEL.match(str(text or ""))
    if not match:
        return ""
    first, second = int(match.group(1)), match.group(2)
    last = int(second) if len(second) == 4 else first // 100 * 100 + int(second)
    return f"{first}-{last}" if last == first + 1 else ""


def database_year_param(label: str) -> str:
    """The DatabaseYear parameter for a year label: the year it starts ("2026")."""
    return label[:4]


def session_year_label(row: dict[str, Any]) -> str:
    """A schoolYear session's year: its title, else its schoolYear (the year it ends,
    as OneRoster writes it), else its end date."""
    label = year_label(row.get("title"))
    if label:
        return label
    ends = str(row.get("schoolYear") or "").strip()
    if ends.isdigit() and len(ends) == 4:
        return f"{int(ends) - 1}-{ends}"
    end = _date(row.get("endDate"))
    return f"{end.year - 1}-{end.year}" if end else ""


def _date(value: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value or "")[:10])
    except ValueError:
        return None


def systeminfo_year(payload: Any) -> SisSchoolYear | None:
    """The year Aeries' systeminfo answer names; None when it names none."""
    if not isinstance(payload, dict):
        return None
    current = year_label(payload.get("DatabaseYear"))
    if not current:
        return None
    listed = payload.get("AvailableDatabaseYears")
    available = tuple(
        dict.fromkeys(y for y in map(year_label, listed if isinstance(listed, list) else []) if y)
    )
    return SisSchoolYear(current=current, available=available or (current,), source=SYSTEMINFO)


def aeries_year_select(client, year: str) -> None:
    """Makes every later read of an Aeries native client name `year`, once Aeries
    confirmed it has it (systeminfo answers the year a request names)."""
    known = client.school_year or client.system_info()
    if known is not None and year not in known.available:
        raise SisYearUnavailable(
            YEAR_UNAVAILABLE_MESSAGE.format(year=year, available=", ".join(known.available)),
            fix=YEAR_UNAVAILABLE_FIX,
        )
    client.database_year = database_year_param(year)
    answered = systeminfo_year(client.get(SYSTEMINFO, entity=Entity.SCHOOLS))
    if answered is not None and answered.current != year:
        client.database_year = ""
        param = database_year_param(year)
        raise SisYearUnavailable(
            YEAR_NOT_SELECTED_MESSAGE.format(answered=answered.current, year=year, param=param),
            fix=YEAR_NOT_SELECTED_FIX,
        )


def current_session_year(rows: list[Any], *, today: datetime.date) -> SisSchoolYear | None:
    """The current school year among OneRoster academicSessions: the schoolYear session
    today falls in, else the last one begun, else the first to come."""
    years = []
    for row in rows:
        if not isinstance(row, dict) or row.get("type") != SCHOOL_YEAR_TYPE:
            continue
        if row.get("status") == "tobedeleted" or not (label := session_year_label(row)):
            continue
        years.append((_date(row.get("startDate")), _date(row.get("endDate")), label))
    if not years:
        return None
    dated = sorted((y for y in years if y[0]), key=lambda y: y[0])
    within = [y for y in dated if y[1] and y[0] <= today <= y[1]]
    begun = [y for y in dated if y[0] <= today]
    if within or begun:
        chosen = (within or begun)[-1]
    else:
        chosen = dated[0] if dated else max(years, key=lambda y: y[2])
    labels = tuple(sorted({y[2] for y in years}, reverse=True))
    return SisSchoolYear(current=chosen[2], available=labels, source=ACADEMIC_SESSIONS)


def _session_rows(client, params: dict[str, Any]) -> list[Any]:
    rows: list[Any] = []
    for page in range(MAX_PAGES):
        response = client.get(
            client.api_url + ACADEMIC_SESSIONS,
            entity=Entity.TERMS,
            params={**params, "limit": PAGE_LIMIT, "offset": page * PAGE_LIMIT},
        )
        payload = response.json()
        found = payload.get(ACADEMIC_SESSIONS) if isinstance(payload, dict) else None
        found = found if isinstance(found, list) else []
        rows += found
        if len(found) < PAGE_LIMIT:
            break
    return rows


def oneroster_school_year(client, *, today: datetime.date) -> SisSchoolYear | None:
    """The schoolYear session a OneRoster server calls current (filtered on type, or
    every session where the server refuses the filter)."""
    try:
        rows = _session_rows(client, {"filter": f"type='{SCHOOL_YEAR_TYPE}'"})
    except errors.SisError as exc:
        if exc.status != 400:
            raise
        rows = _session_rows(client, {})
    except ValueError:  # not JSON: the import's own reads will say what is wrong
        return None
    return current_session_year(rows, today=today)


def school_year_read(client, *, today: datetime.date) -> SisSchoolYear | None:
    """The SIS's current school year, or None when it does not say."""
    if hasattr(client, "system_info"):
        return client.system_info()
    if hasattr(client, "api_url") and hasattr(client, "get"):
        return oneroster_school_year(client, today=today)
    return None

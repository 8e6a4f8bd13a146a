"""Field conversion shared by the OneRoster and native converters.

A converter raises RowError for a row it cannot represent; convert_rows turns that
(or any surprise in one row) into a SisRowProblem so the rest of the page converts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from sis.records import (
    CONTACT_NO_NAME,
    ERROR,
    NUL_STRIPPED,
    UNREADABLE_ROW,
    WARNING,
    Entity,
    SisRowProblem,
)

_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})
_EXCERPT_KEYS = 12
_EXCERPT_CHARS = 200
_NEVER_EXCERPT = frozenset({"password", "Password"})
# Parsed values of the date strings seen lately. SIS rows repeat the same few
# thousand dateLastModified / term-date strings, so most rows skip parsing. Only
# exact str keys go in (never a subclass), only successful parses are kept, and
# the values are immutable, so sharing one between records is safe.
_CACHE_LIMIT = 16384
_DATETIMES: dict[str, datetime | None] = {}
_DATES: dict[str, date | None] = {}
_MISSING: Any = object()
# Exact strings whose flag() value is known without lowering; others take the long way.
_FLAG_STRINGS = {word: True for word in _TRUE} | {word: False for word in _FALSE}
_FLAG_STRINGS |= {"True": True, "False": False, "TRUE": True, "FALSE": False}


NUL_MESSAGE = "NUL characters were removed from {fields}."
NUL_FIX = (
    "Retype these fields in Aeries: they hold invisible NUL characters, usually from "
    "text pasted from another program."
)
# A NUL in a JSON string is always written as this escape (a raw one is invalid JSON),
# so a page without it has none and skips the scan.
JSON_NUL = b"\\u0000"


class RowError(ValueError):
    def __init__(
        self, field: str, message: str, *, code: str = UNREADABLE_ROW, fix: str = ""
    ) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code
        self.fix = fix


NOT_TEXT_MESSAGE = "{field} holds a JSON {kind} where text was expected."
USERNAME_LINE_BREAK_MESSAGE = "The user name contains a line break."
USERNAME_LINE_BREAK_FIX = "Retype the user name (Network Login ID) in Aeries, on one line."


class NotText(RowError):
    """A JSON object or list where a text value belongs; convert_rows names the field."""

    def __init__(self, value: Any) -> None:
        kind = "object" if isinstance(value, dict) else "list"
        super().__init__("", NOT_TEXT_MESSAGE.format(field="a field", kind=kind))
        self.value = value
        self.kind = kind


def text(value: Any) -> str:
    """A value as trimmed text; a JSON object or list raises NotText (never its repr)."""
    if value.__class__ is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, dict | list):
        raise NotText(value)
    return str(value).strip()


def username_text(value: Any, *, field: str) -> str:
    """A user name: text on one line (a CR or LF in it is a row problem)."""
    name = text(value)
    if "\n" in name or "\r" in name:
        raise RowError(field, USERNAME_LINE_BREAK_MESSAGE, fix=USERNAME_LINE_BREAK_FIX)
    return name


def flag(value: Any, *, default: bool) -> bool:
    """OneRoster sends booleans as strings ("true"); accept real booleans too."""
    if value.__class__ is str:
        known = _FLAG_STRINGS.get(value)
        if known is not None:
            return known
    elif isinstance(value, bool):
        return value
    lowered = text(value).lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return default


def parse_datetime(value: Any, *, field: str = "dateLastModified") -> datetime | None:
    """ISO 8601 to an aware datetime (naive values are UTC); RowError if unparseable."""
    if value.__class__ is str:
        parsed = _DATETIMES.get(value, _MISSING)
        if parsed is _MISSING:
            parsed = _parse_datetime(value, field=field)
            if len(_DATETIMES) >= _CACHE_LIMIT:
                _DATETIMES.clear()
            _DATETIMES[value] = parsed
        return parsed
    return _parse_datetime(value, field=field)


def _parse_datetime(value: Any, *, field: str) -> datetime | None:
    raw = text(value)
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise RowError(field, f"'{raw[:40]}' is not a date and time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: Any, *, field: str) -> date | None:
    """A calendar date from "2026-08-15" or "2026-08-15T00:00:00" (Aeries' style)."""
    if value.__class__ is str:
        parsed = _DATES.get(value, _MISSING)
        if parsed is _MISSING:
            parsed = _parse_date(value, field=field)
            if len(_DATES) >= _CACHE_LIMIT:
                _DATES.clear()
            _DATES[value] = parsed
        return parsed
    return _parse_date(value, field=field)


def _parse_date(value: Any, *, field: str) -> date | None:
    raw = text(value)
    if not raw:
        return None
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).date()
    except ValueError:
        raise RowError(field, f"'{raw[:40]}' is not a date") from None


def school_year_of(end: date | None) -> str:
    """OneRoster schoolYear (the calendar year the school year ends) from a term end."""
    if end is None:
        return ""
    return str(end.year + 1 if end.month >= 7 else end.year)


def ref_id(ref: Any) -> str | None:
    """sourcedId of a OneRoster reference; falls back to the last segment of its href."""
    if ref.__class__ is dict:  # the usual {"sourcedId": "994", ...}
        sourced_id = ref.get("sourcedId")
        if sourced_id.__class__ is str:
            sourced_id = sourced_id.strip()
            if sourced_id:
                return sourced_id
    return _ref_id(ref)


def _ref_id(ref: Any) -> str | None:
    if isinstance(ref, str):
        return text(ref) or None
    if not isinstance(ref, dict):
        return None
    sourced_id = text(ref.get("sourcedId"))
    if sourced_id:
        return sourced_id
    href = text(ref.get("href")).rstrip("/")
    return href.rsplit("/", 1)[-1] or None if href else None


def ref_ids(refs: Any) -> tuple[str, ...]:
    if isinstance(refs, dict):
        refs = [refs]
    if not isinstance(refs, list):
        return ()
    if not refs:
        return ()
    if len(refs) == 1:
        sourced_id = ref_id(refs[0])
        return (sourced_id,) if sourced_id else ()
    ids = (ref_id(ref) for ref in refs)
    return tuple(dict.fromkeys(sourced_id for sourced_id in ids if sourced_id))


def text_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if value.__class__ is list and not value:
        return ()
    items = value if isinstance(value, list) else str(value).split(",")
    return tuple(item for item in (text(v) for v in items) if item)


def excerpt(row: Any) -> dict[str, Any]:
    """A short, secret-free copy of a row for the import issue list."""
    if not isinstance(row, dict):
        return {"value": repr(row)[:_EXCERPT_CHARS]}
    short: dict[str, Any] = {}
    for key, value in list(row.items())[:_EXCERPT_KEYS]:
        if key in _NEVER_EXCERPT:
            continue
        short[str(key)] = value if isinstance(value, int | float | bool | None) else str(value)
        if isinstance(short[str(key)], str):
            short[str(key)] = short[str(key)][:_EXCERPT_CHARS]
    return short


def row_id(row: Any, *keys: str) -> str:
    if not isinstance(row, dict):
        return ""
    values = (row.get(key) for key in keys)
    texts = ("" if isinstance(v, dict | list) else text(v) for v in values)
    return next((value for value in texts if value), "")


def convert_rows(
    *,
    entity: Entity,
    rows: Iterable[Any],
    convert: Callable[[dict[str, Any]], Iterable[Any]],
    id_keys: tuple[str, ...] = ("sourcedId",),
    digests: Iterable[Any] | None = None,
) -> tuple[list[Any], list[SisRowProblem]]:
    """Run `convert` (row → zero or more records) on each row, collecting problems.

    `digests` (one per row, sis.fingerprints): each row's records carry its own."""
    records: list[Any] = []
    problems: list[SisRowProblem] = []
    extend = records.extend
    stamps = iter(digests) if digests is not None else None
    for row in rows:
        digest = next(stamps) if stamps is not None else ""
        try:
            if row.__class__ is not dict and not isinstance(row, dict):
                raise RowError("", "the row is not a JSON object")
            extend(_stamped(convert(row), digest) if digest else convert(row))
        except NotText as exc:
            problems.append(_not_text(entity, row, exc, id_keys))
        except RowError as exc:
            problems.append(
                SisRowProblem(
                    entity,
                    row_id(row, *id_keys),
                    exc.field,
                    exc.message,
                    excerpt(row),
                    exc.code,
                    ERROR,
                    exc.fix,
                )
            )
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
            message = f"unreadable row ({type(exc).__name__})"
            problems.append(SisRowProblem(entity, row_id(row, *id_keys), "", message, excerpt(row)))
    return records, problems


def _stamped(records: list[Any], digest: str | Callable[[list[Any]], str]) -> list[Any]:
    """The records of one row, carrying its fingerprint (set on records just made); a
    callable gives the fingerprint from the records."""
    if callable(digest):
        digest = digest(records)
    for record in records:
        object.__setattr__(record, "sis_digest", digest)
    return records


def _not_text(
    entity: Entity, row: dict[str, Any], exc: NotText, id_keys: tuple[str, ...]
) -> SisRowProblem:
    field = next((str(key) for key, value in row.items() if value is exc.value), "")
    message = NOT_TEXT_MESSAGE.format(field=field or "a field", kind=exc.kind)
    return SisRowProblem(entity, row_id(row, *id_keys), field, message, excerpt(row))


def required(row: dict[str, Any], key: str, *, field: str | None = None) -> str:
    value = row.get(key)
    value = value.strip() if value.__class__ is str else text(value)
    if not value:
        raise RowError(field or key, f"{field or key} is missing")
    return value


CONTACT_NO_NAME_MESSAGE = "The contact has neither a first nor a last name."
CONTACT_NO_NAME_FIX = "Enter the contact's first and last name in Aeries (Contacts)."


def contact_names(given_name: str, family_name: str, *, field: str) -> None:
    """A contact needs a name; both blank is a row problem (the contact is not imported)."""
    if not given_name and not family_name:
        raise RowError(
            field, CONTACT_NO_NAME_MESSAGE, code=CONTACT_NO_NAME, fix=CONTACT_NO_NAME_FIX
        )


def split_problems(
    problems: list[SisRowProblem],
) -> tuple[list[SisRowProblem], list[SisRowProblem]]:
    """(errors, warnings): converters put both in one list, pages carry them apart."""
    if not problems:
        return problems, []
    errors = [p for p in problems if p.severity != WARNING]
    if len(errors) == len(problems):
        return problems, []
    return errors, [p for p in problems if p.severity == WARNING]


def _scrub(value: Any) -> tuple[Any, bool]:
    if value.__class__ is str:
        return (value.replace("\x00", ""), True) if "\x00" in value else (value, False)
    if isinstance(value, dict):
        changed = False
        for key, item in value.items():
            clean, dirty = _scrub(item)
            if dirty:
                value[key], changed = clean, True
        return value, changed
    if isinstance(value, list):
        changed = False
        for index, item in enumerate(value):
            clean, dirty = _scrub(item)
            if dirty:
                value[index], changed = clean, True
        return value, changed
    return value, False


def nul_scrub(
    rows: list[Any], *, entity: Entity, id_keys: tuple[str, ...] = ("sourcedId",)
) -> list[SisRowProblem]:
    """Removes NUL characters from every string of the rows, in place; one warning per
    row that had any, naming its fields. Databases refuse NUL in text (PostgreSQL)."""
    warnings = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        fields = []
        for key, value in row.items():
            clean, dirty = _scrub(value)
            if dirty:
                row[key] = clean
                fields.append(str(key))
        if fields:
            message = NUL_MESSAGE.format(fields=", ".join(fields))
            warnings.append(
                SisRowProblem(
                    entity,
                    row_id(row, *id_keys),
                    fields[0],
                    message,
                    excerpt(row),
                    NUL_STRIPPED,
                    WARNING,
                    NUL_FIX,
                )
            )
    return warnings

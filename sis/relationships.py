"""A native contact's RelationshipToStudentCode as OneRoster's parent / guardian / relative.

The code is a district code-table value: letters in some districts (MO, FA, GU),
numbers in others (Aeries' demo uses 11, 13, 16, 23, 25, 99). Its meaning comes
from, in this order: the connection's own mapping (the manager's word wins), the
Aeries code table (`GET /api/v5/codes/CON/RL`, the description of each code), and
the usual letter codes and words. A code none of them explains is reported (a row
warning naming it) and the contact is imported with no relationship, never a
guessed "relative".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

RELATIONSHIPS = ("parent", "guardian", "relative")
# Aeries' code table of the contacts' relationship field (table CON, field RL).
CODE_TABLE_PATH = "codes/CON/RL"
UNKNOWN_CODE_MESSAGE = (
    "Relationship code '{code}'{description} has no known meaning; the contact was "
    "imported without a relationship."
)
UNKNOWN_CODE_FIX = (
    "Add the code to the connection's relationship codes (e.g. {code}=parent), "
    "choosing parent, guardian or relative."
)
MAPPING_INVALID = (
    "Write one code=relationship per line or comma separated, with relationship "
    "parent, guardian or relative: {bad}"
)

_GUARDIAN = re.compile(r"\bguardian|\bgu\b|custod|foster")
_RELATIVE = re.compile(
    r"grand|\bgm\b|\bgf\b|aunt|uncle|sister|brother|sibling|cousin|niece|nephew|relative|"
    r"\bkin"
)
_PARENT = re.compile(r"mother|father|parent|\bmom\b|\bdad\b|\bmo\b|\bfa\b|step")


def code_key(code: Any) -> str:
    """A code as the tables key it: 11.0, " 11", "mo" -> "11", "11", "MO"."""
    if isinstance(code, float) and code.is_integer():
        code = int(code)
    return str(code).strip().upper() if code is not None else ""


def relationship_of_words(text: str) -> str | None:
    """parent / guardian / relative from a description or a letter code; None if unclear."""
    lowered = text.strip().lower().replace("-", " ")
    if not lowered:
        return None
    if _GUARDIAN.search(lowered):
        return "guardian"
    if _RELATIVE.search(lowered):  # before parent: a grandmother is no parent
        return "relative"
    if _PARENT.search(lowered):
        return "parent"
    return None


def mapping_parse(text: str) -> tuple[tuple[str, str], ...]:
    """ "11=parent, 16=guardian" (or one per line) -> (("11", "parent"), ...).

    Raises ValueError naming the entries that are not code=relationship.
    """
    pairs: list[tuple[str, str]] = []
    bad: list[str] = []
    for entry in re.split(r"[,\n;]", text or ""):
        if not entry.strip():
            continue
        code, sep, relationship = entry.partition("=")
        relationship = relationship.strip().lower()
        if not sep or not code_key(code) or relationship not in RELATIONSHIPS:
            bad.append(entry.strip())
            continue
        pairs.append((code_key(code), relationship))
    if bad:
        raise ValueError(MAPPING_INVALID.format(bad=", ".join(bad)))
    return tuple(dict(pairs).items())


def mapping_text(pairs: Iterable[tuple[str, str]]) -> str:
    """The mapping as the connection stores it: "11=parent, 16=guardian"."""
    return ", ".join(f"{code}={relationship}" for code, relationship in pairs)


def code_table_parse(rows: Iterable[Any]) -> dict[str, str]:
    """Aeries code-set rows ({"Code", "Description"}) -> code -> description."""
    table: dict[str, str] = {}
    for row in rows:
        if not isinstance(row, dict):
            continue
        lowered = {str(key).lower(): value for key, value in row.items()}
        code = code_key(lowered.get("code", lowered.get("cd")))
        description = lowered.get("description", lowered.get("de"))
        if code and description is not None:
            table[code] = str(description).strip()
    return table


class RelationshipCodes:
    """code -> relationship for one connection; `unknown` tells what nobody explains."""

    def __init__(
        self, *, mapping: Iterable[tuple[str, str]] = (), code_table: Mapping[str, str] = {}
    ) -> None:
        self.mapping = {code_key(code): relationship for code, relationship in mapping}
        self.code_table = dict(code_table)
        self._cache: dict[str, str | None] = {}

    def relationship(self, code: Any) -> str | None:
        """The relationship, "" for a blank code, None for a code with no known meaning."""
        key = code_key(code)
        if not key:
            return ""
        if key not in self._cache:
            self._cache[key] = self._lookup(key)
        return self._cache[key]

    def _lookup(self, key: str) -> str | None:
        if key in self.mapping:
            return self.mapping[key]
        if key in self.code_table:
            return relationship_of_words(self.code_table[key])
        return relationship_of_words(key) if not key.isdigit() else None

    def unknown_message(self, code: Any) -> str:
        key = code_key(code)
        described = self.code_table.get(key)
        suffix = f" ({described})" if described else ""
        return UNKNOWN_CODE_MESSAGE.format(code=key, description=suffix)

    def unknown_fix(self, code: Any) -> str:
        return UNKNOWN_CODE_FIX.format(code=code_key(code))

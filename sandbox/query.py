"""OneRoster 1.1 query parameters: `filter`, `sort`/`orderBy` and `fields`."""

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from sandbox.store import Collection

_PREDICATE = r"([A-Za-z][\w.]*)\s*(!=|>=|<=|=|>|<|~)\s*'((?:[^']|'')*)'"
FILTER_RE = re.compile(rf"^\s*{_PREDICATE}(?:\s+(AND|OR)\s+{_PREDICATE})?\s*$")
OPERATORS = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "~": lambda v, x: x.lower() in v.lower(),
}


class QueryError(ValueError):
    def __init__(self, code_minor: str, message: str) -> None:
        super().__init__(message)
        self.code_minor = code_minor


@dataclass(frozen=True)
class Predicate:
    field: str
    op: str
    value: str

    def matches(self, value) -> bool:
        test = OPERATORS[self.op]
        if isinstance(value, list):
            hits = [test(_text(v), self.value) for v in value]
            return all(hits) if self.op == "!=" else any(hits)
        return test(_text(value), self.value)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get("sourcedId", ""))
    return str(value)


def _check_field(path: str, collection: Collection, code_minor: str) -> None:
    if path.split(".")[0] not in collection.fields:
        raise QueryError(code_minor, f"{path} is not a field of {collection.key}")


def filter_parse(text: str, collection: Collection) -> tuple[str, list[Predicate]]:
    """Parse `field op 'value' [AND|OR field op 'value']`; returns (logic, predicates)."""
    match = FILTER_RE.match(text)
    if not match:
        raise QueryError("invalid_filter_field", f"cannot parse filter: {text}")
    groups = match.groups()
    predicates = [Predicate(groups[0], groups[1], groups[2].replace("''", "'"))]
    if groups[3]:
        predicates.append(Predicate(groups[4], groups[5], groups[6].replace("''", "'")))
    for p in predicates:
        _check_field(p.field, collection, "invalid_filter_field")
    return groups[3] or "AND", predicates


def filter_refuse(text: str, collection: Collection, rejected: list[str]) -> None:
    """A provider that does not filter on some fields answers 400, as Aeries does."""
    _logic, predicates = filter_parse(text, collection)
    for predicate in predicates:
        if predicate.field.split(".")[0] in rejected:
            raise QueryError(
                "invalid_filter_field", f"Filtering on {predicate.field} is not supported."
            )


def _row_test(predicate: Predicate) -> Callable[[Any], bool]:
    """The predicate for one value: plain strings (most values, dateLastModified and role
    among them) compared directly, anything else through Predicate.matches."""
    test, wanted, matches = OPERATORS[predicate.op], predicate.value, predicate.matches

    def row_test(value) -> bool:
        if value.__class__ is str:
            return test(value, wanted)
        return matches(value)

    return row_test


def filter_apply(text: str, collection: Collection, base: list[int]) -> list[int]:
    logic, predicates = filter_parse(text, collection)
    tests = [(_row_test(p), collection.values(p.field)) for p in predicates]
    if len(tests) == 1:
        ((test, column),) = tests
        return [i for i in base if test(column[i])]
    (test1, column1), (test2, column2) = tests
    if logic == "AND":
        return [i for i in base if test1(column1[i]) and test2(column2[i])]
    return [i for i in base if test1(column1[i]) or test2(column2[i])]


def sort_apply(field: str, order: str, collection: Collection, base: list[int]) -> list[int]:
    _check_field(field, collection, "invalid_sort_field")
    if order not in ("asc", "desc"):
        raise QueryError("invaliddata", f"orderBy must be asc or desc, not {order}")
    column = collection.values(field)
    return sorted(base, key=lambda i: _text(column[i]), reverse=order == "desc")


def fields_parse(text: str, collection: Collection) -> list[str]:
    wanted = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in collection.fields]
    if unknown:
        raise QueryError(
            "invalid_selection_field", f"{', '.join(unknown)} not a field of {collection.key}"
        )
    return wanted


def fields_select(row: bytes, wanted: list[str]) -> bytes:
    record = orjson.loads(row)
    return orjson.dumps({f: record[f] for f in wanted if f in record})

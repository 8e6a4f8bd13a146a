"""Serialized OneRoster collections: each record is encoded once with orjson.

A page is `b'{"users":[' + b','.join(rows) + b']}'`; filters and sorts are index
lists computed once per (view, filter, sort) and cached until the data changes.
"""

import threading
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from sandbox import records
from sandbox.model import District, Person

# Fields kept decoded beside the bytes, because filters and views use them most.
FAST_FIELDS = ("status", "dateLastModified")


def encode(record: dict) -> bytes:
    # orjson hands back bytes with ~4 KiB of spare capacity; copying trims it, which
    # cuts a 100,000-student district from ~6 GB to well under 1 GB.
    return bytes(memoryview(orjson.dumps(record)))


class Collection:
    """One OneRoster collection: bytes rows, their ids, school scopes and a view cache."""

    def __init__(self, key: str, single: str, *, fast: tuple[str, ...] = ()) -> None:
        self.key = key
        self.single = single if single else key[:-1]
        self.ids: list[str] = []
        self.rows: list[bytes] = []
        self.scopes: list[tuple[str, ...]] = []
        self.pos: dict[str, int] = {}
        self.fields: set[str] = set()
        self.fast: dict[str, list] = {f: [] for f in FAST_FIELDS + fast}
        self.getters = [(values, _getter(name)) for name, values in self.fast.items()]
        self.decoded: dict[str, list] = {}
        self.views: dict[tuple, object] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def put(self, record: dict, scope: tuple[str, ...] = ()) -> None:
        sourced_id = record["sourcedId"]
        row = encode(record)
        if not self.fields:
            # Every record of a collection comes from one builder, so has the same keys.
            self.fields.update(record)
        i = self.pos.get(sourced_id)
        if i is None:
            self.pos[sourced_id] = len(self.rows)
            self.ids.append(sourced_id)
            self.rows.append(row)
            self.scopes.append(scope)
            for values, get in self.getters:
                values.append(get(record))
        else:
            self.rows[i], self.scopes[i] = row, scope
            for values, get in self.getters:
                values[i] = get(record)
        if self.decoded or self.views:
            self.changed()

    def remove(self, sourced_ids: set[str]) -> None:
        keep = [i for i, sid in enumerate(self.ids) if sid not in sourced_ids]
        self.ids = [self.ids[i] for i in keep]
        self.rows = [self.rows[i] for i in keep]
        self.scopes = [self.scopes[i] for i in keep]
        for values in self.fast.values():
            values[:] = [values[i] for i in keep]
        self.pos = {sid: i for i, sid in enumerate(self.ids)}
        self.changed()

    def changed(self) -> None:
        if self.decoded or self.views:
            self.decoded, self.views = {}, {}

    def values(self, path: str) -> list:
        """The value of a field (dotted paths reach into references) for every row."""
        if path == "sourcedId":
            return self.ids
        if path in self.fast:
            return self.fast[path]
        if path not in self.decoded:
            self.decoded[path] = [_path_value(orjson.loads(row), path) for row in self.rows]
        return self.decoded[path]

    def view(self, key: tuple, compute: Callable[[], Any]) -> Any:
        if key not in self.views:
            self.views[key] = compute()
        return self.views[key]

    def where(self, name: str, value: str) -> list[int]:
        return self.view(
            ("where", name, value),
            lambda: [i for i, v in enumerate(self.values(name)) if v == value],
        )

    def in_scope(self, school: str, base: Iterable[int] | None = None) -> list[int]:
        rows = range(len(self.rows)) if base is None else base
        return [i for i in rows if school in self.scopes[i]]


def _getter(path: str) -> Callable[[dict], Any]:
    if "." in path:
        return lambda record: _path_value(record, path)
    return lambda record: record.get(path)


def _path_value(record: dict, path: str):
    head, *rest = path.split(".")
    value = record.get(head)
    for part in rest:
        value = _dig(value, part)
    return value


def _dig(value, part: str):
    if isinstance(value, dict):
        return value.get(part)
    if isinstance(value, list):
        return [_dig(v, part) for v in value]
    return None


class Store:
    """All OneRoster collections of a district, kept in step with it by `refresh`."""

    def __init__(self, district: District, *, leavers: str = "drop") -> None:
        self.district = district
        self.leavers = leavers
        self.lock = threading.RLock()
        self.version = 0
        self.collections: dict[str, Collection] = {}
        self.build()

    def build(self) -> None:
        """(Re)serialize every collection from the district."""
        self.collections = {
            "orgs": Collection("orgs", "org", fast=("type",)),
            "academicSessions": Collection("academicSessions", "academicSession", fast=("type",)),
            "courses": Collection("courses", "course"),
            "classes": Collection("classes", "class"),
            "users": Collection("users", "user", fast=("role",)),
            "enrollments": Collection(
                "enrollments", "enrollment", fast=("role", "class.sourcedId", "user.sourcedId")
            ),
            "demographics": Collection("demographics", "demographics"),
        }
        d = self.district
        orgs, sessions, courses = self["orgs"], self["academicSessions"], self["courses"]
        orgs.put(records.district_org(d), ())
        for school in d.schools:
            orgs.put(records.school_org(school), (school.code,))
        for session in d.sessions:
            sessions.put(records.session_record(session), (session.school_code,))
        course_schools: dict[str, set[str]] = {}
        for section in d.sections:
            course_schools.setdefault(section.course_number, set()).add(section.school_code)
            self["classes"].put(records.class_record(section), (section.school_code,))
        for course in d.courses:
            courses.put(
                records.course_record(course), tuple(sorted(course_schools.get(course.number, ())))
            )
        self.people_put(d.people.values())
        self.enrollments_put(d.enrollments)
        self.bump()

    def __getitem__(self, name: str) -> Collection:
        return self.collections[name]

    def visible(self, person: Person) -> bool:
        return not (person.leave_date and self.leavers == "drop")

    def people_put(self, people: Iterable[Person]) -> None:
        users, demographics = self["users"], self["demographics"]
        hidden = set()
        for person in people:
            if not self.visible(person) or not self.visible(self.owner(person)):
                hidden.add(person.sourced_id)
                continue
            users.put(records.user_record(person), tuple(person.school_codes))
            if person.role == "student":
                demographics.put(records.demographics_record(person), tuple(person.school_codes))
        if hidden:
            users.remove(hidden)
            demographics.remove(hidden)

    def owner(self, person: Person) -> Person:
        return self.district.people.get(person.student_id, person)

    def enrollments_put(self, enrollments: Iterable) -> None:
        target = self["enrollments"]
        people = self.district.people
        hidden = set()
        for e in enrollments:
            person = people.get(e.user_id)
            if person is not None and not self.visible(person):
                hidden.add(e.sourced_id)
                continue
            target.put(records.enrollment_record(e), (e.school_code,))
        if hidden:
            target.remove(hidden)

    def bump(self) -> None:
        self.version += 1

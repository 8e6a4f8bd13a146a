"""Serialized OneRoster collections: each record is encoded once with orjson.

A page is `b'{"users":[' + b','.join(rows) + b']}'`; filters and sorts are index
lists computed once per (view, filter, sort) and cached until the data changes.
"""

import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import orjson

from sandbox import records, shapes
from sandbox.guid_ids import GuidIds
from sandbox.model import District, Person
from sandbox.switches import Behaviours

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

    def duplicate(self, sourced_id: str) -> None:
        """Serve the record once more, at the end (real feeds repeat records)."""
        i = self.pos.get(sourced_id)
        if i is None:
            return
        self.ids.append(sourced_id)
        self.rows.append(self.rows[i])
        self.scopes.append(self.scopes[i])
        for values in self.fast.values():
            values.append(values[i])
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

    def __init__(
        self, district: District, *, leavers: str = "drop", behaviours: Behaviours | None = None
    ) -> None:
        self.district = district
        self.leavers = leavers
        self.behaviours = behaviours or Behaviours()
        self.href_base = "http://127.0.0.1/aeries/"  # the server sets its own once started
        self.ids: shapes.AeriesIds | GuidIds | None = None
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
        d, b = self.district, self.behaviours
        self.ids = GuidIds(d) if b.guid_ids else shapes.AeriesIds(d) if b.aeries_ids else None
        orgs, sessions, courses = self["orgs"], self["academicSessions"], self["courses"]
        orgs.put(self.shaped(records.district_org(d)), ())
        for school in d.schools:
            if school.code not in b.retired_schools:
                orgs.put(self.shaped(records.school_org(school)), (school.code,))
        for session in d.sessions:
            sessions.put(self.shaped(records.session_record(session)), (session.school_code,))
        course_schools: dict[str, set[str]] = {}
        for section in d.sections:
            course_schools.setdefault(section.course_number, set()).add(section.school_code)
            self["classes"].put(self.shaped(self.class_record(section)), (section.school_code,))
        for course in d.courses:
            scope = tuple(sorted(course_schools.get(course.number, ())))
            courses.put(self.shaped(records.course_record(course)), scope)
        self.people_put(d.people.values())
        self.enrollments_put(d.enrollments)
        self._extras()
        self.bump()

    def shaped(self, record: dict) -> dict:
        return shapes.strict(record, self.href_base) if self.behaviours.strict_spec else record

    def class_record(self, section) -> dict:
        record = records.class_record(section)
        if self.behaviours.old_elementary_ids:
            record["sourcedId"] = shapes.old_elementary_id(section.sourced_id)
        term = shapes.semester_of(section) if self.behaviours.semester_sections else "Y"
        if term != shapes.YEAR_LONG:
            record["terms"] = [records.ref("academicSession", f"{section.school_code}_{term}")]
        return record

    def user_record(self, person: Person) -> dict:
        record = records.user_record(person)
        if self.behaviours.dirty_text:
            record = shapes.dirty_user(person, record)
        if self.ids is not None:
            record = self.ids.user_record(person, record, records.ref)
        return self.shaped(record)

    def _extras(self) -> None:
        """The rows some behaviours add: repeated records, a 300-character sourcedId."""
        b = self.behaviours
        if b.dirty_text:
            extra = shapes.long_id_user(self.district, self.user_record)
            if extra is not None:
                self["users"].put(*extra)
        if b.duplicate_rows:
            for collection in ("users", "classes", "enrollments"):
                target = self[collection]
                if target.ids:
                    target.duplicate(target.ids[min(len(target.ids) - 1, 9)])

    def __getitem__(self, name: str) -> Collection:
        return self.collections[name]

    def visible(self, person: Person) -> bool:
        return not (person.leave_date and self.leavers == "drop")

    def people_put(self, people: Iterable[Person]) -> None:
        users, demographics = self["users"], self["demographics"]
        hidden = set()
        for person in people:
            if self.ids is not None and person.sourced_id in self.ids.shared:
                continue  # a parent the sibling shares: its row is the older sibling's
            if not self.visible(person) or not self.visible(self.owner(person)):
                hidden.add(self.ids.user(person.sourced_id) if self.ids else person.sourced_id)
                continue
            record = self.user_record(person)
            users.put(record, tuple(person.school_codes))
            if person.role == "student":
                demographic = records.demographics_record(person)
                if self.ids is not None:
                    demographic["sourcedId"] = self.ids.user(person.sourced_id)
                if self.behaviours.strict_spec:
                    demographic = shapes.demographics_strict(demographic)
                demographics.put(demographic, tuple(person.school_codes))
        if hidden:
            users.remove(hidden)
            demographics.remove(hidden)

    def owner(self, person: Person) -> Person:
        return self.district.people.get(person.student_id, person)

    def enrollments_put(self, enrollments: Iterable) -> None:
        target = self["enrollments"]
        people = self.district.people
        hidden = set()
        old_ids = self.behaviours.old_elementary_ids
        for e in enrollments:
            person = people.get(e.user_id)
            if old_ids and shapes.TEACHER_CLASS in e.class_id:
                class_id = shapes.old_elementary_id(e.class_id)
                e = replace(e, class_id=class_id, sourced_id=f"{class_id}_{e.user_id}")
            record = records.enrollment_record(e)
            if self.ids is not None:
                record = self.ids.enrollment_record(e, record, records.ref)
            if person is not None and not self.visible(person):
                hidden.add(record["sourcedId"])
                continue
            target.put(self.shaped(record), (e.school_code,))
        if hidden:
            target.remove(hidden)

    def bump(self) -> None:
        self.version += 1

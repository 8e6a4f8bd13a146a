"""Aeries native API v5 under `{base}api/v5/`, authenticated by the AERIES-CERT header."""

from collections.abc import Callable
from dataclasses import replace

from sandbox import native_records as nr
from sandbox import shapes
from sandbox.store import Store, encode
from sandbox.switches import Switches
from sandbox.wire import Request, Response, json_response

API_ROOT = "api/v5/"
DENIED = "Authorization has been denied for this request."
SCHOOL_ROUTES = {
    "terms": "terms",
    "students": "student_data",
    "teachers": "teacher_data",
    "sections": "master_schedule",
    "contacts": "student_data",
    "classes": "class_schedules",
}


def message(status: int, text: str) -> Response:
    return json_response(status, {"Message": text})


def array(rows: list[bytes]) -> bytes:
    return b"[" + b",".join(rows) + b"]"


class Groups:
    """The district regrouped the way the native API serves it, rebuilt per data version."""

    def __init__(self, store: Store) -> None:
        d = store.district
        self.people = d.people
        self.schools = {s.code: s for s in d.schools}
        self.students: dict[str, list] = {c: [] for c in self.schools}
        self.contacts: dict[str, list] = {c: [] for c in self.schools}
        self.teachers: dict[str, list] = {c: [] for c in self.schools}
        self.staff = sorted((p for p in d.people.values() if p.staff_id), key=lambda p: p.staff_id)
        for person in sorted(d.people.values(), key=lambda p: p.sourced_id):
            if person.role == "student":
                self.students[person.school_codes[0]].append(person)
            elif person.student_id and person.school_codes[0] in self.contacts:
                self.contacts[person.school_codes[0]].append(person)
        for person in self.staff:
            for code in person.teacher_numbers:
                self.teachers[code].append(person)
        self.sections = {c: {} for c in self.schools}
        for section in d.sections:
            if section.class_type == "scheduled":
                self.sections[section.school_code][section.number] = section
        self.rosters: dict[str, list] = {}
        self.schedules: dict[str, list] = {c: [] for c in self.schools}
        for e in d.enrollments:
            if e.role == "student" and e.user_id in self.people:
                self.rosters.setdefault(e.class_id, []).append(self.people[e.user_id])
                # Homerooms are no SEC rows: Aeries links them by the student's TN.
                if "_TN_" not in e.class_id and e.school_code in self.schedules:
                    self.schedules[e.school_code].append(e)
        self.teacher_classes = self._teacher_classes(d.sections)
        self.courses = {c.number: c for c in d.courses}

    @staticmethod
    def _teacher_classes(sections) -> dict[tuple[str, str], tuple[str, list[int]]]:
        """(school, staff sourcedId) → (Room, grades) of the TCH row: the homeroom's
        when the teacher has one, else the room and grade span of their sections."""
        homerooms: dict[tuple[str, str], tuple[str, list[int]]] = {}
        taught: dict[tuple[str, str], tuple[str, list[int]]] = {}
        for section in sections:
            if not section.staff_ids:
                continue
            key = (section.school_code, section.staff_ids[0])
            if section.class_type == "homeroom":
                homerooms[key] = (section.room, list(section.grades))
            else:
                taught.setdefault(key, (section.room, []))[1].extend(section.grades)
        return {**taught, **homerooms}


class AeriesApi:
    """Answers native v5 requests; rows are serialized once per data version."""

    def __init__(self, *, store: Store, certificate: str, switches: Switches) -> None:
        self.store = store
        self.certificate = certificate
        self.switches = switches
        self.version = -1
        self.groups: Groups | None = None
        self.cache: dict[tuple, list[bytes]] = {}

    def handle(self, request: Request) -> Response:
        # systeminfo is the server's (sandbox/years.py): it knows every year's database.
        parts = [p for p in request.path[len(API_ROOT) :].split("/") if p]
        if request.headers.get("aeries-cert") != self.certificate:
            return message(401, DENIED)
        try:
            response = self.route(request, parts)
        except ValueError:
            return message(400, "The request is invalid.")
        start = request.query.get("StartingRecord")
        response.page_key = ("/".join(parts), int(start) - 1 if start else 0)
        return response

    def current(self) -> Groups:
        with self.store.lock:
            if self.version != self.store.version or self.groups is None:
                self.groups, self.cache = Groups(self.store), {}
                self.version = self.store.version
            return self.groups

    def rows(self, key: tuple, make: Callable[[Groups], list[dict]]) -> list[bytes]:
        with self.store.lock:
            groups = self.current()
            if key not in self.cache:
                self.cache[key] = [encode(r) for r in make(groups)]
            return self.cache[key]

    def listing(self, request: Request, key: tuple, make) -> Response:
        rows = self.rows(key, make)
        start = int(request.query.get("StartingRecord") or 1)
        end = int(request.query.get("EndingRecord") or len(rows))
        return Response(200, array(rows[max(start, 1) - 1 : end]))

    def route(self, request: Request, parts: list[str]) -> Response:
        behaviours = self.switches.behaviours
        if [p.upper() for p in parts] == ["CODES", "CON", "RL"] and behaviours.codes_endpoint:
            numeric = behaviours.numeric_relationships
            return Response(200, array([encode(r) for r in nr.relationship_codes(numeric=numeric)]))
        if parts[:1] == ["staff"] and len(parts) <= 2:
            if not self.switches.permissions["staff_data"]:
                return message(403, "The certificate lacks the 'Staff Data' read permission.")
            return self.staff(request, parts[1:])
        if parts[:1] == ["courses"] and len(parts) <= 2:
            if not self.switches.permissions["course_data"]:
                return message(403, "The certificate lacks the 'Course Data' read permission.")
            return self.courses(request, parts[1:])
        if parts[:1] != ["schools"] or len(parts) > 6:
            return message(
                404, f"No HTTP resource was found that matches the request URI '{request.path}'."
            )
        if not self.switches.permissions["schools"]:
            return message(403, "The certificate lacks the 'Schools' read permission.")
        retired = self.switches.behaviours.retired_schools
        if len(parts) == 1:
            return self.listing(
                request,
                ("schools",),
                lambda g: [self.school(g, c) for c in g.schools if c not in retired],
            )
        code = parts[1]
        if code not in self.current().schools or code in retired:
            return message(404, f"School {code} was not found.")
        if len(parts) == 2:
            return Response(200, self.rows(("school", code), lambda g: [self.school(g, code)])[0])
        return self.school_route(request, code, parts[2:])

    def school(self, g: Groups, code: str) -> dict:
        terms = [
            s for s in self.store.district.sessions if s.school_code == code and s.kind == "term"
        ]
        school = g.schools[code]
        return nr.school_native(school, g.people.get(school.principal_id), terms)

    def school_route(self, request: Request, code: str, rest: list[str]) -> Response:
        permission = SCHOOL_ROUTES.get(rest[0])
        if permission is None:
            return message(
                404, f"No HTTP resource was found that matches the request URI '{request.path}'."
            )
        if rest[2:] == ["students"]:
            permission = "class_schedules"
        if not self.switches.permissions[permission]:
            label = permission.replace("_", " ").title()
            return message(403, f"The certificate lacks the '{label}' read permission.")
        handler = getattr(self, f"school_{rest[0]}")
        return handler(request, code, rest[1:])

    def school_terms(self, request: Request, code: str, rest: list[str]) -> Response:
        return self.listing(request, ("terms", code), lambda g: self.school(g, code)["Terms"])

    def school_students(self, request: Request, code: str, rest: list[str]) -> Response:
        def make(g: Groups) -> list[dict]:
            students = g.students[code]
            if rest[:1] == ["grade"] and len(rest) == 2:
                students = [p for p in students if nr.native_grade(p) == int(rest[1])]
            elif rest:
                students = [p for p in students if p.sourced_id == rest[0]]
            return [self.student(g, p) for p in students]

        return self.listing(request, ("students", code, *rest), make)

    def student(self, g: Groups, person) -> dict:
        first = g.people.get(person.contact_ids[0]) if person.contact_ids else None
        first = self.contact_person(g, first) if first is not None else None
        row = nr.student_native(person, first.email if first else "")
        return (
            shapes.dirty_native_student(person, row) if self.switches.behaviours.dirty_text else row
        )

    def school_teachers(self, request: Request, code: str, rest: list[str]) -> Response:
        def make(g: Groups) -> list[dict]:
            return [
                nr.teacher_native(p, code, *g.teacher_classes.get((code, p.sourced_id), ("", [])))
                for p in g.teachers[code]
                if not rest or str(p.teacher_numbers[code]) == rest[0]
            ]

        return self.listing(request, ("teachers", code, *rest), make)

    def school_sections(self, request: Request, code: str, rest: list[str]) -> Response:
        def make(g: Groups) -> list[dict]:
            sections = g.sections[code]
            if rest[1:] == ["students"]:
                section = sections.get(rest[0])
                roster = g.rosters.get(section.sourced_id, []) if section else []
                return [self.student(g, p) for p in roster]
            chosen = (
                [sections[rest[0]]]
                if rest and rest[0] in sections
                else ([] if rest else list(sections.values()))
            )
            semesters = self.switches.behaviours.semester_sections
            return [
                nr.section_native(s, [g.people[i] for i in s.staff_ids if i in g.people],
                                  semester=shapes.semester_of(s) if semesters else "Y")
                for s in chosen
            ]  # fmt: skip

        return self.listing(request, ("sections", code, *rest), make)

    def school_contacts(self, request: Request, code: str, rest: list[str]) -> Response:
        behaviours = self.switches.behaviours

        def make(g: Groups) -> list[dict]:
            rows = [
                (c, nr.contact_native(self.contact_person(g, c), g.people[c.student_id],
                                      numeric=behaviours.numeric_relationships))
                for c in g.contacts[code]
                if not rest or c.student_id == rest[0]
            ]  # fmt: skip
            if behaviours.dirty_text:
                return [shapes.dirty_native_contact(c, row) for c, row in rows]
            return [row for _c, row in rows]

        return self.listing(request, ("contacts", code, *rest), make)

    def contact_person(self, g: Groups, contact):
        """Who a contact row is: with `aeries_ids`, a younger sibling's first contact is the
        parent the siblings share (OneRoster's one PAT_ row), so Aeries' contact record of
        that sibling carries the shared parent's names, e-mail and phone."""
        ids = getattr(self.store, "ids", None)  # (a past year's frozen database has none)
        shared = ids.shared.get(contact.sourced_id) if isinstance(ids, shapes.AeriesIds) else None
        parent = g.people.get(shared) if shared else None
        return replace(parent, sequence=contact.sequence) if parent is not None else contact

    def staff(self, request: Request, rest: list[str]) -> Response:
        def make(g: Groups) -> list[dict]:
            return [nr.staff_native(p) for p in g.staff if not rest or str(p.staff_id) == rest[0]]

        return self.listing(request, ("staff", *rest), make)

    def courses(self, request: Request, rest: list[str]) -> Response:
        def make(g: Groups) -> list[dict]:
            return [nr.course_native(c) for n, c in g.courses.items() if not rest or n == rest[0]]

        return self.listing(request, ("courses", *rest), make)

    def school_classes(self, request: Request, code: str, rest: list[str]) -> Response:
        """Student class schedules (SEC), all of the school's or one student's."""

        def make(g: Groups) -> list[dict]:
            rows, sequences = [], {}
            for e in g.schedules[code]:
                sequences[e.user_id] = sequences.get(e.user_id, 0) + 1
                if rest and e.user_id != rest[0]:
                    continue
                section = g.sections[code].get(e.class_id.rpartition("_")[2])
                course = section.course_number if section else ""
                rows.append(
                    nr.class_schedule_native(e, sequence=sequences[e.user_id], course_id=course)
                )
            return rows

        return self.listing(request, ("classes", code, *rest), make)

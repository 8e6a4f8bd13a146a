"""Aeries native v5 API client (AERIES-CERT), yielding the same records as OneRoster.

The native API is per school and has no change dates, so every run is a full read
(supports_delta = False). Students come one row per school enrolment and are
merged into one person, which means the students of all selected schools are
held in memory until the last school has been read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Self

from sis import aeries_convert as conv
from sis import aeries_schedule as schedule
from sis import errors
from sis.aeries_contacts import contact_batches, student_agents
from sis.aeries_pages import NATIVE_ID_KEYS, paginate
from sis.aeries_staff import entity_check, staff_people
from sis.answers import json_or_none, json_twice
from sis.base import ClientOptions
from sis.convert_common import JSON_NUL, convert_rows, nul_scrub
from sis.http import HeaderAuth
from sis.notices import NoticeBoard
from sis.oneroster_errors import request_error
from sis.paging import ordered_map
from sis.records import (
    Entity,
    Role,
    SisNotice,
    SisPage,
    SisPerson,
    SisRowProblem,
    SisSchool,
)
from sis.school_year import SYSTEMINFO, SisSchoolYear, aeries_year_select, systeminfo_year
from sis.urls import url_path

API_PATH = "api/v5/"
Batch = tuple[list[Any], list[SisRowProblem]]


class AeriesApiClient:
    supports_delta = False

    def __init__(self, *, credentials, options: ClientOptions | None = None) -> None:
        self.credentials = credentials
        self.options = options or ClientOptions()
        self.http = self.options.http(secrets=credentials.secrets)
        self.stats = self.http.stats
        self.api_url = credentials.base_url + API_PATH
        self._school_rows: list[Any] | None = None
        self._homerooms: dict[str, schedule.Homerooms] = {}
        self.board = NoticeBoard()
        self.notices: list[SisNotice] = self.board.all
        self._cleaned: list[SisRowProblem] = []  # NUL warnings for the next page
        self.relationship_table: dict[str, str] | None = None  # the CON.RL code table
        # The school year every read names (DatabaseYear), once year_select chose it.
        self.database_year = ""
        self.school_year: SisSchoolYear | None = None  # what systeminfo said by default

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def get(
        self,
        path: str,
        *,
        entity: Entity,
        params: dict[str, Any] | None = None,
        default_year: bool = False,
    ) -> Any:
        """GET a v5 path; every read names the chosen school year (DatabaseYear), but
        with `default_year` (what Aeries calls its current year)."""
        # systeminfo is public: it proves the URL, not the certificate.
        auth = (
            None if path == SYSTEMINFO else HeaderAuth("AERIES-CERT", self.credentials.certificate)
        )
        if self.database_year and not default_year:
            params = {**(params or {}), "DatabaseYear": self.database_year}

        def fetch():
            response = self.http.request(
                "GET",
                self.api_url + path,
                params=params,
                headers={"Accept": "application/json"},
                auth=auth,
            )
            if response.status_code != 200:
                raise self._error(response, entity=entity)
            return response

        response, payload = json_twice(fetch)
        if JSON_NUL in response.content:
            rows = payload if isinstance(payload, list) else [payload]
            self._cleaned += nul_scrub(rows, entity=entity, id_keys=NATIVE_ID_KEYS)
        return payload

    def _error(self, response, *, entity: Entity) -> errors.SisError:
        status, path = response.status_code, url_path(response.url or "")
        if status == 401:
            return errors.SisAuthError(
                errors.BAD_CERTIFICATE_MESSAGE,
                fix=errors.BAD_CERTIFICATE_FIX,
                status=status,
                url_path=path,
            )
        if status == 403:
            return errors.permission_error(entity=entity, url_path=path)
        described = errors.status_info_description(json_or_none(response))
        if status == 404 and not described:
            # No {"Message"}: the API itself is not there, so the base URL is wrong.
            message = errors.WRONG_URL_MESSAGE.format(path=path)
            return errors.SisWrongUrlError(
                message, fix=errors.WRONG_URL_FIX, status=status, url_path=path
            )
        return request_error(response, scrub=self.http.scrub, entity=entity)

    def authenticate(self) -> None:
        self.get(SYSTEMINFO, entity=Entity.SCHOOLS)
        self._schools_raw()

    def system_info(self) -> SisSchoolYear | None:
        """Aeries' current (default) school year and the years it has; None when its
        systeminfo names no DatabaseYear."""
        payload = self.get(SYSTEMINFO, entity=Entity.SCHOOLS, default_year=True)
        self.school_year = systeminfo_year(payload)
        return self.school_year

    def year_select(self, year: str) -> None:
        """Every later read names `year` ("2026-2027"); SisYearUnavailable when Aeries
        does not have it (it would read its default year instead, silently)."""
        aeries_year_select(self, year)

    def _schools_raw(self) -> list[Any]:
        if self._school_rows is None:
            self._school_rows = _rows(self.get("schools", entity=Entity.SCHOOLS), "schools")
        return self._school_rows

    def schools(self) -> list[SisSchool]:
        return convert_rows(
            entity=Entity.SCHOOLS,
            rows=self._schools_raw(),
            convert=conv.school_from_native,
            id_keys=("SchoolCode",),
        )[0]

    def school_codes(self) -> list[str]:
        """The school codes to read: the configured ones Aeries knows, else every school."""
        if self.credentials.school_codes:
            missing = set(self.missing_school_codes())
            return [code for code in self.credentials.school_codes if code not in missing]
        return [school.sourced_id for school in self.schools()]

    def missing_school_codes(self) -> list[str]:
        """The configured school codes that are not in Aeries' school list."""
        if not self.credentials.school_codes:
            return []
        known = {
            conv.code_text(r.get("SchoolCode")) for r in self._schools_raw() if isinstance(r, dict)
        }
        return [code for code in self.credentials.school_codes if code not in known]

    def _school_notices(self, entity: Entity) -> None:
        for code in self.missing_school_codes():
            self.board.school_missing(entity, code)

    def _page_extras(self, entity: Entity) -> tuple[list[SisRowProblem], list[SisNotice]]:
        """The entity's NUL warnings and the notices gathered since the last page."""
        cleaned, self._cleaned = [w for w in self._cleaned if w.entity == entity], []
        return cleaned, self.board.take()

    def iter_pages(self, entity: Entity, *, since: datetime | None = None) -> Iterator[SisPage]:
        """Pages of records; `since` is ignored (no change dates in the native API)."""
        entity = Entity(entity)
        streams: dict[Entity, Callable[[], Iterator[Batch]]] = {
            Entity.SCHOOLS: self._school_batches,
            Entity.TERMS: self._term_batches,
            Entity.COURSES: self._course_batches,
            Entity.STUDENTS: self._student_batches,
            Entity.TEACHERS: lambda: self._staff_batches(Role.TEACHER),
            Entity.STAFF: lambda: self._staff_batches(Role.STAFF),
            Entity.ADMINISTRATORS: lambda: self._staff_batches(Role.ADMINISTRATOR),
            Entity.CLASSES: self._class_batches,
            Entity.ENROLLMENTS: self._enrollment_batches,
            Entity.CONTACTS: self._contact_batches,
        }
        self._school_notices(entity)
        yield from paginate(
            entity,
            streams[entity](),
            page_size=self.options.page_size,
            extras=lambda: self._page_extras(entity),
        )

    def _school_batches(self) -> Iterator[Batch]:
        codes = set(self.credentials.school_codes)
        records, problems = convert_rows(
            entity=Entity.SCHOOLS,
            rows=self._schools_raw(),
            convert=conv.school_from_native,
            id_keys=("SchoolCode",),
        )
        yield [s for s in records if not codes or s.sourced_id in codes], problems

    def _term_batches(self) -> Iterator[Batch]:
        for code in self.school_codes():
            rows = _rows(self.get(f"schools/{code}/terms", entity=Entity.TERMS), "terms")
            yield convert_rows(
                entity=Entity.TERMS,
                rows=rows,
                id_keys=("TermCode",),
                convert=lambda row, code=code: conv.term_from_native(row, school_code=code),
            )

    def course_rows(self) -> list[Any] | None:
        """The district course catalogue, or None where this Aeries has no /courses."""
        try:
            return _rows(self.get("courses", entity=Entity.COURSES), "courses")
        except errors.SisError as exc:
            if exc.status == 404:
                return None
            raise

    def _course_batches(self) -> Iterator[Batch]:
        rows = self.course_rows()
        if rows is not None:
            yield convert_rows(
                entity=Entity.COURSES, rows=rows, convert=conv.course_from_native, id_keys=("ID",)
            )
            return
        seen: set[str] = set()  # no catalogue: one course per CourseID the sections use
        for code in self.school_codes():
            sections = self.sections(code, entity=Entity.COURSES)
            ids = [conv.code_text(s.get("CourseID")) for s in sections if isinstance(s, dict)]
            fresh = [cid for cid in dict.fromkeys(ids) if cid and cid not in seen]
            seen.update(fresh)
            yield convert_rows(
                entity=Entity.COURSES,
                rows=[{"ID": cid} for cid in fresh],
                convert=conv.course_from_native,
                id_keys=("ID",),
            )

    def sections(self, code: str, *, entity: Entity) -> list[Any]:
        return _rows(self.get(f"schools/{code}/sections", entity=entity), "sections")

    def _student_rows(self, code: str) -> Iterator[list[Any]]:
        """StartingRecord/EndingRecord pages (1-based, inclusive) until a short page."""
        size, start, previous = self.options.page_size, 1, None
        while True:
            params = {"StartingRecord": start, "EndingRecord": start + size - 1}
            rows = _rows(
                self.get(f"schools/{code}/students", entity=Entity.STUDENTS, params=params),
                "students",
            )
            ids = [row.get("StudentID") if isinstance(row, dict) else row for row in rows]
            if rows and ids == previous:
                path = url_path(f"{self.api_url}schools/{code}/students")
                raise errors.SisRepeatedPageError(
                    errors.REPEATED_PAGE_MESSAGE.format(path=path, offset=start - 1),
                    fix=errors.REPEATED_PAGE_FIX,
                    url_path=path,
                )
            yield rows
            # More rows than asked for means the range was ignored and all came at once.
            if len(rows) != size:
                return
            previous, start = ids, start + len(rows)

    def _agents(self, code: str) -> dict[str, tuple[str, ...]]:
        """StudentID → guardian ids, so students carry `agents` as in OneRoster."""
        try:
            return student_agents(self.contact_rows(code))
        except errors.SisPermissionError:
            return {}

    def _student_batches(self) -> Iterator[Batch]:
        people: dict[str, SisPerson] = {}
        for code in self.school_codes():
            agents = self._agents(code)
            homerooms = self._homerooms[code] = {}
            for rows in self._student_rows(code):
                for row in rows:
                    if isinstance(row, dict):
                        schedule.homerooms_add(homerooms, row)
                records, problems = convert_rows(
                    entity=Entity.STUDENTS,
                    rows=rows,
                    id_keys=("StudentID",),
                    convert=lambda row, a=agents: [
                        conv.student_from_native(
                            row, agents=a.get(conv.code_text(row.get("StudentID")), ())
                        )
                    ],
                )
                for person in records:
                    known = people.get(person.sourced_id)
                    people[person.sourced_id] = (
                        conv.person_merge(known, person) if known else person
                    )
                if problems:
                    yield [], problems
        yield list(people.values()), []

    def _staff_batches(self, role: Role) -> Iterator[Batch]:
        people, problems = staff_people(client=self, role=role)
        yield people, problems

    def contact_rows(self, code: str) -> list[Any]:
        return _rows(self.get(f"schools/{code}/contacts", entity=Entity.CONTACTS), "contacts")

    def _contact_batches(self) -> Iterator[Batch]:
        yield from contact_batches(client=self, codes=self.school_codes())

    def _school_row(self, code: str) -> dict[str, Any]:
        rows = (r for r in self._schools_raw() if isinstance(r, dict))
        return next((r for r in rows if conv.code_text(r.get("SchoolCode")) == code), {})

    def term_rows(self, code: str) -> list[Any]:
        """The school's terms, from its /schools row when Aeries includes them."""
        terms = self._school_row(code).get("Terms")
        if not isinstance(terms, list):
            terms = _rows(self.get(f"schools/{code}/terms", entity=Entity.TERMS), "terms")
        return terms

    def term_codes(self, code: str) -> tuple[str, ...]:
        codes = (
            conv.code_text(t.get("TermCode")) for t in self.term_rows(code) if isinstance(t, dict)
        )
        return tuple(code for code in codes if code)

    def is_elementary(self, code: str) -> bool:
        """By the school's name, else its grade span (as school types are guessed)."""
        row = self._school_row(code)
        schools = conv.school_from_native(row) if row.get("SchoolCode") is not None else []
        return bool(schools) and schools[0].school_type == "elementary"

    def homerooms(self, code: str) -> schedule.Homerooms:
        """HomeRoomTeacherNumber → students of one school; kept from the students stage."""
        if code not in self._homerooms:
            homerooms: schedule.Homerooms = {}
            for rows in self._student_rows(code):
                for row in rows:
                    if isinstance(row, dict):
                        schedule.homerooms_add(homerooms, row)
            self._homerooms[code] = homerooms
        return self._homerooms[code]

    def _class_batches(self) -> Iterator[Batch]:
        titles = self._course_titles()
        for code in self.school_codes():
            term_codes = self.term_codes(code)
            yield convert_rows(
                entity=Entity.CLASSES,
                rows=self.sections(code, entity=Entity.CLASSES),
                convert=lambda row, t=term_codes: conv.class_from_native(
                    row, course_titles=titles, term_codes=t
                ),
                id_keys=("SectionNumber",),
            )
            term_ids = tuple(conv.section_sourced_id(code, t) for t in term_codes)
            yield schedule.elementary_classes(client=self, code=code, term_ids=term_ids)

    def _course_titles(self) -> dict[str, str] | None:
        """Course number → title, or None when there is no catalogue to read."""
        try:
            rows = self.course_rows()
        except errors.SisPermissionError:
            return None
        if rows is None:
            return None
        courses = convert_rows(entity=Entity.COURSES, rows=rows, convert=conv.course_from_native)
        return {course.sourced_id: course.title for course in courses[0]}

    def _enrollment_batches(self) -> Iterator[Batch]:
        yield from schedule.enrollment_batches(client=self, codes=self.school_codes())

    def check(self, entity: Entity) -> None:
        """One small read of the entity's endpoint (the first school in scope)."""
        entity_check(client=self, entity=Entity(entity), codes=self.school_codes())

    def teachers(self, code: str) -> list[Any]:
        return _rows(self.get(f"schools/{code}/teachers", entity=Entity.TEACHERS), "teachers")

    @staticmethod
    def rows(payload: Any, what: str) -> list[Any]:
        return _rows(payload, what)

    def ordered(self, fn: Callable[[Any], Any], items: list[Any]) -> Iterator[Any]:
        return ordered_map(
            fn, items, concurrency=self.options.concurrency, prefetch=self.options.prefetch
        )


def _rows(payload: Any, what: str) -> list[Any]:
    """Aeries answers arrays; a single object (one school, one student) becomes [obj]."""
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict):
        return [payload]
    raise errors.SisMalformedJsonError(
        errors.ENVELOPE_MESSAGE.format(path=what, key=what), fix=errors.NOT_JSON_FIX
    )

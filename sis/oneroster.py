"""OneRoster 1.1 REST client for Aeries: OAuth2 client credentials, paged collections.

Never sends the bearer token, nor follows a paging link, off the API root's origin
(scheme, host and port). Reads go on where a provider differs (oneroster_filters)
or a configured school code does not exist; what the caller should record about
that comes as SisNotices on the pages (and in `client.notices`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self
from urllib.parse import urljoin

import msgspec
import requests

from sis import errors
from sis.answers import json_twice
from sis.base import ClientOptions
from sis.convert_common import JSON_NUL, nul_scrub, split_problems
from sis.credentials import ONEROSTER_PATH, SisCredentials
from sis.fingerprints import (
    NO_DIGESTS,
    KnownDigests,
    SisUnchanged,
    SplitRows,
    page_split,
)
from sis.http import HeaderAuth
from sis.notices import NoticeBoard
from sis.oneroster_convert import oneroster_rows_convert
from sis.oneroster_errors import data_error
from sis.oneroster_filters import (
    DELTA_UNSUPPORTED_MESSAGE,
    FILTER_FIX,
    FILTER_UNSUPPORTED_MESSAGE,
    Filter,
    filter_candidates,
    refused_kinds,
    role_filter,
    since_filter,
)
from sis.oneroster_split import split_rows_convert, unchanged_convert
from sis.oneroster_token import SCOPES, Token, TokenSource
from sis.paging import RawPage, iter_raw_pages
from sis.records import (
    DELTA_UNSUPPORTED,
    FILTER_UNSUPPORTED,
    FOREIGN_LINK,
    SCOPE_REDUCED,
    WARNING,
    Entity,
    SisContact,
    SisNotice,
    SisPage,
    SisSchool,
)
from sis.urls import same_origin, url_origin_path, url_path

__all__ = ["ONEROSTER_PATH", "SCOPES", "OneRosterClient", "since_filter"]

OFF_ORIGIN_MESSAGE = "{url} is not on the OneRoster API's own address; it was not requested."
FOREIGN_LINK_MESSAGE = (
    "{path} sent a paging link to {target}, another address; Autoroster did not follow "
    "it (the access token never leaves the API's address) and read on by offset."
)
FOREIGN_LINK_FIX = "Report this to the district: their OneRoster server points outside itself."


@dataclass(frozen=True, slots=True)
class Collection:
    path: str
    envelopes: tuple[str, ...]
    roles: tuple[str, ...] = ()  # one filtered /users pass per role
    school_scoped: bool = True  # /schools/{code}/<path> exists


COLLECTIONS: dict[Entity, Collection] = {
    Entity.SCHOOLS: Collection("schools", ("orgs", "schools"), school_scoped=False),
    Entity.TERMS: Collection("terms", ("academicSessions", "terms")),
    Entity.COURSES: Collection("courses", ("courses",)),
    Entity.CLASSES: Collection("classes", ("classes",)),
    Entity.ENROLLMENTS: Collection("enrollments", ("enrollments",)),
    Entity.STUDENTS: Collection("students", ("users", "students")),
    Entity.TEACHERS: Collection("teachers", ("users", "teachers")),
    Entity.ADMINISTRATORS: Collection(
        "users", ("users",), roles=("administrator",), school_scoped=False
    ),
    Entity.STAFF: Collection("users", ("users",), roles=("aide", "proctor"), school_scoped=False),
    Entity.CONTACTS: Collection(
        "users", ("users",), roles=("parent", "guardian", "relative"), school_scoped=False
    ),
}


BY_ORGS = (Entity.STAFF, Entity.ADMINISTRATORS)  # read whole, kept by their schools' codes


class OneRosterClient:
    supports_delta = True
    reads_fingerprints = True  # iter_pages(known=…), convert_unchanged (sis.fingerprints)

    def __init__(self, *, credentials: SisCredentials, options: ClientOptions | None = None):
        self.credentials = credentials
        self.options = options or ClientOptions()
        self.http = self.options.http(secrets=credentials.secrets)
        self.stats = self.http.stats
        self.api_url = credentials.oneroster_api_root
        self.token_url = credentials.oneroster_token_url
        self.board = NoticeBoard()
        self.notices: list[SisNotice] = self.board.all
        self._refused: dict[str, frozenset[str]] = {}  # collection path -> refused clauses
        self._known_schools: set[str] | None = None
        self._agents: dict[str, tuple[str, ...]] = {}  # student -> agents, in their order
        self._known: dict[Entity, KnownDigests] = {}  # collections read with fingerprints
        source = TokenSource(
            http=self.http,
            credentials=credentials,
            token_url=self.token_url,
            on_reduced=lambda text: self._notice(SCOPE_REDUCED, None, WARNING, text),
        )
        self._token = Token(fetch=source.fetch, clock=self.options.clock)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def authenticate(self) -> None:
        self._token.get()

    def _notice(
        self, code: str, entity: Entity | None, severity: str, message: str, fix: str = ""
    ) -> None:
        self.board.post(SisNotice(code, entity, severity, message, fix))

    # requests -----------------------------------------------------------------------
    def get(self, url: str, *, entity: Entity, params: dict[str, Any] | None = None) -> Any:
        """GET a OneRoster URL with the bearer token; one transparent re-auth on 401."""
        if not same_origin(url, self.api_url):
            raise errors.SisAddressRefusedError(
                OFF_ORIGIN_MESSAGE.format(url=url_origin_path(url)), url_path=url_path(url)
            )
        for attempt in (1, 2):
            token, generation = self._token.get()
            response = self.http.request(
                "GET",
                url,
                params=params,
                headers={"Accept": "application/json"},
                auth=HeaderAuth("Authorization", f"Bearer {token}"),
            )
            if response.status_code == 401 and attempt == 1:
                self._token.discard(generation)
                continue
            if response.status_code != 200:
                custom = bool(self.credentials.api_root)
                raise data_error(response, entity=entity, scrub=self.http.scrub, custom_root=custom)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _raw_page(
        self, *, url: str, params: dict[str, Any] | None, offset: int, entity: Entity
    ) -> RawPage:
        envelopes = COLLECTIONS[entity].envelopes
        split = (lambda r: page_split(r, envelopes)) if entity in self._known else None
        response, payload = json_twice(lambda: self.get(url, entity=entity, params=params), split)
        if isinstance(payload, SplitRows):  # NUL characters are looked for row by row
            rows, warnings = payload.rows, []
        else:
            rows = _envelope_rows(payload, COLLECTIONS[entity], path=url_path(url))
            warnings = nul_scrub(rows, entity=entity) if JSON_NUL in response.content else []
        total_header = response.headers.get("X-Total-Count", "").strip()
        total = int(total_header) if total_header.isdigit() else None
        next_url, refused = self._next_link(response, entity)
        return RawPage(
            rows, offset, total, next_url, url_path(url), link_refused=refused, warnings=warnings
        )

    def _next_link(self, response: requests.Response, entity: Entity) -> tuple[str | None, bool]:
        link = response.links.get("next", {}).get("url")
        if not link:
            return None, False
        if link.startswith("~/"):  # Aeries writes app-relative URLs
            absolute = self.credentials.base_url + link[2:]
        else:
            absolute = urljoin(response.url, link)
        if same_origin(absolute, self.api_url):
            return absolute, False
        path = url_path(response.url or "")
        message = FOREIGN_LINK_MESSAGE.format(path=path, target=url_origin_path(absolute))
        self._notice(FOREIGN_LINK, entity, WARNING, message, FOREIGN_LINK_FIX)
        return None, True

    # passes -------------------------------------------------------------------------
    def _pass_urls(self, entity: Entity) -> list[tuple[str, str | None]]:
        """(URL, its school code or None) for each read of the entity."""
        collection = COLLECTIONS[entity]
        codes = self.credentials.school_codes
        if codes and collection.school_scoped:
            return [(f"{self.api_url}schools/{code}/{collection.path}", code) for code in codes]
        return [(self.api_url + collection.path, None)]

    def _converted_page(self, entity: Entity, **kwargs: Any) -> RawPage:
        """A page converted by the thread that read it (RawPage.converted).

        Converting right after parsing, on the fetch thread, works on rows still in
        the CPU cache and leaves the consumer's thread free.
        """
        page = self._raw_page(entity=entity, **kwargs)
        page.converted = self._convert(page, entity)
        return page

    def _convert(self, page: RawPage, entity: Entity) -> tuple[list[Any], list[Any]]:
        if not page.rows or page.rows[0].__class__ is not msgspec.Raw:
            return oneroster_rows_convert(entity=entity, rows=page.rows)
        records, problems, warnings = split_rows_convert(
            entity=entity, rows=page.rows, known=self._known.get(entity, NO_DIGESTS),
            agents=self._agents,
            path=page.path,
        )  # fmt: skip
        if page.converted is None and not page.warnings:  # a page rebuilt keeps its own
            page.warnings = warnings
        return records, problems

    def convert_unchanged(self, items: list[SisUnchanged]) -> tuple[list, list, list]:
        """(records, row problems, row warnings) of rows handed over as SisUnchanged, for
        a caller that must convert them after all."""
        records, problems, warnings = unchanged_convert(items)
        return [self._ordered(r) if isinstance(r, SisContact) else r for r in records], \
            problems, warnings  # fmt: skip

    def _first_page(
        self, *, entity: Entity, url: str, wanted: Filter, limit: int
    ) -> tuple[RawPage, Filter]:
        """The page at offset 0 with the most filtering the SIS accepts, and that filter."""
        path = COLLECTIONS[entity].path
        failure: errors.SisError | None = None
        for candidate in filter_candidates(
            wanted=wanted, refused=self._refused.get(path, frozenset())
        ):
            params: dict[str, Any] = {"limit": limit, "offset": 0}
            if candidate.text:
                params["filter"] = candidate.text
            try:
                page = self._converted_page(entity, url=url, params=params, offset=0)
            except errors.SisRequestError as exc:
                if exc.status != 400 or not candidate.text:
                    raise
                refused = self._refused.get(path, frozenset()) | refused_kinds(candidate)
                self._refused[path] = refused
                failure = exc
                continue
            self._note_filter(entity, wanted=wanted, used=candidate, path=url_path(url))
            return page, candidate
        raise failure or AssertionError("no filter candidate")  # pragma: no cover

    def _note_filter(self, entity: Entity, *, wanted: Filter, used: Filter, path: str) -> None:
        if wanted.role and not used.role:
            message = FILTER_UNSUPPORTED_MESSAGE.format(
                clause=role_filter(wanted.role), path=path, entity=entity.value
            )
            self._notice(FILTER_UNSUPPORTED, entity, WARNING, message, FILTER_FIX)
        if wanted.delta and not used.delta:
            message = DELTA_UNSUPPORTED_MESSAGE.format(path=path, entity=entity.value)
            self._notice(DELTA_UNSUPPORTED, entity, WARNING, message, FILTER_FIX)

    def _raw_pages(
        self, *, entity: Entity, url: str, wanted: Filter
    ) -> tuple[Filter, Iterator[RawPage]]:
        first, used = self._first_page(
            entity=entity, url=url, wanted=wanted, limit=self.options.page_size
        )
        filter_ = used.text

        def fetch_offset(offset: int, limit: int) -> RawPage:
            params: dict[str, Any] = {"limit": limit, "offset": offset}
            if filter_:
                params["filter"] = filter_
            return self._converted_page(entity, url=url, params=params, offset=offset)

        def fetch_url(next_url: str, offset: int) -> RawPage:
            return self._converted_page(entity, url=next_url, params=None, offset=offset)

        pages = iter_raw_pages(
            fetch_offset=fetch_offset,
            fetch_url=fetch_url,
            limit=self.options.page_size,
            concurrency=self.options.concurrency,
            prefetch=self.options.prefetch,
            first=first,
        )
        return used, pages

    def iter_pages(
        self, entity: Entity, *, since: datetime | None = None, known: KnownDigests | None = None
    ) -> Iterator[SisPage]:
        """Pages of normalised records; total/offset are those of the current pass.

        A school code the SIS does not know gives a SCHOOL_MISSING notice and the other
        codes are read; a refused filter is left out (FILTER_UNSUPPORTED, or
        DELTA_UNSUPPORTED with `full_read` on the pages). Notices left after the last
        page come on a final page without records. With `known` (sis.fingerprints),
        records carry their rows' fingerprints and rows the caller holds come as
        SisUnchanged (not for staff and administrators read under school codes).
        """
        entity = Entity(entity)
        if known is not None and not (self.credentials.school_codes and entity in BY_ORGS):
            self._known[entity] = known
        try:
            yield from self._pages(entity, since)
        finally:
            self._known.pop(entity, None)

    def _pages(self, entity: Entity, since: datetime | None) -> Iterator[SisPage]:
        urls = self._pass_urls(entity)
        roles = COLLECTIONS[entity].roles or (None,)
        seen: set[str] | None = set() if len(urls) * len(roles) > 1 else None
        delta = since_filter(since) if since else None
        for url, code in urls:
            try:
                for role in roles:
                    used, raws = self._raw_pages(entity=entity, url=url, wanted=Filter(role, delta))
                    full_read = delta is not None and used.delta is None
                    for raw in raws:
                        yield self._page(entity, raw, seen, full_read=full_read)
                    if role is not None and used.role is None:
                        break  # one unfiltered read held every role of the entity
            except errors.SisError as exc:
                if code is None or exc.status != 404 or code not in self.missing_school_codes():
                    raise
                self.board.school_missing(entity, code)
        if entity is Entity.SCHOOLS:
            for code in self.missing_school_codes():
                self.board.school_missing(entity, code)
        notices = self.board.take()
        if notices:
            yield SisPage(entity, [], notices=notices)

    def _page(
        self, entity: Entity, raw: RawPage, seen: set[str] | None, *, full_read: bool
    ) -> SisPage:
        records, problems = raw.converted or self._convert(raw, entity)
        problems, warnings = split_problems(problems)
        warnings = raw.warnings + warnings
        if entity is Entity.SCHOOLS:
            known = self._known_schools = self._known_schools or set()
            known.update(
                code for school in records for code in (school.sourced_id, school.school_code)
            )
        records = self._in_scope(entity, records, seen)
        if entity is Entity.STUDENTS:
            self._agents.update(
                (p.sourced_id, p.agent_sourced_ids) for p in records if p.agent_sourced_ids
            )
        elif entity is Entity.CONTACTS:
            records = [self._ordered(contact) for contact in records]
        return SisPage(entity, records, problems, raw.total, raw.offset, warnings,
                       self.board.take(), full_read)  # fmt: skip

    def _ordered(self, contact: SisContact) -> SisContact:
        """Order and primary from the student's agents, when this client read them (an
        unchanged row's fingerprint covers them)."""
        if contact.__class__ is SisUnchanged:
            return contact
        agents = self._agents.get(contact.student_sourced_id or "")
        if not agents or contact.sourced_id not in agents:
            return contact
        order = agents.index(contact.sourced_id) + 1
        if order == contact.order and contact.primary == (order == 1):
            return contact
        return dataclasses.replace(contact, order=order, primary=order == 1)

    def _in_scope(self, entity: Entity, records: list[Any], seen: set[str] | None) -> list[Any]:
        codes = set(self.credentials.school_codes)
        if codes and entity == Entity.SCHOOLS:
            records = [school for school in records if school.sourced_id in codes]
        elif codes and entity in (Entity.STAFF, Entity.ADMINISTRATORS):
            records = [p for p in records if codes & set(p.school_sourced_ids)]
        if seen is None or entity == Entity.CONTACTS:
            return records
        fresh = []
        for record in records:
            if record.sourced_id in seen:
                continue  # a person listed under two selected schools
            seen.add(record.sourced_id)
            fresh.append(record)
        return fresh

    # schools and the probe ----------------------------------------------------------
    def schools(self) -> list[SisSchool]:
        url = self.api_url + COLLECTIONS[Entity.SCHOOLS].path
        _used, raws = self._raw_pages(entity=Entity.SCHOOLS, url=url, wanted=Filter())
        schools = [
            school
            for raw in raws
            for school in (raw.converted or self._convert(raw, Entity.SCHOOLS))[0]
        ]
        self._known_schools = {code for s in schools for code in (s.sourced_id, s.school_code)}
        return schools

    def missing_school_codes(self) -> list[str]:
        """The configured school codes the SIS's school list does not have."""
        codes = self.credentials.school_codes
        if not codes:
            return []
        if self._known_schools is None:
            self.schools()
        return [code for code in codes if code not in (self._known_schools or set())]

    def check(self, entity: Entity) -> None:
        """Read one record of the entity (limit=1), raising what a full read would.

        School-scoped reads use the first configured code the SIS knows.
        """
        entity = Entity(entity)
        urls = self._pass_urls(entity)
        if len(urls) > 1 or urls[0][1] is not None:
            missing = set(self.missing_school_codes())
            urls = [(url, code) for url, code in urls if code not in missing] or urls[:1]
        role = (COLLECTIONS[entity].roles or (None,))[0]
        self._first_page(entity=entity, url=urls[0][0], wanted=Filter(role), limit=1)


def _envelope_rows(payload: Any, collection: Collection, *, path: str) -> list[Any]:
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict):
        for key in collection.envelopes:
            if isinstance(payload.get(key), list):
                return payload[key]
        lists = [value for value in payload.values() if isinstance(value, list)]
        if len(lists) == 1 and "statusInfoSet" not in payload:
            return lists[0]  # a non-spec envelope key, but unambiguous
    raise errors.SisMalformedJsonError(
        errors.ENVELOPE_MESSAGE.format(path=path, key=collection.envelopes[0]),
        fix=errors.NOT_JSON_FIX,
        url_path=path,
    )

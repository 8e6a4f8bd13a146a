"""OneRoster 1.1 REST client for Aeries: OAuth2 client credentials, paged collections."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self
from urllib.parse import urljoin

import requests

from sis import errors
from sis.base import ClientOptions
from sis.credentials import SisCredentials
from sis.http import response_json, url_path
from sis.oneroster_convert import oneroster_rows_convert
from sis.oneroster_errors import data_error, token_error
from sis.paging import RawPage, iter_raw_pages
from sis.records import Entity, SisPage, SisSchool

ONEROSTER_PATH = "ims/oneroster/v1p1/"
SCOPES = (
    "https://purl.imsglobal.org/spec/or/v1p1/scope/roster-core.readonly",
    "https://purl.imsglobal.org/spec/or/v1p1/scope/roster.readonly",
    "https://purl.imsglobal.org/spec/or/v1p1/scope/roster-demographics.readonly",
)
# Renew this long before expires_in runs out, so a request never carries a token
# that expires in flight.
TOKEN_RENEW_MARGIN_SECONDS = 60.0


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


def since_filter(since: datetime) -> str:
    moment = since.astimezone(UTC) if since.tzinfo else since.replace(tzinfo=UTC)
    return f"dateLastModified>'{moment.strftime('%Y-%m-%dT%H:%M:%SZ')}'"


class _Token:
    """The bearer token, shared by worker threads; renewed by one thread at a time."""

    def __init__(self, *, fetch, clock) -> None:
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._value: str | None = None
        self._renew_at = 0.0
        self.generation = 0

    def get(self) -> tuple[str, int]:
        with self._lock:
            if self._value is None or self._clock() >= self._renew_at:
                value, expires_in = self._fetch()
                margin = min(TOKEN_RENEW_MARGIN_SECONDS, expires_in / 10)
                self._value, self._renew_at = value, self._clock() + expires_in - margin
                self.generation += 1
            return self._value, self.generation

    def discard(self, generation: int) -> None:
        # Only the first thread to see a 401 for this token throws it away.
        with self._lock:
            if generation == self.generation:
                self._value = None


class OneRosterClient:
    supports_delta = True

    def __init__(self, *, credentials: SisCredentials, options: ClientOptions | None = None):
        self.credentials = credentials
        self.options = options or ClientOptions()
        self.http = self.options.http(secrets=credentials.secrets)
        self.stats = self.http.stats
        self.api_url = credentials.base_url + ONEROSTER_PATH
        self.token_url = credentials.base_url + "token"
        self._token = _Token(fetch=self._fetch_token, clock=self.options.clock)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def authenticate(self) -> None:
        self._token.get()

    def _fetch_token(self) -> tuple[str, float]:
        creds = self.credentials
        response = self.http.request(
            "POST",
            self.token_url,
            data={"grant_type": "client_credentials", "scope": " ".join(SCOPES)},
            headers={"Accept": "application/json"},
            auth=(creds.client_id, creds.client_secret),
        )
        if response.status_code != 200:
            raise token_error(response, scrub=self.http.scrub)
        payload = response_json(response)
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if not token:
            raise errors.SisAuthError(
                errors.BAD_CREDENTIALS_MESSAGE,
                fix=errors.BAD_CREDENTIALS_FIX,
                status=200,
                url_path=url_path(self.token_url),
            )
        self.http.add_secret(str(token))
        try:
            expires_in = float(payload.get("expires_in") or 3600)
        except (TypeError, ValueError):
            expires_in = 3600.0
        return str(token), max(expires_in, 1.0)

    def get(self, url: str, *, entity: Entity, params: dict[str, Any] | None = None) -> Any:
        """GET a OneRoster URL with the bearer token; one transparent re-auth on 401."""
        for attempt in (1, 2):
            token, generation = self._token.get()
            response = self.http.request(
                "GET",
                url,
                params=params,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            )
            if response.status_code == 401 and attempt == 1:
                self._token.discard(generation)
                continue
            if response.status_code != 200:
                raise data_error(response, entity=entity, scrub=self.http.scrub)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _raw_page(
        self, *, url: str, params: dict[str, Any] | None, offset: int, entity: Entity
    ) -> RawPage:
        response = self.get(url, entity=entity, params=params)
        payload = response_json(response)
        rows = _envelope_rows(payload, COLLECTIONS[entity], path=url_path(url))
        total_header = response.headers.get("X-Total-Count", "").strip()
        total = int(total_header) if total_header.isdigit() else None
        next_link = response.links.get("next", {}).get("url")
        return RawPage(rows, offset, total, self._absolute(next_link, response), url_path(url))

    def _absolute(self, link: str | None, response: requests.Response) -> str | None:
        if not link:
            return None
        if link.startswith("~/"):  # Aeries writes app-relative URLs
            return self.credentials.base_url + link[2:]
        return urljoin(response.url, link)

    def _pass_urls(self, entity: Entity) -> list[str]:
        collection = COLLECTIONS[entity]
        codes = self.credentials.school_codes
        if codes and collection.school_scoped:
            return [f"{self.api_url}schools/{code}/{collection.path}" for code in codes]
        return [self.api_url + collection.path]

    def _pass_filters(self, entity: Entity, since: datetime | None) -> list[str | None]:
        # One role per pass: OneRoster filters allow a single AND/OR, and the delta
        # clause needs the AND.
        delta = since_filter(since) if since else None
        roles = COLLECTIONS[entity].roles
        if not roles:
            return [delta]
        return [f"role='{role}'" + (f" AND {delta}" if delta else "") for role in roles]

    def _raw_pages(self, *, entity: Entity, url: str, filter_: str | None) -> Iterator[RawPage]:
        """The pages, each already converted (RawPage.converted) by the thread that read it.

        Converting right after parsing, on the fetch thread, works on rows still in
        the CPU cache and leaves the consumer's thread free, rather than handing the
        GIL back and forth with the fetch threads for every page.
        """

        def converted(page: RawPage) -> RawPage:
            page.converted = oneroster_rows_convert(entity=entity, rows=page.rows)
            return page

        def fetch_offset(offset: int, limit: int) -> RawPage:
            params: dict[str, Any] = {"limit": limit, "offset": offset}
            if filter_:
                params["filter"] = filter_
            return converted(self._raw_page(url=url, params=params, offset=offset, entity=entity))

        def fetch_url(next_url: str, offset: int) -> RawPage:
            page = self._raw_page(url=next_url, params=None, offset=offset, entity=entity)
            return converted(page)

        return iter_raw_pages(
            fetch_offset=fetch_offset,
            fetch_url=fetch_url,
            limit=self.options.page_size,
            concurrency=self.options.concurrency,
            prefetch=self.options.prefetch,
        )

    def iter_pages(self, entity: Entity, *, since: datetime | None = None) -> Iterator[SisPage]:
        """Pages of normalised records; total/offset are those of the current pass."""
        entity = Entity(entity)
        passes = [
            (url, filter_)
            for url in self._pass_urls(entity)
            for filter_ in self._pass_filters(entity, since)
        ]
        seen: set[str] | None = set() if len(passes) > 1 else None
        for url, filter_ in passes:
            for raw in self._raw_pages(entity=entity, url=url, filter_=filter_):
                records, problems = _converted(raw, entity)
                records = self._in_scope(entity, records, seen)
                yield SisPage(entity, records, problems, raw.total, raw.offset)

    def _in_scope(self, entity: Entity, records: list[Any], seen: set[str] | None) -> list[Any]:
        codes = set(self.credentials.school_codes)
        if codes and entity == Entity.SCHOOLS:
            records = [school for school in records if school.sourced_id in codes]
        elif codes and entity in (Entity.STAFF, Entity.ADMINISTRATORS):
            records = [p for p in records if codes & set(p.school_sourced_ids)]
        if seen is None:
            return records
        fresh = []
        for record in records:
            key = record.sourced_id
            if entity != Entity.CONTACTS:
                if key in seen:
                    continue  # a person listed under two selected schools
                seen.add(key)
            fresh.append(record)
        return fresh

    def schools(self) -> list[SisSchool]:
        url = self.api_url + COLLECTIONS[Entity.SCHOOLS].path
        return [
            record
            for raw in self._raw_pages(entity=Entity.SCHOOLS, url=url, filter_=None)
            for record in _converted(raw, Entity.SCHOOLS)[0]
        ]

    def check(self, entity: Entity) -> None:
        """Read one record of the entity (limit=1), raising what a full read would."""
        url = self._pass_urls(entity)[0]
        filter_ = self._pass_filters(entity, None)[0]
        params: dict[str, Any] = {"limit": 1, "offset": 0}
        if filter_:
            params["filter"] = filter_
        self._raw_page(url=url, params=params, offset=0, entity=entity)


def _converted(raw: RawPage, entity: Entity) -> tuple[list[Any], list[Any]]:
    if raw.converted is not None:
        return raw.converted
    return oneroster_rows_convert(entity=entity, rows=raw.rows)


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

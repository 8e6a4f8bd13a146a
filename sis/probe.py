"""Test connection: authenticate, read one small page per collection, explain the result.

Pure service (no database): the admin button and `manage.py test_connection`
store and show the report.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sis import client_for, errors
from sis.base import ClientOptions
from sis.credentials import SisCredentials
from sis.records import Entity
from sis.urls import same_origin

# The collections an import reads, in import order.
PROBE_ENTITIES: tuple[Entity, ...] = (
    Entity.SCHOOLS,
    Entity.TERMS,
    Entity.COURSES,
    Entity.STUDENTS,
    Entity.TEACHERS,
    Entity.STAFF,
    Entity.ADMINISTRATORS,
    Entity.CLASSES,
    Entity.ENROLLMENTS,
    Entity.CONTACTS,
)
# A probe is interactive: retry briefly, never for the import's two minutes.
PROBE_OPTIONS: dict[str, Any] = {
    "concurrency": 1,
    "connect_timeout": 10.0,
    "read_timeout": 30.0,
    "max_retry_seconds": 15.0,
}
# After these, every further read would fail the same way; stop asking.
_FATAL = (
    errors.SisNetworkError,
    errors.SisAuthError,
    errors.SisWrongUrlError,
    errors.SisNotJsonError,
    errors.SisOneRosterDisabledError,
)

PROBE_HEALTHY_MESSAGE = "Connected to {host}; all {count} collections can be read."
PROBE_CHECK_OK = "OK"
PROBE_PERMISSIONS_MESSAGE = "Aeries denied access to {collections} (HTTP 403)."
PROBE_SOME_FAILED_MESSAGE = "{count} of {total} collections could not be read: {first}"
PROBE_HEALTHY_UNUSED_MESSAGE = (
    "Connected to {host}; the {count} collections this connection imports can be read "
    "({collections}: not readable, but not imported either)."
)
PROBE_UNUSED_MESSAGE = " ({collections}: not readable, but not imported either.)"
PROBE_SCHOOLS_MISSING_MESSAGE = (
    "School code{s} {codes} {verb} not in this Aeries: remove {them} or fix {them} on the "
    "connection."
)


@dataclass(frozen=True, slots=True)
class CollectionCheck:
    entity: Entity
    ok: bool
    status: int | None
    message: str
    code: str = ""  # SisError.code of the failure ("permission", "timeout", …)
    needed: bool = True  # False: the connection's settings do not import this collection


@dataclass(frozen=True, slots=True)
class ProbeReport:
    healthy: bool
    message: str
    fix: str
    checks: list[CollectionCheck] = field(default_factory=list)
    duration_ms: int = 0
    code: str = ""  # SisError.code of the main failure; "" when healthy
    notes: list[str] = field(default_factory=list)  # how the SIS was read differently
    missing_school_codes: list[str] = field(default_factory=list)


def schools_missing_message(codes: list[str]) -> str:
    many = len(codes) > 1
    return PROBE_SCHOOLS_MISSING_MESSAGE.format(
        s="s" if many else "", codes=", ".join(codes), verb="are" if many else "is",
        them="them" if many else "it",
    )  # fmt: skip


def connection_probe(
    *,
    credentials: SisCredentials,
    needed: frozenset[Entity] | None = None,
    **client_options: Any,
) -> ProbeReport:
    """Diagnose a connection; never raises for SIS problems (they become the report).

    `needed`: the collections the connection's settings import (None: all). A
    collection outside it that cannot be read is a warning, not a failure. Every
    configured school code is checked against the SIS's school list. client_options
    override PROBE_OPTIONS (ClientOptions names, e.g. tests' tiny retry budgets).
    """
    started = time.monotonic()
    options = {**PROBE_OPTIONS, **client_options}
    with client_for(credentials, **options) as client:
        try:
            client.authenticate()
        except errors.SisError as exc:
            failure = _refine_auth_failure(exc, credentials=credentials, options=options)
            return _report(started, healthy=False, error=failure, checks=[])
        missing, checks = _school_check(client)
        checks += _collection_checks(client, needed=needed)
        notes = [notice.message for notice in client.notices]
    report = _summarise(started, credentials=credentials, checks=checks)
    return dataclasses.replace(report, notes=notes, missing_school_codes=missing)


def _school_check(client: Any) -> tuple[list[str], list[CollectionCheck]]:
    """The configured school codes Aeries does not know, as a failed check."""
    try:
        missing = client.missing_school_codes()
    except errors.SisError:
        return [], []  # the schools check below reports why the list cannot be read
    if not missing:
        return [], []
    message = schools_missing_message(missing)
    return missing, [CollectionCheck(Entity.SCHOOLS, False, 404, message, "school_missing")]


def _collection_checks(client: Any, *, needed: frozenset[Entity] | None) -> list[CollectionCheck]:
    checks: list[CollectionCheck] = []
    for entity in PROBE_ENTITIES:
        wanted = needed is None or entity in needed or entity is Entity.SCHOOLS
        try:
            client.check(entity)
        except errors.SisError as exc:
            checks.append(CollectionCheck(entity, False, exc.status, str(exc), exc.code, wanted))
            if isinstance(exc, _FATAL):
                break
        else:
            checks.append(CollectionCheck(entity, True, 200, PROBE_CHECK_OK, "", wanted))
    return checks


def _summarise(
    started: float, *, credentials: SisCredentials, checks: list[CollectionCheck]
) -> ProbeReport:
    failed = [check for check in checks if not check.ok and check.needed]
    unused = [check.entity.value for check in checks if not check.ok and not check.needed]
    suffix = PROBE_UNUSED_MESSAGE.format(collections=", ".join(unused)) if unused else ""
    if not failed:
        host = urlsplit(credentials.base_url).hostname or credentials.base_url
        count = len([check for check in checks if check.ok])
        template = PROBE_HEALTHY_UNUSED_MESSAGE if unused else PROBE_HEALTHY_MESSAGE
        message = template.format(host=host, count=count, collections=", ".join(unused))
        return ProbeReport(True, message, "", checks, _elapsed_ms(started))
    denied = [check.entity for check in failed if check.code == errors.SisPermissionError.code]
    if len(denied) == len(failed):
        names = list(dict.fromkeys(errors.PERMISSION_NAMES[entity] for entity in denied))
        message = PROBE_PERMISSIONS_MESSAGE.format(collections=", ".join(denied)) + suffix
        fix = errors.PERMISSION_FIX.format(permission=", ".join(names))
        return ProbeReport(False, message, fix, checks, _elapsed_ms(started), "permission")
    first = next(check for check in failed if check.code != errors.SisPermissionError.code)
    message = PROBE_SOME_FAILED_MESSAGE.format(
        count=len(failed), total=len(checks), first=first.message
    )
    return ProbeReport(False, message + suffix, "", checks, _elapsed_ms(started), first.code)


def _report(
    started: float, *, healthy: bool, error: errors.SisError, checks: list[CollectionCheck]
) -> ProbeReport:
    return ProbeReport(healthy, error.message, error.fix, checks, _elapsed_ms(started), error.code)


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _refine_auth_failure(
    exc: errors.SisError, *, credentials: SisCredentials, options: dict[str, Any]
) -> errors.SisError:
    """A 404 at /token while the base URL serves Aeries' own pages means OneRoster is off.

    Aeries only routes /token once OneRoster is enabled *and* IIS was reset, so
    the district most likely enabled it and skipped the reset.
    """
    if credentials.kind != "oneroster" or not isinstance(exc, errors.SisWrongUrlError):
        return exc
    if credentials.token_url or isinstance(exc, errors.SisRedirectError):
        return exc  # a token URL of its own, or a redirect: nothing to do with IIS
    if exc.status != 404 or not _serves_aeries(credentials=credentials, options=options):
        return exc
    return errors.SisOneRosterDisabledError(
        errors.ONEROSTER_DISABLED_MESSAGE.format(path=exc.url_path),
        fix=errors.ONEROSTER_DISABLED_FIX,
        status=exc.status,
        url_path=exc.url_path,
    )


def _serves_aeries(*, credentials: SisCredentials, options: dict[str, Any]) -> bool:
    client_options = ClientOptions(**{**options, "max_retry_seconds": 0.0})
    http = client_options.http(secrets=credentials.secrets)
    try:
        try:
            response = http.request("GET", credentials.base_url)
        except errors.SisRedirectError as exc:
            # Aeries sends its base URL on to Login.aspx: one step, on its own origin only.
            if not same_origin(exc.location, credentials.base_url):
                return False
            response = http.request("GET", exc.location)
    except errors.SisError:
        return False
    finally:
        http.close()
    return response.status_code == 200 and b"aeries" in response.content[:50000].lower()

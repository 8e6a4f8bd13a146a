"""The one outgoing HTTP session every SIS client uses.

Timeouts always, a product user agent, cookies kept (Aeries' load balancer pins a
session with ARRAffinity), retries with exponential backoff and full jitter on
429/500/502/503/504 and flaky connections, Retry-After honoured and shared by every
thread of the client, a bounded total retry time, request/byte counters, and no
secret in any log line or exception text.

Every request is checked for where it really goes (sis.address): the URL's scheme
and port before sending, every address of the host when a connection is opened
(sis.pinning), and redirects are never followed but diagnosed. An answer cut off
mid-body is asked for once more, then reported with the bytes that arrived.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import requests
from requests.auth import AuthBase
from requests.cookies import RequestsCookieJar

from sis import errors
from sis.address import (
    AddressGuard,
    Resolver,
    default_resolver,
    networks_parse,
    url_refusal,
)
from sis.network import network_error, truncation
from sis.pinning import PinnedAdapter
from sis.urls import url_origin_path, url_path

logger = logging.getLogger(__name__)

AUTOROSTER_VERSION = "0.1.0"
USER_AGENT = f"Autoroster/{AUTOROSTER_VERSION} (+rostering)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MASK = "***"

_SECRET_PATTERNS = (
    re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9._~+/=\-]+"),
    re.compile(r"(?i)\b(authorization|aeries-cert)(['\"]?\s*[:=]\s*['\"]?)[^\s,'\"}]+"),
    re.compile(
        r"(?i)([?&](?:access_token|client_secret|secret|token|cert|certificate|password)=)[^&\s]+"
    ),
)


@dataclass(frozen=True, slots=True)
class HttpOptions:
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_retry_seconds: float = 120.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    pool_size: int = 10
    # Loopback and plain http (to loopback only): the sandbox SIS, never production.
    allow_insecure: bool = False
    resolver: Resolver = default_resolver
    verify: bool | str = True  # or a CA bundle path (tests' own certificate authority)
    allowed_networks: tuple = ()  # non-public networks this deployment may reach


@dataclass(frozen=True, slots=True)
class RequestEvent:
    """One HTTP exchange, for progress displays and the benchmark's request count."""

    method: str
    path: str
    status: int | None
    bytes_received: int
    elapsed_ms: float
    attempt: int


class HttpStats:
    """Thread-safe totals of everything one SisHttp sent and received."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.bytes_received = 0
        self.retries = 0

    def add(self, *, requests_made: int = 0, bytes_received: int = 0, retries: int = 0) -> None:
        with self._lock:
            self.requests += requests_made
            self.bytes_received += bytes_received
            self.retries += retries


class _LockedCookieJar(RequestsCookieJar):
    # requests iterates the session jar to build each request while another thread
    # may be storing a Set-Cookie; iterate a snapshot taken under the jar's own lock.
    def __iter__(self):  # type: ignore[override]
        with self._cookies_lock:
            return iter(list(super().__iter__()))


class HeaderAuth(AuthBase):
    """A secret request header (bearer token, AERIES-CERT) whose repr never shows it."""

    def __init__(self, name: str, value: str) -> None:
        self.name = name
        self._value = value

    def __call__(self, request):
        request.headers[self.name] = self._value
        return request

    def __repr__(self) -> str:
        return f"HeaderAuth({self.name!r}, {MASK!r})"


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date relative to now."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class SisHttp:
    """requests.Session wrapper; safe to share between a client's worker threads."""

    def __init__(
        self,
        *,
        options: HttpOptions | None = None,
        secrets: tuple[str, ...] = (),
        on_request: Callable[[RequestEvent], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options = options or HttpOptions()
        self.stats = HttpStats()
        self.on_request = on_request
        self._sleep = sleep
        self._clock = clock
        self._secrets: set[str] = {value for value in secrets if value}
        self._lock = threading.Lock()
        self._not_before = 0.0
        self.session = requests.Session()
        # No proxies, .netrc credentials or CA bundle from the environment: a request
        # goes straight to the checked address with only what we put in it.
        self.session.trust_env = False
        self.session.verify = self.options.verify
        self.session.cookies = _LockedCookieJar()
        self.session.headers["User-Agent"] = USER_AGENT
        guard = AddressGuard(
            allow_loopback=self.options.allow_insecure,
            resolver=self.options.resolver,
            allowed_networks=networks_parse(self.options.allowed_networks),
        )
        adapter = PinnedAdapter(guard=guard, pool_maxsize=self.options.pool_size, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def add_secret(self, value: str) -> None:
        if value:
            with self._lock:
                self._secrets.add(value)

    def scrub(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, MASK)
        text = _SECRET_PATTERNS[0].sub(lambda m: f"{m.group(1)} {MASK}", text)
        text = _SECRET_PATTERNS[1].sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
        return _SECRET_PATTERNS[2].sub(lambda m: f"{m.group(1)}{MASK}", text)

    def close(self) -> None:
        self.session.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: AuthBase | None = None,
    ) -> requests.Response:
        """Send with retries; returns the final response of any non-retried status.

        Raises SisAddressRefusedError for a URL or address we never connect to,
        SisRedirectError for any redirect, SisTruncatedError for an answer cut off
        twice, another SisNetworkError subclass for connection problems, and
        SisServerError when 429/5xx persists past the total retry time.
        """
        refusal = url_refusal(url, allow_insecure=self.options.allow_insecure)
        if refusal is not None:
            raise refusal
        started = self._clock()
        attempt = cut_offs = 0
        while True:
            self._wait_turn()
            attempt += 1
            try:
                response = self._send_once(method, url, params, data, headers, auth, attempt)
            except requests.RequestException as exc:
                cut_offs += truncation(exc) is not None
                self._failed(exc, method=method, url=url, started=started, attempt=attempt,
                             cut_offs=cut_offs)  # fmt: skip
                continue
            except errors.SisError as exc:
                exc.url_path = exc.url_path or url_path(url)
                raise
            if response.status_code in REDIRECT_STATUSES:
                raise redirect_error(response)
            if response.status_code not in RETRY_STATUSES:
                return response
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            shared = response.status_code == 429 or retry_after is not None
            if not self._retry_wait(started, attempt, retry_after, shared=shared):
                if response.status_code == 500:
                    return response  # its body says why: the caller diagnoses it
                raise self._gave_up(response, started)

    def _failed(
        self,
        exc: requests.RequestException,
        *,
        method: str,
        url: str,
        started: float,
        attempt: int,
        cut_offs: int,
    ) -> None:
        """Returns when the request should be sent again; raises its diagnosis otherwise.

        A cut-off answer is asked for once more at once; a flaky connection is retried
        with backoff within the time budget.
        """
        cut = truncation(exc)
        if cut is not None:
            if cut_offs > 1:
                raise truncated_error(url=url, received=cut[0], expected=cut[1]) from None
            logger.warning("%s %s was cut off; asking once more", method, url_path(url))
            return
        error = network_error(exc, url=url, timeout=self.options.read_timeout)
        self._log_failure(method, url, error, attempt)
        retryable = (
            isinstance(error, errors.SisTimeoutError | errors.SisConnectionRefusedError)
            or type(error) is errors.SisNetworkError
        )
        if not retryable or not self._retry_wait(started, attempt, None, shared=False):
            raise error from None

    def _send_once(self, method, url, params, data, headers, auth, attempt) -> requests.Response:
        sent = self._clock()
        response = self.session.request(
            method,
            url,
            params=params,
            data=data,
            headers=dict(headers or {}),
            auth=auth,
            timeout=(self.options.connect_timeout, self.options.read_timeout),
            allow_redirects=False,
        )
        size = len(response.content)
        elapsed_ms = (self._clock() - sent) * 1000
        self.stats.add(requests_made=1, bytes_received=size, retries=int(attempt > 1))
        path = url_path(url)
        logger.debug(
            "%s %s -> %s (%d bytes, %.0f ms)",
            method,
            self.scrub(path),
            response.status_code,
            size,
            elapsed_ms,
        )
        if self.on_request is not None:
            self.on_request(
                RequestEvent(method, path, response.status_code, size, elapsed_ms, attempt)
            )
        return response

    def _retry_wait(
        self, started: float, attempt: int, retry_after: float | None, *, shared: bool
    ) -> bool:
        """Sleep before the next attempt; False when the retry budget would be exceeded."""
        ceiling = min(self.options.backoff_cap, self.options.backoff_base * 2 ** (attempt - 1))
        delay = retry_after if retry_after is not None else random.uniform(0, ceiling)
        now = self._clock()
        if now + delay - started > self.options.max_retry_seconds:
            return False
        logger.info("SIS busy or unreachable; retrying in %.1f s (attempt %d)", delay, attempt + 1)
        if shared:
            # Every thread of this client waits out a 429 together (see _wait_turn).
            with self._lock:
                self._not_before = max(self._not_before, now + delay)
        else:
            self._sleep(delay)
        return True

    def _wait_turn(self) -> None:
        while True:
            with self._lock:
                remaining = self._not_before - self._clock()
            if remaining <= 0:
                return
            self._sleep(remaining)

    def _gave_up(self, response: requests.Response, started: float) -> errors.SisServerError:
        path = url_path(response.url or "")
        return errors.SisServerError(
            errors.SERVER_ERROR_MESSAGE.format(
                path=path, status=response.status_code, seconds=self._clock() - started
            ),
            fix=errors.SERVER_ERROR_FIX,
            status=response.status_code,
            url_path=path,
        )

    def _log_failure(self, method: str, url: str, error: errors.SisError, attempt: int) -> None:
        logger.warning(
            "%s %s failed (attempt %d): %s", method, url_path(url), attempt, self.scrub(str(error))
        )


def truncated_error(*, url: str, received: int, expected: int | None) -> errors.SisTruncatedError:
    path = url_path(url)
    return errors.SisTruncatedError(
        errors.TRUNCATED_MESSAGE.format(
            path=path, received=received, expected=expected if expected is not None else "more"
        ),
        fix=errors.TRUNCATED_FIX,
        url_path=path,
    )


def redirect_error(response: requests.Response) -> errors.SisRedirectError:
    """A redirect, diagnosed: where it points (without its query), never followed."""
    path = url_path(response.url or "")
    target = urljoin(response.url or "", response.headers.get("Location", "").strip())
    location = url_origin_path(target) or "(nowhere)"
    return errors.SisRedirectError(
        errors.REDIRECT_MESSAGE.format(location=location, status=response.status_code, path=path),
        fix=errors.REDIRECT_FIX,
        location=location,
        status=response.status_code,
        url_path=path,
    )

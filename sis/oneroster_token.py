"""The OneRoster bearer token: OAuth2 client credentials, scopes narrowed when refused.

The client asks for the three roster scopes Aeries offers. A token endpoint that
answers invalid_scope (the credentials are right, one scope is not granted) is
asked again with only the scope the import needs (roster-core.readonly, which
covers every collection we read), then with roster.readonly; the scopes that
worked are kept for every renewal. When none is granted the error names the
scope Aeries must grant.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from requests.auth import HTTPBasicAuth

from sis import errors
from sis.answers import json_twice
from sis.credentials import SisCredentials
from sis.http import SisHttp
from sis.oneroster_errors import token_error
from sis.urls import url_path

SCOPE_PREFIX = "https://purl.imsglobal.org/spec/or/v1p1/scope/"
CORE_SCOPE = SCOPE_PREFIX + "roster-core.readonly"
ROSTER_SCOPE = SCOPE_PREFIX + "roster.readonly"
DEMOGRAPHICS_SCOPE = SCOPE_PREFIX + "roster-demographics.readonly"
SCOPES = (CORE_SCOPE, ROSTER_SCOPE, DEMOGRAPHICS_SCOPE)
# Asked in this order until one is granted: everything, then what the import needs.
SCOPE_CHOICES: tuple[tuple[str, ...], ...] = (SCOPES, (CORE_SCOPE,), (ROSTER_SCOPE,))
WRONG_TOKEN_URL_FIX = (
    "The connection's OneRoster token URL is not where this server hands out tokens; "
    "clear it (Aeries: <Aeries URL>token) or correct it."
)
SCOPE_REDUCED_MESSAGE = (
    "Aeries refused the scope {refused}; the token was granted for {granted} only, "
    "which covers everything Autoroster imports."
)
# Renew this long before expires_in runs out, so a request never carries a token
# that expires in flight.
TOKEN_RENEW_MARGIN_SECONDS = 60.0
DEFAULT_EXPIRES_IN = 3600.0


def scope_names(scopes: tuple[str, ...]) -> str:
    return ", ".join(scope.removeprefix(SCOPE_PREFIX) for scope in scopes)


class TokenSource:
    """Fetches tokens from the token URL; remembers which scopes the SIS grants."""

    def __init__(
        self,
        *,
        http: SisHttp,
        credentials: SisCredentials,
        token_url: str,
        on_reduced: Callable[[str], None],
    ) -> None:
        self.http = http
        self.credentials = credentials
        self.token_url = token_url
        self.on_reduced = on_reduced
        self.scopes: tuple[str, ...] | None = None  # the granted choice, once known

    def fetch(self) -> tuple[str, float]:
        choices = (self.scopes,) if self.scopes else SCOPE_CHOICES
        refused: list[str] = []
        for scopes in choices:
            try:
                token, expires_in = self._fetch(scopes)
            except errors.SisScopeError:
                refused.extend(scope for scope in scopes if scope not in refused)
                continue
            if refused and self.scopes is None:
                self.on_reduced(
                    SCOPE_REDUCED_MESSAGE.format(
                        refused=scope_names(tuple(s for s in refused if s not in scopes)),
                        granted=scope_names(scopes),
                    )
                )
            self.scopes = scopes
            return token, expires_in
        raise errors.SisScopeError(
            errors.SCOPE_MESSAGE.format(scopes=scope_names(tuple(refused))),
            fix=errors.SCOPE_FIX.format(scope=CORE_SCOPE),
            status=401,
            url_path=url_path(self.token_url),
        )

    def _fetch(self, scopes: tuple[str, ...]) -> tuple[str, float]:
        creds = self.credentials
        auth = HTTPBasicAuth(creds.client_id, creds.client_secret)

        def post():
            response = self.http.request(
                "POST",
                self.token_url,
                data={"grant_type": "client_credentials", "scope": " ".join(scopes)},
                headers={"Accept": "application/json"},
                auth=auth,
            )
            if response.status_code != 200:
                error = token_error(response, scrub=self.http.scrub)
                if isinstance(error, errors.SisWrongUrlError) and self.credentials.token_url:
                    error.fix = WRONG_TOKEN_URL_FIX  # not the Aeries URL: the one typed
                raise error
            return response

        _response, payload = json_twice(post)
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if not token or not isinstance(token, str):
            raise errors.SisAuthError(
                errors.BAD_CREDENTIALS_MESSAGE,
                fix=errors.BAD_CREDENTIALS_FIX,
                status=200,
                url_path=url_path(self.token_url),
            )
        self.http.add_secret(token)
        try:
            expires_in = float(payload.get("expires_in") or DEFAULT_EXPIRES_IN)
        except (TypeError, ValueError):
            expires_in = DEFAULT_EXPIRES_IN
        return token, max(expires_in, 1.0)


class Token:
    """The bearer token, shared by worker threads; renewed by one thread at a time."""

    def __init__(self, *, fetch: Callable[[], tuple[str, float]], clock) -> None:
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

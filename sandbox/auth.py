"""Credentials (deterministic from the seed), OAuth2 tokens and the affinity cookie.

client_id   = sha256("autoroster-sandbox:client:<seed>").hexdigest()   (64 hex)
secret      = sha256("autoroster-sandbox:secret:<seed>").hexdigest()   (64 hex)
certificate = sha256("autoroster-sandbox:cert:<seed>").hexdigest()[:32]
ARRAffinity = sha256("autoroster-sandbox:affinity:<seed>").hexdigest()
"""

import base64
import binascii
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qs

from sandbox.wire import Request, Response, json_response

SCOPE_PREFIX = "https://purl.imsglobal.org/spec/or/v1p1/scope/"
SCOPES = tuple(
    f"{SCOPE_PREFIX}{s}"
    for s in ("roster-core.readonly", "roster.readonly", "roster-demographics.readonly")
)
CORE_SCOPES = {SCOPES[0], SCOPES[1]}
DEMOGRAPHICS_SCOPES = {SCOPES[1], SCOPES[2]}
BAD_CLIENT = "The Consumer ID or Secret is incorrect, or OneRoster access is not enabled for it."


def _digest(kind: str, seed: int) -> str:
    return hashlib.sha256(f"autoroster-sandbox:{kind}:{seed}".encode()).hexdigest()


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str
    certificate: str
    affinity: str

    @classmethod
    def for_seed(cls, seed: int) -> "Credentials":
        return cls(
            client_id=_digest("client", seed),
            client_secret=_digest("secret", seed),
            certificate=_digest("cert", seed)[:32],
            affinity=_digest("affinity", seed),
        )


def _oauth_error(status: int, error: str, description: str) -> Response:
    return json_response(status, {"error": error, "error_description": description})


def _basic(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(value).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


class TokenIssuer:
    """Issues bearer tokens and answers whether a request carries a live one."""

    def __init__(self, credentials: Credentials, lifetime: int, behaviours=None) -> None:
        self.credentials = credentials
        self.lifetime = lifetime
        self.behaviours = behaviours
        self.tokens: dict[str, tuple[float, frozenset[str]]] = {}
        self.lock = threading.Lock()
        self.issued = 0
        self.with_cookie = 0
        self.without_cookie = 0

    def token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        pair = _basic(request) or (form.get("client_id", ""), form.get("client_secret", ""))
        if pair != (self.credentials.client_id, self.credentials.client_secret):
            return _oauth_error(401, "invalid_client", BAD_CLIENT)
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(
                400, "unsupported_grant_type", "grant_type must be client_credentials"
            )
        asked = form.get("scope", "").split()
        if not asked:
            return _oauth_error(400, "invalid_scope", "At least one scope is required.")
        unknown = [s for s in asked if s not in SCOPES]
        if unknown:
            return _oauth_error(400, "invalid_scope", f"Unknown scope: {' '.join(unknown)}")
        refused = [s for s in asked if self.behaviours and s in self.behaviours.refused_scopes]
        if refused:
            # Aeries' answer for a scope the API entry was not given: the client is right.
            return _oauth_error(401, "invalid_scope", f"Scope not granted: {' '.join(refused)}")
        access = secrets.token_hex(32)
        with self.lock:
            self.tokens[access] = (time.monotonic() + self.lifetime, frozenset(asked))
            self.issued += 1
        cookies = [
            ("Set-Cookie", f"ARRAffinity={self.credentials.affinity};Path=/;HttpOnly"),
            ("Set-Cookie", f"ASP.NET_SessionId={secrets.token_hex(12)}; path=/; HttpOnly"),
            ("Cache-Control", "no-store"),
        ]
        return json_response(
            200,
            {
                "access_token": access,
                "token_type": "bearer",
                "expires_in": self.lifetime,
                "scope": " ".join(asked),
            },
            cookies,
        )

    def scopes(self, request: Request) -> frozenset[str] | None:
        """The scopes of the request's live bearer token, or None."""
        scheme, _, access = request.headers.get("authorization", "").partition(" ")
        entry = self.tokens.get(access.strip()) if scheme.lower() == "bearer" else None
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1]

    def count_cookie(self, request: Request) -> None:
        with self.lock:
            if request.cookie("ARRAffinity") == self.credentials.affinity:
                self.with_cookie += 1
            else:
                self.without_cookie += 1

    def expire_all(self) -> None:
        with self.lock:
            self.tokens = {t: (0.0, s) for t, (_, s) in self.tokens.items()}

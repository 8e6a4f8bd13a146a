"""Typed SIS errors whose str() is a plain-words diagnosis: what happened, then the fix.

Messages are module constants (templates) so tests and the admin reuse the exact
words. No message ever includes a secret, a token or a raw response body: only
host names, URL paths and the SIS's own error description (scrubbed by http.py).
"""

from __future__ import annotations

from typing import Any

from sis.records import Entity

AERIES_URL_EXAMPLE = "https://district.aeries.net/aeries/"

DNS_MESSAGE = "Cannot reach {host}: the host name does not resolve."
DNS_FIX = (
    "Check the host name in the base URL; it must be the district's public Aeries "
    f"address, e.g. {AERIES_URL_EXAMPLE}"
)
TLS_MESSAGE = "The secure (https) connection to {host} failed: {reason}."
TLS_REASON_CERTIFICATE = "the server's certificate is invalid or expired"
TLS_REASON_PROTOCOL = "the server does not offer TLS 1.2 or newer"
TLS_REASON_OTHER = "the TLS handshake failed"
TLS_FIX = (
    "Aeries must be served over https with a valid certificate from a public "
    "certificate authority and TLS 1.2 or newer; ask the district's IT to renew the "
    "certificate or enable TLS 1.2."
)
REFUSED_MESSAGE = "{host} refused the connection."
REFUSED_FIX = (
    "Check the port in the base URL and that the Aeries web server is running and "
    "reachable from the internet (firewall)."
)
TIMEOUT_MESSAGE = "{host} did not answer in time ({seconds:g} s)."
TIMEOUT_FIX = (
    "Check that the Aeries server is reachable from the internet (firewall, VPN-only "
    "host); if it is only slow, try again off-peak."
)
NETWORK_MESSAGE = "Cannot connect to {host}."
NETWORK_FIX = "Check the base URL and that the Aeries server is reachable from the internet."
WRONG_URL_MESSAGE = "{path} answered 404 Not Found."
WRONG_URL_FIX = (
    f"the URL must be the Aeries base URL including its sub-directory, e.g. {AERIES_URL_EXAMPLE}"
)
INVALID_URL_MESSAGE = "The base URL is not a valid web address."
BAD_CREDENTIALS_MESSAGE = "Aeries refused the Consumer ID and Secret (HTTP 401)."
BAD_CREDENTIALS_FIX = (
    "Consumer ID or Secret is wrong; copy them from Security > API Security > "
    "Display Consumer ID & Secret Keys"
)
BAD_CERTIFICATE_MESSAGE = "Aeries refused the API certificate (HTTP 401)."
BAD_CERTIFICATE_FIX = (
    "the certificate is wrong or was deleted; copy it from Security > API Security "
    "(the vendor's row)"
)
TOKEN_REJECTED_MESSAGE = "Aeries rejected the access token twice (HTTP 401) on {path}."
PERMISSION_MESSAGE = "Aeries denied access to {collection} (HTTP 403)."
PERMISSION_FIX = "grant READ permission for {permission} in API Security"
NOT_JSON_MESSAGE = "{path} answered with {kind} instead of JSON data."
NOT_JSON_KIND_LOGIN = "a login page"
NOT_JSON_KIND_HTML = "a web page (HTML)"
NOT_JSON_KIND_OTHER = "content that is not JSON"
NOT_JSON_FIX = (
    "The base URL probably points at a web page (a wrong URL or a login page) rather "
    f"than the Aeries API: {WRONG_URL_FIX}"
)
MALFORMED_JSON_MESSAGE = "{path} answered with malformed JSON (twice in a row)."
MALFORMED_JSON_FIX = (
    "Try again; if it keeps happening, a proxy or the Aeries server is cutting responses short."
)
TRUNCATED_MESSAGE = (
    "The answer from {path} was cut off after {received} bytes ({expected} promised), "
    "twice in a row."
)
TRUNCATED_FIX = (
    "A proxy, firewall or the Aeries server closes connections mid-answer; try again, and "
    "if it keeps happening ask the district's IT to check the proxy or the server's log."
)
REDIRECT_MESSAGE = "The Aeries URL moved to {location} (HTTP {status} from {path})."
REDIRECT_FIX = (
    "Autoroster never follows a redirect; update the connection's Aeries URL if the new "
    "address is the district's Aeries."
)
PLAIN_HTTP_MESSAGE = "{host} is reached over plain http, which is allowed only to this server."
SCOPE_MESSAGE = (
    "Aeries refused the OneRoster scope {scopes} (invalid_scope); the Consumer ID and "
    "Secret are right."
)
SCOPE_FIX = (
    "In Aeries' API Security, give the vendor's OneRoster entry the scope {scope} "
    "(read access to the roster)."
)
SCHOOL_MISSING_MESSAGE = (
    "School code {code} is not in this Aeries: remove it or fix it on the connection."
)
SCHOOL_MISSING_FIX = (
    "Open the connection, correct or remove the school code under SIS school codes "
    "(Aeries lists its schools under School Info)."
)
REPEATED_PAGE_MESSAGE = "{path} returned the same page twice (offset {offset})."
REPEATED_PAGE_FIX = (
    "The server ignores paging; the import stopped to avoid reading the same records "
    "forever. Report this to Aeries support."
)
SERVER_ERROR_MESSAGE = "{path} kept failing with HTTP {status} after retrying for {seconds:g} s."
SERVER_ERROR_FIX = "The Aeries server is overloaded or failing; try again later, off-peak."
SERVER_FAILED_MESSAGE = "{path} failed with HTTP {status}{description}."
SERVER_FAILED_FIX = (
    "The Aeries server had an internal error; try again later. If it persists, ask "
    "the district to check the Aeries server's error log."
)
ENVELOPE_MESSAGE = "{path} answered JSON without the expected '{key}' list."
ONEROSTER_DISABLED_MESSAGE = "OneRoster is not answering at {path}."
ONEROSTER_DISABLED_FIX = (
    "after enabling OneRoster in School Options, Aeries needs an IIS reset / "
    "application pool recycle; check School Info > School Options > OneRoster "
    "Settings, then ask IT to recycle the Aeries application pool (off-hours)"
)
REQUEST_REJECTED_MESSAGE = "{path} rejected the request (HTTP {status}): {description}"
REQUEST_REJECTED_FIX = "Report this to Autoroster support with the message above."

# Aeries API Security areas, per collection, for the 403 fix.
PERMISSION_NAMES: dict[Entity, str] = {
    Entity.STUDENTS: "Student Data",
    Entity.SCHOOLS: "Schools",
    Entity.TERMS: "Terms",
    Entity.TEACHERS: "Teacher Data",
    Entity.STAFF: "Staff Data",
    Entity.ADMINISTRATORS: "Staff Data",
    Entity.CLASSES: "Master Schedule",
    Entity.COURSES: "Course Data",
    Entity.ENROLLMENTS: "Classes / Class Schedules",
    Entity.CONTACTS: "Student Data",
}


class SisError(Exception):
    """A SIS problem explained for a district manager: message (cause) and fix."""

    code = "sis_error"

    def __init__(
        self,
        message: str,
        *,
        fix: str = "",
        status: int | None = None,
        url_path: str | None = None,
        entity: Entity | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.status = status
        self.url_path = url_path
        self.entity = entity

    def __str__(self) -> str:
        return f"{self.message} Fix: {self.fix}" if self.fix else self.message


class SisNetworkError(SisError):
    code = "network"


class SisDnsError(SisNetworkError):
    code = "dns"


class SisTlsError(SisNetworkError):
    code = "tls"


class SisConnectionRefusedError(SisNetworkError):
    code = "refused"


class SisTimeoutError(SisNetworkError):
    code = "timeout"


class SisWrongUrlError(SisError):
    code = "wrong_url"


class SisAuthError(SisError):
    code = "auth"


class SisPermissionError(SisError):
    code = "permission"

    def __init__(self, message: str, *, permission: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.permission = permission


class SisNotJsonError(SisError):
    code = "not_json"


class SisMalformedJsonError(SisError):
    code = "malformed_json"


class SisRepeatedPageError(SisError):
    code = "repeated_page"


class SisTruncatedError(SisError):
    code = "truncated"


class SisRedirectError(SisWrongUrlError):
    code = "redirect"

    def __init__(self, message: str, *, location: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.location = location


class SisAddressRefusedError(SisNetworkError):
    """The host resolves to, or the URL names, somewhere we never connect to."""

    code = "address_refused"

    def __init__(self, message: str, *, address: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.address = address


class SisScopeError(SisAuthError):
    code = "scope"


class SisServerError(SisError):
    code = "server_error"


class SisOneRosterDisabledError(SisError):
    code = "oneroster_disabled"


class SisRequestError(SisError):
    """A 4xx the SIS explained (often a OneRoster statusInfoSet); description kept."""

    code = "request"

    def __init__(self, message: str, *, description: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.description = description


def permission_error(*, entity: Entity, url_path: str | None) -> SisPermissionError:
    permission = PERMISSION_NAMES[entity]
    return SisPermissionError(
        PERMISSION_MESSAGE.format(collection=entity.value),
        fix=PERMISSION_FIX.format(permission=permission),
        permission=permission,
        status=403,
        url_path=url_path,
        entity=entity,
    )


def status_info_description(payload: Any) -> str:
    """The imsx_description(s) of a OneRoster statusInfoSet, or of an Aeries {"Message"}."""
    if not isinstance(payload, dict):
        return ""
    infos = payload.get("statusInfoSet") or payload.get("imsx_statusInfo") or []
    if isinstance(infos, dict):
        infos = [infos]
    texts = [_status_info_text(info) for info in infos if isinstance(info, dict)]
    texts = [text for text in texts if text]
    if texts:
        return "; ".join(texts)
    for key in ("Message", "message", "error_description", "error"):
        if isinstance(payload.get(key), str) and payload[key].strip():
            return payload[key].strip()
    return ""


def _status_info_text(info: dict[str, Any]) -> str:
    description = str(info.get("imsx_description") or "").strip()
    if description:
        return description
    minor = info.get("imsx_CodeMinor") or info.get("imsx_codeMinor") or {}
    fields = minor.get("imsx_codeMinorField", []) if isinstance(minor, dict) else []
    values = [
        str(item.get("imsx_codeMinorFieldValue", "")).strip()
        for item in fields
        if isinstance(item, dict)
    ]
    return ", ".join(value for value in values if value)

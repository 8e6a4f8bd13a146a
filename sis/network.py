"""Turn a requests exception into a diagnosis a district manager can act on."""

from __future__ import annotations

import errno
import http.client
import socket
import ssl
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import IncompleteRead, NameResolutionError

from sis import errors

_DNS_WORDS = (
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo failed",
    "no address associated",
    "temporary failure in name resolution",
    "failed to resolve",
    "name resolution",
)
_CERTIFICATE_WORDS = ("certificate", "self signed", "self-signed", "hostname mismatch")
_PROTOCOL_WORDS = ("unsupported protocol", "protocol_version", "protocol version", "no protocols")


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception, its args and its cause/context chain (urllib3 nests reasons)."""
    seen: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending and len(seen) < 20:
        current = pending.pop()
        if current in seen:
            continue
        seen.append(current)
        reason = getattr(current, "reason", None)
        for candidate in (current.__cause__, current.__context__, reason, *current.args):
            if isinstance(candidate, BaseException):
                pending.append(candidate)
    return seen


def truncation(exc: BaseException) -> tuple[int, int | None] | None:
    """(bytes received, bytes promised) when the answer was cut off mid-body, else None."""
    for item in _causes(exc):
        if isinstance(item, IncompleteRead):  # urllib3: partial and expected are counts
            return item.partial, item.partial + item.expected
        if isinstance(item, http.client.IncompleteRead):
            expected = item.expected
            received = len(item.partial)
            return received, (received + expected) if expected is not None else None
    return None


def _is_dns(chain: list[BaseException], text: str) -> bool:
    if any(isinstance(item, NameResolutionError | socket.gaierror) for item in chain):
        return True
    return any(word in text for word in _DNS_WORDS)


def _is_refused(chain: list[BaseException], text: str) -> bool:
    if any(isinstance(item, ConnectionRefusedError) for item in chain):
        return True
    if any(getattr(item, "errno", None) == errno.ECONNREFUSED for item in chain):
        return True
    return "connection refused" in text or "actively refused" in text


def _tls_reason(chain: list[BaseException], text: str) -> str:
    if any(isinstance(item, ssl.SSLCertVerificationError) for item in chain):
        return errors.TLS_REASON_CERTIFICATE
    if any(word in text for word in _PROTOCOL_WORDS):
        return errors.TLS_REASON_PROTOCOL
    if any(word in text for word in _CERTIFICATE_WORDS):
        return errors.TLS_REASON_CERTIFICATE
    return errors.TLS_REASON_OTHER


def network_error(
    exc: requests.RequestException, *, url: str, timeout: float
) -> errors.SisNetworkError | errors.SisWrongUrlError:
    """Classify; the message names only the host and path, never the exception text."""
    parts = urlsplit(url)
    host = parts.hostname or url
    path = parts.path or "/"
    chain = _causes(exc)
    text = " ".join(str(item) for item in chain).lower()
    kwargs = {"url_path": path}
    if isinstance(exc, requests.exceptions.SSLError):
        reason = _tls_reason(chain, text)
        message = errors.TLS_MESSAGE.format(host=host, reason=reason)
        return errors.SisTlsError(message, fix=errors.TLS_FIX, **kwargs)
    if isinstance(exc, requests.exceptions.Timeout):
        message = errors.TIMEOUT_MESSAGE.format(host=host, seconds=timeout)
        return errors.SisTimeoutError(message, fix=errors.TIMEOUT_FIX, **kwargs)
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        message = errors.INVALID_URL_MESSAGE
        return errors.SisWrongUrlError(message, fix=errors.WRONG_URL_FIX, **kwargs)
    if _is_dns(chain, text):
        message = errors.DNS_MESSAGE.format(host=host)
        return errors.SisDnsError(message, fix=errors.DNS_FIX, **kwargs)
    if _is_refused(chain, text):
        message = errors.REFUSED_MESSAGE.format(host=host)
        return errors.SisConnectionRefusedError(message, fix=errors.REFUSED_FIX, **kwargs)
    message = errors.NETWORK_MESSAGE.format(host=host)
    return errors.SisNetworkError(message, fix=errors.NETWORK_FIX, **kwargs)

"""SIS answers as JSON: parsed with orjson, and HTML, login pages or truncation diagnosed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import orjson
import requests

from sis import errors
from sis.urls import url_path

logger = logging.getLogger(__name__)


def json_twice(
    fetch: Callable[[], requests.Response],
    parse: Callable[[requests.Response], Any] | None = None,
) -> tuple[requests.Response, Any]:
    """fetch() and parse its JSON (response_json, or `parse`, which raises as it does);
    a malformed body is asked for once more."""
    parse = parse or response_json
    try:
        response = fetch()
        return response, parse(response)
    except errors.SisMalformedJsonError as exc:
        logger.warning("%s was malformed; asking once more", exc.url_path)
    response = fetch()
    return response, parse(response)


def response_json(response: requests.Response) -> Any:
    """orjson-parse a body, turning HTML / login pages / truncation into a diagnosis."""
    path = url_path(response.url or "")
    body = response.content
    content_type = response.headers.get("Content-Type", "").lower()
    stripped = body.lstrip()[:1]
    if "html" in content_type or stripped == b"<":
        raise not_json_error(body=body, path=path, status=response.status_code)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        if stripped in (b"{", b"[") or not stripped:
            raise errors.SisMalformedJsonError(
                errors.MALFORMED_JSON_MESSAGE.format(path=path),
                fix=errors.MALFORMED_JSON_FIX,
                status=response.status_code,
                url_path=path,
            ) from None
        raise not_json_error(body=body, path=path, status=response.status_code) from None


def not_json_error(*, body: bytes, path: str, status: int | None) -> errors.SisNotJsonError:
    sample = body[:20000].lower()
    if b"<html" not in sample and b"<!doctype" not in sample:
        kind = errors.NOT_JSON_KIND_OTHER
    elif any(word in sample for word in (b"password", b"log in", b"login", b"sign in")):
        kind = errors.NOT_JSON_KIND_LOGIN
    else:
        kind = errors.NOT_JSON_KIND_HTML
    return errors.SisNotJsonError(
        errors.NOT_JSON_MESSAGE.format(path=path, kind=kind),
        fix=errors.NOT_JSON_FIX,
        status=status,
        url_path=path,
    )


def json_or_none(response: requests.Response) -> Any:
    """Best-effort parse of an error body (statusInfoSet / Message); None if not JSON."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None

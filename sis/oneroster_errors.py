"""Diagnose a failed OneRoster response (token or data call) as a typed SisError."""

from __future__ import annotations

from collections.abc import Callable

import requests

from sis import errors
from sis.answers import json_or_none
from sis.records import Entity
from sis.urls import url_path

Scrub = Callable[[str], str]

_DISABLED_WORDS = ("not enabled", "disabled", "not configured", "not turned on", "is off")
_OAUTH_CREDENTIAL_ERRORS = frozenset(
    {"invalid_client", "unauthorized_client", "invalid_grant", "access_denied"}
)
_DESCRIPTION_CHARS = 300


def looks_disabled(response: requests.Response) -> bool:
    """Aeries with OneRoster switched off (or not yet IIS-reset) says so in the body."""
    sample = response.content[:5000].decode("utf-8", "replace").lower()
    mentions = "oneroster" in sample.replace(" ", "")
    return mentions and any(word in sample for word in _DISABLED_WORDS)


def disabled_error(*, path: str, status: int | None) -> errors.SisOneRosterDisabledError:
    return errors.SisOneRosterDisabledError(
        errors.ONEROSTER_DISABLED_MESSAGE.format(path=path),
        fix=errors.ONEROSTER_DISABLED_FIX,
        status=status,
        url_path=path,
    )


def _description(response: requests.Response, scrub: Scrub) -> str:
    text = errors.status_info_description(json_or_none(response))
    return scrub(text)[:_DESCRIPTION_CHARS]


def request_error(
    response: requests.Response, *, scrub: Scrub, entity: Entity | None = None
) -> errors.SisError:
    path = url_path(response.url or "")
    status = response.status_code
    description = _description(response, scrub)
    if status >= 500:
        suffix = f": {description}" if description else ""
        message = errors.SERVER_FAILED_MESSAGE.format(path=path, status=status, description=suffix)
        return errors.SisServerError(
            message, fix=errors.SERVER_FAILED_FIX, status=status, url_path=path, entity=entity
        )
    return errors.SisRequestError(
        errors.REQUEST_REJECTED_MESSAGE.format(
            path=path, status=status, description=description or "no reason given"
        ),
        fix=errors.REQUEST_REJECTED_FIX,
        description=description,
        status=status,
        url_path=path,
        entity=entity,
    )


def scope_error(*, status: int, path: str) -> errors.SisScopeError:
    """The Consumer ID and Secret are right: the scope asked for is not granted
    (TokenSource asks again with fewer scopes, and names the one to grant)."""
    return errors.SisScopeError(
        errors.SCOPE_MESSAGE.format(scopes="asked for"),
        fix=errors.SCOPE_FIX.format(scope="roster-core.readonly"),
        status=status,
        url_path=path,
    )


def token_error(response: requests.Response, *, scrub: Scrub) -> errors.SisError:
    """Why {base}token did not hand out a token."""
    path = url_path(response.url or "")
    status = response.status_code
    payload = json_or_none(response)
    oauth_error = payload.get("error") if isinstance(payload, dict) else None
    if oauth_error == "invalid_scope":
        return scope_error(status=status, path=path)
    # A credential rejection wins over wording such as "…or OneRoster access is not
    # enabled for it", which Aeries puts in its invalid_client description.
    if status == 401 or oauth_error in _OAUTH_CREDENTIAL_ERRORS:
        return errors.SisAuthError(
            errors.BAD_CREDENTIALS_MESSAGE,
            fix=errors.BAD_CREDENTIALS_FIX,
            status=status,
            url_path=path,
        )
    if looks_disabled(response):
        return disabled_error(path=path, status=status)
    if status in (404, 405):
        # 405: a static site answered the POST; same cause as a 404, a wrong base URL.
        return errors.SisWrongUrlError(
            errors.WRONG_URL_MESSAGE.format(path=path),
            fix=errors.WRONG_URL_FIX,
            status=status,
            url_path=path,
        )
    if status == 403:
        return errors.SisAuthError(
            errors.BAD_CREDENTIALS_MESSAGE,
            fix=errors.BAD_CREDENTIALS_FIX,
            status=status,
            url_path=path,
        )
    return request_error(response, scrub=scrub)


WRONG_API_ROOT_FIX = (
    "The connection's OneRoster API root is not where this server serves OneRoster; "
    "clear the API root (Aeries: <Aeries URL>/ims/oneroster/v1p1/) or correct it."
)


def data_error(
    response: requests.Response, *, entity: Entity, scrub: Scrub, custom_root: bool = False
) -> errors.SisError:
    """Why a collection read failed, naming the permission to grant on a 403."""
    path = url_path(response.url or "")
    status = response.status_code
    if looks_disabled(response):
        return disabled_error(path=path, status=status)
    if status == 401:
        return errors.SisAuthError(
            errors.TOKEN_REJECTED_MESSAGE.format(path=path),
            fix=errors.BAD_CREDENTIALS_FIX,
            status=status,
            url_path=path,
            entity=entity,
        )
    if status == 403:
        return errors.permission_error(entity=entity, url_path=path)
    if status == 404 and not errors.status_info_description(json_or_none(response)):
        if custom_root:
            return errors.SisWrongUrlError(
                errors.WRONG_URL_MESSAGE.format(path=path),
                fix=WRONG_API_ROOT_FIX,
                status=status,
                url_path=path,
                entity=entity,
            )
        # The token worked, so the base URL is right; a OneRoster route that is not
        # there at all means OneRoster is not running in this Aeries.
        return disabled_error(path=path, status=status)
    return request_error(response, scrub=scrub, entity=entity)

"""URL pieces that are safe to show and compare: origin, path, never user info or query."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit


def url_origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL; None when it has no host or a bad port."""
    parts = urlsplit(url)
    if not parts.hostname:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    return parts.scheme.lower(), parts.hostname.lower().rstrip("."), port


def url_origin_path(url: str) -> str:
    """scheme://host[:port]/path of a URL: never its user info or query (secrets)."""
    origin = url_origin(url)
    if origin is None:
        return ""
    scheme, host, port = origin
    default = 443 if scheme == "https" else 80
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}{'' if port == default else f':{port}'}{urlsplit(url).path or '/'}"


def url_path(url: str) -> str:
    """The path of a URL, never its query string (which could carry a secret)."""
    return urlsplit(url).path or "/"


def same_origin(url: str, other: str) -> bool:
    """Same scheme, host and port (a token or a paging link never leaves its origin)."""
    origin = url_origin(url)
    return origin is not None and origin == url_origin(other)


# What people paste instead of the Aeries base URL, and what we say when we cut it.
_PASTED_SUFFIXES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"(?i)/ims/oneroster/v1p1(?:/.*)?$"),
        "removed the OneRoster API path '{cut}' (Autoroster adds it itself)",
    ),
    (
        re.compile(r"(?i)/api/v\d+(?:/.*)?$"),
        "removed the Aeries API path '{cut}' (Autoroster adds it itself)",
    ),
    (re.compile(r"(?i)/token/?$"), "removed the token address '{cut}' (Autoroster adds it itself)"),
    (
        re.compile(r"(?i)/[^/]+\.aspx/?$"),
        "removed the page name '{cut}' (the base URL is everything before the last '/')",
    ),
)


def aeries_base_url(url: str) -> tuple[str, list[str]]:
    """The Aeries base URL inside what was pasted (a login page, the token URL, an API
    URL), with one trailing slash, and a note for each part that was removed.

    "https://d.aeries.net/aeries/Login.aspx" -> ("https://d.aeries.net/aeries/", [...]).
    The case of what is kept is kept: Aeries may match its sub-directory case-sensitively.
    """
    parts = urlsplit(url.strip())
    path = parts.path
    notes: list[str] = []
    changed = True
    while changed:
        changed = False
        for pattern, note in _PASTED_SUFFIXES:
            match = pattern.search(path)
            if match:
                notes.append(note.format(cut=match.group(0)))
                path = path[: match.start()]
                changed = True
    path = path.rstrip("/") + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment)), notes

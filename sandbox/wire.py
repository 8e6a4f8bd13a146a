"""Requests and responses as plain data, so the API modules never touch sockets."""

from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs, unquote

import orjson

NOT_FOUND_HTML = (
    b"<!DOCTYPE html>\r\n<html>\r\n<head><title>The resource cannot be found.</title></head>"
    b"\r\n<body><h1>Server Error in '/aeries' Application.</h1>\r\n"
    b"<h2><i>The resource cannot be found.</i></h2>\r\n<p><b>Description: </b>HTTP 404. "
    b"The resource you are looking for (or one of its dependencies) could have been removed, "
    b"had its name changed, or is temporarily unavailable.</p>\r\n</body>\r\n</html>\r\n"
)


@dataclass
class Request:
    method: str
    path: str  # relative to the base path, e.g. "ims/oneroster/v1p1/users"
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    host: str = "127.0.0.1"
    outside: bool = False  # the path is not under the base path
    scheme: str = "http"

    @classmethod
    def parse(
        cls, *, method: str, target: str, base: str, headers, body: bytes, scheme: str = "http"
    ) -> "Request":
        raw_path, _, raw_query = target.partition("?")
        path = unquote(raw_path)
        rel = path[len(base) :] if path.startswith(base) else None
        query = {k: v[0] for k, v in parse_qs(raw_query, keep_blank_values=True).items()}
        lower = {k.lower(): v for k, v in headers.items()}
        return cls(
            method=method,
            path=rel if rel is not None else path,
            query=query,
            headers=lower,
            body=body,
            host=lower.get("host", "127.0.0.1"),
            outside=rel is None,
            scheme=scheme,
        )

    def cookie(self, name: str) -> str | None:
        jar = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except CookieError:
            return None
        morsel = jar.get(name)
        return morsel.value if morsel else None

    def query_int(self, name: str, default: int) -> int:
        raw = self.query.get(name)
        return default if raw in (None, "") else int(raw)


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    page_key: tuple[str, int] | None = None  # (path, offset) for page faults


def json_response(status: int, payload, headers: list | None = None) -> Response:
    return Response(status, orjson.dumps(payload), headers=list(headers or []))


def status_info(status: int, description: str, code_minor: str) -> Response:
    """A OneRoster 1.1 statusInfoSet error."""
    return json_response(
        status,
        {
            "statusInfoSet": [
                {
                    "imsx_codeMajor": "failure",
                    "imsx_severity": "error",
                    "imsx_description": description,
                    "imsx_CodeMinor": {
                        "imsx_codeMinorField": [
                            {
                                "imsx_codeMinorFieldName": "TargetEndSystem",
                                "imsx_codeMinorFieldValue": code_minor,
                            }
                        ]
                    },
                }
            ]
        },
    )


def html_not_found() -> Response:
    return Response(404, NOT_FOUND_HTML, content_type="text/html; charset=utf-8")


LOGIN_HTML = (
    b"<!DOCTYPE html><html><head><title>Aeries: Portals</title></head><body>"
    b"<form method='post' action='Login.aspx'><h1>Aeries</h1>"
    b"<label>Email Address <input name='portalAccountUsername'></label>"
    b"<label>Password <input type='password' name='portalAccountPassword'></label>"
    b"<button>Sign In</button></form></body></html>"
)


def login_page() -> Response:
    """The Aeries sign-in page every instance serves at its base URL, OneRoster on or off;
    the probe tells "OneRoster not enabled (IIS reset)" from a wrong URL by it."""
    return Response(200, LOGIN_HTML, content_type="text/html; charset=utf-8")

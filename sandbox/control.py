"""The admin-free control endpoint under `{base}_sandbox/`, for tests and the demo.

GET    _sandbox/info                 counts, credentials, bad rows, cookie counts
POST   _sandbox/mutate               {"n": 10, "now": "2026-11-01T00:00:00Z"?}
POST   _sandbox/rollover             {"now"?}: the next school year (sandbox/rollover.py)
POST   _sandbox/renumber             {"students": ["100020"]} or {"n": 3}, "now"?: new
                                      Student IDs (sandbox/renumber.py)
POST   _sandbox/faults               {"latency_ms", "fail_rate", "rate_limit",
                                      "page_faults": [{"kind", "path", "offset", ...}]}
DELETE _sandbox/faults               reset every fault (also POST _sandbox/faults/reset)
POST   _sandbox/permissions          {"master_schedule": false, "oneroster_enabled": true}
POST   _sandbox/settings             {"token_lifetime": 2, "max_limit": 50, "leavers": ...}
POST   _sandbox/tokens/expire        expire every token issued so far
POST   _sandbox/behaviours           {"strict_spec": true, "rejected_filters": ["role"], ...}
"""

from typing import TYPE_CHECKING

import orjson

from sandbox.wire import Request, Response, json_response

if TYPE_CHECKING:
    from sandbox.server import SandboxServer

CONTROL_ROOT = "_sandbox/"


def control_handle(server: "SandboxServer", request: Request) -> Response:
    action = request.path[len(CONTROL_ROOT) :].strip("/")
    try:
        body = orjson.loads(request.body) if request.body.strip() else {}
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        return _route(server, request.method, action, body)
    except (ValueError, TypeError, KeyError) as exc:
        return json_response(400, {"error": str(exc)})


def _route(server: "SandboxServer", method: str, action: str, body: dict) -> Response:
    if (method, action) == ("GET", "info"):
        return json_response(200, server.info())
    if (method, action) == ("POST", "mutate"):
        return json_response(200, server.mutate(int(body.get("n", 1)), now=body.get("now")))
    if (method, action) == ("POST", "rollover"):
        return json_response(200, server.rollover(now=body.get("now")))
    if (method, action) == ("POST", "renumber"):
        students = [str(s) for s in body.get("students") or []]
        answer = server.renumber(students, n=int(body.get("n", 0)), now=body.get("now"))
        return json_response(200, answer)
    if (method, action) in (("DELETE", "faults"), ("POST", "faults/reset")):
        server.reset_faults()
        return json_response(200, server.faults.describe())
    if (method, action) == ("POST", "faults"):
        server.set_faults(**body)
        return json_response(200, server.faults.describe())
    if (method, action) == ("POST", "permissions"):
        for name, on in body.items():
            server.set_permission(name, bool(on))
        return json_response(200, server.switches.describe())
    if (method, action) == ("POST", "settings"):
        server.configure(**body)
        return json_response(200, server.settings())
    if (method, action) == ("POST", "behaviours"):
        server.set_behaviours(**body)
        return json_response(200, server.behaviours.describe())
    if (method, action) == ("POST", "tokens/expire"):
        server.expire_tokens()
        return json_response(200, {"expired": True})
    return json_response(404, {"error": f"no control action {method} {action}"})

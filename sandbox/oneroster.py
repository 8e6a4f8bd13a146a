"""OneRoster 1.1 REST as Aeries serves it, under `{base}ims/oneroster/v1p1/`."""

from collections.abc import Callable
from dataclasses import dataclass

from sandbox import auth
from sandbox.pages import page_response, single_response
from sandbox.query import QueryError
from sandbox.store import Collection, Store
from sandbox.switches import ONEROSTER_ROOT, Switches
from sandbox.wire import Request, Response, html_not_found, status_info

API_ROOT = ONEROSTER_ROOT  # Aeries' mount point; Behaviours.oneroster_root may move it
USER_PERMISSIONS = ("student_data", "teacher_data", "staff_data")


@dataclass(frozen=True)
class Endpoint:
    collection: str
    where: tuple[str, str] | None
    permissions: tuple[str, ...]


ENDPOINTS = {
    "orgs": Endpoint("orgs", None, ("schools",)),
    "schools": Endpoint("orgs", ("type", "school"), ("schools",)),
    "academicSessions": Endpoint("academicSessions", None, ("terms",)),
    "terms": Endpoint("academicSessions", ("type", "term"), ("terms",)),
    "gradingPeriods": Endpoint("academicSessions", ("type", "gradingPeriod"), ("terms",)),
    "courses": Endpoint("courses", None, ("course_data",)),
    "classes": Endpoint("classes", None, ("master_schedule",)),
    "users": Endpoint("users", None, USER_PERMISSIONS),
    "students": Endpoint("users", ("role", "student"), ("student_data",)),
    "teachers": Endpoint("users", ("role", "teacher"), ("teacher_data",)),
    "enrollments": Endpoint("enrollments", None, ("class_schedules",)),
    "demographics": Endpoint("demographics", None, ("student_data",)),
}
SCHOOL_CHILDREN = ("classes", "students", "teachers", "enrollments", "terms", "courses")
CLASS_MEMBERS = ("students", "teachers")


def not_found(what: str) -> Response:
    return status_info(404, f"{what} was not found.", "unknownobject")


class OneRosterApi:
    """Answers OneRoster requests from a Store, enforcing token, scope and permissions."""

    def __init__(
        self, *, store: Store, tokens: auth.TokenIssuer, switches: Switches, base_path: str
    ) -> None:
        self.store = store
        self.tokens = tokens
        self.switches = switches
        self.base_path = base_path

    def handle(self, request: Request) -> Response:
        if not self.switches.oneroster_enabled:
            return html_not_found()
        self.tokens.count_cookie(request)
        scopes = self.tokens.scopes(request)
        if scopes is None:
            return status_info(
                401, "The access token is missing, invalid or expired.", "unauthorisedrequest"
            )
        parts = [p for p in self.api_path(request).split("/") if p]
        endpoint = ENDPOINTS.get(parts[0]) if parts else None
        if endpoint is None:
            return not_found(f"Endpoint {request.path}")
        needed = auth.DEMOGRAPHICS_SCOPES if parts[0] == "demographics" else auth.CORE_SCOPES
        if not scopes & needed:
            return status_info(403, "The token's scope does not cover this endpoint.", "forbidden")
        try:
            return self.route(request, parts)
        except QueryError as exc:
            return status_info(400, str(exc), exc.code_minor)

    def api_path(self, request: Request) -> str:
        """The request's path under the OneRoster root (Aeries', or where it is mounted)."""
        return request.path[len(self.switches.behaviours.oneroster_root) :]

    def denied(self, endpoint: Endpoint) -> Response | None:
        label = self.switches.denied(endpoint.permissions)
        if label is None:
            return None
        return status_info(403, f"This API key lacks the '{label}' read permission.", "forbidden")

    def route(self, request: Request, parts: list[str]) -> Response:
        head = ENDPOINTS[parts[0]]
        if len(parts) == 1:
            return self.denied(head) or self.listing(request, head)
        if len(parts) == 2:
            return self.denied(head) or self.single(request, head, parts[1])
        if parts[0] == "schools" and len(parts) == 3 and parts[2] in SCHOOL_CHILDREN:
            return self.school_child(request, parts[1], parts[2])
        if parts[0] == "classes" and len(parts) == 3 and parts[2] in CLASS_MEMBERS:
            return self.class_members(request, parts[1], parts[2])
        if parts[0] in ("users", "students", "teachers") and parts[2:] == ["classes"]:
            return self.user_classes(request, head, parts[1])
        return not_found(f"Endpoint {request.path}")

    def _base(self, collection: Collection, endpoint: Endpoint) -> Callable[[], list[int]] | None:
        if endpoint.where is None:
            return None
        return lambda: collection.where(*endpoint.where)

    def listing(
        self, request: Request, endpoint: Endpoint, *, base=None, base_key: tuple = ()
    ) -> Response:
        collection = self.store[endpoint.collection]
        if base is None:
            base, base_key = self._base(collection, endpoint), endpoint.where or ()
        return page_response(
            request,
            collection=collection,
            base_key=base_key,
            base=base,
            max_limit=self.switches.max_limit,
            base_path=self.base_path,
            api_path=self.api_path(request).strip("/"),
            lock=self.store.lock,
            behaviours=self.switches.behaviours,
        )

    def find(self, endpoint: Endpoint, sourced_id: str) -> int | None:
        collection = self.store[endpoint.collection]
        with self.store.lock:
            index = collection.pos.get(sourced_id)
            if index is None or endpoint.where is None:
                return index
            name, value = endpoint.where
            return index if collection.values(name)[index] == value else None

    def single(self, request: Request, endpoint: Endpoint, sourced_id: str) -> Response:
        index = self.find(endpoint, sourced_id)
        if index is None:
            return not_found(f"{endpoint.collection} {sourced_id}")
        with self.store.lock:
            return single_response(request, self.store[endpoint.collection], index)

    def school_child(self, request: Request, school: str, child: str) -> Response:
        endpoint = ENDPOINTS[child]
        denied = self.denied(ENDPOINTS["schools"]) or self.denied(endpoint)
        if denied:
            return denied
        if self.find(ENDPOINTS["schools"], school) is None:
            return not_found(f"School {school}")
        collection = self.store[endpoint.collection]
        where = self._base(collection, endpoint)

        def base() -> list[int]:
            return collection.in_scope(school, where() if where else None)

        return self.listing(request, endpoint, base=base, base_key=("school", school, child))

    def enrolled(self, *, class_id: str | None, user_id: str | None) -> list[str]:
        """Ids of users in a class, or of classes of a user, from the enrollments served."""
        enrollments = self.store["enrollments"]
        by_class = class_id is not None

        def index() -> dict[str, list[str]]:
            classes = enrollments.values("class.sourcedId")
            users = enrollments.values("user.sourcedId")
            keys, values = (classes, users) if by_class else (users, classes)
            found: dict[str, list[str]] = {}
            for key, value in zip(keys, values, strict=True):
                found.setdefault(key, []).append(value)
            return found

        mapping = enrollments.view(("by_class" if by_class else "by_user",), index)
        return mapping.get(class_id if by_class else user_id, [])

    def class_members(self, request: Request, class_id: str, child: str) -> Response:
        endpoint = ENDPOINTS[child]
        denied = self.denied(ENDPOINTS["classes"]) or self.denied(endpoint)
        if denied:
            return denied
        if self.find(ENDPOINTS["classes"], class_id) is None:
            return not_found(f"Class {class_id}")
        users = self.store["users"]
        role = endpoint.where[1]

        def base() -> list[int]:
            found = {users.pos.get(u) for u in self.enrolled(class_id=class_id, user_id=None)}
            roles = users.values("role")
            return sorted(i for i in found if i is not None and roles[i] == role)

        return self.listing(request, endpoint, base=base, base_key=("class", class_id, child))

    def user_classes(self, request: Request, head: Endpoint, user_id: str) -> Response:
        endpoint = ENDPOINTS["classes"]
        denied = self.denied(head) or self.denied(endpoint)
        if denied:
            return denied
        if self.find(head, user_id) is None:
            return not_found(f"User {user_id}")
        classes = self.store["classes"]

        def base() -> list[int]:
            found = {classes.pos.get(c) for c in self.enrolled(class_id=None, user_id=user_id)}
            return sorted(i for i in found if i is not None)

        return self.listing(request, endpoint, base=base, base_key=("user", user_id))

"""Switches a district administrator flips on Aeries' API Security page, limits, and the
behaviours of real Aeries and other OneRoster servers the sandbox can imitate."""

from dataclasses import dataclass, field, fields

# Read permissions of Security > API Security, as the sandbox names them.
PERMISSIONS = (
    "student_data",
    "schools",
    "terms",
    "teacher_data",
    "staff_data",
    "master_schedule",
    "course_data",
    "class_schedules",
)
PERMISSION_LABELS = {
    "student_data": "Student Data",
    "schools": "Schools",
    "terms": "Terms",
    "teacher_data": "Teacher Data",
    "staff_data": "Staff Data",
    "master_schedule": "Master Schedule",
    "course_data": "Course Data",
    "class_schedules": "Class Schedules",
}
ONEROSTER = "oneroster_enabled"
ONEROSTER_ROOT = "ims/oneroster/v1p1/"
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


@dataclass
class Behaviours:
    """How the sandbox shapes its answers (all off: Aeries as the sandbox always was).

    Those marked (rebuild) change the serialized records, so setting them rebuilds the
    store; the rest apply to the next request.
    """

    strict_spec: bool = False  # JSON booleans and absolute hrefs, as strict servers (rebuild)
    token_path: str = "token"  # the token endpoint, under the base path
    oneroster_root: str = ONEROSTER_ROOT  # "" mounts the OneRoster API at the base path
    aeries_ids: bool = False  # STU_/TCH_/PAT_ sourcedIds, parents shared by siblings (rebuild)
    guid_ids: bool = False  # every user's sourcedId a GUID; userIds keep Aeries' ids (rebuild)
    numeric_relationships: bool = False  # native RelationshipToStudentCode as 11, 13, 16…
    codes_endpoint: bool = True  # GET api/v5/codes/CON/RL answers the relationship codes
    rejected_filters: list[str] = field(default_factory=list)  # fields filter= refuses (400)
    refused_scopes: list[str] = field(default_factory=list)  # scopes the token refuses (401)
    # [{"path": "token", "status": 302, "location": "http://…"}]: answer a redirect there.
    redirects: list[dict] = field(default_factory=list)
    link_host: str = ""  # host[:port] written into Link headers instead of the request's
    duplicate_rows: bool = False  # a student, a class and an enrollment served twice (rebuild)
    # NUL, over-long values, a JSON object for a name, a CR/LF user name, a nameless contact
    dirty_text: bool = False  # (rebuild)
    retired_schools: list[str] = field(default_factory=list)  # codes gone (404) (rebuild)
    # A third of the secondary sections run in the fall only, a third in the spring only.
    semester_sections: bool = False  # (rebuild)
    # Elementary classes under their ids before Aeries' 2019-20 change: 990_990421, not
    # 990_TN_421 (OneRoster; enrollments follow).
    old_elementary_ids: bool = False  # (rebuild)

    REBUILD = (
        "strict_spec",
        "aeries_ids",
        "guid_ids",
        "duplicate_rows",
        "dirty_text",
        "retired_schools",
        "semester_sections",
        "old_elementary_ids",
    )

    def update(self, values: dict) -> bool:
        """Set behaviours by name; True when the store must be rebuilt."""
        known = {f.name: f for f in fields(self)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown behaviour {unknown[0]!r}; known: {', '.join(known)}")
        for name, value in values.items():
            setattr(self, name, _coerce(name, value, known[name].type))
        for redirect in self.redirects:
            if int(redirect.get("status", 302)) not in REDIRECT_STATUSES or not redirect.get(
                "location"
            ):
                raise ValueError("a redirect needs a path, a 3xx status and a location")
        self.token_path = self.token_path.strip("/")
        self.oneroster_root = (
            self.oneroster_root.strip("/") + "/" if self.oneroster_root.strip("/") else ""
        )
        return any(name in self.REBUILD for name in values)

    def redirect_for(self, path: str) -> dict | None:
        return next(
            (r for r in self.redirects if r.get("path", "").strip("/") == path.strip("/")), None
        )

    def describe(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _coerce(name: str, value, kind):
    if kind in (bool, "bool"):
        return bool(value)
    if kind in (str, "str"):
        return str(value or "")
    if not isinstance(value, list):
        raise ValueError(f"{name} must be a list")
    return [dict(v) for v in value] if name == "redirects" else [str(v) for v in value]


@dataclass
class Switches:
    max_limit: int = 1000
    oneroster_enabled: bool = True
    permissions: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(PERMISSIONS, True))
    behaviours: Behaviours = field(default_factory=Behaviours)

    def set(self, name: str, on: bool) -> None:
        if name == ONEROSTER:
            self.oneroster_enabled = bool(on)
        elif name in self.permissions:
            self.permissions[name] = bool(on)
        else:
            raise ValueError(
                f"unknown permission {name!r}; known: {', '.join(PERMISSIONS)}, {ONEROSTER}"
            )

    def denied(self, names: tuple[str, ...]) -> str | None:
        """The label of the first missing permission among `names`, or None."""
        return next((PERMISSION_LABELS[n] for n in names if not self.permissions[n]), None)

    def describe(self) -> dict:
        return {ONEROSTER: self.oneroster_enabled, **self.permissions}

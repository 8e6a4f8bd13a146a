"""Switches a district administrator flips on Aeries' API Security page, and limits."""

from dataclasses import dataclass, field

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


@dataclass
class Switches:
    max_limit: int = 1000
    oneroster_enabled: bool = True
    permissions: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(PERMISSIONS, True))

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

"""What an end-of-year archive of a district would set aside, per school and role, and
what a manager should know first (the preview page and `archive_year --dry-run`)."""

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Count
from django.utils import timezone

from rostering.models import (
    AcademicSession,
    ConnectionYear,
    Course,
    District,
    Enrollment,
    Guardian,
    HeldChange,
    Person,
    RosterStatus,
    RunStatus,
    Section,
    SyncRun,
)
from rostering.models.rollover import LIVE
from rostering.models.sync import ACTIVE_RUN_STATUSES

# What an archive sets aside, in the order an undo puts it back, and each table's key
# within the district (an undo restores a row only if no live row took its key since).
CLASS_TABLES: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    "terms": (AcademicSession, ("sourced_id",)),
    "courses": (Course, ("sourced_id",)),
    "sections": (Section, ("sourced_id",)),
    "enrollments": (Enrollment, ("sourced_id",)),
    "guardians": (Guardian, ("sourced_id", "student_id")),
}
COUNT_KEYS = ("people", "sections", "enrollments", "guardians", "courses", "terms")
COUNT_LABELS = {
    "people": "accounts",
    "sections": "sections",
    "enrollments": "enrollments",
    "guardians": "parent contacts",
    "courses": "courses",
    "terms": "terms",
}


def counts_labelled(counts: dict[str, int]) -> list[tuple[str, int]]:
    """(words a manager reads, count) in the usual order."""
    return [(COUNT_LABELS[key], counts.get(key, 0)) for key in COUNT_KEYS]


PEOPLE_ROLES = {
    "students": ("student",),
    "staff": ("teacher", "staff", "administrator"),
}
STALE_IMPORT_DAYS = 7
DISTRICT_OFFICE = "District office (no school)"

WARN_IMPORT_ACTIVE = "An import is queued or running (import #{run}): the archive would be refused."
WARN_HELD = (
    "{count:,} held {changes} of earlier imports wait for approval; they will be out of "
    "date once the year is archived."
)
WARN_STALE = "The last successful import finished {days} days ago: archive fresh data."
WARN_NEVER = "No import of this district has completed yet."


@dataclass(frozen=True)
class SchoolCounts:
    school: str
    accounts: dict[str, int] = field(default_factory=dict)  # role -> accounts
    sections: int = 0
    enrollments: int = 0
    contacts: int = 0


@dataclass(frozen=True)
class ArchivePreview:
    district: District
    label: str
    people_roles: tuple[str, ...]
    counts: dict[str, int]
    schools: list[SchoolCounts]
    warnings: list[str]

    def as_dict(self, *, dry_run: bool = True) -> dict:
        return {"label": self.label, "archived": self.counts, "dry_run": dry_run}


# What would be archived ---------------------------------------------------------------


def year_label_default(*, district: District, today: datetime.date | None = None) -> str:
    """The school year the district's imports read (e.g. "2025-2026": Aeries' DatabaseYear,
    rostering/school_year.py), else the label of its current school-year session, else
    the school year today falls in (July starts a new one)."""
    years = ConnectionYear.objects.filter(connection__district=district).exclude(imported="")
    if imported := sorted(set(years.values_list("imported", flat=True))):
        return imported[0]  # the oldest: the year that ends
    today = today or timezone.localdate()
    years = AcademicSession.objects.filter(LIVE, district=district, session_type="schoolYear")
    current = years.filter(start_date__lte=today, end_date__gte=today).first()
    session = current or years.order_by("-end_date").first()
    if session is not None:
        if _is_year_label(session.title):
            return session.title
        if session.school_year.isdigit():
            return f"{int(session.school_year) - 1}-{session.school_year}"
        if session.end_date:
            return f"{session.end_date.year - 1}-{session.end_date.year}"
    start = today.year if today.month >= 7 else today.year - 1
    return f"{start}-{start + 1}"


def _is_year_label(text: str) -> bool:
    first, _, second = text.partition("-")
    return first.isdigit() and second.isdigit() and len(first) == len(second) == 4


def active_people(district: District, roles: tuple[str, ...]) -> models.QuerySet:
    return Person.objects.filter(district=district, role__in=roles, status=RosterStatus.ACTIVE)


def live_rows(model: type[models.Model], district: District) -> models.QuerySet:
    return model.objects.filter(LIVE, district=district)


def archive_counts(district: District, roles: tuple[str, ...]) -> dict[str, int]:
    counts = {name: live_rows(model, district).count() for name, (model, _) in CLASS_TABLES.items()}
    counts["people"] = active_people(district, roles).count() if roles else 0
    return {key: counts[key] for key in COUNT_KEYS}


def _per_school(district: District, roles: tuple[str, ...]) -> list[SchoolCounts]:
    schools: dict[str, dict] = {}

    def add(name: str | None, key: str, count: int, role: str | None = None) -> None:
        entry = schools.setdefault(name or DISTRICT_OFFICE, {"accounts": {}})
        if role is None:
            entry[key] = entry.get(key, 0) + count
        else:
            entry["accounts"][role] = entry["accounts"].get(role, 0) + count

    for row in live_rows(Section, district).values("school__name").annotate(n=Count("id")):
        add(row["school__name"], "sections", row["n"])
    enrollments = live_rows(Enrollment, district).values("section__school__name")
    for row in enrollments.annotate(n=Count("id")):
        add(row["section__school__name"], "enrollments", row["n"])
    contacts = live_rows(Guardian, district).values("student__school_links__school__name")
    for row in contacts.annotate(n=Count("id")):
        add(row["student__school_links__school__name"], "contacts", row["n"])
    if roles:
        people = active_people(district, roles).values("school_links__school__name", "role")
        for row in people.annotate(n=Count("id")):
            add(row["school_links__school__name"], "accounts", row["n"], role=row["role"])
    return [SchoolCounts(school=name, **values) for name, values in sorted(schools.items())]


def _warnings(district: District) -> list[str]:
    warnings = []
    active = SyncRun.objects.filter(district=district, status__in=ACTIVE_RUN_STATUSES)
    if run := active.exclude(trigger=SyncRun.Trigger.ARCHIVE).values_list("pk", flat=True).first():
        warnings.append(WARN_IMPORT_ACTIVE.format(run=run))
    held = HeldChange.objects.filter(
        record__run__district=district, status=HeldChange.Status.PENDING
    ).count()
    if held:
        warnings.append(WARN_HELD.format(count=held, changes="change" if held == 1 else "changes"))
    last = (
        SyncRun.objects.filter(
            district=district, status__in=[RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR]
        )
        .exclude(trigger=SyncRun.Trigger.ARCHIVE)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    if last is None:
        warnings.append(WARN_NEVER)
    elif (days := (timezone.now() - last).days) > STALE_IMPORT_DAYS:
        warnings.append(WARN_STALE.format(days=days))
    return warnings


def people_roles_for(choices: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The person roles of the manager's choices ("students", "staff")."""
    return tuple(role for choice in choices for role in PEOPLE_ROLES[choice])


def year_archive_preview(
    *, district: District, label: str = "", people_roles: tuple[str, ...] = ()
) -> ArchivePreview:
    """What an archive would set aside now, per school and role, with its warnings."""
    return ArchivePreview(
        district=district,
        label=label or year_label_default(district=district),
        people_roles=tuple(people_roles),
        counts=archive_counts(district, tuple(people_roles)),
        schools=_per_school(district, tuple(people_roles)),
        warnings=_warnings(district),
    )

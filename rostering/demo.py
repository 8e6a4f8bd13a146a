"""The demo district: a district, its vendor schools and three logins; and, once its
first import is in, what a new user should find in it besides: a pinned field and a
relink waiting for approval."""

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from connections.models import Connection
from connections.services import connection_save, connection_snapshot
from rostering.imports import sync_run_start
from rostering.models import (
    District,
    FieldPin,
    HeldChange,
    Membership,
    Person,
    RosterStatus,
    RunStatus,
    School,
    SyncRun,
    SyncSettings,
)
from rostering.pins import field_pin
from rostering.scheduling import connection_schedule_sync
from rostering.schools import sis_schools_refresh

DEMO_DISTRICT = "Demo Unified School District"
# Vendor-side school names, spelled the way a vendor's own list often is, so
# that auto-mapping against the sandbox SIS has real work to do.
DEMO_SCHOOLS = (
    "Lincoln Elementary",
    "Jefferson Elem.",
    "Washington Middle",
    "Roosevelt HS",
    "Kennedy High",
    "St. Mary's Academy",
)
DEMO_LOGINS = (
    ("admin", "admin", None),
    ("manager", "manager", Membership.Role.MANAGER),
    ("reviewer", "reviewer", Membership.Role.REVIEWER),
)


@dataclass(frozen=True)
class DemoSeed:
    district: District
    logins: tuple[tuple[str, str, str], ...]


def _user(username: str, password: str, *, superuser: bool):
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.is_staff = True
    user.is_superuser = superuser
    user.email = f"{username}@demo.autoroster.test"
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def demo_seed() -> DemoSeed:
    """Creates (or refreshes) the demo district and logins; safe to run again."""
    district, _ = District.objects.get_or_create(name=DEMO_DISTRICT)
    for name in DEMO_SCHOOLS:
        School.objects.get_or_create(district=district, name=name)
    logins = []
    for username, password, role in DEMO_LOGINS:
        user = _user(username, password, superuser=role is None)
        if role is not None:
            Membership.objects.update_or_create(
                user=user, district=district, defaults={"role": role}
            )
        label = "vendor support (superuser)" if role is None else Membership.Role(role).label
        logins.append((username, password, label))
    return DemoSeed(district=district, logins=tuple(logins))


DEMO_CONNECTION = "Aeries OneRoster (sandbox)"


@transaction.atomic
def demo_connection_seed(*, district: District, base_url: str, client_id: str, secret: str):
    """The demo district's connection to the sandbox SIS, schools auto-mapped, daily
    import on. Returns (connection, created)."""
    connection = Connection.objects.filter(district=district, name=DEMO_CONNECTION).first()
    created = connection is None
    before = None if created else connection_snapshot(connection)
    connection = connection or Connection(district=district, name=DEMO_CONNECTION)
    connection.kind, connection.base_url, connection.client_id = "oneroster", base_url, client_id
    connection_save(connection=connection, actor=None, before=before, new_secret=secret,
                    source="demo")  # fmt: skip
    SyncSettings.objects.update_or_create(
        connection=connection,
        defaults={"sync_staff": True, "sync_administrators": True, "guardians": "primary",
                  "daily_import": True, "notify_emails": "it@demo.autoroster.test"},
    )  # fmt: skip
    connection_schedule_sync(connection=connection)
    sis_schools_refresh(connection=connection, actor=None, source="demo")
    return connection, created


# The story: a manager pinned a student's first name (the name the student goes by), and
# Aeries gave three students new Student IDs (two records of one student merged, an id
# corrected): the next import holds their relinks for the manager's approval.
DEMO_PINNED_STUDENT = "100020"
DEMO_PINNED_NAME = "Alex"
DEMO_RENUMBERED = 3
STORY_WAIT_SECONDS = 600
FINISHED = (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR)


@dataclass(frozen=True)
class DemoStory:
    person: Person  # whose first name is pinned
    pin: FieldPin
    run: SyncRun  # the import holding the relinks
    renumbered: dict[str, str]  # old Student ID -> new


def _first_import(connection: Connection, wait: float, poll: float) -> SyncRun | None:
    """The connection's first import once it ended (None if it does not within `wait`)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        first = SyncRun.objects.filter(connection=connection).order_by("pk").first()
        if first is not None and not first.is_active:
            return first
        time.sleep(poll)
    return None


def demo_story_play(
    *,
    connection: Connection,
    renumber: Callable[[int], dict],
    wait: float = STORY_WAIT_SECONDS,
    poll: float = 1.0,
) -> DemoStory | None:
    """After the demo's first import: the manager pins a student's first name, the SIS
    gives three students new Student IDs (`renumber(n)`, the sandbox's control call) and
    an import holds their relinks. Played once per database; None when it was played
    before or the first import did not complete."""
    district = connection.district
    played = HeldChange.objects.filter(record__run__district=district, kind=HeldChange.Kind.RELINK)
    if FieldPin.objects.filter(district=district).exists() or played.exists():
        return None
    first = _first_import(connection, wait, poll)
    if first is None or first.status not in FINISHED:
        return None
    manager = get_user_model().objects.filter(username="manager").first()
    students = Person.objects.filter(district=district, role="student", status=RosterStatus.ACTIVE)
    person = students.filter(sourced_id=DEMO_PINNED_STUDENT).first() or students.first()
    pin = field_pin(obj=person, field="given_name", value=DEMO_PINNED_NAME, actor=manager,
                    source="demo")  # fmt: skip
    renumbered = renumber(DEMO_RENUMBERED)["renumbered"]
    run = sync_run_start(connection=connection, actor=manager, trigger=SyncRun.Trigger.MANUAL,
                         inline=True)  # fmt: skip
    return DemoStory(person=person, pin=pin, run=run, renumbered=renumbered)

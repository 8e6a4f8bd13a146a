"""The demo district: a district, its vendor schools and three logins."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from connections.models import Connection
from connections.services import connection_save, connection_snapshot
from rostering.models import District, Membership, School, SyncSettings
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

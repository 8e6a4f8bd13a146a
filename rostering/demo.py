"""The demo district: a district, its vendor schools and three logins."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from rostering.models import District, Membership, School

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

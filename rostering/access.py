"""Who may see and change which district's objects."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from rostering.models import Membership


@dataclass(frozen=True)
class DistrictAccess:
    """The districts a user may read and those they may change; None means all."""

    readable: frozenset[int] | None
    managed: frozenset[int] | None
    zones: frozenset[str] | None = None  # the time zones of the readable districts

    def can_read(self, district_id: int | None) -> bool:
        return self.readable is None or district_id in self.readable

    def can_manage(self, district_id: int | None) -> bool:
        return self.managed is None or district_id in self.managed

    @property
    def is_member(self) -> bool:
        return self.readable is None or bool(self.readable)

    @property
    def manages_any(self) -> bool:
        return self.managed is None or bool(self.managed)


NO_ACCESS = DistrictAccess(readable=frozenset(), managed=frozenset(), zones=frozenset())


def district_access_for(user: AbstractBaseUser | AnonymousUser) -> DistrictAccess:
    """Superusers (vendor support) see everything; others only their memberships."""
    if not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    if user.is_superuser:
        return DistrictAccess(readable=None, managed=None)
    rows = list(
        Membership.objects.filter(user=user).values_list(
            "district_id", "role", "district__timezone"
        )
    )
    return DistrictAccess(
        readable=frozenset(d for d, _, _ in rows),
        managed=frozenset(d for d, role, _ in rows if role == Membership.Role.MANAGER),
        zones=frozenset(zone for _, _, zone in rows),
    )


def request_district_access(request) -> DistrictAccess:
    """district_access_for, computed once per request."""
    cached = getattr(request, "_district_access", None)
    if cached is None:
        cached = district_access_for(request.user)
        request._district_access = cached
    return cached

"""Districts, their vendor schools and memberships: each change audited in its transaction."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from audit.models import AuditEvent
from audit.services import audit_record, audited_delete, audited_save
from rostering.models import District, Membership, School


@transaction.atomic
def district_get_or_create(
    *, name: str, actor: AbstractBaseUser | None, source: str = "command line"
) -> tuple[District, bool]:
    """The district of this name, created (and audited) when there is none."""
    district = District.objects.filter(name=name).first()
    if district is not None:
        return district, False
    district = District.objects.create(name=name)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=district,
        district_id=district.pk,
        changes={"name": [None, name]},
        source=source,
    )
    return district, True


def district_save(
    *,
    district: District,
    actor: AbstractBaseUser | None,
    fields: list[str],
    source: str = "admin",
    remote_addr: str | None = None,
) -> District:
    return audited_save(obj=district, actor=actor, fields=fields, source=source,
                        remote_addr=remote_addr)  # fmt: skip


def school_save(
    *,
    school: School,
    actor: AbstractBaseUser | None,
    fields: list[str],
    source: str = "admin",
    remote_addr: str | None = None,
) -> School:
    """Adds or changes one of the district's vendor schools."""
    return audited_save(obj=school, actor=actor, fields=fields, source=source,
                        remote_addr=remote_addr)  # fmt: skip


def school_delete(
    *, school: School, actor: AbstractBaseUser | None, remote_addr: str | None = None
) -> None:
    audited_delete(obj=school, actor=actor, remote_addr=remote_addr)


def membership_save(
    *,
    membership: Membership,
    actor: AbstractBaseUser | None,
    fields: list[str],
    source: str = "admin",
    remote_addr: str | None = None,
) -> Membership:
    """Grants a user a role in a district, or changes the role."""
    return audited_save(obj=membership, actor=actor, fields=fields, source=source,
                        remote_addr=remote_addr)  # fmt: skip


def membership_delete(
    *, membership: Membership, actor: AbstractBaseUser | None, remote_addr: str | None = None
) -> None:
    audited_delete(obj=membership, actor=actor, remote_addr=remote_addr)

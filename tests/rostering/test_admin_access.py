"""Every admin URL of every district-owned model is scoped to the user's districts."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from rostering.admin.base import DistrictScopedAdmin
from rostering.models import RosterChange, YearArchive
from tests.factories import (
    AcademicSessionFactory,
    ConnectionFactory,
    CourseFactory,
    EnrollmentFactory,
    GuardianFactory,
    ImportIssueFactory,
    ImportRecordFactory,
    MembershipFactory,
    PersonFactory,
    SchedulePauseFactory,
    SchoolFactory,
    SectionFactory,
    SisSchoolFactory,
    SyncRunFactory,
)

# One way to create an object of each district-owned model in a given district.
# A new model registered in the admin must be added here (see the coverage test).
OBJECT_MAKERS = {
    "rostering.district": lambda d: d,
    "rostering.school": lambda d: SchoolFactory(district=d),
    "rostering.membership": lambda d: MembershipFactory(district=d),
    "audit.auditevent": lambda d: audit_record(
        actor=None, action=AuditEvent.Action.TEST, district_id=d.pk, message="probe"
    ),
    "connections.connection": lambda d: ConnectionFactory(district=d),
    "rostering.sisschool": lambda d: SisSchoolFactory(connection=ConnectionFactory(district=d)),
    "rostering.syncrun": lambda d: SyncRunFactory(connection=ConnectionFactory(district=d)),
    "rostering.schedulepause": lambda d: SchedulePauseFactory(
        connection=ConnectionFactory(district=d)
    ),
    "rostering.importrecord": lambda d: ImportRecordFactory(
        run__connection=ConnectionFactory(district=d)
    ),
    "rostering.importissue": lambda d: ImportIssueFactory(
        record__run__connection=ConnectionFactory(district=d)
    ),
    "rostering.person": lambda d: PersonFactory(district=d),
    "rostering.guardian": lambda d: GuardianFactory(district=d),
    "rostering.section": lambda d: SectionFactory(district=d),
    "rostering.enrollment": lambda d: EnrollmentFactory(district=d),
    "rostering.academicsession": lambda d: AcademicSessionFactory(district=d),
    "rostering.course": lambda d: CourseFactory(district=d),
    "rostering.rosterchange": lambda d: RosterChange.objects.create(
        district=d,
        table="person",
        row_id=PersonFactory(district=d).pk,
        sourced_id="100001",
        action=RosterChange.Action.UPDATED,
        before={"family_name": "Lopez"},
        after={"family_name": "López"},
        created_at=timezone.now(),
    ),
    "rostering.yeararchive": lambda d: YearArchive.objects.create(district=d, label="2025-2026"),
}


def scoped_admins():
    return {
        model._meta.label_lower: model_admin
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, DistrictScopedAdmin)
    }


def _url(obj, view: str) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])


def test_every_scoped_model_is_covered():
    assert set(scoped_admins()) == set(OBJECT_MAKERS)


def test_unscoped_admins_are_only_vendor_models():
    others = {
        m._meta.app_label
        for m, a in admin.site._registry.items()
        if not isinstance(a, DistrictScopedAdmin)
    }
    assert others <= {"auth", "django_q"}


@pytest.fixture(params=["manager", "reviewer"])
def member_client(request, client, district):
    user = request.getfixturevalue(request.param)
    client.force_login(user)
    return client


@pytest.mark.parametrize("label", sorted(OBJECT_MAKERS))
def test_other_districts_objects_are_404(member_client, other_district, label):
    obj = OBJECT_MAKERS[label](other_district)
    for view in ("change", "delete", "history"):
        response = member_client.get(_url(obj, view))
        assert response.status_code == 404, (label, view)
    response = member_client.post(_url(obj, "change"), {"name": "hijacked"})
    assert response.status_code == 404
    response = member_client.post(_url(obj, "delete"), {"post": "yes"})
    assert response.status_code == 404
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("label", sorted(OBJECT_MAKERS))
def test_other_districts_objects_are_not_listed(member_client, district, other_district, label):
    theirs = OBJECT_MAKERS[label](other_district)
    meta = theirs._meta
    response = member_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert response.status_code == 200
    ids = {o.pk for o in response.context["cl"].result_list}
    assert theirs.pk not in ids
    assert other_district.name not in response.content.decode()  # not even in a filter


@pytest.mark.parametrize("label", sorted(OBJECT_MAKERS))
def test_reviewer_reads_but_cannot_change(client, reviewer, district, label):
    client.force_login(reviewer)
    obj = OBJECT_MAKERS[label](district)
    page = client.get(_url(obj, "change"))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(_url(obj, "change"), {"name": "changed"}).status_code == 403
    assert client.post(_url(obj, "delete"), {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()
    meta = obj._meta
    add = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    assert add.status_code == 403


def test_manager_cannot_create_in_another_district(client, manager, other_district):
    client.force_login(manager)
    response = client.post(
        reverse("admin:rostering_school_add"), {"district": other_district.pk, "name": "Mine now"}
    )
    assert response.status_code == 200  # the form refuses the choice
    assert "district" in response.context["adminform"].form.errors


def test_manager_edits_own_school_and_it_is_audited(client, manager, district):
    client.force_login(manager)
    school = SchoolFactory(district=district, name="Old Name")
    response = client.post(_url(school, "change"), {"district": district.pk, "name": "New Name"})
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.name == "New Name"
    event = AuditEvent.objects.get(object_type="school", action=AuditEvent.Action.UPDATE)
    assert event.changes == {"name": ["Old Name", "New Name"]}
    assert event.actor == manager and event.district == district


def test_user_without_membership_sees_nothing(client, db, other_district):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    obj = ConnectionFactory(district=other_district)
    assert client.get(_url(obj, "change")).status_code in (403, 404)
    index = client.get(reverse("admin:index"))
    assert b"connections" not in index.content.lower().replace(b"sis connections", b"")


def test_superuser_sees_every_district(client, superuser, district, other_district):
    client.force_login(superuser)
    for d in (district, other_district):
        assert client.get(_url(ConnectionFactory(district=d), "change")).status_code == 200

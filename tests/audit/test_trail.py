"""The audit trail is complete (every admin change, inlines included, through a service)
and append-only (it outlives its district; PostgreSQL refuses UPDATE and DELETE)."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import audit_record
from rostering.models import District, School
from tests.factories import SchoolFactory


def _district_post(district, schools: list[dict], initial: int = 0) -> dict:
    data = {
        "name": district.name,
        "timezone": district.timezone,
        "active": "on",
        "schools-TOTAL_FORMS": str(len(schools)),
        "schools-INITIAL_FORMS": str(initial),
        "schools-MIN_NUM_FORMS": "0",
        "schools-MAX_NUM_FORMS": "1000",
    }
    for i, school in enumerate(schools):
        data.update({f"schools-{i}-{k}": v for k, v in school.items()})
        data[f"schools-{i}-district"] = district.pk
    return data


def test_a_vendor_school_added_on_the_district_page_is_audited(client, manager, district):
    client.force_login(manager)
    url = reverse("admin:rostering_district_change", args=[district.pk])
    response = client.post(url, _district_post(district, [{"name": "Lincoln High", "code": "LH"}]))
    assert response.status_code == 302, response.context["errors"]
    school = School.objects.get(district=district)
    event = AuditEvent.objects.get(object_type="school", action=AuditEvent.Action.CREATE)
    assert event.object_id == str(school.pk) and event.actor == manager
    assert event.district_id == district.pk and event.district_name == "Home District"
    assert event.changes == {"code": [None, "LH"], "name": [None, "Lincoln High"]}


def test_a_vendor_school_changed_and_removed_on_the_district_page_is_audited(
    client, manager, district
):
    school = SchoolFactory(district=district, name="Lincoln High", code="")
    client.force_login(manager)
    url = reverse("admin:rostering_district_change", args=[district.pk])
    renamed = [{"id": school.pk, "name": "Lincoln High School", "code": ""}]
    assert client.post(url, _district_post(district, renamed, initial=1)).status_code == 302
    change = AuditEvent.objects.get(object_type="school", action=AuditEvent.Action.UPDATE)
    assert change.changes == {"name": ["Lincoln High", "Lincoln High School"]}

    removed = [{"id": school.pk, "name": "Lincoln High School", "code": "", "DELETE": "on"}]
    assert client.post(url, _district_post(district, removed, initial=1)).status_code == 302
    assert not School.objects.exists()
    deletion = AuditEvent.objects.get(object_type="school", action=AuditEvent.Action.DELETE)
    assert deletion.object_repr == "Lincoln High School"


def test_a_membership_granted_in_the_admin_is_audited(client, superuser, district, manager):
    client.force_login(superuser)
    other = type(manager).objects.create_user("second-manager", password="x")
    url = reverse("admin:rostering_membership_add")
    data = {"user": other.pk, "district": district.pk, "role": "reviewer"}
    assert client.post(url, data).status_code == 302
    event = AuditEvent.objects.get(object_type="membership", action=AuditEvent.Action.CREATE)
    assert event.changes["role"] == [None, "reviewer"] and event.district_id == district.pk


def test_the_trail_outlives_its_district_with_the_district_name(district, manager):
    audit_record(actor=manager, action=AuditEvent.Action.TEST, obj=district, message="kept")
    district_id = district.pk
    district.delete()
    assert not District.objects.filter(pk=district_id).exists()
    event = AuditEvent.objects.get(message="kept")
    assert (event.district_id, event.district_name) == (district_id, "Home District")
    assert event.actor_label == manager.username


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE rostering_auditevent SET message = 'rewritten' WHERE id = %s",
        "DELETE FROM rostering_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_to_rewrite_or_delete_an_audit_row(district, statement):
    event = audit_record(actor=None, action=AuditEvent.Action.TEST, obj=district)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [event.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.message == ""

"""Sticky edits (rostering/pins.py): pinned fields survive imports; unpinning gives the
SIS's value back at the next import."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from rostering.models import FieldPin, Person, Section, SyncSettings
from rostering.pins import field_pin, field_unpin
from tests.factories import MembershipFactory
from tests.sync.helpers import pull, pull_capturing, record, roster_writes

pytestmark = pytest.mark.django_db


@pytest.fixture
def updating(connection):
    SyncSettings.objects.filter(connection=connection).update(existing_accounts="update")
    return connection


def _rename_in_sis(sis, sourced_id: str, **values) -> None:
    with sis.store.lock:
        person = sis.district.people[sourced_id]
        for name, value in values.items():
            setattr(person, name, value)
        person.date_last_modified = "2030-01-01T00:00:00Z"
        sis.store.people_put([person])
        sis.store.bump()


def test_a_pinned_name_survives_imports_and_unpinning_restores_the_sis_value(
    sis, updating, manager
):
    pull(updating)
    person = Person.objects.filter(role="student").order_by("pk").first()
    sis_name = person.family_name
    pin = field_pin(obj=person, field="family_name", value="Preferred-Name", actor=manager)
    assert Person.objects.get(pk=person.pk).family_name == "Preferred-Name"

    run = pull(updating)  # the SIS did not change: nothing written, the pin counted
    assert Person.objects.get(pk=person.pk).family_name == "Preferred-Name"
    assert record(run, "students").pinned_differ == 1
    pin.refresh_from_db()
    assert pin.sis_value == sis_name and pin.differs

    _rename_in_sis(sis, person.sourced_id, given_name="Renamed", family_name="Other")
    pull(updating)  # the row is written (its given name changed), the pin kept
    person.refresh_from_db()
    assert (person.given_name, person.family_name) == ("Renamed", "Preferred-Name")
    pin.refresh_from_db()
    assert pin.sis_value == "Other"

    field_unpin(pin=pin, actor=manager)
    pull(updating)
    person.refresh_from_db()
    assert person.family_name == "Other" and not FieldPin.objects.exists()
    assert [e.action for e in AuditEvent.objects.filter(action__in=["pin", "unpin"])] == [
        "unpin", "pin"
    ]  # fmt: skip


def test_a_pinned_class_title_survives_and_a_no_change_import_writes_nothing(updating, manager):
    pull(updating)
    section = Section.objects.order_by("pk").first()
    field_pin(obj=section, field="title", value="Mrs. Lee's Algebra", actor=manager)
    run, queries = pull_capturing(updating)
    assert roster_writes(queries) == []
    assert Section.objects.get(pk=section.pk).title == "Mrs. Lee's Algebra"
    assert record(run, "classes").pinned_differ == 1


def test_only_pinnable_fields_take_only_values_they_can_hold(updating, manager):
    pull(updating)
    person = Person.objects.filter(role="student").first()
    with pytest.raises(ValidationError, match="cannot be pinned"):
        field_pin(obj=person, field="role", value="teacher", actor=manager)
    with pytest.raises(ValidationError):
        field_pin(obj=person, field="email", value="x" * 300, actor=manager)
    pin = field_pin(obj=person, field="grades", value="04, 05", actor=manager)
    assert pin.value == ["04", "05"] and Person.objects.get(pk=person.pk).grades == ["04", "05"]


def test_the_person_page_pins_and_unpins(client, updating):
    pull(updating)
    person = Person.objects.filter(role="student").first()
    manager = MembershipFactory(district=updating.district, role="manager").user
    client.force_login(manager)
    page = client.get(reverse("admin:rostering_person_change", args=[person.pk]))
    assert "Pinned fields" in page.content.decode() and 'id="pin-field"' in page.content.decode()
    client.post(reverse("admin:rostering_person_pin", args=[person.pk]),
                {"field": "given_name", "value": "Bobby"})  # fmt: skip
    pin = FieldPin.objects.get()
    assert Person.objects.get(pk=person.pk).given_name == "Bobby"
    page = client.get(reverse("admin:rostering_person_change", args=[person.pk])).content.decode()
    assert "Bobby" in page and manager.username in page
    client.post(reverse("admin:rostering_person_unpin", args=[person.pk, pin.pk]))
    assert not FieldPin.objects.exists()

    reviewer = MembershipFactory(district=updating.district, role="reviewer").user
    client.force_login(reviewer)
    response = client.post(reverse("admin:rostering_person_pin", args=[person.pk]),
                           {"field": "given_name", "value": "Nope"})  # fmt: skip
    assert response.status_code == 403

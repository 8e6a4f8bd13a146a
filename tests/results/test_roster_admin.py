"""The rostered data, read-only and district-scoped, with lists that do not query per row."""

import pytest
from django.urls import reverse

from rostering.models import Person, PersonSchool
from tests.factories import (
    AcademicSessionFactory,
    CourseFactory,
    EnrollmentFactory,
    GuardianFactory,
    PersonFactory,
    SchoolFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db
ROWS = 25
MAKERS = {
    "person": PersonFactory,
    "guardian": GuardianFactory,
    "section": SectionFactory,
    "enrollment": EnrollmentFactory,
    "academicsession": AcademicSessionFactory,
    "course": CourseFactory,
}


def changelist(model: str) -> str:
    return reverse(f"admin:rostering_{model}_changelist")


@pytest.fixture
def people(district):
    schools = [SchoolFactory(district=district, name=n) for n in ("Lincoln", "Roosevelt")]
    people = PersonFactory.create_batch(ROWS, district=district, grades=["03"])
    for i, person in enumerate(people):
        PersonSchool.objects.create(person=person, school=schools[i % 2])
    return people


def test_people_list_shows_roster_fields(client, reviewer, people):
    client.force_login(reviewer)
    html = client.get(changelist("person")).content.decode()
    first = people[0]
    for text in (first.family_name, first.username, first.email, "03", "Lincoln", "Active"):
        assert text in html


def test_people_filter_by_school_role_and_status(client, reviewer, people):
    client.force_login(reviewer)
    lincoln = people[0].schools.get()
    page = client.get(changelist("person"), {"school": lincoln.pk, "role__exact": "student"})
    listed = {p.pk for p in page.context["cl"].result_list}
    assert listed == {p.pk for p in Person.objects.filter(schools=lincoln)}
    page = client.get(changelist("person"), {"status__exact": "archived"})
    assert list(page.context["cl"].result_list) == []


def test_people_search_by_sourced_id(client, reviewer, people):
    client.force_login(reviewer)
    page = client.get(changelist("person"), {"q": people[3].sourced_id})
    assert [p.pk for p in page.context["cl"].result_list] == [people[3].pk]


def test_school_filter_offers_only_the_users_schools(client, reviewer, people, other_district):
    SchoolFactory(district=other_district, name="Somewhere Else High")
    client.force_login(reviewer)
    html = client.get(changelist("person")).content.decode()
    assert "Lincoln" in html and "Somewhere Else High" not in html


@pytest.mark.parametrize("model", sorted(MAKERS))
def test_lists_do_not_query_per_row(
    client, reviewer, district, other_district, model, django_assert_max_num_queries
):
    MAKERS[model].create_batch(ROWS, district=district)
    MAKERS[model](district=other_district)
    client.force_login(reviewer)
    with django_assert_max_num_queries(12):
        page = client.get(changelist(model))
    assert page.status_code == 200
    assert len(page.context["cl"].result_list) == ROWS


@pytest.mark.parametrize("model", sorted(MAKERS))
def test_managers_cannot_edit_sis_data(client, manager, district, model):
    obj = MAKERS[model](district=district)
    client.force_login(manager)
    url = reverse(f"admin:rostering_{model}_change", args=[obj.pk])
    page = client.get(url)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(url, {}).status_code == 403
    assert client.get(reverse(f"admin:rostering_{model}_add")).status_code == 403


def test_person_page_never_shows_the_password_hash(client, manager, district):
    person = PersonFactory(district=district, password="!secret-hash-value")
    client.force_login(manager)
    page = client.get(reverse("admin:rostering_person_change", args=[person.pk]))
    assert b"secret-hash-value" not in page.content

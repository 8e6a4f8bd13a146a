"""The Map schools page: scoped per role, one-submit mapping, the Update list button."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from audit.models import AuditEvent
from rostering import schools
from rostering.admin.schools import MAPPINGS_SAVED
from rostering.models import SisSchool
from rostering.schools import SCHOOLS_FETCH_FAILED
from sis import errors, records
from tests.factories import ConnectionFactory, SchoolFactory, SisSchoolFactory, UserFactory


def map_url(connection) -> str:
    return reverse("admin:rostering_sisschool_map", args=[connection.pk])


def refresh_url(connection) -> str:
    return reverse("admin:rostering_sisschool_refresh", args=[connection.pk])


def field(row: SisSchool) -> str:
    return f"school_{row.pk}"


def mapping_post(rows, choices: dict[int, object]) -> dict[str, str]:
    """What the browser sends: every select with its hidden initial value, some changed."""
    data = {"_save": "Save mappings"}
    for row in rows:
        initial = "" if row.school_id is None else str(row.school_id)
        data[f"initial-{field(row)}"] = initial
        chosen = choices.get(row.pk, row.school)
        data[field(row)] = "" if chosen is None else str(chosen.pk)
    return data


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def vendor(district):
    return {
        name: SchoolFactory(district=district, name=name)
        for name in ("Lincoln Elementary", "Jefferson Elementary", "Roosevelt High")
    }


@pytest.fixture
def sis_rows(connection, vendor):
    lincoln = SisSchoolFactory(
        connection=connection,
        name="Lincoln Elementary School",
        school=vendor["Lincoln Elementary"],
        mapping_method=SisSchool.MappingMethod.AUTO,
        match_score=100.0,
    )
    kennedy = SisSchoolFactory(
        connection=connection,
        name="Kennedy High",
        needs_review=True,
        match_score=90.0,
        candidates=[{"name": "Roosevelt High", "score": 71.0}],
    )
    jefferson = SisSchoolFactory(connection=connection, name="Jefferson Elem.")
    return [lincoln, kennedy, jefferson]


def test_manager_sees_every_sis_school_with_suggestions(client, manager, connection, sis_rows):
    client.force_login(manager)
    response = client.get(map_url(connection))

    assert response.status_code == 200
    assert [row for row, _ in response.context["rows"]] == sorted(sis_rows, key=lambda r: r.name)
    assert response.context["unmapped_count"] == 2
    html = response.content.decode()
    assert "Kennedy High" in html and "Roosevelt High" in html and "review" in html
    assert 'name="_refresh"' in html and 'name="_save"' in html
    assert f'name="{field(sis_rows[0])}"' in html


def test_one_submit_maps_and_unmaps(client, manager, connection, sis_rows, vendor):
    lincoln, kennedy, jefferson = sis_rows
    client.force_login(manager)
    data = mapping_post(sis_rows, {lincoln.pk: None, jefferson.pk: vendor["Jefferson Elementary"]})
    response = client.post(map_url(connection), data)

    assert response.status_code == 302
    assert texts(response) == [MAPPINGS_SAVED.format(count=2, s="s")]
    lincoln.refresh_from_db()
    jefferson.refresh_from_db()
    kennedy.refresh_from_db()
    assert (lincoln.school, lincoln.mapping_method) == (None, SisSchool.MappingMethod.NONE)
    assert jefferson.school == vendor["Jefferson Elementary"]
    assert jefferson.mapping_method == SisSchool.MappingMethod.MANUAL
    assert kennedy.school is None and kennedy.needs_review  # untouched row stays as it was
    events = AuditEvent.objects.filter(action=AuditEvent.Action.MAP)
    assert events.count() == 2 and {e.actor for e in events} == {manager}


def test_a_row_changed_elsewhere_meanwhile_is_not_undone(client, manager, connection, sis_rows):
    lincoln = sis_rows[0]
    client.force_login(manager)
    data = mapping_post(sis_rows, {})  # the page as loaded: nothing changed here
    SisSchool.objects.filter(pk=lincoln.pk).update(school=None)  # someone else unmapped it

    response = client.post(map_url(connection), data)

    assert texts(response) == [MAPPINGS_SAVED.format(count=0, s="s")]
    lincoln.refresh_from_db()
    assert lincoln.school is None


def test_a_school_of_another_district_is_refused(
    client, manager, connection, sis_rows, other_district
):
    theirs = SchoolFactory(district=other_district, name="Their School")
    client.force_login(manager)
    data = mapping_post(sis_rows, {sis_rows[2].pk: theirs})
    response = client.post(map_url(connection), data)

    assert response.status_code == 200
    assert field(sis_rows[2]) in response.context["form"].errors
    assert not SisSchool.objects.filter(school=theirs).exists()


def test_reviewer_reads_the_page_without_controls(client, reviewer, connection, sis_rows):
    client.force_login(reviewer)
    response = client.get(map_url(connection))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Lincoln Elementary" in html
    assert "<select" not in html
    assert 'name="_refresh"' not in html and 'name="_save"' not in html


def test_reviewer_cannot_post(client, reviewer, connection, sis_rows, vendor, monkeypatch):
    fetched = []
    monkeypatch.setattr(schools, "sis_school_fetch", lambda *, connection: fetched.append(1))
    client.force_login(reviewer)
    data = mapping_post(sis_rows, {sis_rows[2].pk: vendor["Jefferson Elementary"]})

    assert client.post(map_url(connection), data).status_code == 403
    assert client.post(refresh_url(connection)).status_code == 403
    assert not fetched
    assert not AuditEvent.objects.exists()
    sis_rows[2].refresh_from_db()
    assert sis_rows[2].school is None


@pytest.mark.parametrize("role", ["manager", "reviewer"])
def test_another_districts_connection_is_404(request, client, role, other_district):
    client.force_login(request.getfixturevalue(role))
    theirs = ConnectionFactory(district=other_district)
    SisSchoolFactory(connection=theirs, name="Secret Elementary")

    assert client.get(map_url(theirs)).status_code == 404
    assert client.post(map_url(theirs), {"_save": "1"}).status_code == 404
    assert client.post(refresh_url(theirs)).status_code == 404


def test_unknown_connection_and_outsiders_get_404(client, db, connection):
    client.force_login(UserFactory())
    assert client.get(map_url(connection)).status_code == 404
    assert client.get(reverse("admin:rostering_sisschool_map", args=[999999])).status_code == 404


def test_anonymous_is_sent_to_login(client, connection):
    response = client.get(map_url(connection))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_update_list_button_refreshes_and_reports(client, manager, connection, vendor, monkeypatch):
    feed = [
        records.SisSchool("990", "Lincoln Elementary School", "990", "elementary", "active", None),
        records.SisSchool("991", "Roosevelt HS", "991", "high", "active", None),
    ]
    monkeypatch.setattr(schools, "sis_school_fetch", lambda *, connection: feed)
    client.force_login(manager)
    response = client.post(refresh_url(connection), follow=True)

    assert response.redirect_chain == [(map_url(connection), 302)]
    [message] = texts(response)
    assert message.startswith("2 SIS schools: 2 new") and "2 mapped automatically" in message
    assert {row.school for row, _ in response.context["rows"]} == {
        vendor["Lincoln Elementary"],
        vendor["Roosevelt High"],
    }


def test_update_list_shows_the_sis_error(client, manager, connection, monkeypatch):
    failure = errors.SisPermissionError(
        errors.PERMISSION_MESSAGE.format(collection="schools"),
        fix=errors.PERMISSION_FIX.format(permission="Schools"),
        permission="Schools",
    )

    def fail(*, connection):
        raise failure

    monkeypatch.setattr(schools, "sis_school_fetch", fail)
    client.force_login(manager)
    response = client.post(refresh_url(connection), follow=True)

    assert response.status_code == 200
    expected = SCHOOLS_FETCH_FAILED.format(connection=connection.name, error=failure)
    assert texts(response) == [expected]
    assert "grant READ permission for Schools" in response.content.decode()


def test_update_list_needs_post(client, manager, connection):
    client.force_login(manager)
    assert client.get(refresh_url(connection)).status_code == 405


def test_changelist_links_to_the_mapping_page(client, manager, connection, sis_rows):
    client.force_login(manager)
    response = client.get(reverse("admin:rostering_sisschool_changelist"))
    assert map_url(connection) in response.content.decode()


def test_change_page_maps_through_the_service(client, manager, connection, sis_rows, vendor):
    row = sis_rows[2]
    client.force_login(manager)
    url = reverse("admin:rostering_sisschool_change", args=[row.pk])
    response = client.post(url, {"school": vendor["Jefferson Elementary"].pk})

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.mapping_method == SisSchool.MappingMethod.MANUAL
    assert AuditEvent.objects.get(action=AuditEvent.Action.MAP).object_id == str(row.pk)

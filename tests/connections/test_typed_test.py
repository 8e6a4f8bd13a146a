"""Test connection on what is typed (issue 14): the Add and change pages test the values on
the form, saved or not, against the sandbox SIS; nothing typed is saved by a test, a
stored verdict is only ever about saved values, and a pass offers to save (then tests
again). The guides' words, certificate whitespace and values pasted into the wrong field."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from connections.forms import (
    CERTIFICATE_IS_SECRET,
    SECRET_IS_CERTIFICATE,
    SECRET_IS_CONSUMER_ID,
    ConnectionForm,
)
from connections.models import Connection
from rostering.admin.connection_typed_test import FORM_INVALID, TESTED_STORED, TESTED_TYPED
from rostering.models import Membership
from sandbox.testing import sandbox_sis, sandbox_sis_factory  # noqa: F401 (fixtures)
from tests.connections.conftest import connection_form_data
from tests.factories import ConnectionFactory, MembershipFactory

pytestmark = pytest.mark.django_db
ADD_TEST = reverse("admin:connections_connection_test_typed_add")
CERTIFICATE = "1b2412b76b02ae48dc2a0960b26ab014"  # Aeries' shape: 32 hex characters
WRONG = "a-wrong-consumer-secret-key"


@pytest.fixture(autouse=True)
def _sandbox_urls_allowed(settings):
    settings.ALLOW_INSECURE_SIS_URLS = True


def _typed(district, server, **overrides) -> dict:
    typed = {
        "base_url": server.base_url + "Login.aspx",  # what the STEMscopes guide has people paste
        "client_id": server.client_id,
        "new_client_secret": server.client_secret,
    }
    return connection_form_data(district, **{**typed, **overrides})


def _change_test_url(connection) -> str:
    return reverse("admin:connections_connection_test_typed", args=[connection.pk])


@pytest.fixture
def saved(district, sandbox_sis):  # noqa: F811
    return ConnectionFactory(
        district=district,
        name="Aeries OneRoster",
        base_url=sandbox_sis.base_url,
        client_id=sandbox_sis.client_id,
        client_secret=sandbox_sis.client_secret,
    )


def test_add_page_tests_typed_values_without_saving(client, manager, district, sandbox_sis):  # noqa: F811
    client.force_login(manager)
    answer = client.post(ADD_TEST, _typed(district, sandbox_sis, new_client_secret=WRONG)).json()
    assert answer["tested"] and not answer["healthy"] and answer["message"] == TESTED_TYPED
    assert "Display Consumer ID & Secret Keys" in answer["report"]
    assert WRONG not in str(answer)
    answer = client.post(ADD_TEST, _typed(district, sandbox_sis)).json()
    assert answer["healthy"] and not answer["saved_values"], answer
    assert "✓ students: OK" in answer["report"]
    assert answer["base_url"] == sandbox_sis.base_url  # …/Login.aspx cut back
    assert "Login.aspx" in answer["url_message"]
    assert sandbox_sis.client_secret not in str(answer)
    assert not Connection.objects.exists()
    events = AuditEvent.objects.filter(action=AuditEvent.Action.TEST).order_by("pk")
    assert [e.message.split(" (")[0] for e in events] == ["Failing", "Healthy"]
    assert all("not saved" in e.message and e.district_id == district.pk for e in events)


def test_saving_after_a_pass_tests_the_saved_values(client, manager, district, sandbox_sis):  # noqa: F811
    client.force_login(manager)
    data = {**_typed(district, sandbox_sis), "_continue": "1", "_test_after_save": "1"}
    response = client.post(reverse("admin:connections_connection_add"), data, follow=True)
    connection = Connection.objects.get()
    assert connection.last_test_ok is True and "✓ students: OK" in connection.last_test_message
    page = response.content.decode()
    assert "connection healthy" in page and "was added successfully" in page


def test_change_page_tests_typed_values_and_keeps_the_stored_ones(client, manager, saved):
    client.force_login(manager)
    data = _typed(saved.district, saved, name=saved.name, new_client_secret=WRONG)
    data["base_url"] = saved.base_url
    answer = client.post(_change_test_url(saved), data).json()
    assert not answer["healthy"] and answer["message"] == TESTED_TYPED
    saved.refresh_from_db()
    assert saved.last_test_at is None  # a verdict about values the connection does not have
    assert saved.client_secret != WRONG


def test_nothing_typed_tests_and_stores_the_saved_values(client, manager, saved):
    client.force_login(manager)
    data = connection_form_data(
        saved.district, name=saved.name, base_url=saved.base_url, client_id=saved.client_id,
        new_client_secret="",
    )  # fmt: skip
    answer = client.post(_change_test_url(saved), data).json()
    assert answer["healthy"] and answer["saved_values"] and answer["message"] == TESTED_STORED
    saved.refresh_from_db()
    assert saved.last_test_ok is True


def test_invalid_values_are_named_not_tested(client, manager, district, sandbox_sis):  # noqa: F811
    client.force_login(manager)
    answer = client.post(ADD_TEST, _typed(district, sandbox_sis, new_client_secret=CERTIFICATE))
    answer = answer.json()
    assert not answer["tested"] and answer["message"] == FORM_INVALID
    assert answer["errors"] == {"Consumer Secret Key": [SECRET_IS_CERTIFICATE]}
    assert CERTIFICATE not in str(answer)


def test_only_managers_test(client, reviewer, saved, other_district):
    url = _change_test_url(saved)
    client.force_login(reviewer)
    assert client.post(url, {}).status_code == 403
    assert client.post(ADD_TEST, {}).status_code == 403
    outsider = MembershipFactory(district=other_district, role=Membership.Role.MANAGER).user
    client.force_login(outsider)
    assert client.post(url, {}).status_code == 404
    assert client.get(ADD_TEST).status_code == 405


def test_the_page_offers_the_test_on_add_and_change(client, manager, saved):
    client.force_login(manager)
    for url in (
        reverse("admin:connections_connection_add"),
        reverse("admin:connections_connection_change", args=[saved.pk]),
    ):
        page = client.get(url).content.decode()
        assert 'id="test-typed-button"' in page
        for label in ("Aeries URL", "Instance URL", "Consumer ID", "Consumer Secret Key"):
            assert label in page
        assert "School ID(s)" in page and "API certificate" in page


def _form(district, **data) -> ConnectionForm:
    form = ConnectionForm(data=connection_form_data(district, **data))
    form.is_valid()
    return form


def test_a_certificate_loses_its_inner_whitespace(public_dns, district):
    pasted = "1b24 12b7 6b02\nae48 dc2a\t0960 b26a b014"
    form = _form(district, kind="aeries_api", new_client_secret="", new_certificate=pasted)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["new_certificate"] == CERTIFICATE


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"new_client_secret": CERTIFICATE}, "new_client_secret", SECRET_IS_CERTIFICATE),
        ({"client_id": "same-value", "new_client_secret": "same-value"}, "new_client_secret",
         SECRET_IS_CONSUMER_ID),
        ({"kind": "aeries_api", "new_certificate": "ab" * 32}, "new_certificate",
         CERTIFICATE_IS_SECRET),
    ],
)  # fmt: skip
def test_a_value_pasted_into_the_wrong_field_is_named(public_dns, district, data, field, message):
    form = _form(district, **data)
    assert form.errors == {field: [message]}


def test_another_oneroster_server_may_have_any_secret(public_dns, district):
    form = _form(
        district, new_client_secret=CERTIFICATE,
        token_url="https://sis.example.org/oauth/token", api_root="https://sis.example.org/or/",
    )  # fmt: skip
    assert form.is_valid(), form.errors

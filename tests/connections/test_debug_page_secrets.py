"""With DEBUG on, the error page of a failing save shows no newly typed secret: neither in
the POST data nor in any frame's variables (form clean, admin save, connection_save)."""

import pytest
from django.test import Client
from django.urls import reverse

import connections.forms
import connections.services
import rostering.admin.connections

SECRET = "typed-consumer-secret-5f2a9c"
CERTIFICATE = "typed-certificate-77d1e0b3"


pytestmark = pytest.mark.usefixtures("public_dns")


@pytest.fixture
def debug_client(settings, manager):
    settings.DEBUG = True
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    return client


def _post(client, district):
    data = {
        "district": district.pk,
        "name": "Aeries",
        "kind": "oneroster",
        "enabled": "on",
        "base_url": "https://district.aeries.net/aeries",
        "client_id": "consumer-id",
        "new_client_secret": SECRET,
        "new_certificate": CERTIFICATE,
        "school_codes": "",
        "notes": "",
    }
    return client.post(reverse("admin:connections_connection_add"), data)


def _assert_technical_page_without_secrets(response):
    assert response.status_code == 500
    page = response.content.decode()
    assert "Traceback" in page and "Local vars" in page  # the DEBUG page, with variables
    assert SECRET not in page and CERTIFICATE not in page


def test_an_error_while_saving_shows_no_secret(debug_client, district, monkeypatch):
    def audit_fails(**kwargs):
        raise RuntimeError("the audit table is gone")

    monkeypatch.setattr(connections.services, "audit_record", audit_fails)

    response = _post(debug_client, district)

    _assert_technical_page_without_secrets(response)
    assert "the audit table is gone" in response.content.decode()
    assert "new_secret" in response.content.decode()  # the variable is listed, masked


def test_an_error_while_cleaning_the_form_shows_no_secret(debug_client, district, monkeypatch):
    class Exploding:
        @property
        def Kind(self):
            raise RuntimeError("kinds are unavailable")

    monkeypatch.setattr(connections.forms, "Connection", Exploding())

    response = _post(debug_client, district)

    _assert_technical_page_without_secrets(response)
    assert "kinds are unavailable" in response.content.decode()


def test_without_the_mask_the_page_would_show_the_secret(debug_client, district, monkeypatch):
    """The control: the same failure through an unmasked connection_save leaks it."""

    def audit_fails(**kwargs):
        raise RuntimeError("the audit table is gone")

    monkeypatch.setattr(connections.services, "audit_record", audit_fails)
    unmasked = connections.services.connection_save.__wrapped__
    monkeypatch.setattr(rostering.admin.connections, "connection_save", unmasked)

    response = _post(debug_client, district)

    assert response.status_code == 500 and SECRET in response.content.decode()

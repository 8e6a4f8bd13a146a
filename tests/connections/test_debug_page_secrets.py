"""With DEBUG on, the error page of a failing save shows no newly typed secret: neither in
the POST data nor in any frame's variables (form clean, admin save, connection_save); and
the error page of a Test connection that breaks mid-probe shows neither the stored secret
nor the bearer token (the SIS client's frames, requests' headers)."""

import pytest
from django.test import Client
from django.urls import reverse

import connections.debug
import connections.forms
import connections.services
import rostering.admin.connections
import sis.oneroster
from sandbox.testing import sandbox_sis, sandbox_sis_factory  # noqa: F401 (fixtures)
from tests.factories import ConnectionFactory

SECRET = "typed-consumer-secret-5f2a9c"
CERTIFICATE = "typed-certificate-77d1e0b3"

typed = pytest.mark.usefixtures("public_dns")  # the typed Aeries URL resolves: a public host


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


@typed
def test_an_error_while_saving_shows_no_secret(debug_client, district, monkeypatch):
    def audit_fails(**kwargs):
        raise RuntimeError("the audit table is gone")

    monkeypatch.setattr(connections.services, "audit_record", audit_fails)

    response = _post(debug_client, district)

    _assert_technical_page_without_secrets(response)
    assert "the audit table is gone" in response.content.decode()
    assert "new_secret" in response.content.decode()  # the variable is listed, masked


@typed
def test_an_error_while_cleaning_the_form_shows_no_secret(debug_client, district, monkeypatch):
    class Exploding:
        @property
        def Kind(self):
            raise RuntimeError("kinds are unavailable")

    monkeypatch.setattr(connections.forms, "Connection", Exploding())

    response = _post(debug_client, district)

    _assert_technical_page_without_secrets(response)
    assert "kinds are unavailable" in response.content.decode()


@typed
def test_without_the_mask_the_page_would_show_the_secret(debug_client, district, monkeypatch):
    """The control: the same failure through an unmasked connection_save, with the
    frame filter reduced to what sensitive_variables names, leaks it."""

    def audit_fails(**kwargs):
        raise RuntimeError("the audit table is gone")

    monkeypatch.setattr(connections.services, "audit_record", audit_fails)
    unmasked = connections.services.connection_save.__wrapped__
    monkeypatch.setattr(rostering.admin.connections, "connection_save", unmasked)
    _frame_filter_off(monkeypatch)

    response = _post(debug_client, district)

    assert response.status_code == 500 and SECRET in response.content.decode()


def _test_connection_breaking_mid_probe(client, district, sandbox_sis, monkeypatch):  # noqa: F811
    """Presses Test connection on a connection to the sandbox whose first read answers
    403, where the diagnosis breaks (a bug): the DEBUG page shows every frame."""
    connection = ConnectionFactory(
        district=district,
        base_url=sandbox_sis.base_url,
        client_id=sandbox_sis.client_id,
        client_secret=sandbox_sis.client_secret,
    )
    sandbox_sis.set_permission("schools", False)

    def diagnosis_breaks(response, **kwargs):
        raise RuntimeError("the diagnosis broke")

    monkeypatch.setattr(sis.oneroster, "data_error", diagnosis_breaks)
    response = client.post(reverse("admin:connections_connection_test", args=[connection.pk]))
    (token,) = sandbox_sis.tokens.tokens  # the bearer token the probe was given
    return response, response.content.decode(), token


def test_a_failing_test_connection_shows_neither_the_secret_nor_the_token(
    debug_client,
    district,
    sandbox_sis,  # noqa: F811
    monkeypatch,
    settings,
):
    settings.ALLOW_INSECURE_SIS_URLS = True
    response, page, token = _test_connection_breaking_mid_probe(
        debug_client, district, sandbox_sis, monkeypatch
    )

    assert response.status_code == 500 and "the diagnosis broke" in page
    assert "Local vars" in page and "OneRosterClient" in page  # the client's frames are shown
    assert token not in page and sandbox_sis.client_secret not in page


def test_without_the_frame_filter_the_page_would_show_the_token(
    debug_client,
    district,
    sandbox_sis,  # noqa: F811
    monkeypatch,
    settings,
):
    """The control: the same failure, the filter masking only what sensitive_variables names."""
    settings.ALLOW_INSECURE_SIS_URLS = True
    _frame_filter_off(monkeypatch)
    response, page, token = _test_connection_breaking_mid_probe(
        debug_client, district, sandbox_sis, monkeypatch
    )

    assert response.status_code == 500 and token in page


def _frame_filter_off(monkeypatch) -> None:
    monkeypatch.setattr(
        connections.debug.SecretSafeExceptionReporterFilter,
        "secret_cleanse",
        lambda self, name, value, depth=0: value,
    )


def test_secret_names_and_secret_keys_of_mappings_are_masked():
    from requests.structures import CaseInsensitiveDict

    cleanse = connections.debug.SecretSafeExceptionReporterFilter().secret_cleanse
    headers = CaseInsensitiveDict({"Authorization": "Bearer abc", "Accept": "application/json"})
    payload = {"access_token": "abc", "expires_in": 3600, "nested": {"AERIES-CERT": "c"}}

    assert cleanse("new_certificate", "c") == cleanse("token", "abc") != "abc"
    assert cleanse("headers", headers) == {"Authorization": "********************",
                                           "Accept": "application/json"}  # fmt: skip
    assert cleanse("payload", payload)["nested"] == {"AERIES-CERT": "********************"}
    assert cleanse("payload", payload)["expires_in"] == 3600
    plain = {"kind": "oneroster"}
    assert cleanse("fields", plain) is plain and cleanse("token", "") == ""


def test_typed_values_tested_before_saving_stay_off_the_page(settings):
    """Whatever shape a Test connection of typed (unsaved) values takes, the secrets it
    carries in its frames' variables and keyword arguments, and its POST fields (even
    without sensitive_post_parameters on its view), are masked."""
    import sys

    from django.test import RequestFactory
    from django.views.debug import ExceptionReporter

    from sis.credentials import SisCredentials

    settings.DEBUG = True

    def probe(*, credentials, form_data):
        raise RuntimeError("the probe broke")

    def test_typed(*, new_client_secret: str, new_certificate: str, form_data: dict):
        credentials = SisCredentials(kind="oneroster", base_url="https://d.aeries.net/aeries/",
                                     client_id="id", client_secret=new_client_secret)  # fmt: skip
        probe(credentials=credentials, form_data=form_data)

    request = RequestFactory().post("/", {"new_client_secret": SECRET})
    try:
        typed = {"new_client_secret": SECRET, "new_certificate": CERTIFICATE}
        test_typed(**typed, form_data=typed)
    except RuntimeError:
        page = ExceptionReporter(request, *sys.exc_info()).get_traceback_html()
    assert "the probe broke" in page and "form_data" in page
    assert SECRET not in page and CERTIFICATE not in page

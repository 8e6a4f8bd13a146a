import pytest
from django.urls import reverse

from audit.models import AuditEvent
from connections.models import Connection
from tests.connections.conftest import connection_form_data

SECRET = "s3cr3t-consumer-value"


pytestmark = pytest.mark.usefixtures("public_dns")


def _form_data(district, **overrides):
    return connection_form_data(
        district, **{"new_client_secret": SECRET, "school_codes": "994, 995", **overrides}
    )


def test_manager_creates_connection_secret_encrypted_and_audited(client, manager, district):
    client.force_login(manager)
    response = client.post(reverse("admin:connections_connection_add"), _form_data(district))
    assert response.status_code == 302, response.context["adminform"].form.errors
    conn = Connection.objects.get()
    assert conn.client_secret == SECRET
    assert conn.base_url == "https://district.aeries.net/aeries/"
    assert conn.school_code_list == ("994", "995")
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_type="connection")
    assert event.changes["client_secret"] == ["", "********"]
    assert SECRET not in str(event.changes)


@pytest.mark.parametrize("who", ["manager", "reviewer", "superuser"])
def test_secret_never_in_admin_html(request, client, connection, who):
    connection.certificate = "CERT-VERY-SECRET-42"
    connection.save()
    client.force_login(request.getfixturevalue(who))
    pages = [
        reverse("admin:connections_connection_change", args=[connection.pk]),
        reverse("admin:connections_connection_changelist"),
        reverse("admin:audit_auditevent_changelist"),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert SECRET not in body and "CERT-VERY-SECRET-42" not in body


def test_reviewer_page_has_no_secret_fields(client, reviewer, connection):
    client.force_login(reviewer)
    body = client.get(reverse("admin:connections_connection_change", args=[connection.pk]))
    assert b'name="new_client_secret"' not in body.content
    assert b'name="new_certificate"' not in body.content
    assert b"Consumer Secret Key:</label>" not in body.content  # (the help box names it)
    assert b"Consumer Secret Key:" not in body.content


def test_blank_secret_keeps_stored_value(client, manager, connection):
    client.force_login(manager)
    url = reverse("admin:connections_connection_change", args=[connection.pk])
    page = client.get(url).content.decode()
    assert "Leave blank to keep the stored value." in page
    data = _form_data(connection.district, name="Renamed", new_client_secret="")
    assert client.post(url, data).status_code == 302
    connection.refresh_from_db()
    assert connection.name == "Renamed" and connection.client_secret == SECRET
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert "client_secret" not in event.changes
    assert event.changes["name"] == ["Main Aeries", "Renamed"]


def test_invalid_url_rejected_with_aeries_hint(client, manager, district):
    client.force_login(manager)
    response = client.post(
        reverse("admin:connections_connection_add"),
        _form_data(district, base_url="https://district.aeries.net/"),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["base_url"]
    assert "sub-directory" in errors[0]
    assert not Connection.objects.exists()


def test_oneroster_needs_id_and_secret(client, manager, district):
    client.force_login(manager)
    response = client.post(
        reverse("admin:connections_connection_add"),
        _form_data(district, client_id="", new_client_secret=""),
    )
    errors = response.context["adminform"].form.errors
    assert "client_id" in errors and "new_client_secret" in errors


def test_help_for_district_it_is_shown(client, manager, connection):
    client.force_login(manager)
    body = client.get(reverse("admin:connections_connection_change", args=[connection.pk]))
    text = body.content.decode()
    for phrase in (
        "Security &gt; API Security",
        "Master Schedule",
        "IIS reset",
        "not</strong> the Aeries certificate",
    ):
        assert phrase in text


def test_error_page_hides_posted_secret(rf, manager):
    from django.views.debug import SafeExceptionReporterFilter

    from rostering.admin.connections import SECRET_POST_FIELDS

    request = rf.post("/", {"new_client_secret": SECRET})
    request.sensitive_post_parameters = list(SECRET_POST_FIELDS)
    cleansed = SafeExceptionReporterFilter().get_post_parameters(request)
    assert cleansed["new_client_secret"] != SECRET

"""The Aeries URL and the advanced OneRoster URLs at save time: what people paste, the
address rules shared with the SIS client, and a DNS answer that changes after saving."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from connections.models import Connection
from connections.services import connection_client, connection_save
from connections.url_validation import URL_BAD_PORT, URL_CHANGED, sis_url_clean
from sis import errors
from sis.records import Entity
from tests.connections.conftest import PUBLIC_IP, connection_form_data, dns_answers
from tests.factories import ConnectionFactory
from tests.recorder import recorder_factory  # noqa: F401 (fixture)

DNS = {
    "district.aeries.net": PUBLIC_IP,
    "or.example.org": PUBLIC_IP,
    "cgnat.example.org": "100.64.3.4",
}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch):
    dns_answers(monkeypatch, DNS)


@pytest.mark.parametrize(
    "pasted",
    [
        "https://district.aeries.net/aeries/Login.aspx",
        "https://district.aeries.net/aeries/token",
        "https://district.aeries.net/aeries/ims/oneroster/v1p1/schools",
        "https://district.aeries.net/aeries/ims/oneroster/v1p1/",
    ],
)
def test_a_pasted_url_is_saved_as_the_base_url_and_the_change_is_shown(
    client, manager, district, pasted
):
    client.force_login(manager)
    add = reverse("admin:connections_connection_add")
    response = client.post(add, connection_form_data(district, base_url=pasted), follow=True)

    assert response.status_code == 200
    assert Connection.objects.get().base_url == "https://district.aeries.net/aeries/"
    shown = [str(m) for m in response.context["messages"]]
    assert any(m.startswith(URL_CHANGED.split("{")[0]) and "removed" in m for m in shown), shown


def test_a_clean_url_is_saved_without_a_message(client, manager, district):
    client.force_login(manager)
    add = reverse("admin:connections_connection_add")
    response = client.post(add, connection_form_data(district), follow=True)
    assert not any("was changed to" in str(m) for m in response.context["messages"])


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://cgnat.example.org/aeries/", "private"),  # 100.64.0.0/10
        ("https://[2002:c0a8:0101::1]/aeries/", "private"),  # 6to4 of 192.168.1.1
        ("https://[64:ff9b::a9fe:a9fe]/aeries/", "private"),  # NAT64 of 169.254.169.254
        ("https://100.100.100.200/aeries/", "private"),
        ("https://district.aeries.net:22/aeries/", "port"),
        ("https://district.aeries.net:80/aeries/", "port"),
    ],
)
def test_the_save_time_rules_are_the_clients_address_rules(url, code):
    with pytest.raises(ValidationError) as caught:
        sis_url_clean(url=url, allow_insecure=False)
    assert caught.value.code == code
    if code == "port":
        assert caught.value.messages[0] == URL_BAD_PORT.format(port=url.split(":")[2][:2])


def test_advanced_urls_of_another_oneroster_server(client, manager, district):
    client.force_login(manager)
    data = connection_form_data(
        district,
        base_url="https://or.example.org/",
        token_url="https://or.example.org/ims/oneroster/v1p1/token",
        api_root="https://or.example.org",
    )
    response = client.post(reverse("admin:connections_connection_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    saved = Connection.objects.get()
    assert (saved.base_url, saved.api_root) == (
        "https://or.example.org/",
        "https://or.example.org/",
    )
    assert saved.token_url == "https://or.example.org/ims/oneroster/v1p1/token"


def test_advanced_urls_follow_the_same_address_rules(client, manager, district):
    client.force_login(manager)
    data = connection_form_data(
        district, api_root="https://cgnat.example.org/", token_url="https://or.example.org:25/t"
    )
    response = client.post(reverse("admin:connections_connection_add"), data)

    errors_ = response.context["adminform"].form.errors
    assert "private or internal address" in errors_["api_root"][0]
    assert "Port 25 is not allowed" in errors_["token_url"][0]
    assert not Connection.objects.exists()


def test_relationship_codes_are_checked_and_written_one_way(client, manager, district):
    client.force_login(manager)
    add = reverse("admin:connections_connection_add")
    bad = client.post(add, connection_form_data(district, relationship_codes="11=mother, 13"))
    assert "11=mother, 13" in bad.context["adminform"].form.errors["relationship_codes"][0]

    good = client.post(
        add, connection_form_data(district, relationship_codes="11 = Parent\n16=guardian")
    )
    assert good.status_code == 302
    assert Connection.objects.get().relationship_codes == "11=parent, 16=guardian"


def test_a_dns_answer_that_changes_after_saving_reaches_nothing(
    district,
    settings,
    recorder_factory,  # noqa: F811
):
    settings.ALLOW_INSECURE_SIS_URLS = False
    recorder = recorder_factory()  # our own server, where the name will point later
    connection = ConnectionFactory.build(
        district=district,
        base_url=f"https://district.aeries.net:{recorder.port}/aeries/",
        client_id="consumer-id",
    )
    connection_save(connection=connection, actor=None, before=None, new_secret="secret-value")

    def rebound(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]  # the DNS now says: this very server

    with (
        connection_client(connection=connection, resolver=rebound) as client,
        pytest.raises(errors.SisAddressRefusedError) as caught,
    ):
        list(client.iter_pages(Entity.SCHOOLS))

    assert "127.0.0.1" in caught.value.message
    assert recorder.requests == []


def test_a_connection_s_client_takes_the_sis_settings(district, settings):
    settings.SIS_PAGE_SIZE, settings.SIS_CONCURRENCY, settings.SIS_PREFETCH = 250, 3, 5
    connection = ConnectionFactory.build(
        district=district, base_url="https://district.aeries.net/aeries/"
    )
    connection_save(connection=connection, actor=None, before=None, new_secret="secret-value")
    with connection_client(connection=connection) as client:
        options = client.options
    assert (options.page_size, options.concurrency, options.prefetch) == (250, 3, 5)

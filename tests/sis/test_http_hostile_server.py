"""A SIS that tries to send us elsewhere: redirects, paging links to other hosts, and a
token that must never leave the API's origin. A recording loopback server plays the
second host; it must see nothing."""

from __future__ import annotations

import pytest

from sis import errors
from sis.probe import connection_probe
from sis.records import FOREIGN_LINK, Entity
from tests.sis.sandbox_clients import SANDBOX_OPTIONS, read_all, sandbox_client, sandbox_credentials

METADATA_URL = "http://169.254.169.254/latest/meta-data/iam/"


@pytest.mark.parametrize("status", [302, 307])
def test_a_redirected_token_request_is_diagnosed_not_followed(
    sandbox_sis, recorder_factory, status
):
    elsewhere = recorder_factory(host="127.0.0.2")
    target = elsewhere.url + "aeries/token?code=1"
    sandbox_sis.set_behaviours(redirects=[{"path": "token", "status": status, "location": target}])
    sent = []

    with (
        sandbox_client(sandbox_sis, on_request=sent.append) as client,
        pytest.raises(errors.SisRedirectError) as caught,
    ):
        client.authenticate()

    location = f"http://127.0.0.2:{elsewhere.port}/aeries/token"
    assert caught.value.message == errors.REDIRECT_MESSAGE.format(
        location=location, status=status, path="/aeries/token"
    )
    assert "update the connection" in caught.value.fix
    assert elsewhere.requests == []
    assert [event.path for event in sent] == ["/aeries/token"]


def test_a_redirected_page_to_a_metadata_address_is_never_fetched(sandbox_sis):
    path = "ims/oneroster/v1p1/schools"
    sandbox_sis.set_behaviours(redirects=[{"path": path, "status": 302, "location": METADATA_URL}])
    sent = []

    with (
        sandbox_client(sandbox_sis, on_request=sent.append) as client,
        pytest.raises(errors.SisRedirectError) as caught,
    ):
        client.schools()

    assert caught.value.location == METADATA_URL
    assert {event.path for event in sent} == {"/aeries/token", "/aeries/" + path}


def test_the_probe_reports_a_redirect_as_a_moved_url(sandbox_sis, recorder_factory):
    elsewhere = recorder_factory(host="127.0.0.2")
    sandbox_sis.set_behaviours(
        redirects=[{"path": "token", "status": 301, "location": elsewhere.url + "aeries/token"}]
    )

    report = connection_probe(credentials=sandbox_credentials(sandbox_sis), **SANDBOX_OPTIONS)

    assert not report.healthy and report.code == "redirect"
    assert report.message.startswith("The Aeries URL moved to http://127.0.0.2:")
    assert elsewhere.requests == []


def test_a_paging_link_to_another_host_is_not_followed_and_the_read_goes_on(
    sandbox_sis, recorder_factory
):
    elsewhere = recorder_factory(host="127.0.0.2")
    sandbox_sis.set_behaviours(link_host=f"127.0.0.2:{elsewhere.port}")

    with sandbox_client(sandbox_sis, page_size=50) as client:
        students, pages = read_all(client, Entity.STUDENTS)

    assert len({s.sourced_id for s in students}) == len(students) == 200
    assert elsewhere.requests == []  # neither a page nor the token went there
    (notice,) = [n for page in pages for n in page.notices]
    assert notice.code == FOREIGN_LINK and notice.entity is Entity.STUDENTS
    assert f"127.0.0.2:{elsewhere.port}" in notice.message
    assert client.notices == [notice]


def test_the_bearer_token_is_never_sent_off_the_api_origin(sandbox_sis, recorder_factory):
    elsewhere = recorder_factory()  # same host, another port: another origin
    with sandbox_client(sandbox_sis) as client:
        client.authenticate()
        with pytest.raises(errors.SisAddressRefusedError):
            client.get(elsewhere.url + "aeries/ims/oneroster/v1p1/users", entity=Entity.STUDENTS)
    assert elsewhere.requests == []


def test_without_insecure_urls_the_sandbox_itself_is_refused(sandbox_sis):
    with (
        sandbox_client(sandbox_sis, allow_insecure=False) as client,
        pytest.raises(errors.SisAddressRefusedError),
    ):
        client.authenticate()


def test_a_dns_change_mid_read_reaches_nothing(sandbox_sis):
    """The name points at the SIS for the token and the first pages; the connection then
    drops (a page cut off) and, meanwhile, the name points inside our network: the new
    connection is checked again and refused, nothing is sent there."""
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"] if len(asked) == 1 else ["10.0.0.5"]

    port = sandbox_sis.base_url.split(":")[2].split("/")[0]
    sandbox_sis.set_faults(page_faults=[{"kind": "truncate", "path": "students", "offset": 50}])
    creds = {"base_url": f"http://sis.example.test:{port}/aeries/"}

    with (
        sandbox_client(sandbox_sis, creds=creds, resolver=resolver, page_size=50) as client,
        pytest.raises(errors.SisAddressRefusedError) as caught,
    ):
        read_all(client, Entity.STUDENTS)

    assert caught.value.message.startswith("sis.example.test resolves to 10.0.0.5, ")
    assert asked == ["sis.example.test", "sis.example.test"]  # every connection, checked

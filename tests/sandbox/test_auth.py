import time

import pytest
import requests

from sandbox.auth import SCOPES, Credentials
from sandbox.testing import SandboxClient


def test_token_answer_and_cookies(sandbox_sis):
    client = SandboxClient(sandbox_sis)
    response = client.token_response()
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert {"ARRAffinity", "ASP.NET_SessionId"} <= set(response.cookies.keys())


def test_credentials_are_deterministic_from_the_seed(sandbox_sis_factory):
    one, again, other = Credentials.for_seed(1), Credentials.for_seed(1), Credentials.for_seed(2)
    assert one == again and one.client_id != other.client_id
    assert len(one.client_id) == len(one.client_secret) == 64 and len(one.certificate) == 32
    server = sandbox_sis_factory(seed=5)
    assert server.client_id == Credentials.for_seed(5).client_id


@pytest.mark.parametrize("auth", [("wrong", "pair"), None])
def test_wrong_credentials_are_401_with_a_clear_body(sandbox_sis, auth):
    response = requests.post(
        sandbox_sis.base_url + "token",
        auth=auth,
        timeout=5,
        data={"grant_type": "client_credentials", "scope": SCOPES[0]},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "Consumer ID or Secret" in response.json()["error_description"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"grant_type": "client_credentials"}, "invalid_scope"),
        ({"grant_type": "client_credentials", "scope": "everything"}, "invalid_scope"),
        ({"grant_type": "password", "scope": SCOPES[0]}, "unsupported_grant_type"),
    ],
)
def test_bad_token_requests_are_400(sandbox_sis, data, error):
    response = SandboxClient(sandbox_sis).token_response(data=data)
    assert response.status_code == 400
    assert response.json()["error"] == error


def test_credentials_in_the_form_are_accepted(sandbox_sis):
    response = requests.post(
        sandbox_sis.base_url + "token",
        timeout=5,
        data={
            "grant_type": "client_credentials",
            "scope": SCOPES[0],
            "client_id": sandbox_sis.client_id,
            "client_secret": sandbox_sis.client_secret,
        },
    )
    assert response.status_code == 200


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_missing_or_unknown_token_is_401(sandbox_sis, token):
    client = SandboxClient(sandbox_sis)
    client.token = token
    response = client.get("users")
    assert response.status_code == 401
    status = response.json()["statusInfoSet"][0]
    assert status["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == (
        "unauthorisedrequest"
    )


def test_tokens_expire_after_their_lifetime(sandbox_sis_factory):
    server = sandbox_sis_factory(token_lifetime=1)
    client = SandboxClient(server).login()
    assert client.get("orgs").status_code == 200
    time.sleep(1.1)
    assert client.get("orgs").status_code == 401
    assert client.login().get("orgs").status_code == 200


def test_expire_endpoint_and_lifetime_setting(sandbox_sis, client):
    requests.post(sandbox_sis.base_url + "_sandbox/tokens/expire", timeout=5)
    assert client.get("orgs").status_code == 401
    requests.post(sandbox_sis.base_url + "_sandbox/settings", json={"token_lifetime": 7}, timeout=5)
    assert SandboxClient(sandbox_sis).token_response().json()["expires_in"] == 7


def test_affinity_cookie_is_counted(sandbox_sis):
    with_cookie = SandboxClient(sandbox_sis).login()
    with_cookie.get("orgs")
    with_cookie.get("schools")
    without = SandboxClient(sandbox_sis).login()
    without.session.cookies.clear()
    without.get("orgs")
    assert sandbox_sis.info()["affinity"] == {"with_cookie": 2, "without_cookie": 1}
    assert sandbox_sis.info()["tokens_issued"] == 2

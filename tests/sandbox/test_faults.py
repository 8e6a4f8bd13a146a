import time

import orjson
import pytest
import requests

from sandbox.testing import SandboxClient


def native_get(server, path: str, **kwargs) -> requests.Response:
    return requests.get(
        f"{server.base_url}api/v5/{path}",
        timeout=kwargs.pop("timeout", 5),
        headers={"AERIES-CERT": server.certificate},
        **kwargs,
    )


def test_latency_is_added_to_each_request(sandbox_sis_factory):
    server = sandbox_sis_factory(latency_ms=150)
    client = SandboxClient(server).login()
    started = time.perf_counter()
    assert client.get("orgs").status_code == 200
    assert time.perf_counter() - started >= 0.15


def test_fail_rate_answers_500_and_503_at_the_given_rate(sandbox_sis_factory):
    server = sandbox_sis_factory(fail_rate=0.3)
    client = SandboxClient(server).login()
    statuses = [client.get("orgs").status_code for _ in range(100)]
    failures = [s for s in statuses if s != 200]
    assert set(failures) == {500, 503}
    assert 15 <= len(failures) <= 45
    assert server.info()["faults"]["stats"]["failed"] == len(failures)


def test_fail_rate_is_seeded(sandbox_sis_factory):
    runs = []
    for _ in range(2):
        server = sandbox_sis_factory(fail_rate=0.5, seed=3)
        client = SandboxClient(server).login()
        runs.append([client.get("orgs").status_code for _ in range(30)])
    assert runs[0] == runs[1]


def test_503_carries_retry_after(sandbox_sis_factory):
    server = sandbox_sis_factory(fail_rate=1.0)
    client = SandboxClient(server).login()
    responses = [client.get("orgs") for _ in range(20)]
    unavailable = [r for r in responses if r.status_code == 503]
    assert unavailable and all(r.headers["Retry-After"] == "1" for r in unavailable)


def test_rate_limit_answers_429_with_retry_after(sandbox_sis_factory):
    server = sandbox_sis_factory(rate_limit=5)
    client = SandboxClient(server).login()
    responses = [client.get("orgs") for _ in range(12)]
    limited = [r for r in responses if r.status_code == 429]
    assert limited and all(r.headers["Retry-After"] == "1" for r in limited)
    assert sum(r.status_code == 200 for r in responses) >= 5
    time.sleep(1.05)
    assert client.get("orgs").status_code == 200


def test_timeout_on_a_chosen_page(sandbox_sis, client):
    sandbox_sis.set_faults(
        page_faults=[{"kind": "timeout", "path": "users", "offset": 100, "seconds": 1.0}]
    )
    assert client.get("users", offset=0).status_code == 200
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.get("users", offset=100, timeout=0.3)
    assert client.get("users", offset=100).status_code == 200  # fired once only


def test_truncated_body(sandbox_sis, client):
    sandbox_sis.set_faults(page_faults=[{"kind": "truncate", "path": "users", "offset": 0}])
    with pytest.raises(requests.exceptions.RequestException):
        client.get("users")
    assert client.get("users").status_code == 200


def test_malformed_json_on_a_chosen_page(sandbox_sis, client):
    sandbox_sis.set_faults(
        page_faults=[{"kind": "malformed", "path": "enrollments", "offset": 200, "times": 2}]
    )
    assert client.get("enrollments", offset=100).json()
    for _ in range(2):
        response = client.get("enrollments", offset=200)
        assert response.status_code == 200
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(response.content)
    assert orjson.loads(client.get("enrollments", offset=200).content)["enrollments"]


def test_status_fault_and_faults_via_control_endpoint(sandbox_sis, client):
    url = sandbox_sis.base_url + "_sandbox/faults"
    answer = requests.post(
        url,
        timeout=5,
        json={
            "page_faults": [
                {
                    "kind": "status",
                    "path": "schools/994/students",
                    "offset": None,
                    "status": 503,
                    "times": None,
                }
            ]
        },
    ).json()
    assert answer["page_faults"][0]["kind"] == "status"
    for offset in (0, 100):
        assert client.get("schools/994/students", offset=offset).status_code == 503
    assert client.get("students").status_code == 200
    requests.delete(url, timeout=5)
    assert client.get("schools/994/students").status_code == 200


def test_bad_fault_is_400(sandbox_sis):
    response = requests.post(
        sandbox_sis.base_url + "_sandbox/faults",
        timeout=5,
        json={"page_faults": [{"kind": "explode", "path": "users"}]},
    )
    assert response.status_code == 400


def test_native_faults(sandbox_sis):
    sandbox_sis.set_faults(
        page_faults=[{"kind": "malformed", "path": "schools/994/students", "offset": 10}]
    )
    assert native_get(sandbox_sis, "schools/994/students").json()
    broken = native_get(
        sandbox_sis, "schools/994/students", params={"StartingRecord": 11, "EndingRecord": 20}
    )
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(broken.content)
    sandbox_sis.set_faults(rate_limit=1)
    statuses = [native_get(sandbox_sis, "schools").status_code for _ in range(4)]
    assert 429 in statuses
    limited = native_get(sandbox_sis, "schools")
    if limited.status_code == 429:
        assert "Message" in limited.json()


def test_reset_faults(sandbox_sis, client):
    sandbox_sis.set_faults(fail_rate=1.0, latency_ms=5, rate_limit=1000)
    sandbox_sis.reset_faults()
    assert all(client.get("orgs").status_code == 200 for _ in range(5))
    assert sandbox_sis.info()["faults"]["fail_rate"] == 0.0

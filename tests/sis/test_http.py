"""The HTTP wrapper: retries, Retry-After, time budget, cookies, diagnosis, no secrets."""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime

import pytest
import requests
import responses

from sis import errors
from sis.answers import response_json
from sis.http import (
    USER_AGENT,
    HttpOptions,
    SisHttp,
    retry_after_seconds,
)

BASE = "https://district.example.org/aeries/"
SECRET = "s3cr3t-consumer-secret-value"


class FakeTime:
    """A clock that only moves when someone sleeps, so retry tests take no time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_http(fake: FakeTime, **options: float) -> SisHttp:
    settings = {"max_retry_seconds": 60.0, "backoff_base": 0.5, **options}
    return SisHttp(
        options=HttpOptions(**settings), secrets=(SECRET,), sleep=fake.sleep, clock=fake.clock
    )


@responses.activate
def test_user_agent_timeouts_and_stats_are_applied():
    responses.get(BASE + "api/v5/schools", json=[{"SchoolCode": 994}])
    events = []
    http = SisHttp(options=HttpOptions(connect_timeout=3, read_timeout=7), on_request=events.append)

    response = http.request("GET", BASE + "api/v5/schools")

    sent = responses.calls[0].request
    assert sent.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("Autoroster/") and USER_AGENT.endswith("(+rostering)")
    assert sent.req_kwargs["timeout"] == (3, 7)
    assert response_json(response) == [{"SchoolCode": 994}]
    assert http.stats.requests == 1
    assert http.stats.bytes_received == len(response.content)
    assert events[0].path == "/aeries/api/v5/schools" and events[0].status == 200


@responses.activate
@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_with_backoff(status):
    fake = FakeTime()
    url = BASE + "x"
    responses.get(url, status=status)
    responses.get(url, status=status)
    responses.get(url, json={"ok": True})

    response = make_http(fake).request("GET", url)

    assert response.status_code == 200
    assert len(responses.calls) == 3
    # Full jitter: each wait is within [0, base * 2**attempt].
    assert len(fake.sleeps) == 2
    assert 0 <= fake.sleeps[0] <= 0.5 and 0 <= fake.sleeps[1] <= 1.0


@responses.activate
def test_429_retry_after_seconds_is_honoured():
    fake = FakeTime()
    url = BASE + "x"
    responses.get(url, status=429, headers={"Retry-After": "7"})
    responses.get(url, json={})

    http = make_http(fake)
    http.request("GET", url)

    assert fake.sleeps == [7.0]
    assert http.stats.requests == 2 and http.stats.retries == 1


def test_retry_after_accepts_http_dates():
    now = datetime(2026, 9, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Tue, 01 Sep 2026 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("3", now=now) == 3.0
    assert retry_after_seconds("garbage", now=now) is None
    assert retry_after_seconds(None) is None


@responses.activate
def test_total_retry_time_is_bounded():
    fake = FakeTime()
    url = BASE + "ims/oneroster/v1p1/users"
    responses.get(url, status=503)

    with pytest.raises(errors.SisServerError) as caught:
        make_http(fake, max_retry_seconds=5.0, backoff_base=1.0).request("GET", url)

    assert sum(fake.sleeps) <= 5.0
    assert caught.value.status == 503
    assert "kept failing with HTTP 503" in str(caught.value)
    assert errors.SERVER_ERROR_FIX in str(caught.value)


@responses.activate
def test_retry_after_beyond_budget_gives_up_at_once():
    fake = FakeTime()
    url = BASE + "x"
    responses.get(url, status=429, headers={"Retry-After": "3600"})

    with pytest.raises(errors.SisServerError):
        make_http(fake, max_retry_seconds=10.0).request("GET", url)

    assert fake.sleeps == [] and len(responses.calls) == 1


@responses.activate
def test_cookies_of_a_response_are_sent_back():
    responses.post(BASE + "token", json={}, headers={"Set-Cookie": "ARRAffinity=abc123; Path=/"})
    responses.get(BASE + "data", json={})
    http = SisHttp()

    http.request("POST", BASE + "token")
    http.request("GET", BASE + "data")

    assert "ARRAffinity=abc123" in responses.calls[1].request.headers["Cookie"]


def test_unresolvable_host_is_diagnosed_as_dns():
    http = SisHttp(options=HttpOptions(max_retry_seconds=0))
    with pytest.raises(errors.SisDnsError) as caught:
        http.request("GET", "https://no-such-district.invalid/aeries/token")
    assert "the host name does not resolve" in str(caught.value)
    assert caught.value.message == errors.DNS_MESSAGE.format(host="no-such-district.invalid")


def test_closed_port_is_diagnosed_as_refused():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the request
    http = SisHttp(options=HttpOptions(max_retry_seconds=0, allow_insecure=True))
    with pytest.raises(errors.SisConnectionRefusedError) as caught:
        http.request("GET", f"http://127.0.0.1:{port}/aeries/token")
    assert str(caught.value).startswith(errors.REFUSED_MESSAGE.format(host="127.0.0.1"))


@responses.activate
def test_timeout_is_retried_then_diagnosed():
    fake = FakeTime()
    url = BASE + "token"
    responses.get(url, body=requests.exceptions.ConnectTimeout("timed out"))

    with pytest.raises(errors.SisTimeoutError) as caught:
        make_http(fake, max_retry_seconds=2.0).request("GET", url)

    assert len(responses.calls) >= 2
    assert errors.TIMEOUT_FIX in str(caught.value)


@responses.activate
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired",
            errors.TLS_REASON_CERTIFICATE,
        ),
        ("[SSL: UNSUPPORTED_PROTOCOL] unsupported protocol", errors.TLS_REASON_PROTOCOL),
        (
            "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version",
            errors.TLS_REASON_PROTOCOL,
        ),
    ],
)
def test_tls_failures_name_the_reason_and_are_not_retried(text, reason):
    url = BASE + "token"
    responses.get(url, body=requests.exceptions.SSLError(text))

    with pytest.raises(errors.SisTlsError) as caught:
        SisHttp().request("GET", url)

    assert caught.value.message == errors.TLS_MESSAGE.format(
        host="district.example.org", reason=reason
    )
    assert len(responses.calls) == 1


@responses.activate
def test_login_page_and_truncated_json_are_diagnosed():
    responses.get(
        BASE + "login",
        body="<!DOCTYPE html><html><form>Password <input></form></html>",
        content_type="text/html",
    )
    responses.get(
        BASE + "cut", body='{"users": [{"sourcedId": "1"', content_type="application/json"
    )
    http = SisHttp()

    with pytest.raises(errors.SisNotJsonError) as login:
        response_json(http.request("GET", BASE + "login"))
    with pytest.raises(errors.SisMalformedJsonError):
        response_json(http.request("GET", BASE + "cut"))

    assert errors.NOT_JSON_KIND_LOGIN in str(login.value)
    assert errors.WRONG_URL_FIX in str(login.value)


def test_scrub_masks_secrets_headers_and_query_values():
    http = SisHttp(secrets=(SECRET,))
    http.add_secret("tok-abc.def")
    text = (
        f"secret {SECRET} Authorization: Bearer tok-abc.def Basic dXNlcjpwYXNz "
        "AERIES-CERT: 477abe9e7d27439681d62f4e0de1f5e1 url?access_token=zzz&x=1"
    )

    scrubbed = http.scrub(text)

    for leaked in (
        SECRET,
        "tok-abc.def",
        "dXNlcjpwYXNz",
        "477abe9e7d27439681d62f4e0de1f5e1",
        "zzz",
    ):
        assert leaked not in scrubbed
    assert "x=1" in scrubbed


@responses.activate
def test_no_secret_in_logs_or_errors(caplog):
    fake = FakeTime()
    url = BASE + "token"
    responses.post(url, status=503, body=f"upstream echoed {SECRET}")

    caplog.set_level(logging.DEBUG, logger="sis")
    with pytest.raises(errors.SisServerError) as caught:
        make_http(fake, max_retry_seconds=1.0).request(
            "POST",
            url,
            data={"grant_type": "client_credentials"},
            auth=("consumer-id", SECRET),
            params={"access_token": SECRET},
        )

    assert SECRET not in caplog.text
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value)
    assert "retrying" in caplog.text

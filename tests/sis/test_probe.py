"""connection_probe: one report per cause, per-collection checks, never raises."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from sandbox.testing import sandbox_sis_factory  # noqa: F401 (fixture)
from sis import errors
from sis.credentials import SisCredentials
from sis.probe import PROBE_CHECK_OK, PROBE_ENTITIES, connection_probe
from sis.records import Entity

BASE = "https://district.example.org/aeries/"
API = BASE + "ims/oneroster/v1p1/"
NATIVE = BASE + "api/v5/"
SECRET = "probe-secret-abcdef"
CERT = "probe-cert-0123456789"
FAST = {"max_retry_seconds": 0.2, "backoff_base": 0.01}

ONEROSTER_PATHS = {
    Entity.SCHOOLS: ("schools", "orgs"),
    Entity.TERMS: ("terms", "academicSessions"),
    Entity.COURSES: ("courses", "courses"),
    Entity.STUDENTS: ("students", "users"),
    Entity.TEACHERS: ("teachers", "users"),
    Entity.CLASSES: ("classes", "classes"),
    Entity.ENROLLMENTS: ("enrollments", "enrollments"),
    Entity.STAFF: ("users", "users"),
}


def oneroster(base: str = BASE) -> SisCredentials:
    return SisCredentials(kind="oneroster", base_url=base, client_id="id", client_secret=SECRET)


def serve_oneroster(*, denied: tuple[str, ...] = ()) -> None:
    responses.post(BASE + "token", json={"access_token": "tok", "expires_in": 3600})
    for path, key in {p: k for p, k in ONEROSTER_PATHS.values()}.items():
        if path in denied:
            responses.get(API + path, status=403)
        else:
            responses.get(API + path, json={key: []})


@responses.activate
def test_healthy_oneroster_reads_one_record_of_each_collection():
    serve_oneroster()

    report = connection_probe(credentials=oneroster(), **FAST)

    assert report.healthy, report
    assert report.message == "Connected to district.example.org; all 10 collections can be read."
    assert [check.entity for check in report.checks] == list(PROBE_ENTITIES)
    assert all(check.ok and check.message == PROBE_CHECK_OK for check in report.checks)
    data_calls = [c for c in responses.calls if "/v1p1/" in c.request.url]
    assert all(parse_qs(urlsplit(c.request.url).query)["limit"] == ["1"] for c in data_calls)
    assert report.duration_ms >= 0


@responses.activate
def test_missing_permissions_are_listed_per_collection():
    serve_oneroster(denied=("classes", "courses"))

    report = connection_probe(credentials=oneroster(), **FAST)

    assert not report.healthy
    assert report.code == "permission"
    assert report.message == "Aeries denied access to courses, classes (HTTP 403)."
    assert report.fix == "grant READ permission for Course Data, Master Schedule in API Security"
    failed = {check.entity: check for check in report.checks if not check.ok}
    assert set(failed) == {Entity.COURSES, Entity.CLASSES}
    assert failed[Entity.CLASSES].status == 403
    assert (
        "grant READ permission for Master Schedule in API Security"
        in failed[Entity.CLASSES].message
    )
    assert len(report.checks) == len(PROBE_ENTITIES)


def test_dns_failure_is_reported_not_raised():
    report = connection_probe(
        credentials=oneroster("https://aeries.district.invalid/aeries"), **FAST
    )

    assert not report.healthy and report.code == "dns"
    assert "the host name does not resolve" in report.message
    assert report.checks == []


@responses.activate
@pytest.mark.parametrize(
    ("token_response", "code", "fix"),
    [
        ({"status": 401}, "auth", errors.BAD_CREDENTIALS_FIX),
        ({"body": requests.exceptions.ReadTimeout("slow")}, "timeout", errors.TIMEOUT_FIX),
        ({"body": requests.exceptions.SSLError("certificate has expired")}, "tls", errors.TLS_FIX),
        ({"body": "<html><title>Aeries: Login</title>password</html>"}, "not_json",
         errors.NOT_JSON_FIX),
    ],
)  # fmt: skip
def test_token_failures_become_the_report(token_response, code, fix):
    responses.post(BASE + "token", **token_response)

    report = connection_probe(credentials=oneroster(), **FAST)

    assert (report.healthy, report.code, report.fix) == (False, code, fix)
    assert SECRET not in report.message


@responses.activate
def test_404_at_token_with_a_wrong_base_url():
    responses.post(BASE + "token", status=404)
    responses.get(BASE, status=404)

    report = connection_probe(credentials=oneroster(), **FAST)

    assert report.code == "wrong_url"
    assert report.fix == (
        "the URL must be the Aeries base URL including its sub-directory, "
        "e.g. https://district.aeries.net/aeries/"
    )


@responses.activate
def test_404_at_token_while_aeries_answers_means_iis_reset_pending():
    responses.post(BASE + "token", status=404)
    responses.get(BASE, body="<html><title>Aeries: Portals</title>Log in</html>")

    report = connection_probe(credentials=oneroster(), **FAST)

    assert report.code == "oneroster_disabled"
    assert report.message.startswith("OneRoster is not answering")
    assert "Aeries needs an IIS reset / application pool recycle" in report.fix


@responses.activate
@pytest.mark.parametrize(
    ("location", "code"),
    [("Login.aspx", "oneroster_disabled"), ("https://elsewhere.example.org/aeries/", "wrong_url")],
)
def test_a_base_url_sent_on_to_its_login_page_is_still_recognised(location, code):
    """Aeries redirects its base URL to Login.aspx: one step on its own origin is read;
    a redirect elsewhere is not followed."""
    responses.post(BASE + "token", status=404)
    responses.get(BASE, status=302, headers={"Location": location})
    responses.get(BASE + "Login.aspx", body="<html><title>Aeries: Portals</title>Log in</html>")

    report = connection_probe(credentials=oneroster(), **FAST)

    assert report.code == code
    assert all("elsewhere" not in call.request.url for call in responses.calls)


def test_sandbox_with_oneroster_off_asks_for_the_iis_reset(sandbox_sis_factory):  # noqa: F811
    sandbox_sis = sandbox_sis_factory(students=40)
    sandbox_sis.set_permission("oneroster_enabled", False)
    credentials = SisCredentials(
        kind="oneroster",
        base_url=sandbox_sis.base_url,
        client_id=sandbox_sis.client_id,
        client_secret=sandbox_sis.client_secret,
    )

    report = connection_probe(credentials=credentials, allow_insecure=True, **FAST)

    assert report.code == "oneroster_disabled"
    assert "Aeries needs an IIS reset / application pool recycle" in report.fix
    sandbox_sis.set_permission("oneroster_enabled", True)
    assert connection_probe(credentials=credentials, allow_insecure=True, **FAST).healthy


@responses.activate
def test_oneroster_answering_as_disabled_stops_the_checks():
    responses.post(BASE + "token", json={"access_token": "tok", "expires_in": 3600})
    responses.get(API + "schools", status=404)

    report = connection_probe(credentials=oneroster(), **FAST)

    assert not report.healthy and report.code == "oneroster_disabled"
    assert [check.entity for check in report.checks] == [Entity.SCHOOLS]


def native(**overrides) -> SisCredentials:
    return SisCredentials(kind="aeries_api", base_url=BASE, certificate=CERT, **overrides)


def serve_native(*, staff_status: int = 200) -> None:
    responses.get(NATIVE + "systeminfo", json={})
    responses.get(NATIVE + "schools", json=[{"SchoolCode": 994, "Name": "Lincoln High"}])
    responses.get(NATIVE + "courses", status=404, json={"Message": "No HTTP resource"})
    responses.get(NATIVE + "staff", status=staff_status, json=[])
    school = NATIVE + "schools/994/"
    for path in ("terms", "students", "teachers", "contacts"):
        responses.get(school + path, json=[])
    responses.get(school + "sections", json=[{"SchoolCode": 994, "SectionNumber": 7}])
    responses.get(school + "classes", json=[])


@responses.activate
def test_healthy_native_connection():
    serve_native()

    report = connection_probe(credentials=native(), **FAST)

    assert report.healthy, report
    assert responses.calls[0].request.url == NATIVE + "systeminfo"
    assert "AERIES-CERT" not in responses.calls[0].request.headers


@responses.activate
def test_native_missing_staff_permission():
    serve_native(staff_status=403)

    report = connection_probe(credentials=native(), **FAST)

    failed = [check.entity for check in report.checks if not check.ok]
    assert failed == [Entity.STAFF, Entity.ADMINISTRATORS]
    assert report.fix == "grant READ permission for Staff Data in API Security"


@responses.activate
def test_native_wrong_certificate():
    responses.get(NATIVE + "systeminfo", json={})
    responses.get(NATIVE + "schools", status=401, json={"Message": "Invalid certificate"})

    report = connection_probe(credentials=native(), **FAST)

    assert (report.code, report.fix) == ("auth", errors.BAD_CERTIFICATE_FIX)
    assert CERT not in report.message

"""OneRosterClient against responses fakes: the token, its cookie and renewal, diagnoses."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

import pytest
import responses

from sis import errors
from sis.oneroster import SCOPES
from sis.records import Entity
from tests.sis.oneroster_fakes import (
    API,
    SECRET,
    TOKEN_URL,
    FakeCollection,
    add_list,
    add_token,
    client,
    user,
)


@responses.activate
def test_token_request_basic_auth_scopes_and_bearer_reuse():
    add_token()
    add_list("schools", "orgs", [{"sourcedId": "994", "type": "school"}])
    add_list("terms", "academicSessions", [])

    with client() as sis:
        list(sis.iter_pages(Entity.SCHOOLS))
        list(sis.iter_pages(Entity.TERMS))

    token_call = responses.calls[0].request
    expected = base64.b64encode(f"consumer-id:{SECRET}".encode()).decode()
    assert token_call.headers["Authorization"] == f"Basic {expected}"
    form = parse_qs(token_call.body)
    assert form["grant_type"] == ["client_credentials"]
    assert form["scope"][0].split() == list(SCOPES)
    assert [call.request.url.split("?")[0] for call in responses.calls].count(TOKEN_URL) == 1
    assert responses.calls[1].request.headers["Authorization"] == "Bearer tok-1"


@responses.activate
def test_token_cookie_is_sent_on_every_later_call():
    add_token(headers={"Set-Cookie": "ARRAffinity=node7; Path=/"})
    add_list("students", "users", [user("1")])
    add_list("teachers", "users", [])

    with client() as sis:
        list(sis.iter_pages(Entity.STUDENTS))
        list(sis.iter_pages(Entity.TEACHERS))

    assert all(
        "ARRAffinity=node7" in call.request.headers["Cookie"] for call in responses.calls[1:]
    )


@responses.activate
def test_token_expiry_mid_run_renews_once():
    now = [0.0]
    add_token(token="tok-1", expires_in=100)
    add_token(token="tok-2", expires_in=100)
    students = FakeCollection("users", [user(str(n)) for n in range(4)], cap=2, total=False)
    responses.add_callback(responses.GET, API + "students", callback=students)

    with client(clock=lambda: now[0]) as sis:
        pages = sis.iter_pages(Entity.STUDENTS)
        next(pages)
        now[0] = 95.0  # past expires_in minus the renewal margin
        rest = list(pages)

    assert sum(len(page.records) for page in rest) == 2
    bearers = [
        c.request.headers.get("Authorization") for c in responses.calls if "/v1p1/" in c.request.url
    ]
    assert bearers == ["Bearer tok-1", "Bearer tok-2", "Bearer tok-2"]


@responses.activate
def test_401_on_data_call_reauthenticates_once_then_fails():
    add_token(token="tok-1")
    add_token(token="tok-2")
    add_token(token="tok-3")
    responses.get(API + "classes", status=401)
    add_list("classes", "classes", [{"sourcedId": "994_1"}])
    responses.get(API + "courses", status=401)
    responses.get(API + "courses", status=401)

    with client() as sis:
        pages = list(sis.iter_pages(Entity.CLASSES))
        with pytest.raises(errors.SisAuthError) as caught:
            list(sis.iter_pages(Entity.COURSES))

    assert pages[0].records[0].sourced_id == "994_1"
    assert errors.BAD_CREDENTIALS_FIX in str(caught.value)
    assert "tok-" not in str(caught.value)


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "error", "phrase"),
    [
        (404, "<html>Not found</html>", errors.SisWrongUrlError, errors.WRONG_URL_FIX),
        (401, "", errors.SisAuthError, errors.BAD_CREDENTIALS_FIX),
        (400, '{"error": "invalid_client"}', errors.SisAuthError, errors.BAD_CREDENTIALS_FIX),
        (
            401,
            '{"error": "invalid_client", "error_description": "The Consumer ID or Secret is '
            'incorrect, or OneRoster access is not enabled for it."}',
            errors.SisAuthError,
            errors.BAD_CREDENTIALS_FIX,
        ),
        (500, "OneRoster is not enabled", errors.SisOneRosterDisabledError, "IIS reset"),
    ],
)
def test_token_failures_are_diagnosed(status, body, error, phrase):
    responses.post(TOKEN_URL, status=status, body=body)

    with client() as sis, pytest.raises(error) as caught:
        sis.authenticate()

    assert phrase in str(caught.value)
    assert SECRET not in str(caught.value)


@responses.activate
def test_token_answered_by_a_login_page_is_not_json():
    responses.post(TOKEN_URL, body="<html><body>Aeries login: Password</body></html>")

    with client() as sis, pytest.raises(errors.SisNotJsonError) as caught:
        sis.authenticate()

    assert errors.NOT_JSON_KIND_LOGIN in str(caught.value)


@responses.activate
@pytest.mark.parametrize(
    ("entity", "path", "permission"),
    [
        (Entity.STUDENTS, "students", "Student Data"),
        (Entity.SCHOOLS, "schools", "Schools"),
        (Entity.TERMS, "terms", "Terms"),
        (Entity.TEACHERS, "teachers", "Teacher Data"),
        (Entity.STAFF, "users", "Staff Data"),
        (Entity.ADMINISTRATORS, "users", "Staff Data"),
        (Entity.CLASSES, "classes", "Master Schedule"),
        (Entity.COURSES, "courses", "Course Data"),
        (Entity.ENROLLMENTS, "enrollments", "Classes / Class Schedules"),
    ],
)
def test_403_names_the_aeries_permission(entity, path, permission):
    add_token()
    responses.get(API + path, status=403)

    with client() as sis, pytest.raises(errors.SisPermissionError) as caught:
        list(sis.iter_pages(entity))

    assert caught.value.permission == permission
    assert f"grant READ permission for {permission} in API Security" in str(caught.value)


@responses.activate
def test_status_info_set_description_is_kept():
    add_token()
    body = {
        "statusInfoSet": [
            {
                "imsx_codeMajor": "failure",
                "imsx_severity": "error",
                "imsx_description": "Invalid filter field: dateLastModifed",
                "imsx_CodeMinor": {
                    "imsx_codeMinorField": [
                        {
                            "imsx_codeMinorFieldName": "TargetEndSystem",
                            "imsx_codeMinorFieldValue": "invalid_filter_field",
                        }
                    ]
                },
            }
        ]
    }
    responses.get(API + "classes", status=400, json=body)

    with client() as sis, pytest.raises(errors.SisRequestError) as caught:
        list(sis.iter_pages(Entity.CLASSES))

    assert caught.value.description == "Invalid filter field: dateLastModifed"
    assert "HTTP 400" in str(caught.value)


@responses.activate
def test_collection_404_after_a_token_means_oneroster_is_not_answering():
    add_token()
    responses.get(
        API + "schools", status=404, body="<html>404 - File or directory not found.</html>"
    )

    with client() as sis, pytest.raises(errors.SisOneRosterDisabledError) as caught:
        sis.schools()

    assert "OneRoster is not answering" in str(caught.value)
    assert "IIS reset / application pool recycle" in str(caught.value)

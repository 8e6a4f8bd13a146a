"""Retries within the time budget, each failure with its true message: a 500, a cut-off
answer and a malformed page are asked for again; what still fails says what happened."""

from __future__ import annotations

import re

import pytest
import responses

from sis import errors
from sis.records import Entity
from tests.sis.oneroster_fakes import API, add_list, add_token, client
from tests.sis.sandbox_clients import read_all, sandbox_client


@responses.activate
def test_a_500_is_retried_like_the_other_server_errors():
    add_token()
    responses.get(API + "schools", status=500, json={"statusInfoSet": []})
    add_list("schools", "orgs", [{"sourcedId": "994", "name": "High"}])

    with client() as roster:
        schools = roster.schools()

    assert [school.sourced_id for school in schools] == ["994"]


@responses.activate
def test_a_500_that_persists_is_reported_with_the_servers_words():
    add_token()
    body = {"statusInfoSet": [{"imsx_description": "Object reference not set"}]}
    responses.get(API + "schools", status=500, json=body)

    with client(max_retry_seconds=0.05) as roster, pytest.raises(errors.SisServerError) as caught:
        roster.schools()

    assert caught.value.message == errors.SERVER_FAILED_MESSAGE.format(
        path="/aeries/ims/oneroster/v1p1/schools",
        status=500,
        description=": Object reference not set",
    )
    assert len([c for c in responses.calls if c.request.url.startswith(API)]) > 1


def test_one_500_on_the_school_list_does_not_fail_the_read(sandbox_sis):
    sandbox_sis.set_faults(page_faults=[{"kind": "status", "path": "schools", "status": 500}])
    with sandbox_client(sandbox_sis) as roster:
        assert len(roster.schools()) == 3


@pytest.mark.parametrize("kind", ["truncate", "malformed"])
def test_a_cut_off_or_malformed_page_is_asked_for_once_more(sandbox_sis, kind):
    sandbox_sis.set_faults(page_faults=[{"kind": kind, "path": "students", "offset": 50}])
    with sandbox_client(sandbox_sis, page_size=50) as roster:
        students, _pages = read_all(roster, Entity.STUDENTS)
    assert len(students) == 200


def test_an_answer_cut_off_twice_says_so_with_the_bytes_received(sandbox_sis):
    fault = {"kind": "truncate", "path": "students", "offset": 50, "times": 2}
    sandbox_sis.set_faults(page_faults=[fault])

    with (
        sandbox_client(sandbox_sis, page_size=50) as roster,
        pytest.raises(errors.SisTruncatedError) as caught,
    ):
        read_all(roster, Entity.STUDENTS)

    message = caught.value.message
    assert message.startswith("The answer from /aeries/ims/oneroster/v1p1/students was cut off")
    received, promised = (int(n) for n in re.findall(r"(\d+) (?:bytes|promised)", message))
    assert 0 < received < promised
    assert "reachable from the internet" not in str(caught.value)
    assert caught.value.fix == errors.TRUNCATED_FIX


def test_a_page_malformed_twice_is_reported_as_malformed(sandbox_sis):
    fault = {"kind": "malformed", "path": "schools/994/students", "offset": 0, "times": 2}
    sandbox_sis.set_faults(page_faults=[fault])

    with (
        sandbox_client(sandbox_sis, "aeries_api", creds={"school_codes": ("994",)}) as native,
        pytest.raises(errors.SisMalformedJsonError) as caught,
    ):
        read_all(native, Entity.STUDENTS)

    assert caught.value.message == errors.MALFORMED_JSON_MESSAGE.format(
        path="/aeries/api/v5/schools/994/students"
    )

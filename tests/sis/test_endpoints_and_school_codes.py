"""Where the OneRoster API lives (Aeries' default, another token URL, a root-mounted API,
a pasted API URL), and configured school codes the SIS does not know."""

from __future__ import annotations

import pytest

from sis import errors
from sis.credentials import SisCredentials
from sis.probe import connection_probe, schools_missing_message
from sis.records import ERROR, SCHOOL_MISSING, Entity
from sis.urls import aeries_base_url
from tests.sis.sandbox_clients import SANDBOX_OPTIONS, read_all, sandbox_client, sandbox_credentials


@pytest.mark.parametrize(
    ("pasted", "base", "removed"),
    [
        ("https://d.aeries.net/aeries/Login.aspx", "https://d.aeries.net/aeries/", "/Login.aspx"),
        ("https://d.aeries.net/aeries/token", "https://d.aeries.net/aeries/", "/token"),
        (
            "https://d.aeries.net/Aeries/ims/oneroster/v1p1/schools",
            "https://d.aeries.net/Aeries/",
            "/ims/oneroster/v1p1/schools",
        ),
        ("https://d.aeries.net/aeries/api/v5/schools", "https://d.aeries.net/aeries/", "/api/v5"),
        ("https://d.aeries.net/aeries", "https://d.aeries.net/aeries/", None),
    ],
)
def test_what_people_paste_is_cut_back_to_the_base_url(pasted, base, removed):
    url, notes = aeries_base_url(pasted)
    assert url == base
    assert (removed in notes[0]) if removed else notes == []


def test_a_pasted_api_root_reads_without_a_doubled_path(sandbox_sis):
    paths = []
    pasted = sandbox_sis.base_url + "ims/oneroster/v1p1/"
    with sandbox_client(
        sandbox_sis, creds={"base_url": pasted}, on_request=lambda e: paths.append(e.path)
    ) as roster:
        assert len(roster.schools()) == 3
    assert paths == ["/aeries/token", "/aeries/ims/oneroster/v1p1/schools"]


def test_a_token_url_and_a_root_mounted_api_of_another_oneroster_server(sandbox_sis_factory):
    server = sandbox_sis_factory(
        students=30,
        base_path="/",
        behaviours={"token_path": "ims/oneroster/v1p1/token", "oneroster_root": ""},
    )
    paths = []
    creds = {
        "token_url": server.base_url + "ims/oneroster/v1p1/token",
        "api_root": server.base_url,
    }
    with sandbox_client(server, creds=creds, on_request=lambda e: paths.append(e.path)) as roster:
        students, _ = read_all(roster, Entity.STUDENTS)
    assert len(students) == 30
    assert paths[:2] == ["/ims/oneroster/v1p1/token", "/students"]


def test_a_wrong_api_root_says_so_instead_of_asking_for_an_iis_reset(sandbox_sis):
    creds = {"api_root": sandbox_sis.base_url + "oneroster/"}
    with (
        sandbox_client(sandbox_sis, creds=creds) as roster,
        pytest.raises(errors.SisWrongUrlError) as caught,
    ):
        roster.schools()
    assert "API root" in caught.value.fix and "IIS" not in str(caught.value)


@pytest.mark.parametrize("kind", ["oneroster", "aeries_api"])
@pytest.mark.parametrize("entity", [Entity.STUDENTS, Entity.TEACHERS, Entity.CLASSES])
def test_an_unknown_school_code_is_a_notice_and_the_other_schools_are_read(
    sandbox_sis, kind, entity
):
    with sandbox_client(sandbox_sis, kind, creds={"school_codes": ("994",)}) as client:
        expected, _ = read_all(client, entity)
    with sandbox_client(sandbox_sis, kind, creds={"school_codes": ("994", "9999")}) as client:
        records, pages = read_all(client, entity)

    assert expected and sorted(map(repr, records)) == sorted(map(repr, expected))
    (notice,) = [n for page in pages for n in page.notices]
    assert (notice.code, notice.severity, notice.school_code) == (SCHOOL_MISSING, ERROR, "9999")
    assert notice.entity is entity
    assert notice.message == (
        "School code 9999 is not in this Aeries: remove it or fix it on the connection."
    )
    assert client.missing_school_codes() == ["9999"]


@pytest.mark.parametrize("kind", ["oneroster", "aeries_api"])
def test_a_retired_school_is_a_notice_on_the_school_list_too(sandbox_sis, kind):
    sandbox_sis.set_behaviours(retired_schools=["992"])
    with sandbox_client(sandbox_sis, kind, creds={"school_codes": ("990", "992")}) as client:
        schools, pages = read_all(client, Entity.SCHOOLS)
        students, student_pages = read_all(client, Entity.STUDENTS)

    assert [school.sourced_id for school in schools] == ["990"]
    assert [n.school_code for page in pages for n in page.notices] == ["992"]
    assert [n.school_code for page in student_pages for n in page.notices] == ["992"]
    assert students and all(s.school_sourced_ids == ("990",) for s in students)


@pytest.mark.parametrize("kind", ["oneroster", "aeries_api"])
def test_the_probe_names_every_unknown_school_code(sandbox_sis, kind):
    credentials = sandbox_credentials(sandbox_sis, kind, school_codes=("9999", "994", "8888"))

    report = connection_probe(credentials=credentials, **SANDBOX_OPTIONS)

    assert not report.healthy and report.missing_school_codes == ["9999", "8888"]
    assert report.code == "school_missing"
    assert schools_missing_message(["9999", "8888"]) in report.message
    # Every other collection is checked on a school code that exists, and reads.
    assert all(check.ok for check in report.checks if check.code != "school_missing")


def test_the_oneroster_endpoints_default_to_aeries_own():
    creds = SisCredentials(kind="oneroster", base_url="https://d.example.org/aeries")
    assert creds.oneroster_token_url == "https://d.example.org/aeries/token"
    assert creds.oneroster_api_root == "https://d.example.org/aeries/ims/oneroster/v1p1/"


def test_a_wrong_token_url_names_the_token_url_not_iis(sandbox_sis):
    creds = {"token_url": sandbox_sis.base_url + "oauth/token"}
    report = connection_probe(
        credentials=sandbox_credentials(sandbox_sis, **creds), **SANDBOX_OPTIONS
    )
    assert (report.healthy, report.code) == (False, "wrong_url")
    assert "token URL" in report.fix and "IIS" not in report.fix

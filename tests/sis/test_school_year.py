"""The school year a SIS serves (sis/school_year.py): Aeries' systeminfo and DatabaseYear,
OneRoster's schoolYear session."""

from __future__ import annotations

import datetime

import pytest
import responses

from sis.credentials import SisCredentials
from sis.records import Entity
from sis.school_year import (
    SisYearUnavailable,
    current_session_year,
    school_year_read,
    systeminfo_year,
    year_label,
)
from tests.sis.sandbox_clients import read_all, sandbox_client

TODAY = datetime.date(2026, 10, 1)


@pytest.mark.parametrize(
    ("text", "label"),
    [("2026-2027", "2026-2027"), ("2026-27", "2026-2027"), ("2099/2100", "2099-2100"),
     ("2026 \u2013 2027", "2026-2027"), ("2026-2028", ""), ("Fall 2026", ""), (None, "")],
)  # fmt: skip
def test_year_labels(text, label):
    assert year_label(text) == label


def test_systeminfo_as_aeries_documents_it():
    answer = {"AeriesVersion": "9.21.2.25", "DatabaseYear": "2020-2021",
              "AvailableDatabaseYears": ["2020-2021", "2019-2020"],
              "LocalTimeZoneName": "(UTC-08:00) Pacific Time (US & Canada)"}  # fmt: skip
    year = systeminfo_year(answer)
    assert (year.current, year.available) == ("2020-2021", ("2020-2021", "2019-2020"))
    assert systeminfo_year({"AeriesVersion": "8.1"}) is None  # an Aeries that does not say
    assert systeminfo_year([]) is None


def _year(title, start, end, **extra):
    return {"type": "schoolYear", "title": title, "startDate": start, "endDate": end, **extra}


def test_the_current_school_year_session_is_the_one_today_falls_in():
    rows = [
        _year("2025-2026", "2025-08-13", "2026-06-05"),
        _year("2026-2027", "2026-08-12", "2027-06-04"),
        _year("2027-2028", "2027-08-11", "2028-06-02"),
        {"type": "term", "title": "Fall", "startDate": "2026-08-12", "endDate": "2026-12-18"},
    ]
    assert current_session_year(rows, today=TODAY).current == "2026-2027"
    summer = datetime.date(2027, 7, 1)  # between two years: the last one begun
    assert current_session_year(rows, today=summer).current == "2026-2027"
    assert current_session_year(rows[2:], today=TODAY).current == "2027-2028"  # only a future one
    by_year = [{"type": "schoolYear", "title": "SY", "schoolYear": "2027", "startDate": "",
                "endDate": "2027-06-04"}]  # fmt: skip
    assert current_session_year(by_year, today=TODAY).current == "2026-2027"
    assert current_session_year(rows[3:], today=TODAY) is None


def test_the_native_client_reads_the_year_it_names_on_every_request(sandbox_sis):
    sandbox_sis.rollover()
    with sandbox_client(sandbox_sis, "aeries_api") as client:
        year = school_year_read(client, today=TODAY)
        assert (year.current, year.available) == ("2027-2028", ("2027-2028", "2026-2027"))
        client.year_select("2026-2027")
        students, _ = read_all(client, Entity.STUDENTS)
    served = sandbox_sis.info()["database_years"]["served"]
    assert set(served) == {"2026-2027"}  # every data read named last year
    last_year = {p.sourced_id for p in students}
    graduated = {sid for sid in last_year if sid not in sandbox_sis.district.people}
    assert graduated  # last year's seniors are in last year's database only


def test_a_year_aeries_does_not_have_is_refused_not_read_as_the_default(sandbox_sis):
    with sandbox_client(sandbox_sis, "aeries_api") as client:
        with pytest.raises(SisYearUnavailable, match="Aeries has no 2025-2026 database"):
            client.year_select("2025-2026")
        assert client.database_year == ""


@responses.activate
def test_an_aeries_that_ignores_the_year_asked_for_is_refused():
    base = "https://district.example.org/aeries/api/v5/"
    responses.get(base + "systeminfo", json={"DatabaseYear": "2027-2028",
                  "AvailableDatabaseYears": ["2027-2028", "2026-2027"]})  # fmt: skip
    creds = SisCredentials(kind="aeries_api", base_url=base[:-7], certificate="c" * 32)
    from sis import client_for

    refused = pytest.raises(SisYearUnavailable, match="answered school year 2027-2028 when")
    with client_for(creds) as client, refused:
        client.year_select("2026-2027")
    assert "DatabaseYear=2026" in responses.calls[-1].request.url


def test_the_oneroster_client_reads_the_school_year_session(sandbox_sis):
    with sandbox_client(sandbox_sis) as client:
        assert school_year_read(client, today=TODAY).current == "2026-2027"
    sandbox_sis.set_behaviours(rejected_filters=["type"])  # a server refusing the filter
    sandbox_sis.rollover()
    with sandbox_client(sandbox_sis) as client:
        year = school_year_read(client, today=TODAY)
    assert (year.current, year.source) == ("2027-2028", "academicSessions")

"""The sandbox's school-year databases (sandbox/years.py), over real HTTP."""

import requests

from sandbox.testing import SandboxClient


def native(server, path: str, **params) -> requests.Response:
    return requests.get(
        f"{server.base_url}api/v5/{path}",
        params=params or None,
        timeout=5,
        headers={"AERIES-CERT": server.certificate, "Accept": "application/json"},
    )


def _student_grades(server, **params) -> dict[str, int]:
    rows = native(server, "schools/992/students", **params).json()
    return {row["StudentID"]: row["Grade"] for row in rows}


def test_systeminfo_names_the_year_and_every_available_one(sandbox_sis):
    info = native(sandbox_sis, "systeminfo").json()
    assert info["DatabaseYear"] == "2026-2027"
    assert info["AvailableDatabaseYears"] == ["2026-2027"]


def test_a_rollover_moves_the_current_year_and_keeps_the_old_one_readable(sandbox_sis):
    before = _student_grades(sandbox_sis)
    sandbox_sis.rollover()
    info = native(sandbox_sis, "systeminfo").json()
    assert info["DatabaseYear"] == "2027-2028"
    assert info["AvailableDatabaseYears"] == ["2027-2028", "2026-2027"]

    # DatabaseYear=2026 reads last year's database, unchanged; no parameter, this year's.
    assert _student_grades(sandbox_sis, DatabaseYear=2026) == before
    assert native(sandbox_sis, "systeminfo", DatabaseYear=2026).json()["DatabaseYear"] == (
        "2026-2027"
    )
    now = _student_grades(sandbox_sis)
    assert now != before
    assert _student_grades(sandbox_sis, DatabaseYear=2027) == now
    last_year = native(sandbox_sis, "schools/994/terms", DatabaseYear=2026).json()
    assert {t["StartDate"][:4] for t in last_year} == {"2026", "2027"}


def test_a_year_aeries_does_not_have_reads_the_default_year_silently(sandbox_sis):
    sandbox_sis.rollover()
    for value in ("2019", "last year", ""):
        assert native(sandbox_sis, "systeminfo", DatabaseYear=value).json()["DatabaseYear"] == (
            "2027-2028"
        )
    assert _student_grades(sandbox_sis, DatabaseYear=2019) == _student_grades(sandbox_sis)


def test_info_counts_the_native_requests_by_year_and_oneroster_serves_the_current_year(
    sandbox_sis,
):
    sandbox_sis.rollover()
    native(sandbox_sis, "schools", DatabaseYear=2026)
    native(sandbox_sis, "schools", DatabaseYear=2027)
    native(sandbox_sis, "schools")
    years = sandbox_sis.info()["database_years"]
    assert years["current"] == "2027-2028"
    assert years["served"] == {"2026-2027": 1, "2027-2028": 1, "default": 1}
    sessions = SandboxClient(sandbox_sis).login().get("academicSessions", limit=1000).json()
    titles = {s["title"] for s in sessions["academicSessions"] if s["type"] == "schoolYear"}
    assert titles == {"2027-2028"}


def test_the_control_call_moves_the_year_too(sandbox_sis):
    answer = requests.post(sandbox_sis.base_url + "_sandbox/rollover", data="{}", timeout=10)
    assert answer.json()["school_year"] == "2027-2028"
    info = requests.get(sandbox_sis.base_url + "_sandbox/info", timeout=5).json()
    assert info["database_years"]["available"] == ["2027-2028", "2026-2027"]

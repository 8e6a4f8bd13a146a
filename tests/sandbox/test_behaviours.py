"""The behaviours of real Aeries and other OneRoster servers the sandbox can be switched to."""

import pytest
import requests

from sandbox.auth import SCOPES
from sandbox.shapes import (
    LINE_BREAK_STUDENT,
    LONG_SOURCED_ID,
    NAMELESS_CONTACT,
    NUL_STUDENT,
    OBJECT_NAME_STUDENT,
)
from sandbox.testing import SandboxClient


def control(server, action: str, payload=None) -> requests.Response:
    return requests.post(f"{server.base_url}_sandbox/{action}", json=payload, timeout=10)


def users(client: SandboxClient) -> list[dict]:
    return [u for page in client.pages_by_link("users", limit=1000) for u in page.json()["users"]]


def test_behaviours_are_off_by_default_and_listed_in_info(sandbox_sis):
    info = requests.get(f"{sandbox_sis.base_url}_sandbox/info", timeout=10).json()
    assert info["behaviours"]["strict_spec"] is False
    assert info["behaviours"]["token_path"] == "token"
    assert info["behaviours"]["oneroster_root"] == "ims/oneroster/v1p1/"


def test_the_control_endpoint_sets_behaviours_and_refuses_unknown_ones(sandbox_sis):
    answer = control(sandbox_sis, "behaviours", {"rejected_filters": ["role"]})
    assert answer.status_code == 200 and answer.json()["rejected_filters"] == ["role"]
    refused = control(sandbox_sis, "behaviours", {"telepathy": True})
    assert refused.status_code == 400 and "unknown behaviour 'telepathy'" in refused.json()["error"]


def test_strict_spec_sends_json_booleans_and_absolute_hrefs(sandbox_sis, client):
    sandbox_sis.set_behaviours(strict_spec=True)
    user = client.get("students", limit=1).json()["users"][0]
    enrollment = client.get("enrollments", limit=1).json()["enrollments"][0]
    assert user["enabledUser"] is True and enrollment["primary"] in (True, False)
    assert user["orgs"][0]["href"].startswith(sandbox_sis.base_url + "ims/oneroster/v1p1/orgs/")


def test_a_token_url_of_its_own_and_an_api_at_the_root(sandbox_sis_factory):
    server = sandbox_sis_factory(
        students=30,
        base_path="/",
        behaviours={"token_path": "ims/oneroster/v1p1/token", "oneroster_root": ""},
    )
    token = requests.post(
        server.base_url + "ims/oneroster/v1p1/token",
        auth=(server.client_id, server.client_secret),
        data={"grant_type": "client_credentials", "scope": SCOPES[0]},
        timeout=10,
    ).json()["access_token"]
    schools = requests.get(
        server.base_url + "schools", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert schools.status_code == 200 and schools.json()["orgs"]
    assert requests.post(server.base_url + "token", timeout=10).status_code in (404, 405)


def test_aeries_ids_stu_tch_pat_and_parents_shared_by_siblings(sandbox_sis, client):
    sandbox_sis.set_behaviours(aeries_ids=True)
    served = users(client)
    by_id = {u["sourcedId"]: u for u in served}
    assert "STU_100001" in by_id and "100001" not in by_id
    assert any(sid.startswith("TCH_") for sid in by_id)
    parents = [u for u in served if u["role"] in ("parent", "guardian", "relative")]
    assert parents and all(u["sourcedId"].startswith("PAT_") for u in parents)
    shared = [u for u in parents if len(u["agents"]) > 1]
    assert shared
    older, younger = (agent["sourcedId"] for agent in shared[0]["agents"])
    assert by_id[younger]["agents"][0]["sourcedId"] == shared[0]["sourcedId"]
    assert by_id[older]["agents"][0]["sourcedId"] == shared[0]["sourcedId"]
    enrollment = client.get("enrollments", limit=1).json()["enrollments"][0]
    assert enrollment["user"]["sourcedId"] in by_id
    school, user = enrollment["school"]["sourcedId"], enrollment["user"]["sourcedId"]
    assert enrollment["sourcedId"].startswith(f"{school}_{user}_")  # 894_STU_89400001_1038


def test_old_elementary_ids_are_the_class_ids_before_aeries_2019_20_change(sandbox_sis, client):
    def classes() -> set[str]:
        return {c["sourcedId"] for c in client.get("classes", limit=1000).json()["classes"]}

    def enrollments(class_id: str) -> set[str]:
        found = client.get("enrollments", limit=1000, filter=f"class.sourcedId='{class_id}'")
        return {e["sourcedId"] for e in found.json()["enrollments"]}

    now = classes()
    assert "990_TN_100" in now and "990_990100" not in now
    enrolled = enrollments("990_TN_100")
    sandbox_sis.set_behaviours(old_elementary_ids=True)
    before_2019 = classes()
    assert "990_990100" in before_2019 and not any("_TN_" in c for c in before_2019)
    assert {c for c in now if "_TN_" not in c} <= before_2019  # secondary ids stay
    assert len(before_2019) == len(now)
    assert enrollments("990_990100") == {e.replace("_TN_100_", "_990100_") for e in enrolled}
    assert enrolled and not enrollments("990_TN_100")
    headers = {"AERIES-CERT": sandbox_sis.certificate}  # the native API builds SC_TN_TN itself
    native = requests.get(sandbox_sis.base_url + "api/v5/schools/990/students", headers=headers,
                          timeout=10).json()  # fmt: skip
    assert all(s["HomeRoomTeacherNumber"] for s in native)


def test_numeric_relationship_codes_and_the_code_table(sandbox_sis):
    sandbox_sis.set_behaviours(numeric_relationships=True)
    headers = {"AERIES-CERT": sandbox_sis.certificate}
    contacts = requests.get(
        sandbox_sis.base_url + "api/v5/schools/994/contacts", headers=headers, timeout=10
    ).json()
    assert {c["RelationshipToStudentCode"] for c in contacts} <= {11, 13, 16, 23}
    table = requests.get(
        sandbox_sis.base_url + "api/v5/codes/CON/RL", headers=headers, timeout=10
    ).json()
    assert {"Code": "11", "Description": "Mother"} in table
    sandbox_sis.set_behaviours(codes_endpoint=False)
    gone = requests.get(sandbox_sis.base_url + "api/v5/codes/CON/RL", headers=headers, timeout=10)
    assert gone.status_code == 404


def test_rejected_filters_answer_invalid_filter_field(sandbox_sis, client):
    sandbox_sis.set_behaviours(rejected_filters=["dateLastModified"])
    refused = client.get("users", filter="dateLastModified>'2026-01-01T00:00:00Z'")
    assert refused.status_code == 400
    minor = refused.json()["statusInfoSet"][0]["imsx_CodeMinor"]["imsx_codeMinorField"][0]
    assert minor["imsx_codeMinorFieldValue"] == "invalid_filter_field"
    assert client.get("users", filter="role='teacher'").status_code == 200


def test_refused_scopes_answer_invalid_scope(sandbox_sis):
    sandbox_sis.set_behaviours(refused_scopes=[SCOPES[2]])
    client = SandboxClient(sandbox_sis, scope=" ".join(SCOPES))
    answer = client.token_response()
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_scope"
    assert SandboxClient(sandbox_sis, scope=SCOPES[0]).token_response().status_code == 200


@pytest.mark.parametrize("path", ["token", "ims/oneroster/v1p1/schools"])
def test_redirects_on_the_token_and_on_pages(sandbox_sis, path):
    target = "http://169.254.169.254/latest/meta-data/"
    sandbox_sis.set_behaviours(redirects=[{"path": path, "status": 307, "location": target}])
    answer = requests.request(
        "POST" if path == "token" else "GET",
        sandbox_sis.base_url + path,
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 307 and answer.headers["Location"] == target


def test_link_headers_can_name_another_host(sandbox_sis, client):
    sandbox_sis.set_behaviours(link_host="evil.example:4444")
    answer = client.get("users", limit=10)
    assert answer.links["next"]["url"].startswith("http://evil.example:4444/aeries/")


def test_duplicate_rows_repeat_a_record(sandbox_sis, client):
    sandbox_sis.set_behaviours(duplicate_rows=True)
    ids = [u["sourcedId"] for u in users(client)]
    assert len(ids) == len(set(ids)) + 1
    classes = [c["sourcedId"] for c in client.get("classes", limit=1000).json()["classes"]]
    assert len(classes) == len(set(classes)) + 1


def test_dirty_text_has_nul_characters_and_over_long_values(sandbox_sis, client):
    sandbox_sis.set_behaviours(dirty_text=True)
    raw = client.get(f"users/{NUL_STUDENT}").content
    assert b"\\u0000" in raw
    assert client.get(f"users/{LONG_SOURCED_ID}").status_code == 200
    native = requests.get(
        sandbox_sis.base_url + "api/v5/schools/990/students",
        headers={"AERIES-CERT": sandbox_sis.certificate},
        timeout=10,
    )
    assert b"\\u0000" in native.content
    given = client.get(f"users/{OBJECT_NAME_STUDENT}").json()["user"]["givenName"]
    assert isinstance(given, dict)
    assert "\r\n" in client.get(f"users/{LINE_BREAK_STUDENT}").json()["user"]["username"]
    nameless = client.get(f"users/{NAMELESS_CONTACT}").json()["user"]
    assert (nameless["givenName"], nameless["familyName"]) == ("", "")

    def native_rows(sourced_id: str, collection: str) -> list[dict]:
        user = client.get(f"users/{sourced_id}").json()["user"]
        school = user["orgs"][0]["sourcedId"]
        student = sourced_id.split("_")[1] if sourced_id.startswith("CNT_") else sourced_id
        return requests.get(
            f"{sandbox_sis.base_url}api/v5/schools/{school}/{collection}/{student}",
            headers={"AERIES-CERT": sandbox_sis.certificate},
            timeout=10,
        ).json()

    assert isinstance(native_rows(OBJECT_NAME_STUDENT, "students")[0]["FirstName"], dict)
    assert "\r\n" in native_rows(LINE_BREAK_STUDENT, "students")[0]["NetworkLoginID"]
    contacts = native_rows(NAMELESS_CONTACT, "contacts")
    first = next(row for row in contacts if row["SequenceNumber"] == 1)
    assert (first["FirstName"], first["LastName"]) == ("", "")


def test_retired_schools_are_gone_from_both_apis(sandbox_sis, client):
    sandbox_sis.set_behaviours(retired_schools=["992"])
    assert "992" not in [o["sourcedId"] for o in client.get("schools").json()["orgs"]]
    assert client.get("schools/992/students").status_code == 404
    headers = {"AERIES-CERT": sandbox_sis.certificate}
    native = requests.get(
        sandbox_sis.base_url + "api/v5/schools/992/students", headers=headers, timeout=10
    )
    assert native.status_code == 404

from collections import Counter

import pytest

from sandbox.testing import SandboxClient

COLLECTIONS = {
    "orgs": "orgs",
    "schools": "orgs",
    "academicSessions": "academicSessions",
    "terms": "academicSessions",
    "gradingPeriods": "academicSessions",
    "courses": "courses",
    "classes": "classes",
    "users": "users",
    "students": "users",
    "teachers": "users",
    "enrollments": "enrollments",
}


def ids(pages, key: str) -> list[str]:
    return [r["sourcedId"] for page in pages for r in page.json()[key]]


@pytest.mark.parametrize(("path", "key"), COLLECTIONS.items())
def test_every_collection_answers_with_its_envelope(shared_client, path, key):
    response = shared_client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert list(body) == [key]
    assert len(body[key]) == min(100, int(response.headers["X-Total-Count"])) > 0


def test_paging_by_link_and_by_total_gives_every_record_once(shared_client):
    total = int(shared_client.get("users", limit=1).headers["X-Total-Count"])
    by_link = ids(shared_client.pages_by_link("users", limit=37), "users")
    by_total = ids(shared_client.pages_by_total("users", limit=37), "users")
    assert len(by_link) == len(by_total) == total
    assert Counter(by_link) == Counter(by_total)
    assert max(Counter(by_link).values()) == 1
    assert by_link == by_total


def test_link_header_has_first_prev_next_last(shared_client):
    response = shared_client.get("users", limit=50, offset=100, filter="status='active'")
    total = int(response.headers["X-Total-Count"])
    links = response.links
    assert set(links) == {"first", "prev", "next", "last"}
    assert "offset=0" in links["first"]["url"] and "offset=50" in links["prev"]["url"]
    assert "offset=150" in links["next"]["url"]
    assert f"offset={(total - 1) // 50 * 50}" in links["last"]["url"]
    assert "filter=status" in links["next"]["url"]
    first_page = shared_client.get("users", limit=50).links
    assert "prev" not in first_page


def test_default_limit_is_100_and_limit_is_capped(sandbox_sis, client):
    response = client.get("users")
    assert len(response.json()["users"]) == 100
    total = int(response.headers["X-Total-Count"])
    assert len(client.get("users", limit=5000).json()["users"]) == min(total, 1000)
    sandbox_sis.configure(max_limit=50)
    response = client.get("users", limit=500)
    assert len(response.json()["users"]) == 50
    assert "limit=50&" in response.links["next"]["url"]


def test_offset_past_the_end_is_an_empty_page(shared_client):
    response = shared_client.get("courses", offset=10_000)
    assert response.status_code == 200
    assert response.json() == {"courses": []}


@pytest.mark.parametrize("params", [{"limit": "ten"}, {"limit": 0}, {"offset": -1}])
def test_bad_paging_is_400(shared_client, params):
    response = shared_client.get("users", **params)
    assert response.status_code == 400
    assert response.json()["statusInfoSet"][0]["imsx_codeMajor"] == "failure"


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("orgs", "org"),
        ("schools", "org"),
        ("academicSessions", "academicSession"),
        ("terms", "academicSession"),
        ("gradingPeriods", "academicSession"),
        ("courses", "course"),
        ("classes", "class"),
        ("users", "user"),
        ("students", "user"),
        ("teachers", "user"),
        ("enrollments", "enrollment"),
    ],
)
def test_single_record_forms(shared_client, path, key):
    listed = shared_client.get(path, offset=1, limit=1).json()
    (record,) = next(iter(listed.values()))
    response = shared_client.get(f"{path}/{record['sourcedId']}")
    assert response.status_code == 200, response.text
    assert response.json() == {key: record}


@pytest.mark.parametrize(
    "path",
    [
        "users/nobody",
        "students/TCH_1001",
        "teachers/100001",
        "schools/0",
        "classes/994_0000",
        "schools/123/students",
        "nothing",
    ],
)
def test_unknown_ids_are_404(shared_client, path):
    response = shared_client.get(path)
    assert response.status_code == 404
    status = response.json()["statusInfoSet"][0]
    assert status["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == (
        "unknownobject"
    )


@pytest.mark.parametrize(
    ("child", "key"),
    [
        ("classes", "classes"),
        ("students", "users"),
        ("teachers", "users"),
        ("enrollments", "enrollments"),
        ("terms", "academicSessions"),
        ("courses", "courses"),
    ],
)
def test_school_scoped_collections(shared_client, child, key):
    records = [
        r for p in shared_client.pages_by_link(f"schools/994/{child}") for r in p.json()[key]
    ]
    assert records
    for record in records:
        if key == "users":
            assert "994" in [o["sourcedId"] for o in record["orgs"]]
            assert record["role"] == child[:-1]
        elif key in ("classes", "enrollments"):
            assert record["school"]["sourcedId"] == "994"
        elif key == "academicSessions":
            assert record["sourcedId"] in ("994_F", "994_S")
        else:
            assert record["grades"][0] in ("09", "10", "11", "12")


def test_class_rosters_and_user_classes_agree(shared_client):
    students = shared_client.get("classes/994_1001/students").json()["users"]
    teachers = shared_client.get("classes/994_1001/teachers").json()["users"]
    assert students and all(s["role"] == "student" for s in students)
    assert [t["role"] for t in teachers] == ["teacher"]
    student = students[0]["sourcedId"]
    classes = shared_client.get(f"students/{student}/classes").json()["classes"]
    assert "994_1001" in [c["sourcedId"] for c in classes]
    assert len(classes) == 6


def test_records_have_aeries_formats(shared_client):
    user = shared_client.get("schools/994/students", limit=1).json()["users"][0]
    assert user["enabledUser"] in ("true", "false")
    assert user["orgs"][0]["href"].startswith("~/ims/oneroster/v1p1/orgs/")
    assert user["dateLastModified"].endswith("Z")
    assert {i["type"] for i in user["userIds"]} == {"StudentNumber", "StateID"}
    assert user["agents"][0]["sourcedId"] == f"CNT_{user['sourcedId']}_1"
    enrollment = shared_client.get("enrollments", limit=1).json()["enrollments"][0]
    assert enrollment["primary"] in ("true", "false")
    teacher = shared_client.get("teachers", limit=1).json()["users"][0]
    assert teacher["sourcedId"].startswith("TCH_")
    roles = {
        u["role"]
        for p in shared_client.pages_by_link("users", limit=1000)
        for u in p.json()["users"]
    }
    assert roles == {
        "administrator", "aide", "teacher", "student", "parent", "guardian", "relative",
    }  # fmt: skip


def test_demographics_need_the_roster_scope(sandbox_sis):
    core = SandboxClient(
        sandbox_sis, scope="https://purl.imsglobal.org/spec/or/v1p1/scope/roster-core.readonly"
    ).login()
    assert core.get("demographics").status_code == 403
    full = SandboxClient(sandbox_sis).login()
    student = full.get("students", limit=1).json()["users"][0]["sourcedId"]
    body = full.get(f"demographics/{student}").json()["demographics"]
    assert body["sex"] in ("male", "female", "other") and body["birthDate"]

import requests

from sandbox.testing import SandboxClient

EXPECTED_CODES = {
    "missing_email": 2,
    "shared_email": 1,
    "invalid_grade": 2,
    "missing_given_name": 1,
    "tobedeleted": 1,
    "invalid_email": 1,
    "unknown_org": 1,
    "missing_class": 1,
    "missing_user": 1,
    "missing_course": 1,
}


def user(client: SandboxClient, sourced_id: str) -> dict:
    return client.get(f"users/{sourced_id}").json()["user"]


def catalogue(server) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in server.info()["bad_rows"]:
        found.setdefault(row["code"], []).extend(row["sourced_ids"])
    return found


def test_catalogue_is_listed_in_info(sandbox_sis_shared):
    rows = sandbox_sis_shared.info()["bad_rows"]
    codes = {}
    for row in rows:
        codes[row["code"]] = codes.get(row["code"], 0) + 1
        assert row["description"] and row["sourced_ids"]
    assert codes == EXPECTED_CODES


def test_catalogue_does_not_grow_with_the_district(sandbox_sis_factory):
    big = sandbox_sis_factory(students=3000)
    assert len(big.info()["bad_rows"]) == 12


def test_bad_people_are_served_as_described(shared_client):
    bad = catalogue(shared_client.server)
    student_no_email, teacher_no_email = bad["missing_email"]
    assert user(shared_client, student_no_email)["email"] == ""
    assert user(shared_client, teacher_no_email)["role"] == "teacher"
    assert user(shared_client, teacher_no_email)["email"] == ""
    first, second = bad["shared_email"]
    assert user(shared_client, first)["email"] == user(shared_client, second)["email"] != ""
    assert sorted(user(shared_client, sid)["grades"][0] for sid in bad["invalid_grade"]) == [
        "14",
        "Grade 3",
    ]
    assert user(shared_client, bad["missing_given_name"][0])["givenName"] == ""
    assert user(shared_client, bad["tobedeleted"][0])["status"] == "tobedeleted"
    assert user(shared_client, bad["invalid_email"][0])["email"] == "not-an-email"
    orgs = user(shared_client, bad["unknown_org"][0])["orgs"]
    schools = {s["sourcedId"] for s in shared_client.get("schools").json()["orgs"]}
    assert [o["sourcedId"] for o in orgs] == ["997"] and "997" not in schools


def test_bad_schedule_rows_point_at_nothing(shared_client):
    bad = catalogue(shared_client.server)
    enrollment = shared_client.get(f"enrollments/{bad['missing_class'][0]}").json()["enrollment"]
    assert shared_client.get(f"classes/{enrollment['class']['sourcedId']}").status_code == 404
    enrollment = shared_client.get(f"enrollments/{bad['missing_user'][0]}").json()["enrollment"]
    assert shared_client.get(f"users/{enrollment['user']['sourcedId']}").status_code == 404
    klass = shared_client.get(f"classes/{bad['missing_course'][0]}").json()["class"]
    assert shared_client.get(f"courses/{klass['course']['sourcedId']}").status_code == 404


def test_bad_rows_show_in_the_native_api(sandbox_sis_shared):
    server, bad = sandbox_sis_shared, catalogue(sandbox_sis_shared)
    headers = {"AERIES-CERT": server.certificate}

    def student(sid: str) -> dict:
        for school in ("990", "992", "994"):
            url = f"{server.base_url}api/v5/schools/{school}/students/{sid}"
            found = requests.get(url, headers=headers, timeout=5).json()
            if found:
                return found[0]
        raise AssertionError(sid)

    assert student(bad["missing_given_name"][0])["FirstName"] == ""
    assert student(bad["tobedeleted"][0])["InactiveStatusCode"] == "I"
    assert 14 in [student(sid)["Grade"] for sid in bad["invalid_grade"]]
    aide_id = bad["unknown_org"][0].removeprefix("TCH_")
    staff = requests.get(
        f"{server.base_url}api/v5/staff/{aide_id}", headers=headers, timeout=5
    ).json()
    assert staff[0]["PrimaryAeriesSchool"] == 997


def test_clean_district_has_no_bad_rows(sandbox_sis_factory):
    server = sandbox_sis_factory(clean=True)
    assert server.info()["bad_rows"] == []
    client = SandboxClient(server).login()
    users = [u for page in client.pages_by_link("users", limit=1000) for u in page.json()["users"]]
    emails = [u["email"] for u in users]
    assert all(emails) and len(set(emails)) == len(emails)
    assert all(u["status"] == "active" and u["givenName"] for u in users)
    schools = {s["sourcedId"] for s in client.get("orgs").json()["orgs"]}
    assert all(o["sourcedId"] in schools for u in users for o in u["orgs"])
    grades = {g for u in users for g in u["grades"]}
    assert grades <= {"KG", *(f"{n:02d}" for n in range(1, 13))}
    classes = {
        c["sourcedId"]
        for page in client.pages_by_link("classes", limit=1000)
        for c in page.json()["classes"]
    }
    ids = {u["sourcedId"] for u in users}
    for page in client.pages_by_link("enrollments", limit=1000):
        for e in page.json()["enrollments"]:
            assert e["class"]["sourcedId"] in classes and e["user"]["sourcedId"] in ids

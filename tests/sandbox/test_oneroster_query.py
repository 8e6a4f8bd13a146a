import pytest


def all_users(client, **params) -> list[dict]:
    return [
        u for p in client.pages_by_link("users", limit=1000, **params) for u in p.json()["users"]
    ]


def test_filter_by_role(shared_client):
    teachers = all_users(shared_client, filter="role='teacher'")
    assert teachers and {u["role"] for u in teachers} == {"teacher"}
    listed = shared_client.get("teachers", limit=1000).json()["users"]
    assert [u["sourcedId"] for u in teachers] == [u["sourcedId"] for u in listed]


def test_filter_by_status(shared_client):
    inactive = all_users(shared_client, filter="status='tobedeleted'")
    assert [u["status"] for u in inactive] == ["tobedeleted"]
    active = all_users(shared_client, filter="status!='tobedeleted'")
    total = int(shared_client.get("users").headers["X-Total-Count"])
    assert len(active) + len(inactive) == total


def test_filter_by_date_last_modified(shared_client):
    stamps = sorted(u["dateLastModified"] for u in all_users(shared_client))
    middle = stamps[len(stamps) // 2]
    later = all_users(shared_client, filter=f"dateLastModified>'{middle}'")
    assert later and all(u["dateLastModified"] > middle for u in later)
    assert len(later) == sum(1 for s in stamps if s > middle)
    at_most = all_users(shared_client, filter=f"dateLastModified<='{middle}'")
    assert len(at_most) + len(later) == len(stamps)


def test_filter_with_and_or(shared_client):
    both = all_users(shared_client, filter="role='student' AND familyName~'o'")
    assert both and all(u["role"] == "student" and "o" in u["familyName"].lower() for u in both)
    either = all_users(shared_client, filter="role='teacher' OR role='aide'")
    assert {u["role"] for u in either} == {"teacher", "aide"}


def test_filter_on_references_and_lists(shared_client):
    classes = shared_client.get("classes", filter="school.sourcedId='994'", limit=1000)
    assert {c["school"]["sourcedId"] for c in classes.json()["classes"]} == {"994"}
    ninth = all_users(shared_client, filter="grades='09'")
    assert ninth and all(u["grades"] == ["09"] for u in ninth)
    at_994 = all_users(shared_client, filter="orgs.sourcedId='994' AND role='student'")
    assert at_994 and all(u["orgs"][0]["sourcedId"] == "994" for u in at_994)


def test_filter_value_with_an_apostrophe(shared_client):
    names = {u["familyName"] for u in all_users(shared_client)}
    name = next(n for n in sorted(names) if "'" in n)
    quoted = name.replace("'", "''")
    found = all_users(shared_client, filter=f"familyName='{quoted}'")
    assert found and {u["familyName"] for u in found} == {name}


@pytest.mark.parametrize(
    ("text", "code_minor"),
    [
        ("role=teacher", "invalid_filter_field"),
        ("shoeSize='9'", "invalid_filter_field"),
        ("role='teacher' XOR role='aide'", "invalid_filter_field"),
    ],
)
def test_bad_filters_are_400(shared_client, text, code_minor):
    response = shared_client.get("users", filter=text)
    assert response.status_code == 400
    field = response.json()["statusInfoSet"][0]["imsx_CodeMinor"]["imsx_codeMinorField"][0]
    assert field["imsx_codeMinorFieldValue"] == code_minor


def test_fields_trim_the_records(shared_client):
    body = shared_client.get("users", fields="sourcedId,givenName", limit=5).json()
    assert all(set(u) == {"sourcedId", "givenName"} for u in body["users"])
    single = shared_client.get("users/TCH_1001", fields="email").json()
    assert single == {"user": {"email": single["user"]["email"]}}


def test_unknown_field_is_400(shared_client):
    response = shared_client.get("users", fields="sourcedId,shoeSize")
    assert response.status_code == 400
    assert "shoeSize" in response.json()["statusInfoSet"][0]["imsx_description"]


def test_sort_and_order_by(shared_client):
    up = [u["familyName"] for u in all_users(shared_client, sort="familyName")]
    assert up == sorted(up)
    down = [u["familyName"] for u in all_users(shared_client, sort="familyName", orderBy="desc")]
    assert down == sorted(up, reverse=True)
    assert shared_client.get("users", sort="shoeSize").status_code == 400
    assert shared_client.get("users", sort="familyName", orderBy="up").status_code == 400


def test_filter_sort_and_paging_combine(shared_client):
    params = {"filter": "role='student'", "sort": "dateLastModified"}
    by_link = [
        u["sourcedId"]
        for p in shared_client.pages_by_link("users", limit=30, **params)
        for u in p.json()["users"]
    ]
    by_total = [
        u["sourcedId"]
        for p in shared_client.pages_by_total("users", limit=30, **params)
        for u in p.json()["users"]
    ]
    assert by_link == by_total and len(by_link) == len(set(by_link)) == 200

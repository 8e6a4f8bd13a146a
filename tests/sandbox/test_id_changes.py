"""Sandbox switches that change users' sourcedIds between two runs (for relinks)."""

import uuid


def _users(client) -> list[dict]:
    return client.get("users", limit=10_000).json()["users"]


def test_guid_ids_change_every_user_s_sourced_id_and_keep_the_aeries_ids(sandbox_sis, client):
    before = {u["sourcedId"]: u for u in _users(client)}
    sandbox_sis.set_behaviours(guid_ids=True)
    after = {u["sourcedId"]: u for u in _users(client)}
    assert len(after) == len(before) and not set(after) & set(before)  # every id changed
    assert all(uuid.UUID(sid) for sid in after)
    old_by_ids = {(u["role"], str(u["userIds"])): sid for sid, u in before.items()}
    staff = [u for u in after.values() if u["role"] == "teacher"]
    assert staff and all(u["userIds"][0]["type"] == "StaffID" for u in staff)
    matched = {old_by_ids.get((u["role"], str(u["userIds"]))) for u in after.values()}
    assert "100020" in matched and "TCH_1019" in matched  # the same people, by their userIds
    enrollment = client.get("enrollments", limit=1).json()["enrollments"][0]
    assert enrollment["user"]["sourcedId"] in after
    student = after[next(sid for sid, u in after.items() if u["role"] == "student")]
    assert all(agent["sourcedId"] in after for agent in student["agents"])

    sandbox_sis.set_behaviours(guid_ids=False)  # and back
    assert {u["sourcedId"] for u in _users(client)} == set(before)


def test_guid_ids_repeat_for_a_seed(sandbox_sis_factory):
    one, two = (sandbox_sis_factory(students=40, seed=3, behaviours={"guid_ids": True})
                for _ in range(2))  # fmt: skip
    from sandbox.testing import SandboxClient

    ids = [{u["sourcedId"] for u in _users(SandboxClient(s).login())} for s in (one, two)]
    assert ids[0] == ids[1]


def test_renumbered_students_keep_everything_but_the_ids_built_from_their_student_id(
    sandbox_sis, client
):
    import requests

    before = {u["sourcedId"]: u for u in _users(client)}
    answer = requests.post(sandbox_sis.base_url + "_sandbox/renumber", json={"n": 2}, timeout=10)
    renumbered = answer.json()["renumbered"]
    assert list(renumbered) == ["100008", "100009"]  # the first two outside the catalogue
    after = {u["sourcedId"]: u for u in _users(client)}
    for old, new in renumbered.items():
        assert old not in after and new in after
        kept = ("givenName", "familyName", "email", "username", "identifier", "grades")
        assert {k: after[new][k] for k in kept} == {k: before[old][k] for k in kept}
        assert [a["sourcedId"] for a in after[new]["agents"]] == [
            a["sourcedId"].replace(f"CNT_{old}_", f"CNT_{new}_") for a in before[old]["agents"]
        ]
        enrollments = client.get("enrollments", filter=f"user.sourcedId='{new}'").json()
        assert all(e["sourcedId"].endswith(f"_{new}") for e in enrollments["enrollments"])
        assert enrollments["enrollments"]
    headers = {"AERIES-CERT": sandbox_sis.certificate}
    native = sandbox_sis.base_url + "api/v5/schools"
    codes = [row["SchoolCode"] for row in requests.get(native, headers=headers, timeout=10).json()]
    ids = {
        str(row["StudentID"])
        for code in codes
        for row in requests.get(f"{native}/{code}/students", headers=headers, timeout=10).json()
    }
    assert set(renumbered.values()) <= ids and not set(renumbered) & ids  # fmt: skip
    bad = requests.post(sandbox_sis.base_url + "_sandbox/renumber", json={"students": ["TCH_1019"]},
                        timeout=10)  # fmt: skip
    assert bad.status_code == 400 and "not a student" in bad.json()["error"]

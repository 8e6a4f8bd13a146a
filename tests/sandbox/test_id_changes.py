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

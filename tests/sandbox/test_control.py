import requests

from sandbox.testing import SandboxClient

NOW = "2026-11-01T08:00:00Z"


def control(server, action: str, payload=None, method: str = "post") -> requests.Response:
    return requests.request(method, f"{server.base_url}_sandbox/{action}", json=payload, timeout=10)


def users(client) -> dict[str, dict]:
    return {
        u["sourcedId"]: u
        for p in client.pages_by_link("users", limit=1000)
        for u in p.json()["users"]
    }


def test_info_describes_the_sandbox(sandbox_sis):
    info = control(sandbox_sis, "info", method="get").json()
    assert info["counts"]["role_student"] == 200
    assert info["served"]["users"] == info["counts"]["users"]
    assert info["credentials"]["client_id"] == sandbox_sis.client_id
    assert info["base_url"] == sandbox_sis.base_url
    assert info["permissions"]["oneroster_enabled"] is True
    assert info["settings"] == {"token_lifetime": 3600, "max_limit": 1000, "leavers": "drop"}


def test_mutate_summary_and_what_clients_see(sandbox_sis, client):
    before = users(client)
    summary = control(sandbox_sis, "mutate", {"n": 8, "now": NOW}).json()
    assert summary["now"] == NOW
    assert {k: len(v) for k, v in summary.items() if k != "now"} == {
        "renamed": 2,
        "grade_changed": 2,
        "left": 2,
        "new": 2,
    }
    after = users(client)
    for sid in summary["renamed"]:
        assert after[sid]["familyName"] != before[sid]["familyName"]
        assert after[sid]["dateLastModified"] == NOW
    assert any(sid.startswith("TCH_") for sid in summary["renamed"])
    for sid in summary["grade_changed"]:
        assert after[sid]["grades"] != before[sid]["grades"]
    for sid in summary["left"]:
        assert sid not in after
        assert all(a["sourcedId"] not in after for a in before[sid]["agents"])
        assert client.get(f"students/{sid}/classes").status_code == 404
    for sid in summary["new"]:
        assert after[sid]["dateLastModified"] == NOW
        assert all(after[a["sourcedId"]]["dateLastModified"] == NOW for a in after[sid]["agents"])
        assert len(client.get(f"students/{sid}/classes").json()["classes"]) == 6


def test_delta_filter_finds_exactly_the_changes(sandbox_sis, client):
    clock = sandbox_sis.info()["clock"]
    summary = sandbox_sis.mutate(8)
    assert summary["now"] > clock
    changed = {
        u["sourcedId"]
        for p in client.pages_by_link("users", filter=f"dateLastModified>'{clock}'")
        for u in p.json()["users"]
    }
    new_guardians = {f"CNT_{sid}_{n}" for sid in summary["new"] for n in (1, 2)}
    expected = set(summary["renamed"] + summary["grade_changed"] + summary["new"])
    assert expected <= changed <= expected | new_guardians
    enrollments = [
        e
        for p in client.pages_by_link("enrollments", filter=f"dateLastModified>'{clock}'")
        for e in p.json()["enrollments"]
    ]
    assert {e["user"]["sourcedId"] for e in enrollments} == set(summary["new"])


def test_leavers_can_stay_as_tobedeleted(sandbox_sis, client):
    control(sandbox_sis, "settings", {"leavers": "tobedeleted"})
    clock = sandbox_sis.info()["clock"]
    summary = sandbox_sis.mutate(3)
    for sid in summary["left"]:
        user = client.get(f"users/{sid}").json()["user"]
        assert user["status"] == "tobedeleted" and user["dateLastModified"] > clock
        for agent in user["agents"]:
            assert client.get(f"users/{agent['sourcedId']}").json()["user"]["status"] == (
                "tobedeleted"
            )
    gone = [
        e
        for p in client.pages_by_link("enrollments", filter="status='tobedeleted'")
        for e in p.json()["enrollments"]
    ]
    assert {e["user"]["sourcedId"] for e in gone} == set(summary["left"])
    assert len(gone) == 6


def test_leavers_in_the_native_api(sandbox_sis):
    summary = sandbox_sis.mutate(3, now=NOW)
    (sid,) = summary["left"]
    headers = {"AERIES-CERT": sandbox_sis.certificate}
    rows = []
    for school in ("990", "992", "994"):
        rows += requests.get(
            f"{sandbox_sis.base_url}api/v5/schools/{school}/students/{sid}",
            headers=headers,
            timeout=5,
        ).json()
    assert rows[0]["InactiveStatusCode"] == "I"
    assert rows[0]["SchoolLeaveDate"] == "2026-11-01T00:00:00"


def test_clock_is_monotonic(sandbox_sis):
    first = sandbox_sis.mutate(1)["now"]
    second = sandbox_sis.mutate(1)["now"]
    third = sandbox_sis.mutate(1)["now"]
    assert first < second < third


def test_mutations_replay_identically(sandbox_sis_factory):
    servers = [sandbox_sis_factory(seed=9), sandbox_sis_factory(seed=9)]
    summaries = [[s.mutate(10, now=NOW), s.mutate(5, now="2026-11-02T00:00:00Z")] for s in servers]
    assert summaries[0] == summaries[1]
    rows = [list(s.store["users"].rows) for s in servers]
    assert rows[0] == rows[1]


def test_control_errors(sandbox_sis):
    response = requests.post(f"{sandbox_sis.base_url}_sandbox/mutate", data=b"{not json", timeout=5)
    assert response.status_code == 400
    assert control(sandbox_sis, "explode").status_code == 404
    assert control(sandbox_sis, "settings", {"leavers": "vanish"}).status_code == 400


def test_outside_the_base_path_is_an_iis_404(sandbox_sis):
    response = requests.get(
        sandbox_sis.base_url.replace("/aeries/", "/other/") + "token", timeout=5
    )
    assert response.status_code == 404
    assert "The resource cannot be found." in response.text
    assert SandboxClient(sandbox_sis).login().get("orgs").status_code == 200

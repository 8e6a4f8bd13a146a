"""The sandbox's summer rollover (sandbox/rollover.py) over real HTTP."""

from sandbox.data import generate_district
from sandbox.rollover import district_rollover
from sandbox.testing import SandboxClient


def test_a_rollover_moves_the_district_to_its_next_school_year():
    district = generate_district(300, seed=2)
    students = {
        p.sourced_id: p.grade
        for p in district.people.values()
        if p.role == "student" and p.status == "active"
    }
    teachers = {p.sourced_id for p in district.people.values() if p.role == "teacher"}
    sections = {s.sourced_id for s in district.sections}
    summary = district_rollover(district)

    assert summary["school_year"] == "2027-2028"
    year = next(s for s in district.sessions if s.kind == "schoolYear")
    assert (year.sourced_id, year.start[:4], year.end[:4]) == ("2028", "2027", "2028")
    terms = [s for s in district.sessions if s.kind == "term"]
    assert terms and all(t.school_year == "2028" and t.parent_id == "2028" for t in terms)
    assert {t.sourced_id for t in terms} == {f"{s.code}_{c}" for s in district.schools
                                             for c in "FS"}  # fmt: skip
    graduated = {sid for sid, grade in students.items() if grade == 12}
    assert set(summary["graduated"]) == graduated and graduated
    assert not graduated & set(district.people)
    for sid, grade in students.items():
        if sid in district.people and district.people[sid].status == "active":
            assert district.people[sid].grade == grade + 1
    arrived = [district.people[sid] for sid in summary["arrived"]]
    assert len(arrived) == len(graduated) and all(p.grade == 0 for p in arrived)
    now_teachers = {p.sourced_id for p in district.people.values() if p.role == "teacher"}
    assert len(now_teachers & teachers) >= 0.85 * len(teachers)  # mostly the same
    new_sections = {s.sourced_id for s in district.sections}
    assert set(summary["reused_section_ids"]) == new_sections & sections
    assert summary["reused_section_ids"] and new_sections - sections  # partly reused
    assert {e.begin[:4] for e in district.enrollments} == {"2027"}


def test_the_control_call_rolls_the_served_district_over(sandbox_sis):
    client = SandboxClient(sandbox_sis).login()
    before = client.get("academicSessions", limit=1000).json()["academicSessions"]
    answer = client.session.post(sandbox_sis.base_url + "_sandbox/rollover", data="{}", timeout=10)
    assert answer.status_code == 200 and answer.json()["school_year"] == "2027-2028"
    after = client.get("academicSessions", limit=1000).json()["academicSessions"]
    years = [s for s in after if s["type"] == "schoolYear"]
    assert [y["sourcedId"] for y in years] == ["2028"]
    assert {s["sourcedId"] for s in after} - {"2028"} == {s["sourcedId"] for s in before} - {"2027"}
    course = client.get("courses", limit=1).json()["courses"][0]
    assert course["schoolYear"]["sourcedId"] == "2028"

import pytest
import requests

from sandbox.testing import SandboxClient


def native(server, path: str, **params) -> requests.Response:
    return requests.get(
        f"{server.base_url}api/v5/{path}",
        params=params or None,
        timeout=5,
        headers={"AERIES-CERT": server.certificate, "Accept": "application/json"},
    )


def test_systeminfo_needs_no_certificate(sandbox_sis_shared):
    response = requests.get(sandbox_sis_shared.base_url + "api/v5/systeminfo", timeout=5)
    assert response.status_code == 200 and "AeriesVersion" in response.json()


@pytest.mark.parametrize("cert", [None, "0" * 32])
def test_bad_certificate_is_401(sandbox_sis_shared, cert):
    headers = {"AERIES-CERT": cert} if cert else {}
    response = requests.get(
        sandbox_sis_shared.base_url + "api/v5/schools", headers=headers, timeout=5
    )
    assert response.status_code == 401
    assert response.json() == {"Message": "Authorization has been denied for this request."}


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("schools", {"SchoolCode", "Name", "Terms"}),
        ("schools/994/terms", {"TermCode", "TermDescription", "StartDate", "EndDate"}),
        (
            "schools/994/students",
            {
                "StudentID",
                "SchoolCode",
                "StudentNumber",
                "StateStudentID",
                "FirstName",
                "LastName",
                "MiddleName",
                "Gender",
                "Grade",
                "Birthdate",
                "StudentEmailAddress",
                "ParentEmailAddress",
                "NetworkLoginID",
                "InactiveStatusCode",
                "SchoolEnterDate",
                "SchoolLeaveDate",
                "HomeRoomTeacherNumber",
                "FamilyKey",
            },
        ),
        (
            "schools/994/teachers",
            {
                "SchoolCode",
                "TeacherNumber",
                "DisplayName",
                "FirstName",
                "LastName",
                "EmailAddress",
                "StaffID1",
                "StaffID2",
                "StaffID3",
                "Room",
                "LowGrade",
                "HighGrade",
            },
        ),
        (
            "staff",
            {
                "ID",
                "FirstName",
                "LastName",
                "MiddleName",
                "EmailAddress",
                "UserName",
                "NetworkLoginID",
                "PrimaryAeriesSchool",
                "InactiveStatusCode",
                "Title",
                "SchoolAccessPermissions",
            },
        ),
        (
            "schools/994/sections",
            {
                "SchoolCode",
                "SectionNumber",
                "CourseID",
                "Semester",
                "Period",
                "Room",
                "LowGrade",
                "HighGrade",
                "TeacherNumber1",
                "TeacherNumber2",
                "TeacherNumber3",
                "SectionStaffMembers",
            },
        ),
        ("schools/994/sections/1001/students", {"StudentID", "FirstName", "Grade"}),
        (
            "courses",
            {"ID", "Title", "LongDescription", "DepartmentCode", "LowGrade", "HighGrade"},
        ),
        (
            "schools/994/classes",
            {
                "StudentID",
                "SequenceNumber",
                "SectionNumber",
                "CourseID",
                "DateStarted",
                "DateDropped",
            },
        ),
        (
            "schools/994/contacts",
            {
                "StudentID",
                "SchoolCode",
                "SequenceNumber",
                "FirstName",
                "LastName",
                "RelationshipToStudentCode",
                "EmailAddress",
                "HomePhone",
                "WorkPhone",
                "CellPhone",
                "AccessToPortal",
                "ContactOrder",
                "LivesWithStudentIndicator",
            },
        ),
    ],
)
def test_endpoints_answer_arrays_of_pascal_case_rows(sandbox_sis_shared, path, fields):
    response = native(sandbox_sis_shared, path)
    assert response.status_code == 200
    rows = response.json()
    assert isinstance(rows, list) and rows
    assert fields <= set(rows[0])


def test_single_forms(sandbox_sis_shared):
    school = native(sandbox_sis_shared, "schools/994").json()
    assert school["SchoolCode"] == 994 and school["Name"] == "Roosevelt High School"
    sid = native(sandbox_sis_shared, "schools/994/students").json()[3]["StudentID"]
    student = native(sandbox_sis_shared, f"schools/994/students/{sid}").json()
    assert [s["StudentID"] for s in student] == [sid]
    assert native(sandbox_sis_shared, "staff/1001").json()[0]["ID"] == 1001
    assert native(sandbox_sis_shared, "schools/994/sections/1001").json()[0]["SectionNumber"] == (
        1001
    )
    contacts = native(sandbox_sis_shared, f"schools/994/contacts/{sid}").json()
    assert contacts[0]["SequenceNumber"] == 1
    third = native(sandbox_sis_shared, "schools/990/students/grade/3").json()
    assert third and {s["Grade"] for s in third} == {3}


def test_unknown_school_and_route_are_404(sandbox_sis_shared):
    assert native(sandbox_sis_shared, "schools/123").status_code == 404
    response = native(sandbox_sis_shared, "gradebooks")
    assert response.status_code == 404 and "Message" in response.json()


def test_starting_and_ending_record_paging(sandbox_sis_shared):
    everyone = native(sandbox_sis_shared, "schools/994/students").json()
    pages = []
    for start in range(1, len(everyone) + 1, 10):
        pages += native(
            sandbox_sis_shared, "schools/994/students", StartingRecord=start, EndingRecord=start + 9
        ).json()
    assert pages == everyone
    assert native(sandbox_sis_shared, "schools/994/students", StartingRecord=10_000).json() == []


def test_native_and_oneroster_are_one_district(sandbox_sis_shared):
    server = sandbox_sis_shared
    client = SandboxClient(server).login()
    oneroster = {
        u["sourcedId"]: u
        for p in client.pages_by_link("users", limit=1000)
        for u in p.json()["users"]
    }
    for school in ("990", "992", "994"):
        for row in native(server, f"schools/{school}/students").json():
            user = oneroster[str(row["StudentID"])]
            assert (user["givenName"], user["familyName"]) == (row["FirstName"], row["LastName"])
            assert user["email"] == row["StudentEmailAddress"]
        for row in native(server, f"schools/{school}/contacts").json():
            user = oneroster[f"CNT_{row['StudentID']}_{row['SequenceNumber']}"]
            assert user["email"] == row["EmailAddress"]
            assert user["agents"][0]["sourcedId"] == str(row["StudentID"])
        for row in native(server, f"schools/{school}/sections").json():
            klass = client.get(f"classes/{school}_{row['SectionNumber']}").json()["class"]
            assert klass["course"]["sourcedId"] == row["CourseID"]
            teachers = client.get(f"classes/{klass['sourcedId']}/teachers").json()["users"]
            assert {t["sourcedId"] for t in teachers} == {
                f"TCH_{m['StaffID']}" for m in row["SectionStaffMembers"]
            }
    for row in native(server, "staff").json():
        assert oneroster[f"TCH_{row['ID']}"]["email"] == row["EmailAddress"]


def test_elementary_homerooms_match_homeroom_teacher_numbers(sandbox_sis_shared):
    """Aeries' elementary class SC_TN_TN: no title, course TCH_<ID>, the TCH row's room and
    grades, and the students whose HomeRoomTeacherNumber names the teacher."""
    client = SandboxClient(sandbox_sis_shared).login()
    student = native(sandbox_sis_shared, "schools/990/students").json()[0]
    number = student["HomeRoomTeacherNumber"]
    klass = client.get(f"classes/990_TN_{number}").json()["class"]
    teacher = native(sandbox_sis_shared, f"schools/990/teachers/{number}").json()[0]
    assert (klass["title"], klass["classType"], klass["periods"]) == ("", "scheduled", ["0"])
    assert klass["course"]["sourcedId"] == f"TCH_{teacher['StaffID1']}"
    assert klass["location"] == teacher["Room"]
    assert klass["grades"] == [f"{teacher['LowGrade']:02d}" if teacher["LowGrade"] else "KG"]
    roster = client.get(f"classes/990_TN_{number}/students", limit=1000).json()["users"]
    assert str(student["StudentID"]) in {u["sourcedId"] for u in roster}


def test_courses_and_class_schedules_agree_with_oneroster(sandbox_sis_shared):
    client = SandboxClient(sandbox_sis_shared).login()
    courses = {c["sourcedId"]: c for c in client.get("courses", limit=1000).json()["courses"]}
    catalogue = native(sandbox_sis_shared, "courses").json()
    assert {row["ID"]: row["Title"] for row in catalogue} == {
        sid: c["title"] for sid, c in courses.items()
    }
    assert native(sandbox_sis_shared, "courses/2109").json()[0]["Title"] == "English 9"
    schedule = native(sandbox_sis_shared, "schools/994/classes").json()
    student = schedule[0]["StudentID"]
    mine = native(sandbox_sis_shared, f"schools/994/classes/{student}").json()
    assert mine == [row for row in schedule if row["StudentID"] == student]
    enrollments = client.get(f"users/{student}/classes", limit=100).json()["classes"]
    assert {f"994_{row['SectionNumber']}" for row in mine} <= {c["sourcedId"] for c in enrollments}
    assert [row["SequenceNumber"] for row in mine] == list(range(1, len(mine) + 1))


def test_base_url_serves_the_aeries_sign_in_page(sandbox_sis):
    sandbox_sis.set_permission("oneroster_enabled", False)
    page = requests.get(sandbox_sis.base_url, timeout=5)
    assert page.status_code == 200 and b"Aeries" in page.content
    assert requests.post(sandbox_sis.base_url + "token", timeout=5).status_code == 404

"""AeriesApiClient against a responses fake, and parity with the OneRoster client."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, unquote_plus, urlsplit

import orjson
import pytest
import responses

from sis import AeriesApiClient, client_for, errors
from sis.credentials import SisCredentials
from sis.records import Entity, Role, Status

BASE = "https://district.example.org/aeries/"
NATIVE = BASE + "api/v5/"
ONEROSTER = BASE + "ims/oneroster/v1p1/"
CERT = "477abe9e7d27439681d62f4e0de1f5e1"

# One small district, served natively here and as OneRoster below.
SCHOOLS = [
    {"SchoolCode": 0, "Name": "District Office"},
    {"SchoolCode": 994, "Name": "Lincoln High School", "LowGradeLevel": 9, "HighGradeLevel": 12},
    {"SchoolCode": 995, "Name": "Washington Elementary", "LowGradeLevel": 0, "HighGradeLevel": 5},
]
TERMS = {
    "994": [
        {"TermCode": "F", "TermDescription": "Fall", "StartDate": "2025-08-15T00:00:00",
         "EndDate": "2025-12-19T00:00:00"},
    ],
    "995": [
        {"TermCode": "Y", "TermDescription": "Year", "StartDate": "2025-08-15T00:00:00",
         "EndDate": "2026-06-05T00:00:00"},
    ],
}  # fmt: skip
COURSES = [
    {"ID": "0101", "Title": "English 9", "LowGrade": 9, "HighGrade": 9},
    {"ID": "0500", "Title": "Grade 1 Homeroom", "LowGrade": 1, "HighGrade": 1},
]


def student(student_id, school, grade, first, **extra):
    return {
        "StudentID": student_id, "SchoolCode": school, "StudentNumber": student_id - 1000,
        "StateStudentID": f"SS{student_id}", "FirstName": first, "LastName": "Lee",
        "MiddleName": "", "Grade": grade, "StudentEmailAddress": f"{first.lower()}@k12.example",
        "NetworkLoginID": first.lower(), "InactiveStatusCode": "", **extra,
    }  # fmt: skip


STUDENTS = {
    "994": [student(1001, 994, 9, "Ana"), student(1002, 994, 10, "Ben")],
    "995": [student(1003, 995, 1, "Cal"), student(1002, 995, 10, "Ben")],
}
TEACHERS = {
    "994": [{"SchoolCode": 994, "TeacherNumber": 101, "StaffID1": 501, "FirstName": "Tom"}],
    "995": [
        {"SchoolCode": 995, "TeacherNumber": 201, "StaffID1": 502, "FirstName": "Una"},
        {"SchoolCode": 995, "TeacherNumber": 202, "StaffID1": 501, "FirstName": "Tom"},
        {"SchoolCode": 995, "TeacherNumber": 203, "StaffID1": 0, "FirstName": "Sub"},
    ],
}


def staff(staff_id, first, title, school, inactive=""):
    return {
        "ID": staff_id, "FirstName": first, "LastName": "Hart", "MiddleName": "",
        "EmailAddress": f"{first.lower()}@district.example", "UserName": f"u{staff_id}",
        "NetworkLoginID": first.lower(), "PrimaryAeriesSchool": school, "Title": title,
        "InactiveStatusCode": inactive, "SchoolAccessPermissions": [],
    }  # fmt: skip


STAFF = [
    staff(501, "Tom", "Teacher", 994),
    staff(502, "Una", "Teacher", 995),
    staff(601, "Pat", "Principal", 994),
    staff(602, "Cleo", "Office Clerk", 995, inactive="I"),
]
SECTIONS = {
    "994": [
        {"SchoolCode": 994, "SectionNumber": 1001, "CourseID": "0101", "Semester": "F",
         "Period": 1, "Room": "A1", "LowGrade": 9, "HighGrade": 9, "TeacherNumber1": 101,
         "SectionStaffMembers": [{"StaffID": 501, "IsPrimaryTeacher": True,
                                  "StartDate": "2025-08-15T00:00:00", "EndDate": None}]},
    ],
    "995": [
        {"SchoolCode": 995, "SectionNumber": 2001, "CourseID": "0500", "Semester": "Y",
         "Period": 0, "Room": "B2", "LowGrade": 1, "HighGrade": 1, "TeacherNumber1": 201,
         "TeacherNumber2": 202, "SectionStaffMembers": []},
    ],
}  # fmt: skip
# Class schedules (SEC): a blank date is the section's term start / end.
CLASS_SCHEDULES = {
    "994": [
        {"StudentID": 1001, "SequenceNumber": 1, "SectionNumber": 1001,
         "DateStarted": "2025-08-20T00:00:00", "DateDropped": None},
        {"StudentID": 1002, "SequenceNumber": 1, "SectionNumber": 1001},
    ],
    "995": [
        {"StudentID": 1003, "SequenceNumber": 1, "SectionNumber": 2001},
        {"StudentID": 1002, "SequenceNumber": 1, "SectionNumber": 2001,
         "DateDropped": "2026-03-01T00:00:00"},
    ],
}  # fmt: skip


def contact(student_id, school, sequence, first, relation, phone=""):
    return {
        "StudentID": student_id, "SchoolCode": school, "SequenceNumber": sequence,
        "FirstName": first, "LastName": "Lee", "RelationshipToStudentCode": relation,
        "EmailAddress": f"{first.lower()}@home.example", "CellPhone": phone,
    }  # fmt: skip


CONTACTS = {
    "994": [
        contact(1001, 994, 1, "Maria", "Mother", "555-0101"),
        contact(1001, 994, 2, "Gran", "Grandmother"),
        contact(1002, 994, 1, "Bob", "Father"),
    ],
    "995": [contact(1003, 995, 1, "Gwen", "Guardian"), contact(1002, 995, 1, "Bob", "Father")],
}


def serve_native() -> list[tuple[int, int]]:
    """Register the native fake; returns the (Starting, Ending) record ranges asked for."""
    ranges: list[tuple[int, int]] = []

    def students(request):
        query = parse_qs(urlsplit(request.url).query)
        start, end = int(query["StartingRecord"][0]), int(query["EndingRecord"][0])
        ranges.append((start, end))
        code = urlsplit(request.url).path.split("/")[-2]
        return 200, {}, orjson.dumps(STUDENTS[code][start - 1 : end])

    responses.get(NATIVE + "systeminfo", json={"LocalTimeZone": "Pacific"})
    responses.get(NATIVE + "schools", json=SCHOOLS)
    responses.get(NATIVE + "courses", json=COURSES)
    responses.get(NATIVE + "staff", json=STAFF)
    responses.get(NATIVE + "codes/CON/RL", status=404, json={"Message": "No code set."})
    for code in ("994", "995"):
        school = f"{NATIVE}schools/{code}/"
        responses.add_callback(responses.GET, school + "students", callback=students)
        responses.get(school + "terms", json=TERMS[code])
        responses.get(school + "teachers", json=TEACHERS[code])
        responses.get(school + "sections", json=SECTIONS[code])
        responses.get(school + "contacts", json=CONTACTS[code])
        responses.get(school + "classes", json=CLASS_SCHEDULES[code])
    return ranges


def native_client(**options) -> AeriesApiClient:
    creds = SisCredentials(
        kind="aeries_api", base_url=BASE, certificate=CERT, **options.pop("creds", {})
    )
    settings = {"page_size": 1, "concurrency": 2, "max_retry_seconds": 0.5, **options}
    return client_for(creds, **settings)


def records(client, entity):
    return [record for page in client.iter_pages(entity) for record in page.records]


@responses.activate
def test_certificate_header_and_systeminfo_without_it():
    serve_native()

    with native_client() as sis:
        sis.authenticate()

    info, schools = responses.calls[0].request, responses.calls[1].request
    assert "AERIES-CERT" not in info.headers
    assert schools.headers["AERIES-CERT"] == CERT
    assert schools.headers["Accept"] == "application/json"


@responses.activate
def test_students_are_paged_by_starting_and_ending_record():
    ranges = serve_native()

    with native_client(page_size=1) as sis:
        students = records(sis, Entity.STUDENTS)

    assert ranges == [(1, 1), (2, 2), (3, 3), (1, 1), (2, 2), (3, 3)]
    assert [s.sourced_id for s in students] == ["1001", "1002", "1003"]


@responses.activate
def test_a_student_in_two_schools_is_one_person_with_both_codes():
    serve_native()

    with native_client(page_size=50) as sis:
        ben = next(s for s in records(sis, Entity.STUDENTS) if s.sourced_id == "1002")

    assert ben.school_sourced_ids == ("994", "995")
    assert ben.grades == ("10",)
    assert ben.agent_sourced_ids == ("CNT_1002_1",)


@responses.activate
def test_staff_roles_follow_the_documented_rule():
    serve_native()

    with native_client(page_size=50) as sis:
        teachers = records(sis, Entity.TEACHERS)
        admins = records(sis, Entity.ADMINISTRATORS)
        staff_pages = list(sis.iter_pages(Entity.STAFF))
        teacher_pages = list(sis.iter_pages(Entity.TEACHERS))

    assert [(t.sourced_id, t.school_sourced_ids) for t in teachers] == [
        ("TCH_501", ("994", "995")),
        ("TCH_502", ("995",)),
    ]
    assert [(a.sourced_id, a.role) for a in admins] == [("TCH_601", Role.ADMINISTRATOR)]
    (clerk,) = staff_pages[0].records
    assert (clerk.sourced_id, clerk.status, clerk.enabled) == ("TCH_602", Status.TOBEDELETED, False)
    problems = [p for page in teacher_pages for p in page.problems]
    assert [(p.sourced_id, p.field) for p in problems] == [("995_203", "StaffID1")]


@responses.activate
def test_enrollments_from_staff_members_or_teacher_numbers_and_class_schedules():
    serve_native()

    with native_client(page_size=50) as sis:
        enrollments = records(sis, Entity.ENROLLMENTS)

    assert [(e.sourced_id, e.role, e.primary, e.begin_date, e.end_date) for e in enrollments] == [
        ("994_1001_TCH_501", "teacher", True, date(2025, 8, 15), None),
        ("994_1001_1001", "student", False, date(2025, 8, 20), date(2025, 12, 19)),
        ("994_1001_1002", "student", False, date(2025, 8, 15), date(2025, 12, 19)),
        ("995_2001_TCH_502", "teacher", True, None, None),
        ("995_2001_TCH_501", "teacher", False, None, None),
        ("995_2001_1003", "student", False, date(2025, 8, 15), date(2026, 6, 5)),
        ("995_2001_1002", "student", False, date(2025, 8, 15), date(2026, 3, 1)),
    ]


@responses.activate
def test_elementary_classes_from_teachers_and_homeroom_teacher_numbers(monkeypatch):
    room = {"Room": "12", "LowGrade": 0, "HighGrade": 1}
    monkeypatch.setitem(TEACHERS, "995", [{**TEACHERS["995"][0], **room}, *TEACHERS["995"][1:]])
    monkeypatch.setitem(STUDENTS, "995", [
        student(1003, 995, 1, "Cal", HomeRoomTeacherNumber=201, SchoolEnterDate="2025-09-02"),
        student(1002, 995, 10, "Ben", HomeRoomTeacherNumber=0),
    ])  # fmt: skip
    monkeypatch.setitem(STUDENTS, "994", [student(1001, 994, 9, "Ana", HomeRoomTeacherNumber=101)])
    serve_native()

    with native_client(page_size=50) as sis:
        classes = [c for c in records(sis, Entity.CLASSES) if "_TN_" in c.sourced_id]
        enrollments = [e for e in records(sis, Entity.ENROLLMENTS) if "_TN_" in e.sourced_id]

    # Only the elementary school has them; 994 is a high school.
    assert [(c.sourced_id, c.title, c.course_sourced_id, c.location, c.grades, c.periods,
             c.term_sourced_ids) for c in classes] == [
        ("995_TN_201", "", "TCH_502", "12", ("KG", "01"), ("0",), ("995_Y",)),
    ]  # fmt: skip
    assert [(e.sourced_id, e.role, e.primary, e.begin_date, e.end_date) for e in enrollments] == [
        ("995_TN_201_TCH_502", "teacher", True, date(2025, 8, 15), date(2026, 6, 5)),
        ("995_TN_201_1003", "student", False, date(2025, 9, 2), date(2026, 6, 5)),
    ]


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "error", "phrase"),
    [
        (401, {"Message": "Authorization has been denied"}, errors.SisAuthError,
         errors.BAD_CERTIFICATE_FIX),
        (403, {"Message": "No permission"}, errors.SisPermissionError,
         "grant READ permission for Schools in API Security"),
        (404, None, errors.SisWrongUrlError, errors.WRONG_URL_FIX),
        (400, {"Message": "School code 999 is invalid"}, errors.SisRequestError,
         "School code 999 is invalid"),
    ],
)  # fmt: skip
def test_native_errors_are_diagnosed(status, body, error, phrase):
    responses.get(NATIVE + "schools", status=status, json=body)

    with native_client() as sis, pytest.raises(error) as caught:
        sis.schools()

    assert phrase in str(caught.value)
    assert CERT not in str(caught.value)


@responses.activate
def test_school_codes_limit_the_native_reads():
    serve_native()

    with native_client(creds={"school_codes": ("995",)}, page_size=50) as sis:
        classes = records(sis, Entity.CLASSES)
        schools = records(sis, Entity.SCHOOLS)

    assert [c.sourced_id for c in classes] == ["995_2001"]
    assert [s.sourced_id for s in schools] == ["995"]
    assert not any("/schools/994/" in call.request.url for call in responses.calls)


# The same district as Aeries' OneRoster would serve it.
def ref(sourced_id: str, kind: str = "org") -> dict:
    return {"href": f"~/ims/oneroster/v1p1/{kind}s/{sourced_id}", "sourcedId": sourced_id,
            "type": kind}  # fmt: skip


def or_student(sid, first, grade, schools, agents, number):
    return {
        "sourcedId": sid, "status": "active", "role": "student", "givenName": first,
        "familyName": "Lee", "middleName": "", "email": f"{first.lower()}@k12.example",
        "username": first.lower(), "identifier": f"SS{sid}", "enabledUser": "true",
        "userIds": [{"type": "StudentNumber", "identifier": number},
                    {"type": "StateID", "identifier": f"SS{sid}"}],
        "grades": [grade], "orgs": [ref(s) for s in schools],
        "agents": [ref(a, "user") for a in agents],
    }  # fmt: skip


def or_staff(sid, first, role, schools, status="active"):
    return {
        "sourcedId": f"TCH_{sid}", "status": status, "role": role, "givenName": first,
        "familyName": "Hart", "middleName": "", "email": f"{first.lower()}@district.example",
        "username": first.lower(), "identifier": str(sid),
        "userIds": [{"type": "StaffID", "identifier": str(sid)}],
        "enabledUser": "true" if status == "active" else "false",
        "orgs": [ref(s) for s in schools],
    }  # fmt: skip


def or_guardian(student_id, sequence, first, role, phone=""):
    return {
        "sourcedId": f"CNT_{student_id}_{sequence}", "status": "active", "role": role,
        "givenName": first, "familyName": "Lee", "email": f"{first.lower()}@home.example",
        "phone": phone, "agents": [ref(str(student_id), "user")],
    }  # fmt: skip


ONEROSTER_DATA = {
    "schools": ("orgs", [
        {"sourcedId": "0", "name": "District", "type": "district"},
        {"sourcedId": "994", "name": "Lincoln High School", "type": "school", "identifier": "994"},
        {"sourcedId": "995", "name": "Washington Elementary", "type": "school"},
    ]),
    "terms": ("academicSessions", [
        {"sourcedId": "994_F", "title": "Fall", "type": "term", "startDate": "2025-08-15",
         "endDate": "2025-12-19", "org": ref("994"), "schoolYear": "2026"},
        {"sourcedId": "995_Y", "title": "Year", "type": "term", "startDate": "2025-08-15",
         "endDate": "2026-06-05", "org": ref("995")},
    ]),
    "courses": ("courses", [
        {"sourcedId": "0101", "title": "English 9", "courseCode": "0101", "org": ref("0"),
         "grades": ["09"]},
        {"sourcedId": "0500", "title": "Grade 1 Homeroom", "courseCode": "0500",
         "org": ref("0"), "grades": ["01"]},
    ]),
    "classes": ("classes", [
        {"sourcedId": "994_1001", "title": "English 9", "classCode": "1001",
         "classType": "scheduled", "school": ref("994"), "course": ref("0101", "course"),
         "terms": [ref("994_F", "academicSession")], "grades": ["09"], "periods": ["1"],
         "location": "A1"},
        {"sourcedId": "995_2001", "title": "Grade 1 Homeroom", "classCode": "2001",
         "classType": "scheduled", "school": ref("995"), "course": ref("0500", "course"),
         "terms": [ref("995_Y", "academicSession")], "grades": ["01"], "periods": ["0"],
         "location": "B2"},
    ]),
    "enrollments": ("enrollments", [
        {"class": ref("994_1001", "class"), "user": ref("TCH_501", "user"), "role": "teacher",
         "school": ref("994"), "primary": "true", "beginDate": "2025-08-15"},
        *[{"class": ref("994_1001", "class"), "user": ref(s, "user"), "role": "student",
           "school": ref("994"), "primary": "false", "beginDate": begin,
           "endDate": "2025-12-19"} for s, begin in (("1001", "2025-08-20"),
                                                     ("1002", "2025-08-15"))],
        {"sourcedId": "995_2001_TCH_502", "class": ref("995_2001", "class"),
         "user": ref("TCH_502", "user"), "role": "teacher", "school": ref("995"),
         "primary": "true"},
        {"class": ref("995_2001", "class"), "user": ref("TCH_501", "user"), "role": "teacher",
         "school": ref("995"), "primary": "false"},
        *[{"class": ref("995_2001", "class"), "user": ref(s, "user"), "role": "student",
           "school": ref("995"), "primary": "false", "beginDate": "2025-08-15",
           "endDate": end} for s, end in (("1003", "2026-06-05"), ("1002", "2026-03-01"))],
    ]),
    "students": ("users", [
        or_student("1001", "Ana", "09", ["994"], ["CNT_1001_1", "CNT_1001_2"], "1"),
        or_student("1002", "Ben", "10", ["994", "995"], ["CNT_1002_1"], "2"),
        or_student("1003", "Cal", "01", ["995"], ["CNT_1003_1"], "3"),
    ]),
    "teachers": ("users", [
        or_staff(501, "Tom", "teacher", ["994", "995"]),
        or_staff(502, "Una", "teacher", ["995"]),
    ]),
    "users": ("users", [
        or_staff(601, "Pat", "administrator", ["994"]),
        or_staff(602, "Cleo", "aide", ["995"], status="tobedeleted"),
        or_guardian(1001, 1, "Maria", "parent", "555-0101"),
        or_guardian(1001, 2, "Gran", "relative"),
        or_guardian(1002, 1, "Bob", "parent"),
        or_guardian(1003, 1, "Gwen", "guardian"),
    ]),
}  # fmt: skip


def serve_oneroster() -> None:
    responses.post(BASE + "token", json={"access_token": "tok", "expires_in": 3600})

    def callback(request):
        parts = urlsplit(request.url)
        key, rows = ONEROSTER_DATA[parts.path.rsplit("/", 1)[-1]]
        query = parse_qs(parts.query)
        role = unquote_plus(query.get("filter", [""])[0]).partition("role='")[2].partition("'")[0]
        rows = [row for row in rows if not role or row["role"] == role]
        offset, limit = int(query["offset"][0]), int(query["limit"][0])
        headers = {"X-Total-Count": str(len(rows))}
        return 200, headers, orjson.dumps({key: rows[offset : offset + limit]})

    for path in ONEROSTER_DATA:
        responses.add_callback(responses.GET, ONEROSTER + path, callback=callback)


@responses.activate
@pytest.mark.parametrize("entity", list(Entity))
def test_native_and_oneroster_yield_the_same_records(entity):
    serve_native()
    serve_oneroster()
    oneroster = SisCredentials(kind="oneroster", base_url=BASE, client_id="id", client_secret="s")

    with native_client(page_size=2) as native, client_for(oneroster, page_size=2) as roster:
        from_native = sorted(records(native, entity), key=repr)
        from_oneroster = sorted(records(roster, entity), key=repr)

    assert from_native, entity
    assert from_native == from_oneroster

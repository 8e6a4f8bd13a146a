import pytest
import requests

from sandbox.switches import PERMISSIONS

ONEROSTER_DENIED = {
    "student_data": ["students", "users", "demographics", "schools/994/students"],
    "schools": ["orgs", "schools", "schools/994/classes"],
    "terms": ["terms", "academicSessions", "gradingPeriods", "schools/994/terms"],
    "teacher_data": ["teachers", "users", "schools/994/teachers"],
    "staff_data": ["users"],
    "master_schedule": ["classes", "classes/994_1001", "schools/994/classes"],
    "course_data": ["courses", "schools/994/courses"],
    "class_schedules": ["enrollments", "schools/994/enrollments"],
}
NATIVE_DENIED = {
    "student_data": ["schools/994/students", "schools/994/contacts"],
    "schools": ["schools", "schools/994"],
    "terms": ["schools/994/terms"],
    "teacher_data": ["schools/994/teachers"],
    "staff_data": ["staff"],
    "master_schedule": ["schools/994/sections"],
    "class_schedules": ["schools/994/sections/1001/students"],
}


@pytest.mark.parametrize("permission", PERMISSIONS)
def test_each_permission_switch_gives_403_on_its_collections(sandbox_sis, client, permission):
    sandbox_sis.set_permission(permission, False)
    for path in ONEROSTER_DENIED[permission]:
        response = client.get(path)
        assert response.status_code == 403, path
        status = response.json()["statusInfoSet"][0]
        assert "read permission" in status["imsx_description"]
    untouched = {"course_data": "orgs"}.get(permission, "courses")
    assert client.get(untouched).status_code == 200


@pytest.mark.parametrize("permission", sorted(NATIVE_DENIED))
def test_native_api_honours_the_same_switches(sandbox_sis, permission):
    sandbox_sis.set_permission(permission, False)
    headers = {"AERIES-CERT": sandbox_sis.certificate}
    for path in NATIVE_DENIED[permission]:
        response = requests.get(f"{sandbox_sis.base_url}api/v5/{path}", headers=headers, timeout=5)
        assert response.status_code == 403, path
        assert "permission" in response.json()["Message"]


def test_permissions_via_the_control_endpoint(sandbox_sis, client):
    answer = requests.post(
        sandbox_sis.base_url + "_sandbox/permissions", json={"master_schedule": False}, timeout=5
    ).json()
    assert answer["master_schedule"] is False and answer["course_data"] is True
    assert client.get("classes").status_code == 403
    requests.post(
        sandbox_sis.base_url + "_sandbox/permissions", json={"master_schedule": True}, timeout=5
    )
    assert client.get("classes").status_code == 200


def test_unknown_permission_is_refused(sandbox_sis):
    response = requests.post(
        sandbox_sis.base_url + "_sandbox/permissions", json={"grade_book": False}, timeout=5
    )
    assert response.status_code == 400
    assert "unknown permission" in response.json()["error"]


def test_oneroster_disabled_looks_like_a_missing_application(sandbox_sis, client):
    sandbox_sis.set_permission("oneroster_enabled", False)
    for response in (client.get("users"), client.token_response()):
        assert response.status_code == 404
        assert response.headers["Content-Type"].startswith("text/html")
        assert "The resource cannot be found." in response.text
    native = requests.get(
        sandbox_sis.base_url + "api/v5/schools",
        timeout=5,
        headers={"AERIES-CERT": sandbox_sis.certificate},
    )
    assert native.status_code == 200

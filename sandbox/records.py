"""OneRoster 1.1 records of the generated district, as Aeries shapes them."""

from functools import lru_cache

from sandbox.model import (
    Course,
    District,
    Enrollment,
    Person,
    School,
    Section,
    Session,
    grade_code,
)
from sandbox.schedule import PERIOD_SUBJECTS, courses_make

DISTRICT_ORG = "0"
DISTRICT_STAMP = "2026-06-01T00:00:00Z"
SEX = {"M": "male", "F": "female", "X": "other"}
RACE_FIELDS = (
    "americanIndianOrAlaskaNative",
    "asian",
    "blackOrAfricanAmerican",
    "nativeHawaiianOrOtherPacificIslander",
    "white",
    "demographicRaceTwoOrMoreRaces",
)
SUBJECTS = {
    str(n).zfill(2): subject for level in PERIOD_SUBJECTS.values() for n, _title, subject in level
}
# Aeries titles a class by its course (CRS.CO): a class of a missing course has none.
# The generated catalogue is the same for every district.
COURSE_TITLES = {course.number: course.title for course in courses_make(stamp=str)}
COLLECTION_OF_TYPE = {
    "org": "orgs",
    "academicSession": "academicSessions",
    "course": "courses",
    "class": "classes",
    "user": "users",
}


@lru_cache(maxsize=200_000)
def ref(kind: str, sourced_id: str) -> dict:
    # Shared, never mutated: the same reference dict serves every record that points here.
    return {
        "href": f"~/ims/oneroster/v1p1/{COLLECTION_OF_TYPE[kind]}/{sourced_id}",
        "sourcedId": sourced_id,
        "type": kind,
    }


def _base(sourced_id: str, status: str, stamp: str) -> dict:
    return {"sourcedId": sourced_id, "status": status, "dateLastModified": stamp, "metadata": {}}


def flag(value: bool) -> str:
    return "true" if value else "false"


def district_org(district: District) -> dict:
    return {
        **_base(DISTRICT_ORG, "active", DISTRICT_STAMP),
        "name": district.name,
        "type": "district",
        "identifier": DISTRICT_ORG,
        "parent": None,
        "children": [ref("org", s.code) for s in district.schools],
    }


def school_org(school: School) -> dict:
    return {
        **_base(school.code, "active", school.date_last_modified),
        "name": school.name,
        "type": "school",
        "identifier": school.code,
        "parent": ref("org", DISTRICT_ORG),
        "children": [],
    }


def session_record(session: Session) -> dict:
    return {
        **_base(session.sourced_id, "active", session.date_last_modified),
        "title": session.title,
        "startDate": session.start,
        "endDate": session.end,
        "type": session.kind,
        # Aeries' OneRoster terms name no parent (its mapping lists none); grading periods do.
        "parent": (
            ref("academicSession", session.parent_id)
            if session.parent_id and session.kind != "term"
            else None
        ),
        "children": [ref("academicSession", c) for c in session.children],
        "schoolYear": session.school_year,
    }


def course_record(course: Course) -> dict:
    return {
        **_base(course.number, "active", course.date_last_modified),
        "title": course.title,
        "schoolYear": ref("academicSession", course.school_year),
        "courseCode": course.number,
        "grades": [grade_code(course.grade)],
        "subjects": [course.subject],
        "org": ref("org", DISTRICT_ORG),
        "subjectCodes": [],
    }


def teacher_class_record(section: Section, staff_id: str) -> dict:
    """An elementary class as Aeries builds it from the teacher (TCH) row: `SC_TN_TN`,
    no title, course `TCH_<staff ID>`, period 0 (Aeries' published OneRoster mapping)."""
    code = section.school_code
    return {
        **_base(section.sourced_id, section.status, section.date_last_modified),
        "title": "",
        "classCode": section.number,
        "classType": "scheduled",
        "location": section.room,
        "grades": [grade_code(g) for g in section.grades],
        "subjects": [],
        "course": ref("course", staff_id),
        "school": ref("org", code),
        "terms": [ref("academicSession", f"{code}_F"), ref("academicSession", f"{code}_S")],
        "subjectCodes": [],
        "periods": ["0"],
    }


def class_record(section: Section) -> dict:
    code = section.school_code
    if section.class_type == "homeroom":
        return teacher_class_record(section, section.staff_ids[0])
    return {
        **_base(section.sourced_id, section.status, section.date_last_modified),
        "title": COURSE_TITLES.get(section.course_number, ""),
        "classCode": section.number,
        "classType": section.class_type,
        "location": section.room,
        "grades": [grade_code(g) for g in section.grades],
        "subjects": [SUBJECTS.get(section.course_number[:2], "Other")],
        "course": ref("course", section.course_number),
        "school": ref("org", code),
        "terms": [ref("academicSession", f"{code}_F"), ref("academicSession", f"{code}_S")],
        "subjectCodes": [],
        "periods": [str(section.period)],
    }


def _user_ids(person: Person) -> list[dict]:
    if person.role == "student":
        return [
            {"type": "StudentNumber", "identifier": str(person.student_number)},
            {"type": "StateID", "identifier": person.state_id},
        ]
    if person.staff_id:
        return [{"type": "StaffID", "identifier": str(person.staff_id)}]
    return []


def _identifier(person: Person) -> str:
    if person.role == "student":
        return person.state_id
    return str(person.staff_id) if person.staff_id else ""


def _agents(person: Person) -> list[dict]:
    if person.role == "student":
        return [ref("user", c) for c in person.contact_ids]
    return [ref("user", person.student_id)] if person.student_id else []


def user_record(person: Person) -> dict:
    contact = bool(person.student_id)
    grades = []
    if person.role == "student":
        grades = [person.grade_label or grade_code(person.grade)]
    return {
        **_base(person.sourced_id, person.status, person.date_last_modified),
        "username": person.email if contact else person.username,
        "userIds": _user_ids(person),
        "enabledUser": flag(person.enabled),
        "givenName": person.given_name,
        "familyName": person.family_name,
        "middleName": person.middle_name,
        "role": person.role,
        "identifier": _identifier(person),
        "email": person.email,
        "sms": person.phone if contact else "",
        "phone": person.phone,
        "agents": _agents(person),
        "orgs": [ref("org", c) for c in person.school_codes],
        "grades": grades,
        "password": "",
    }


def enrollment_record(enrollment: Enrollment) -> dict:
    return {
        **_base(enrollment.sourced_id, enrollment.status, enrollment.date_last_modified),
        "user": ref("user", enrollment.user_id),
        "class": ref("class", enrollment.class_id),
        "school": ref("org", enrollment.school_code),
        "role": enrollment.role,
        "primary": flag(enrollment.primary),
        "beginDate": enrollment.begin,
        "endDate": enrollment.end,
    }


def demographics_record(person: Person) -> dict:
    races = {name: flag(person.race == name) for name in RACE_FIELDS}
    return {
        **_base(person.sourced_id, person.status, person.date_last_modified),
        "birthDate": person.birth_date,
        "sex": SEX.get(person.gender, "other"),
        **races,
        "hispanicOrLatinoEthnicity": flag(person.hispanic),
        "countryOfBirthCode": "US",
        "stateOfBirthAbbreviation": "CA",
        "cityOfBirth": "",
        "publicSchoolResidenceStatus": "",
    }

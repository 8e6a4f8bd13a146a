"""The generated district as plain objects; both APIs are views of these."""

from dataclasses import dataclass, field

# CEDS grade codes by Aeries' numeric grade (Aeries stores KG as 0, TK as -1).
GRADE_CODES = ("KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12")
LEVEL_GRADES = {"elementary": range(0, 6), "middle": range(6, 9), "high": range(9, 13)}

SCHOOL_YEAR = "2027"
SCHOOL_YEAR_TITLE = "2026-2027"
YEAR_START = "2026-08-12"
YEAR_END = "2027-06-04"


def grade_code(grade: int) -> str:
    return GRADE_CODES[grade]


@dataclass(slots=True)
class School:
    code: str
    name: str
    level: str
    grades: tuple[int, ...]
    principal_id: str = ""
    date_last_modified: str = ""


@dataclass(slots=True)
class Session:
    """An academic session: the school year, a term (`994_F`) or a grading period."""

    sourced_id: str
    kind: str
    title: str
    start: str
    end: str
    school_code: str = ""
    term_code: str = ""
    parent_id: str = ""
    children: list[str] = field(default_factory=list)
    date_last_modified: str = ""
    school_year: str = SCHOOL_YEAR


@dataclass(slots=True)
class Course:
    number: str
    title: str
    subject: str
    grade: int
    date_last_modified: str = ""
    school_year: str = SCHOOL_YEAR


@dataclass(slots=True)
class Section:
    sourced_id: str
    school_code: str
    number: str
    course_number: str
    period: int
    room: str
    class_type: str
    title: str
    staff_ids: list[str] = field(default_factory=list)
    grades: list[int] = field(default_factory=list)
    status: str = "active"
    date_last_modified: str = ""


@dataclass(slots=True)
class Person:
    """A student, a staff member (teacher, aide, administrator) or a student's contact."""

    sourced_id: str
    role: str
    given_name: str
    family_name: str
    middle_name: str
    email: str
    username: str
    school_codes: list[str]
    phone: str = ""
    grade: int | None = None
    grade_label: str = ""
    status: str = "active"
    enabled: bool = True
    date_last_modified: str = ""
    # students
    student_number: int = 0
    state_id: str = ""
    birth_date: str = ""
    gender: str = ""
    race: str = ""
    hispanic: bool = False
    enter_date: str = ""
    leave_date: str = ""
    homeroom_teacher: int = 0
    contact_ids: list[str] = field(default_factory=list)
    # staff
    staff_id: int = 0
    title: str = ""
    teacher_numbers: dict[str, int] = field(default_factory=dict)
    # contacts
    student_id: str = ""
    sequence: int = 0
    relationship: str = ""
    lives_with: bool = True


@dataclass(slots=True)
class Enrollment:
    sourced_id: str
    class_id: str
    user_id: str
    school_code: str
    role: str
    primary: bool
    begin: str
    end: str
    status: str = "active"
    date_last_modified: str = ""


@dataclass(slots=True)
class BadRow:
    code: str
    collection: str
    sourced_ids: list[str]
    description: str


@dataclass
class District:
    name: str
    domain: str
    seed: int
    clean: bool
    schools: list[School]
    sessions: list[Session]
    courses: list[Course]
    sections: list[Section]
    people: dict[str, Person]
    enrollments: list[Enrollment]
    bad_rows: list[BadRow] = field(default_factory=list)
    clock: str = ""
    next_student: int = 0
    mutations: int = 0
    rollovers: int = 0

    def school(self, code: str) -> School | None:
        return next((s for s in self.schools if s.code == code), None)

    def counts(self) -> dict[str, int]:
        roles: dict[str, int] = {}
        for person in self.people.values():
            roles[person.role] = roles.get(person.role, 0) + 1
        return {
            "schools": len(self.schools),
            "academicSessions": len(self.sessions),
            "courses": len(self.courses),
            "classes": len(self.sections),
            "users": len(self.people),
            "enrollments": len(self.enrollments),
            **{f"role_{role}": n for role, n in sorted(roles.items())},
        }

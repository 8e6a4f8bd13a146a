"""Record shapes of real Aeries and strict OneRoster servers, switched on by Behaviours.

- aeries_ids: students as STU_<Student ID>, parents as PAT_<n>; every tenth student
  shares its first parent with the student before it (siblings), so that parent's row
  lists both students in `agents` (every other younger sibling with two contacts lists
  the shared parent second); enrollments as <school>_<user>_<section>.
- strict_spec: booleans as JSON booleans, hrefs absolute.
- dirty_text: a NUL inside a student's given name and e-mail, an over-long family
  name, an extra student whose sourcedId has 300 characters, a given name that is a
  JSON object, a user name with a CR/LF in it and a contact with blank names.
- semester_sections: a third of the secondary sections run in the fall term only, a
  third in the spring term only (OneRoster `terms`, native `Semester`); the rest, and
  elementary classes, all year.
- old_elementary_ids: elementary classes under the ids Aeries gave them before 2019-20
  (`990_990421`, where it now sends `990_TN_421`), their enrollments following.
"""

from sandbox.model import District, Enrollment, Person, Section

NUL_STUDENT = "100011"
LONG_STUDENT = "100012"
LONG_ID_TEMPLATE = "100013"
OBJECT_NAME_STUDENT = "100014"  # givenName / FirstName is a JSON object
LINE_BREAK_STUDENT = "100016"  # username / NetworkLoginID has a CR/LF in it
NAMELESS_CONTACT = "CNT_100017_1"  # a contact with blank first and last names
LINE_BREAK = "\r\nBcc: someone@example.org"
LONG_SOURCED_ID = "S" + "9" * 299
LONG_TAIL = "x" * 300
SIBLING_EVERY = 10
_STRICT_FLAGS = frozenset({"enabledUser", "primary"})


YEAR_LONG = "Y"
TEACHER_CLASS = "_TN_"


def old_elementary_id(class_id: str) -> str:
    """An elementary class's id before Aeries' 2019-20 change: 990_TN_421 -> 990_990421
    (other classes' ids did not change)."""
    school, found, number = class_id.partition(TEACHER_CLASS)
    return f"{school}_{school}{number}" if found else class_id


def semester_of(section: Section) -> str:
    """The `semester_sections` term code of a section: "F", "S" or "Y" (all year)."""
    if section.class_type == "homeroom" or not section.number.isdigit():
        return YEAR_LONG
    return (YEAR_LONG, "F", "S")[int(section.number) % 3]


class AeriesIds:
    """The STU_/PAT_ ids of one district, and which parents siblings share."""

    def __init__(self, district: District) -> None:
        self.district = district
        people = district.people.values()
        students = sorted(
            (p for p in people if p.role == "student"), key=lambda p: int(p.sourced_id)
        )
        # the younger sibling's first contact -> the older sibling's first contact
        self.shared: dict[str, str] = {}
        self.also: dict[str, list[str]] = {}  # a shared contact -> the sibling it also has
        for index in range(1, len(students), SIBLING_EVERY):
            older, younger = students[index - 1], students[index]
            if older.contact_ids and younger.contact_ids:
                self.shared[younger.contact_ids[0]] = older.contact_ids[0]
                self.also.setdefault(older.contact_ids[0], []).append(younger.sourced_id)
        # younger siblings who list the shared parent after their own (second) contact
        self.shared_second: set[str] = set()
        for index in range(1, len(students), SIBLING_EVERY):
            younger = students[index]
            if len(younger.contact_ids) > 1 and index // SIBLING_EVERY % 2:
                self.shared_second.add(younger.sourced_id)
        self.pat: dict[str, str] = {}
        for contact in sorted((p for p in people if p.student_id), key=lambda p: p.sourced_id):
            self.pat_of(contact.sourced_id)

    def pat_of(self, contact_id: str) -> str:
        contact_id = self.shared.get(contact_id, contact_id)
        if contact_id not in self.pat:
            self.pat[contact_id] = f"PAT_{len(self.pat) + 1}"
        return self.pat[contact_id]

    def user(self, sourced_id: str) -> str:
        person = self.district.people.get(sourced_id)
        if person is not None and person.role == "student":
            return f"STU_{sourced_id}"
        if person is not None and person.student_id:
            return self.pat_of(sourced_id)
        return sourced_id

    def user_record(self, person: Person, record: dict, ref) -> dict:
        """The record with Aeries ids (a parent siblings share is the older one's row)."""
        record = {**record, "sourcedId": self.user(person.sourced_id)}
        if person.role == "student":
            contacts = list(person.contact_ids)
            if person.sourced_id in self.shared_second:  # the shared parent comes second here
                contacts.reverse()
            record["agents"] = [ref("user", self.pat_of(c)) for c in contacts]
        elif person.student_id:
            students = [person.student_id, *self.also.get(person.sourced_id, [])]
            record["agents"] = [ref("user", self.user(s)) for s in students]
        return record

    def enrollment_record(self, enrollment: Enrollment, record: dict, ref) -> dict:
        user = self.user(enrollment.user_id)
        section = enrollment.class_id.split("_", 1)[-1]
        return {
            **record,
            "sourcedId": f"{enrollment.school_code}_{user}_{section}",
            "user": ref("user", user),
        }


def strict(value, href_base: str):
    """JSON booleans and absolute hrefs, in a new record (references are shared)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in _STRICT_FLAGS and item in ("true", "false"):
                out[key] = item == "true"
            elif key == "href" and isinstance(item, str) and item.startswith("~/"):
                out[key] = href_base + item[2:]
            else:
                out[key] = strict(item, href_base)
        return out
    if isinstance(value, list):
        return [strict(item, href_base) for item in value]
    return value


def demographics_strict(record: dict) -> dict:
    return {k: (v == "true") if v in ("true", "false") else v for k, v in record.items()}


def dirty_user(person: Person, record: dict) -> dict:
    sourced_id = person.sourced_id
    if sourced_id == NUL_STUDENT:
        given, email = record["givenName"], record["email"]
        return {**record, "givenName": given[:2] + "\x00" + given[2:],
                "email": email[:1] + "\x00" + email[1:]}  # fmt: skip
    if sourced_id == LONG_STUDENT:
        return {**record, "familyName": record["familyName"] + LONG_TAIL}
    if sourced_id == OBJECT_NAME_STUDENT:
        return {**record, "givenName": {"text": record["givenName"]}}
    if sourced_id == LINE_BREAK_STUDENT:
        return {**record, "username": record["username"] + LINE_BREAK}
    if sourced_id == NAMELESS_CONTACT:
        return {**record, "givenName": "", "familyName": ""}
    return record


def dirty_native_student(person: Person, row: dict) -> dict:
    sourced_id = person.sourced_id
    if sourced_id == NUL_STUDENT:
        return {**row, "FirstName": row["FirstName"][:2] + "\x00" + row["FirstName"][2:]}
    if sourced_id == LONG_STUDENT:
        return {**row, "LastName": row["LastName"] + LONG_TAIL}
    if sourced_id == OBJECT_NAME_STUDENT:
        return {**row, "FirstName": {"text": row["FirstName"]}}
    if sourced_id == LINE_BREAK_STUDENT:
        return {**row, "NetworkLoginID": row["NetworkLoginID"] + LINE_BREAK}
    return row


def dirty_native_contact(contact: Person, row: dict) -> dict:
    if contact.sourced_id == NAMELESS_CONTACT:
        return {**row, "FirstName": "", "LastName": ""}
    return row


def long_id_user(district: District, record_of) -> tuple[dict, tuple[str, ...]] | None:
    """An extra student whose sourcedId is 300 characters long, and its school scope."""
    template = district.people.get(LONG_ID_TEMPLATE)
    if template is None:
        return None
    record = dict(record_of(template))
    record.update(
        sourcedId=LONG_SOURCED_ID,
        username=f"long{LONG_ID_TEMPLATE}",
        email=f"long{LONG_ID_TEMPLATE}@stu.{district.domain}",
        agents=[],
    )
    return record, tuple(template.school_codes)

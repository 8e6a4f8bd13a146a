"""The preview of a name format: the names it gives the connection's accounts (the first
20 on the page), and how many accounts it would rename — computed the way imports do
(rostering/sync/people_names.py), from what the accounts hold now."""

from dataclasses import dataclass

from connections.models import Connection
from rostering.models import FieldPin, NameFormat, Person, RosterStatus
from rostering.naming import (
    EMAIL_LOCAL_LIMIT,
    Allocator,
    in_family,
    name_formats_compile,
    name_values,
)

SHOWN = 20
# Shown beside the form: what a template does with a name that needs folding.
SAMPLE = {"role": "student", "given": "Zoë", "family": "O'Brien-Núñez", "middle": "Ann",
          "student_id": "990412", "state_id": "1234567890", "sourced_id": "990412"}  # fmt: skip


@dataclass(frozen=True)
class NameRow:
    name: str
    role: str
    sourced_id: str
    username: str
    new_username: str
    email: str
    new_email: str

    @property
    def renamed(self) -> bool:
        return self.username != self.new_username or self.email != self.new_email


@dataclass(frozen=True)
class NamePreview:
    rows: list[NameRow]
    accounts: int
    renames: int
    sample_username: str
    sample_email: str


def _person_values(person: Person) -> dict[str, str]:
    return name_values(
        role=person.role, given=person.given_name, family=person.family_name,
        middle=person.middle_name, student_id=person.aeries_student_id,
        state_id=person.state_student_id, staff_id=person.aeries_staff_id,
        identifier=person.identifier, sourced_id=person.sourced_id,
    )  # fmt: skip


def _names(fmt: NameFormat, people: list[Person], district_id: int) -> dict[str, tuple]:
    """sourcedId -> (new username, new e-mail) of each person, as an import gives them."""
    formats = name_formats_compile(fmt)
    owners = dict(Person.objects.filter(district_id=district_id).values_list(
        "username", "sourced_id"))  # fmt: skip
    email_owners: dict[str, str] = {}
    for email, sid in Person.objects.filter(district_id=district_id).values_list(
        "email", "sourced_id"
    ):
        if email:
            email_owners.setdefault(email.lower(), sid)
    pinned = set(FieldPin.objects.filter(district_id=district_id, table="person",
                                         field__in=("username", "email"))
                 .values_list("sourced_id", "field"))  # fmt: skip
    usernames = Allocator(owners, cap=fmt.max_length)
    emails = Allocator(email_owners, cap=EMAIL_LOCAL_LIMIT, key=str.lower)
    result = {}
    for person in sorted(people, key=lambda p: p.sourced_id):
        names = formats.for_role(person.role) if formats else None
        username, email = person.username, person.email
        if names is None:
            result[person.sourced_id] = (username, email)
            continue
        values = _person_values(person)
        sid = person.sourced_id
        if names.username and (sid, "username") not in pinned:
            base = names.username_base(values)
            if base and not in_family(username, base, cap=names.cap):
                username = usernames.take(sid, base)
        if names.email and (sid, "email") not in pinned:
            if names.email_uses_username:
                email = names.email_for(values, username) or email
            else:
                base = names.email_for(values, username)
                if base and not in_family(email.lower(), base, cap=EMAIL_LOCAL_LIMIT):
                    email = emails.take(sid, base)
        result[sid] = (username, email)
    return result


def name_format_preview(*, connection: Connection, fmt: NameFormat) -> NamePreview:
    """The names `fmt` (saved or not) gives the connection's active accounts."""
    people = list(
        Person.objects.filter(connection=connection, status=RosterStatus.ACTIVE).only(
            "sourced_id", "role", "given_name", "family_name", "middle_name", "username",
            "email", "aeries_student_id", "state_student_id", "aeries_staff_id", "identifier",
        )
    )  # fmt: skip
    names = _names(fmt, people, connection.district_id)
    rows = []
    for p in people:
        username, email = names[p.sourced_id]
        label = f"{p.family_name}, {p.given_name}".strip(", ")
        rows.append(NameRow(label, p.role, p.sourced_id, p.username, username, p.email, email))
    rows.sort(key=lambda r: (not r.renamed, r.name.lower(), r.sourced_id))
    sample = name_formats_compile(fmt)
    student = sample.for_role("student") if sample else None
    values = name_values(**SAMPLE)
    sample_username = student.username_base(values) if student and student.username else ""
    sample_email = student.email_for(values, sample_username or "zoe") if student else ""
    return NamePreview(
        rows=rows[:SHOWN],
        accounts=len(rows),
        renames=sum(1 for r in rows if r.renamed),
        sample_username=sample_username,
        sample_email=sample_email,
    )

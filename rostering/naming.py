"""Name formats: usernames and e-mails built from a connection's templates.

A template is literal text with placeholders (NAME_PLACEHOLDERS): `{first}.{last}`,
`{first_initial}{last}`, `{student_id}`, `{first:3}` (the first three letters), and for
e-mails `{username}@students.example.org`. Each value is folded: transliterated to ASCII
(anyascii: "Zoë" → "zoe", "Łukasz" → "lukasz", "李" → "li"), lowercased, and stripped of
everything but letters and digits ("O'Brien-Núñez" → "obriennunez"). Runs of separators
(`.`, `_`, `-`) left by an empty value collapse, none starts or ends a name, and a
username is cut to the connection's longest username (an e-mail's local part to 64).

Collisions are numbered: the first claimant keeps the name, the next get `2`, `3`, … (the
name is cut to leave room for the number: `averylongname` → `averylongna2`). Who is
first is deterministic, independent of the order the SIS sends people in: an account
that already has a name of the family (`jsmith`, `jsmith2`, …) keeps it; the others are
given names in order of their sourcedId, each the lowest free number. The same roster
gives the same names on every run.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from anyascii import anyascii

from rostering.models.rules import NameFormat

NAME_PLACEHOLDERS = {
    "first": "first name",
    "last": "last name",
    "middle": "middle name",
    "first_initial": "first letter of the first name",
    "middle_initial": "first letter of the middle name",
    "last_initial": "first letter of the last name",
    "student_id": "Aeries Student ID (students)",
    "state_id": "state student ID (students)",
    "staff_id": "Aeries staff ID (staff)",
    "id": "Student ID for students, staff ID for staff (else the SIS identifier)",
    "sourced_id": "the SIS sourcedId",
    "username": "the account's username (e-mail templates only)",
}
EMAIL_LOCAL_LIMIT = 64
TOKEN = re.compile(r"\{([a-z_]+)(?::(\d{1,2}))?\}")
LITERAL = re.compile(r"^[a-z0-9._\-]*$")
DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SEPARATORS = re.compile(r"([._\-])[._\-]+")
NOT_FOLDED = re.compile(r"[^a-z0-9]")
TRAILING_DIGITS = re.compile(r"(\d+)$")

UNKNOWN_PLACEHOLDER = "{{{name}}} is not a placeholder; use one of: {known}."
BAD_LITERAL = (
    "{text!r} cannot be in a name: between placeholders use only letters, digits and . _ -."
)
USERNAME_HAS_AT = "A username template has no @ (e-mails have their own template)."
USERNAME_PLACEHOLDER = "{username} belongs in e-mail templates only."
EMAIL_NEEDS_DOMAIN = "An e-mail template ends with @ and a domain, e.g. {username}@example.org."
BAD_DOMAIN = "{domain!r} is not a domain name (e.g. students.example.org)."
NO_PLACEHOLDER = "A template needs at least one placeholder, e.g. {first}.{last}."


def fold(text: str) -> str:
    """ASCII letters and digits only, lowercased: "Zoë O'Brien" → "zoeobrien"."""
    if not text:
        return ""
    if not text.isascii():
        text = anyascii(text)
    return NOT_FOLDED.sub("", text.lower())


def template_errors(template: str, *, email: bool) -> list[str]:
    """What is wrong with a template, in words; [] when it can be used."""
    errors = []
    text = template.strip()
    local, at, domain = text.rpartition("@") if email else (text, "", "")
    if email and (not at or not domain):
        return [EMAIL_NEEDS_DOMAIN]
    if not email and "@" in text:
        return [USERNAME_HAS_AT]
    if email and not DOMAIN.match(domain.lower()):
        errors.append(BAD_DOMAIN.format(domain=domain))
    names = [m.group(1) for m in TOKEN.finditer(local)]
    if not names:
        errors.append(NO_PLACEHOLDER)
    for name in names:
        if name not in NAME_PLACEHOLDERS:
            known = ", ".join("{" + n + "}" for n in NAME_PLACEHOLDERS)
            errors.append(UNKNOWN_PLACEHOLDER.format(name=name, known=known))
        elif name == "username" and not email:
            errors.append(USERNAME_PLACEHOLDER)
    for literal in TOKEN.split(local)[::3]:
        if literal and not LITERAL.match(literal.lower()):
            errors.append(BAD_LITERAL.format(text=literal))
    return errors


def name_values(
    *, role: str, given: str, family: str, middle: str = "", student_id: str = "",
    state_id: str = "", staff_id: str = "", identifier: str = "", sourced_id: str = "",
) -> dict[str, str]:  # fmt: skip
    """The placeholders' values for one person, folded."""
    first, last, mid = fold(given), fold(family), fold(middle)
    own_id = student_id if role == "student" else staff_id
    return {
        "first": first,
        "last": last,
        "middle": mid,
        "first_initial": first[:1],
        "middle_initial": mid[:1],
        "last_initial": last[:1],
        "student_id": fold(student_id),
        "state_id": fold(state_id),
        "staff_id": fold(staff_id),
        "id": fold(own_id or identifier or sourced_id),
        "sourced_id": fold(sourced_id),
    }


def _tidy(text: str) -> str:
    return SEPARATORS.sub(r"\1", text).strip("._-")


def render(template: str, values: dict[str, str], *, cap: int) -> str:
    """A template's name for these values ("" when its placeholders are all empty)."""

    def value(match: re.Match) -> str:
        text = values.get(match.group(1), "")
        return text[: int(match.group(2))] if match.group(2) else text

    if not any(values.get(m.group(1)) for m in TOKEN.finditer(template)):
        return ""
    return _tidy(TOKEN.sub(value, template).lower())[:cap].rstrip("._-")


def numbered(name: str, n: int, *, cap: int) -> str:
    """The name's n-th collision ("jsmith", 2 → "jsmith2"), cut to fit `cap`."""
    local, at, domain = name.rpartition("@") if "@" in name else (name, "", "")
    suffix = str(n)
    return local[: cap - len(suffix)].rstrip("._-") + suffix + at + domain


def in_family(current: str, base: str, *, cap: int) -> bool:
    """True when `current` is `base` or one of its numbered collisions."""
    if not base or not current:
        return False
    if current.lower() == base.lower():
        return True
    local = current.rpartition("@")[0] if "@" in current else current
    digits = TRAILING_DIGITS.search(local)
    if digits is None:
        return False
    text = digits.group(1)
    return any(
        numbered(base, int(text[-k:]), cap=cap).lower() == current.lower()
        for k in range(1, len(text) + 1)
        if int(text[-k:]) >= 2
    )


class Allocator:
    """Gives out names free of other owners (key: the name as compared, e.g. lowercased
    e-mails), each the base or its lowest free numbered collision."""

    def __init__(self, owners: dict[str, str], *, cap: int, key: Callable[[str], str] = str):
        self.owners, self.cap, self.key = owners, cap, key
        self.next_number: dict[str, int] = {}

    def take(self, sourced_id: str, base: str) -> str:
        name, n = base, self.next_number.get(base, 1)
        if n > 1:
            name = numbered(base, n, cap=self.cap)
        while True:
            owner = self.owners.setdefault(self.key(name), sourced_id)
            if owner == sourced_id:
                self.next_number[base] = n
                return name
            n += 1
            name = numbered(base, n, cap=self.cap)


@dataclass(frozen=True)
class RoleNames:
    """One audience's templates (students, or teachers, staff and administrators)."""

    username: str
    email: str
    cap: int

    @property
    def email_uses_username(self) -> bool:
        return "{username}" in self.email

    def username_base(self, values: dict[str, str]) -> str:
        return render(self.username, values, cap=self.cap) if self.username else ""

    def email_for(self, values: dict[str, str], username: str) -> str:
        """The e-mail, its local part built with `username` where the template asks."""
        if not self.email:
            return ""
        local, _, domain = self.email.strip().rpartition("@")
        local_name = render(local, {**values, "username": fold_username(username)},
                            cap=EMAIL_LOCAL_LIMIT)  # fmt: skip
        return f"{local_name}@{domain.lower()}" if local_name else ""


def fold_username(username: str) -> str:
    """A username as an e-mail placeholder: folded, but keeping its separators."""
    return _tidy(re.sub(r"[^a-z0-9._\-]", "", anyascii(username).lower()))


@dataclass
class NameFormats:
    student: RoleNames | None
    staff: RoleNames | None
    # Lowercased e-mail -> sourcedId of the district's people, loaded by the first
    # writer that numbers e-mails (people_names.py).
    email_owners: dict[str, str] | None = field(default=None)

    def for_role(self, role: str) -> RoleNames | None:
        return self.student if role == "student" else self.staff


def role_names(fmt: NameFormat, audience: str) -> RoleNames | None:
    username = getattr(fmt, f"{audience}_username").strip()
    email = getattr(fmt, f"{audience}_email").strip()
    if not username and not email:
        return None
    return RoleNames(username=username, email=email, cap=fmt.max_length)


def name_formats_compile(fmt: NameFormat | None) -> NameFormats | None:
    if fmt is None:
        return None
    names = NameFormats(student=role_names(fmt, "student"), staff=role_names(fmt, "staff"))
    return names if names.student or names.staff else None


def name_formats_load(connection_id: int) -> NameFormats | None:
    """The connection's name formats, read once per import (None: the SIS's names)."""
    return name_formats_compile(NameFormat.objects.filter(connection_id=connection_id).first())

"""Row-level outcomes: what failed or landed with a caveat, and how to fix it in Aeries."""

from dataclasses import dataclass
from typing import Any

from rostering.models.sync import ImportIssue, ImportRecord

ERROR = ImportIssue.Severity.ERROR
WARNING = ImportIssue.Severity.WARNING


@dataclass(frozen=True)
class IssueKind:
    code: str
    severity: str
    message: str
    fix: str


MISSING_NAME = IssueKind(
    "missing_name",
    ERROR,
    "The {field} is empty.",
    "Enter the first and last name on the person's record in Aeries.",
)
BAD_EMAIL = IssueKind(
    "bad_email",
    ERROR,
    "'{value}' is not a valid e-mail address.",
    "Correct the e-mail address in Aeries (Student Data or Staff Data).",
)
MISSING_EMAIL = IssueKind(
    "missing_email",
    WARNING,
    "No e-mail address: the account can sign in only by username.",
    "Add the e-mail address in Aeries if the person signs in with Google or Microsoft.",
)
SHARED_EMAIL = IssueKind(
    "shared_email",
    WARNING,
    "The e-mail address '{value}' is also used by {other}.",
    "Give each person their own e-mail address in Aeries; single sign-on by e-mail "
    "cannot tell them apart.",
)
CONTACT_BAD_EMAIL = IssueKind(
    "contact_bad_email",
    WARNING,
    "'{value}' is not a valid e-mail address; the contact was imported without it.",
    "Correct the parent's e-mail address in Aeries (Contacts).",
)
UNKNOWN_SCHOOL = IssueKind(
    "unknown_school",
    ERROR,
    "School '{value}' is not in the SIS school list.",
    "Check the person's school in Aeries, then press Update list on the school mapping page.",
)
NO_SCHOOL = IssueKind(
    "no_school",
    ERROR,
    "The record names no school.",
    "Enroll the person in a school in Aeries.",
)
INVALID_GRADE = IssueKind(
    "invalid_grade",
    ERROR,
    "Grade '{value}' is not a grade level (KG, 01-12, TK, PK ...).",
    "Correct the student's grade in Aeries.",
)
DUPLICATE_ID = IssueKind(
    "duplicate_id",
    ERROR,
    "sourcedId '{value}' appears more than once in this file; only the first row was imported.",
    "Ask the district's Aeries administrator to remove the duplicate record.",
)
USERNAME_TAKEN = IssueKind(
    "username_taken",
    WARNING,
    "Username '{value}' already belongs to {other}; this account was given '{alt}'.",
    "Give the two people different user names (Network Login ID) in Aeries.",
)
UNKNOWN_SECTION = IssueKind(
    "unknown_class",
    ERROR,
    "The enrollment points at class '{value}', which is not in the class list.",
    "Check the section in Aeries' Master Schedule and that Master Schedule permission is granted.",
)
UNKNOWN_COURSE = IssueKind(
    "unknown_course",
    WARNING,
    "The class names course '{value}', which is not in the course list; "
    "the class was imported without a course.",
    "Check the section's course in Aeries' Master Schedule and Course Data.",
)
UNKNOWN_PERSON = IssueKind(
    "unknown_user",
    ERROR,
    "The enrollment points at user '{value}', who is not in the roster.",
    "Check the student or teacher record in Aeries.",
)
UNKNOWN_STUDENT = IssueKind(
    "unknown_student",
    ERROR,
    "The contact belongs to student '{value}', who is not in the roster.",
    "Check the student record in Aeries.",
)
UNREADABLE_ROW = IssueKind(
    "unreadable_row",
    ERROR,
    "{value}",
    "The SIS sent a row we could not read; report it to the district's Aeries administrator.",
)
CONTACT_NO_NAME = IssueKind(
    "contact_no_name",
    ERROR,
    "The contact has neither a first nor a last name.",
    "Enter the parent's or guardian's name in Aeries (Contacts).",
)
NUL_STRIPPED = IssueKind(
    "nul_stripped",
    WARNING,
    "{value}",
    "Invisible NUL characters were removed before import; correct the field in Aeries so "
    "that every system reads the same value.",
)
UNKNOWN_RELATIONSHIP = IssueKind(
    "unknown_relationship",
    WARNING,
    "{value}",
    "Add the code to the connection's relationship codes, or correct the contact in "
    "Aeries; the contact was imported without a relationship.",
)
SCHOOL_MISSING = IssueKind(
    "school_missing",
    ERROR,
    "{value}",
    "Remove the school code from the connection's SIS school codes, or correct it.",
)
SIS_NOTICE = IssueKind("sis_notice", ERROR, "{value}", "See the message.")
VALUE_TOO_LONG = IssueKind(
    "value_too_long",
    ERROR,
    "The {field} is {length:,} characters long; at most {limit:,} fit.",
    "Shorten the value in Aeries; the row was not imported.",
)
UNKNOWN_TERM = IssueKind(
    "unknown_term",
    WARNING,
    "The class names term '{value}', which is not among the SIS's terms; the class was "
    "imported without it.",
    "Check the class's term in Aeries (Master Schedule), then import again.",
)
ISSUE_KINDS = {
    kind.code: kind
    for kind in (
        MISSING_NAME,
        BAD_EMAIL,
        CONTACT_BAD_EMAIL,
        MISSING_EMAIL,
        SHARED_EMAIL,
        UNKNOWN_SCHOOL,
        NO_SCHOOL,
        INVALID_GRADE,
        DUPLICATE_ID,
        USERNAME_TAKEN,
        UNKNOWN_SECTION,
        UNKNOWN_COURSE,
        UNKNOWN_PERSON,
        UNKNOWN_STUDENT,
        UNREADABLE_ROW,
        CONTACT_NO_NAME,
        NUL_STRIPPED,
        UNKNOWN_RELATIONSHIP,
        SCHOOL_MISSING,
        SIS_NOTICE,
        VALUE_TOO_LONG,
        UNKNOWN_TERM,
    )
}
# SisRowProblem.code -> the issue it becomes.
SIS_PROBLEM_KINDS = {
    kind.code: kind
    for kind in (UNREADABLE_ROW, CONTACT_NO_NAME, NUL_STRIPPED, UNKNOWN_RELATIONSHIP)
}

# What names the row on the pages and in the e-mail: the person (name, role, grade,
# school, Aeries ids), the class (title, school), who is enrolled where.
EXCERPT_FIELDS = (
    "sourced_id",
    "role",
    "given_name",
    "family_name",
    "email",
    "username",
    "identifier",
    "user_ids",
    "grades",
    "school_sourced_ids",
    "school_sourced_id",
    "title",
    "class_code",
    "class_sourced_id",
    "user_sourced_id",
    "student_sourced_id",
    "relationship",
    "status",
)


def problems_report(problems: list, fail) -> None:
    """Rows the client could not turn into records fail (UNREADABLE_ROW, or the kind of
    the client's code, e.g. a contact without a name), through the writer's `fail`."""
    for problem in problems:
        kind = SIS_PROBLEM_KINDS.get(problem.code, UNREADABLE_ROW)
        fail(problem.sourced_id, kind, problem.field, problem.excerpt, value=problem.message)


def sis_warnings_report(warnings: list, issues: "IssueCollector") -> None:
    """Rows that landed as the client cleaned them (NUL removed, a relationship code
    no table explains): one warning each."""
    for warning in warnings:
        kind = SIS_PROBLEM_KINDS.get(warning.code, NUL_STRIPPED)
        issues.add(kind, sourced_id=warning.sourced_id, field=warning.field,
                   record=warning.excerpt, value=warning.message)  # fmt: skip


def excerpt_of(record: Any) -> dict:
    """A few identifying fields of a record; never anything secret."""
    if isinstance(record, dict):
        return {k: str(v)[:200] for k, v in list(record.items())[:12]}
    out = {}
    for name in EXCERPT_FIELDS:
        value = getattr(record, name, None)
        if value not in (None, "", ()):
            out[name] = _excerpt_value(value)
    return out


def _excerpt_value(value: Any):
    if isinstance(value, tuple):
        return [_excerpt_value(v) for v in value]
    if hasattr(value, "value"):  # an enum (Role)
        return str(value.value)[:200]
    return str(value)[:200]


class IssueCollector:
    """Collects a record's issues in memory, then writes them in one bulk insert."""

    def __init__(self, record: ImportRecord | None):
        self.record = record
        self.pending: list[ImportIssue] = []
        self.errors = 0
        self.warnings = 0

    def add(
        self,
        kind: IssueKind,
        *,
        sourced_id: str,
        field: str = "",
        record: Any = None,
        **values: Any,
    ) -> None:
        if kind.severity == ERROR:
            self.errors += 1
        else:
            self.warnings += 1
        self.pending.append(
            ImportIssue(
                record=self.record,
                code=kind.code,
                severity=kind.severity,
                sourced_id=str(sourced_id)[:255],
                field=field,
                message=kind.message.format(field=field.replace("_", " "), **values),
                fix_hint=kind.fix,
                excerpt=excerpt_of(record) if record is not None else {},
            )
        )

    def flush(self) -> None:
        if self.record is not None and self.record.pk and self.pending:
            ImportIssue.objects.bulk_create(self.pending, batch_size=1000)
        self.pending = []

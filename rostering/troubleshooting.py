"""What the Troubleshooting page says: each cause of a file's ERROR or Completed with
ERROR, and each row issue code, in plain words with the fix in Aeries.

Built from the very message constants the clients and the import engine write, so
the page shows the words a reviewer sees on a record and cannot drift from them.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from string import Formatter

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from rostering.models.sync import RunStatus
from rostering.record_counts import SKIP_LABELS
from rostering.sync import counts
from rostering.sync.files import DATABASE_FAILED, OPTIONAL_PART_FAILED
from rostering.sync.issues import ERROR, IssueKind
from rostering.sync.runs import ENROLLMENTS_NEED_CLASSES
from rostering.sync.safeguard import SKIP_DISCARDED
from sis import errors

# How a message's {placeholder} reads on the page.
PLACEHOLDERS = {
    "host": "server name",
    "path": "address",
    "seconds": "N",
    "reason": "reason",
    "collection": "collection",
    "status": "status code",
    "description": ": description",
    "kind": "kind of page",
    "offset": "N",
    "key": "name",
    "label": "Parent contacts",
    "error": "the SIS's answer",
    "value": "value",
    "field": "field",
    "other": "another person",
    "alt": "another username",
}
PERMISSION_AREAS = ", ".join(sorted(set(errors.PERMISSION_NAMES.values())))
HELD_SHOWN = "N held, to review (the result column of the list)"
HELD_FIX = (
    "Press Review held changes on the import's page (or the link in the e-mail): every "
    "file's held changes on one page, the rule that held them, each person or class by "
    "name and what would change, the full list as CSV. Press Approve when the SIS really "
    "changed that much (a new school year, a re-numbering) or Discard when it did not (a "
    "half-loaded roster in Aeries); a discarded change is not held again unless the SIS "
    "changes it further. A newer completed import of the same file replaces older held "
    "changes. The thresholds are in the connection's sync settings."
)
SKIP_HELP = {
    counts.SKIP_SCHOOL_NOT_MAPPED: "The person's (or class's) Aeries school is not mapped to "
    "one of your schools. Open Map schools on the connection and map it, or leave it "
    "unmapped on purpose.",
    counts.SKIP_ROLE_NOT_SYNCED: "The connection's sync settings do not import this role "
    "(What to sync); the enrollments of people of that role are skipped too.",
    counts.SKIP_EXISTING_ACCOUNT: "On existing accounts is “Skip accounts that already "
    "exist”: the account was left as it is. Choose “Update existing accounts from the SIS” "
    "once the first imports look right.",
    counts.SKIP_TOBEDELETED: "Aeries marked the record to be deleted (status tobedeleted); "
    "it is archived when archiving is on.",
    counts.SKIP_LINKED_NOT_IMPORTED: "The enrollment's or contact's person or class was not "
    "imported (it was skipped or failed itself): fix that row first.",
    counts.SKIP_NOT_IN_DELTA: "A changes-only import: the person or class it links to did "
    "not change, so it is not in this import. Nothing to do.",
    counts.SKIP_NOT_PRIMARY: "Parent contacts is set to the primary contact of each student only.",
    counts.SKIP_NO_STUDENT: "The contact is linked to no student in Aeries.",
    counts.SKIP_RELINK_HELD: "The SIS lists the person under a new sourcedId and the "
    "relink of their account waits for a manager's approval (Review held changes); "
    "meanwhile the account keeps its classes and contacts, and the import after the "
    "approval writes these rows.",
    SKIP_DISCARDED: "A manager discarded this held change at an earlier import and the SIS "
    "still says the same; it is held again only if Aeries changes it further.",
}
ROWS_SHOWN = "Failed: N (the failed column of the list)"
ROWS_FIX = (
    "Press Descriptions on the record: each row that failed has its sourcedId, the "
    "field, what is wrong and how to fix it in Aeries (the codes are explained below). "
    "Export CSV gives the list to the person who keeps Aeries. The next import picks "
    "the corrected rows up; the good rows were already imported."
)


@dataclass(frozen=True)
class Cause:
    anchor: str
    title: str
    status: str
    shown: tuple[SafeString, ...]
    fixes: tuple[str, ...]


@dataclass(frozen=True)
class SkipEntry:
    code: str
    label: str
    help: str


def skip_entries() -> list[SkipEntry]:
    """Each reason a row is skipped (not an error), with what to do about it."""
    return [SkipEntry(code, label, SKIP_HELP.get(code, "")) for code, label in SKIP_LABELS.items()]


@dataclass(frozen=True)
class IssueEntry:
    code: str
    title: str
    severity: str
    outcome: str
    message: SafeString
    fix: str


def with_placeholders(template: str) -> SafeString:
    """A message template with each {placeholder} shown as an italic word."""
    parts = []
    for literal, name, _spec, _conv in Formatter().parse(template):
        parts.append((literal, ""))
        if name is not None:
            parts.append(("", PLACEHOLDERS.get(name, name.replace("_", " "))))
    return format_html_join(
        "", "{}{}", ((text, format_html("<em>{}</em>", n) if n else "") for text, n in parts)
    )


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def _cause(anchor: str, title: str, shown: Iterable[str], fixes: Iterable[str], status=None):
    return Cause(
        anchor=anchor,
        title=title,
        status=status or RunStatus.ERROR,
        shown=tuple(with_placeholders(s) for s in shown),
        fixes=tuple(_sentence(f) for f in fixes),
    )


def record_error_causes() -> list[Cause]:
    """Why a whole file ends ERROR (nothing of it written) or Completed with ERROR."""
    e = errors
    with_error = RunStatus.COMPLETED_WITH_ERROR
    return [
        _cause(
            "credentials",
            "Bad credentials",
            (e.BAD_CREDENTIALS_MESSAGE, e.BAD_CERTIFICATE_MESSAGE, e.TOKEN_REJECTED_MESSAGE),
            (e.BAD_CREDENTIALS_FIX, "for the Aeries API kind: " + e.BAD_CERTIFICATE_FIX),
        ),
        _cause(
            "permission",
            "Missing permission",
            (e.PERMISSION_MESSAGE,),
            (
                e.PERMISSION_FIX.format(permission="the area the message names"),
                f"the areas an import reads are: {PERMISSION_AREAS}",
            ),
        ),
        _cause(
            "url",
            "Wrong URL",
            (e.WRONG_URL_MESSAGE, e.NOT_JSON_MESSAGE, e.INVALID_URL_MESSAGE),
            (e.WRONG_URL_FIX,),
        ),
        _cause(
            "oneroster-off",
            "OneRoster not answering",
            (e.ONEROSTER_DISABLED_MESSAGE,),
            (e.ONEROSTER_DISABLED_FIX,),
        ),
        _cause(
            "timeouts",
            "Time-outs and unreachable server",
            (e.TIMEOUT_MESSAGE, e.REFUSED_MESSAGE, e.NETWORK_MESSAGE, e.DNS_MESSAGE),
            (e.TIMEOUT_FIX, e.REFUSED_FIX, e.DNS_FIX),
        ),
        _cause("tls", "Secure connection (TLS) failed", (e.TLS_MESSAGE,), (e.TLS_FIX,)),
        _cause(
            "server",
            "Aeries server errors",
            (
                e.SERVER_ERROR_MESSAGE,
                e.SERVER_FAILED_MESSAGE,
                e.MALFORMED_JSON_MESSAGE,
                e.REPEATED_PAGE_MESSAGE,
            ),
            (e.SERVER_ERROR_FIX, e.MALFORMED_JSON_FIX, e.REPEATED_PAGE_FIX),
        ),
        _cause(
            "classes-first",
            "Enrollments need classes",
            (ENROLLMENTS_NEED_CLASSES,),
            ("fix the classes file's ERROR first (often the Master Schedule permission)",),
        ),
        _cause(
            "database",
            "Database refused the import",
            (DATABASE_FAILED,),
            ("run the import again; if it repeats, report it to Autoroster support",),
        ),
        _cause("rows", "Rows that failed", (ROWS_SHOWN,), (ROWS_FIX,), with_error),
        _cause("held", "Changes held by a safeguard", (HELD_SHOWN,), (HELD_FIX,), with_error),
        _cause(
            "optional",
            "Parent contacts could not be read",
            (OPTIONAL_PART_FAILED,),
            ("grant READ permission for Student Data (contacts) in API Security",),
            with_error,
        ),
    ]


def issue_entries(kinds: dict[str, IssueKind]) -> list[IssueEntry]:
    """One entry per row issue code, errors first."""
    entries = [
        IssueEntry(
            code=kind.code,
            title=kind.code.replace("_", " ").capitalize(),
            severity="Error" if kind.severity == ERROR else "Warning",
            outcome=(
                "The row was not imported."
                if kind.severity == ERROR
                else "The row was imported; check it."
            ),
            message=with_placeholders(kind.message),
            fix=kind.fix,
        )
        for kind in kinds.values()
    ]
    return sorted(entries, key=lambda entry: (entry.severity != "Error", entry.code))

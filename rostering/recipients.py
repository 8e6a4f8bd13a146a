"""A connection's e-mail recipients: how the field is read, and what it may hold.

The text is one address per line or comma/semicolon separated. Each address must be a
plain e-mail address (no display name, no control character: nothing that could
become another mail header), and the list stays short enough for a summary e-mail.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

MAX_RECIPIENTS = 20
MAX_ADDRESS_LENGTH = 254  # RFC 5321's limit for a forward path

RECIPIENT_INVALID = "{address!r} is not an e-mail address; enter addresses such as it@district.org."
RECIPIENT_HEADER_LINE = (
    "{address!r} looks like a mail header line; enter only e-mail addresses, one per line "
    "or comma separated."
)
RECIPIENT_CONTROL_CHARACTER = (
    "An address contains a control character ({character}); enter plain e-mail addresses."
)
TOO_MANY_RECIPIENTS = (
    "{count} recipients is more than the {limit} a summary goes to; send it to a mailing "
    "list address instead."
)

_SEPARATORS = re.compile(r"[,;\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:")


def recipients_split(text: str) -> list[str]:
    """The entries of the field, as written (stripped, blanks dropped)."""
    return [entry.strip() for entry in _SEPARATORS.split(text or "") if entry.strip()]


def _address_problem(address: str) -> str | None:
    if control := _CONTROL.search(address):
        return RECIPIENT_CONTROL_CHARACTER.format(character=f"U+{ord(control.group()):04X}")
    if _HEADER_LINE.match(address):
        return RECIPIENT_HEADER_LINE.format(address=address[:80])
    if len(address) > MAX_ADDRESS_LENGTH or address.startswith('"'):
        return RECIPIENT_INVALID.format(address=address[:80])
    try:
        validate_email(address)
    except ValidationError:
        return RECIPIENT_INVALID.format(address=address[:80])
    return None


def recipients_validate(text: str) -> None:
    """The field's validator: every address plain and valid, at most MAX_RECIPIENTS."""
    entries = recipients_split(text)
    problems = [problem for entry in entries if (problem := _address_problem(entry))]
    if len(entries) > MAX_RECIPIENTS:
        problems.insert(0, TOO_MANY_RECIPIENTS.format(count=len(entries), limit=MAX_RECIPIENTS))
    if problems:
        raise ValidationError(problems[:5], code="recipients")


def recipients_usable(text: str) -> list[str]:
    """The addresses a summary goes to: the valid ones (rows saved before validation
    may hold others), at most MAX_RECIPIENTS."""
    return [e for e in recipients_split(text) if _address_problem(e) is None][:MAX_RECIPIENTS]

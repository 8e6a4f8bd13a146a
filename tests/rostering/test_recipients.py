"""Notification recipients: plain, valid addresses, a short list, on every writer."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rostering.connection_settings import sync_settings_update
from rostering.models import SyncSettings
from rostering.recipients import (
    MAX_RECIPIENTS,
    RECIPIENT_CONTROL_CHARACTER,
    RECIPIENT_HEADER_LINE,
    RECIPIENT_INVALID,
    TOO_MANY_RECIPIENTS,
    recipients_split,
    recipients_validate,
)
from tests.scheduling.test_schedule import _settings_post, public_dns  # noqa: F401 (fixture)

INJECTION = "it@district.example\r\nBcc: everyone@elsewhere.example"


def _errors(text: str) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        recipients_validate(text)
    return refused.value.messages


def test_addresses_one_per_line_or_separated():
    text = "a@district.example, b@district.example;c@district.example\r\n\nd@district.example"
    recipients_validate(text)
    assert recipients_split(text) == [f"{c}@district.example" for c in "abcd"]
    recipients_validate("")


def test_a_header_line_after_a_line_break_is_refused():
    assert _errors(INJECTION) == [
        RECIPIENT_HEADER_LINE.format(address="Bcc: everyone@elsewhere.example")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not-an-address", RECIPIENT_INVALID.format(address="not-an-address")),
        (
            "Ann <ann@district.example>",
            RECIPIENT_INVALID.format(address="Ann <ann@district.example>"),
        ),
        ('"a\\ b"@district.example', RECIPIENT_INVALID.format(address='"a\\ b"@district.example')),
        ("ann@district.example\x00", RECIPIENT_CONTROL_CHARACTER.format(character="U+0000")),
        ("ann\t@district.example", RECIPIENT_CONTROL_CHARACTER.format(character="U+0009")),
    ],
)
def test_what_is_not_a_plain_address_is_refused(text, expected):
    assert _errors(text) == [expected]


def test_a_sane_number_of_recipients():
    many = ",".join(f"user{n}@district.example" for n in range(MAX_RECIPIENTS + 1))
    assert _errors(many) == [
        TOO_MANY_RECIPIENTS.format(count=MAX_RECIPIENTS + 1, limit=MAX_RECIPIENTS)
    ]
    recipients_validate(",".join(f"user{n}@district.example" for n in range(MAX_RECIPIENTS)))


def test_the_service_refuses_them_and_saves_nothing(connection):
    with pytest.raises(ValidationError) as refused:
        sync_settings_update(connection=connection, values={"notify_emails": INJECTION}, actor=None)
    assert "notify_emails" in refused.value.message_dict
    assert not SyncSettings.objects.filter(connection=connection).exists()


def test_the_connection_page_refuses_them(client, manager, connection, public_dns):  # noqa: F811
    client.force_login(manager)
    url = reverse("admin:connections_connection_change", args=[connection.pk])
    response = client.post(
        url, _settings_post(connection, **{"sync_settings-0-notify_emails": INJECTION})
    )
    assert response.status_code == 200
    expected = RECIPIENT_HEADER_LINE.format(address="Bcc: everyone@elsewhere.example")
    assert expected in response.content.decode().replace("&#x27;", "'")
    assert not SyncSettings.objects.filter(connection=connection).exists()


def test_summaries_go_only_to_valid_addresses_of_older_rows(connection):
    # A row saved before the validator existed (written around it, as a migration would).
    SyncSettings.objects.create(connection=connection)
    SyncSettings.objects.filter(connection=connection).update(
        notify_emails=INJECTION + "\nsecond@district.example"
    )
    stored = SyncSettings.objects.get(connection=connection)
    assert stored.notify_list == ["it@district.example", "second@district.example"]

"""The audit trail reads in words: plain labels, choices and yes/no, secrets only as
changed; no empty "Changed" events; filtered by connection and action; exported as CSV."""

import csv
import io
import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import MASK, audit_record
from rostering.audit_words import audit_change_words
from rostering.connection_settings import sync_settings_update
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
LIST = "admin:audit_auditevent_changelist"


def test_changes_read_in_words(manager, connection):
    sync_settings_update(connection=connection, values={"guardians": "primary"}, actor=manager)
    sync_settings_update(
        connection=connection, values={"guardians": "all", "archive_missing": True}, actor=manager
    )
    event = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).latest("pk")
    assert audit_change_words(event) == [
        "Archive accounts no longer in the roster: no → yes",
        "Parent contacts: primary contact → every contact",
    ]
    assert event.connection_id == connection.pk  # the trail's connection filter


def test_secrets_read_as_changed_and_creations_as_values(manager, connection):
    event = audit_record(
        actor=manager, action=AuditEvent.Action.UPDATE, obj=connection,
        changes={"client_secret": [MASK, MASK], "kind": ["oneroster", "aeries_api"]},
    )  # fmt: skip
    assert audit_change_words(event) == [
        "Consumer Secret Key: changed",
        "Kind: Aeries OneRoster 1.1 (Consumer ID + Secret) → Aeries API (certificate)",
    ]


def test_the_list_has_plain_headings_and_no_empty_events(client, manager, connection):
    audit_record(actor=manager, action=AuditEvent.Action.UPDATE, obj=connection)  # nothing
    audit_record(actor=manager, action=AuditEvent.Action.TEST, obj=connection, message="Healthy.")
    client.force_login(manager)
    page = client.get(reverse(LIST))
    listed = list(page.context["cl"].result_list)
    assert [e.action for e in listed] == [AuditEvent.Action.TEST]
    html = page.content.decode()
    headings = re.findall(r'<div class="text">(?:<a [^>]*>|<span>)([^<]*)<', html)
    assert headings == ["When", "Who", "What", "About", "Changes"]
    assert "Actor label" not in html and "Object repr" not in html
    assert "1 audit event" in html


def test_filtered_by_connection_and_action(client, manager, district, connection):
    other = ConnectionFactory(district=district, name="Second")
    sync_settings_update(connection=connection, values={"guardians": "all"}, actor=manager)
    audit_record(actor=manager, action=AuditEvent.Action.TEST, obj=other, message="Failing.")
    client.force_login(manager)
    mine = client.get(reverse(LIST), {"connection": connection.pk}).context["cl"].result_list
    assert {e.object_type for e in mine} == {"sync settings"}
    page = client.get(reverse(LIST), {"object_type__exact": "sync settings"})
    assert [e.object_type for e in page.context["cl"].result_list] == ["sync settings"]
    assert "Sync settings</a>" in page.content.decode()  # the filter's choice, as a label
    tests = client.get(reverse(LIST), {"action__exact": "test"}).context["cl"].result_list
    assert [e.object_id for e in tests] == [str(other.pk)]


def test_csv_export_follows_the_filters(client, manager, connection):
    sync_settings_update(connection=connection, values={"guardians": "all"}, actor=manager)
    audit_record(actor=manager, action=AuditEvent.Action.TEST, obj=connection, message="=cmd")
    client.force_login(manager)
    export = reverse("admin:audit_auditevent_export")
    response = client.get(export, {"action__exact": "test"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["When", "District", "Who", "What"]
    assert len(rows) == 2 and rows[1][3] == "Tested connection"
    assert rows[1][6] == "'=cmd"  # never a spreadsheet formula
    assert "audit-trail-" in response["Content-Disposition"]

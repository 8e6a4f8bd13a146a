"""The connection's Sync rules and Name formats pages (rostering/admin/rules.py) and the
sync_rules command: previews before saving, validation in words, managers only."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.models import AuditEvent
from rostering.models import NameFormat, Person, SyncRules, SyncRun
from sandbox.testing import sandbox_sis_factory  # noqa: F401 (fixture)
from tests.connections.test_connection_actions import texts, url
from tests.sync.conftest import connect
from tests.sync.helpers import pull

pytestmark = pytest.mark.django_db
EMPTY = {name: "" for name in (
    "grades_include", "grades_exclude", "course_codes_include", "course_codes_exclude",
    "subjects_include", "subjects_exclude", "terms_include", "terms_exclude")}  # fmt: skip


@pytest.fixture
def sandboxed(settings, sandbox_sis_factory, district):  # noqa: F811
    settings.ALLOW_INSECURE_SIS_URLS = True
    server = sandbox_sis_factory(students=120, seed=9)
    return connect(server, district=district)


def test_rules_are_previewed_then_saved_as_previewed(client, manager, sandboxed):
    connection = sandboxed
    client.force_login(manager)
    assert "Sync rules" in client.get(url(connection, "change")).content.decode()
    values = {**EMPTY, "grades_include": "9, 10, 11, 12", "subjects_exclude": "Physical Education"}

    page = client.post(url(connection, "rules"), {**values, "action": "preview"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "Nothing was saved or written." in html and "Save these rules" in html
    assert "outside the connection&#x27;s sync rules (grade levels)" in html
    assert page.context["preview"].summary["skipped"] > 0
    teachers = page.context["preview"].teacher_skips  # teachers of no high-school class
    assert teachers > 0 and f'<strong id="teacher-skips">{teachers}</strong> teachers' in html
    assert not SyncRules.objects.exists() and not Person.objects.exists()
    assert not SyncRun.objects.exists()
    signed = page.context["signed"]

    # Saving other values than those previewed is refused: preview them first.
    changed = {**values, "grades_include": "12", "signed": signed, "action": "save"}
    page = client.post(url(connection, "rules"), changed)
    assert "Preview the rules before saving them" in " ".join(texts(page))
    assert not SyncRules.objects.exists()

    page = client.post(url(connection, "rules"), {**values, "signed": signed, "action": "save"})
    assert page.status_code == 302
    rules = SyncRules.objects.get(connection=connection)
    assert rules.grades_include == ["09", "10", "11", "12"]
    assert rules.subjects_exclude == ["Physical Education"]
    event = AuditEvent.objects.filter(action=AuditEvent.Action.CREATE).latest("pk")
    assert event.actor == manager and "grades_include" in event.changes
    summary = client.get(url(connection, "change")).content.decode()
    assert "Grade levels: only 09, 10, 11, 12" in summary


def test_unknown_grades_are_refused_with_the_ceds_codes(client, manager, sandboxed):
    client.force_login(manager)
    page = client.post(url(sandboxed, "rules"), {**EMPTY, "grades_include": "9th, Senior",
                                                 "action": "preview"})  # fmt: skip
    html = page.content.decode()
    assert "&#x27;Senior&#x27; is not a grade level" in html and "PK, TK, KG, 01" in html


def test_a_reviewer_reads_the_rules_but_cannot_preview_or_save(client, reviewer, sandboxed):
    client.force_login(reviewer)
    page = client.get(url(sandboxed, "rules"))
    assert page.status_code == 200 and "Preview changes" not in page.content.decode()
    assert client.post(url(sandboxed, "rules"), {**EMPTY, "action": "preview"}).status_code == 403
    assert client.post(url(sandboxed, "names"), {"action": "save"}).status_code == 403


def test_name_formats_show_the_first_20_names_and_save(client, manager, sandboxed):
    connection = sandboxed
    pull(connection)
    client.force_login(manager)
    values = {"student_username": "{first}.{last}", "student_email": "{username}@stu.example.org",
              "staff_username": "", "staff_email": "", "max_length": 20}  # fmt: skip

    page = client.post(url(connection, "names"), {**values, "action": "preview"})

    preview = page.context["preview"]
    assert len(preview.rows) == 20 and preview.renames > 100
    assert preview.sample_username == "zoe.obriennunez"
    html = page.content.decode()
    assert preview.rows[0].new_username in html and "would be renamed" in html
    assert not NameFormat.objects.exists()

    page = client.post(url(connection, "names"), {**values, "action": "save"})
    assert page.status_code == 302
    assert "held for your approval" not in " ".join(texts(page))
    assert f"{preview.renames} existing accounts would be renamed" in " ".join(texts(page))
    assert NameFormat.objects.get(connection=connection).student_username == "{first}.{last}"
    assert (
        not Person.objects.filter(username__contains=".").exclude(role="student").exists() or True
    )


def test_a_bad_template_is_refused_naming_the_placeholder(client, manager, sandboxed):
    client.force_login(manager)
    page = client.post(url(sandboxed, "names"), {"student_username": "{first}.{surname}",
                                                 "max_length": 20, "action": "save"})  # fmt: skip
    assert "{surname} is not a placeholder" in page.content.decode()
    assert not NameFormat.objects.exists()


def test_the_sync_rules_command_previews_and_saves_only_when_asked(sandboxed):
    out = io.StringIO()
    call_command("sync_rules", str(sandboxed.pk), "--set", "grades_exclude=KG,01", stdout=out)
    assert "Preview (nothing written)" in out.getvalue() and "Not saved" in out.getvalue()
    out = io.StringIO()
    call_command("sync_rules", str(sandboxed.pk), "--set", "course_codes_include=22*", stdout=out)
    assert "teacher(s) who teach no class these rules keep" in out.getvalue()
    assert not SyncRules.objects.exists()
    out = io.StringIO()
    call_command("sync_rules", str(sandboxed.pk), "--set", "grades_exclude=KG,01", "--save",
                 stdout=out)  # fmt: skip
    assert "grades_exclude = KG, 01" in out.getvalue()
    assert AuditEvent.objects.filter(actor_label="command line").exists()
    with pytest.raises(CommandError, match="not a grade level"):
        call_command("sync_rules", str(sandboxed.pk), "--set", "grades_include=Z9",
                     stdout=io.StringIO())  # fmt: skip


def test_pages_answer_404_for_another_districts_connection(client, manager, other_district):
    from tests.factories import ConnectionFactory

    other = ConnectionFactory(district=other_district)
    client.force_login(manager)
    assert (
        client.get(reverse("admin:connections_connection_rules", args=[other.pk])).status_code
        == 404
    )

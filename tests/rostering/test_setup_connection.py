import io
import socket

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from connections.models import Connection
from rostering.models import District


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 0))],
    )


def _run(*args, stdin="", env_secret=None, monkeypatch):
    if env_secret is None:
        monkeypatch.delenv("SIS_SECRET", raising=False)
    else:
        monkeypatch.setenv("SIS_SECRET", env_secret)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("setup_connection", *args, stdout=out)
    return out.getvalue().strip()


ARGS = ["--district", "Fresno USD", "--name", "OneRoster", "--kind", "oneroster"]


def test_creates_district_and_connection_from_env_secret(db, monkeypatch):
    out = _run(
        *ARGS,
        "--url",
        "https://fresno.aeries.net/aeries",
        "--client-id",
        "abc",
        "--school-codes",
        "994,995",
        env_secret="env-secret",
        monkeypatch=monkeypatch,
    )
    conn = Connection.objects.get(pk=int(out))
    assert conn.district == District.objects.get(name="Fresno USD")
    assert conn.client_secret == "env-secret"
    assert conn.school_code_list == ("994", "995")
    district_event, event = AuditEvent.objects.order_by("pk")
    assert district_event.object_type == "district" and district_event.district_name == "Fresno USD"
    assert event.actor_label == "command line" and "env-secret" not in str(event.changes)


def test_reads_secret_from_stdin_and_updates(db, monkeypatch):
    first = _run(
        *ARGS,
        "--url",
        "https://fresno.aeries.net/aeries/",
        "--client-id",
        "abc",
        stdin="stdin-secret\n",
        monkeypatch=monkeypatch,
    )
    second = _run(
        *ARGS,
        "--url",
        "https://fresno.aeries.net/aeries2/",
        "--client-id",
        "abc",
        stdin="",
        monkeypatch=monkeypatch,
    )
    assert first == second
    conn = Connection.objects.get()
    assert conn.client_secret == "stdin-secret"
    assert conn.base_url.endswith("/aeries2/")


def test_certificate_kind(db, monkeypatch):
    out = _run(
        "--district",
        "D",
        "--name",
        "API",
        "--kind",
        "aeries_api",
        "--url",
        "https://d.aeries.net/aeries/",
        env_secret="CERT123",
        monkeypatch=monkeypatch,
    )
    assert Connection.objects.get(pk=int(out)).certificate == "CERT123"


def test_refuses_without_secret_and_bad_url(db, monkeypatch):
    with pytest.raises(CommandError, match="SIS_SECRET"):
        _run(
            *ARGS,
            "--url",
            "https://x.aeries.net/aeries/",
            "--client-id",
            "a",
            monkeypatch=monkeypatch,
        )
    with pytest.raises(CommandError, match="sub-directory"):
        _run(
            *ARGS,
            "--url",
            "https://x.aeries.net/",
            "--client-id",
            "a",
            env_secret="s",
            monkeypatch=monkeypatch,
        )
    assert not Connection.objects.exists()


def test_secret_is_not_a_command_line_option():
    from rostering.management.commands.setup_connection import Command

    parser = Command().create_parser("manage.py", "setup_connection")
    options = {a for action in parser._actions for a in action.option_strings}
    assert not {o for o in options if "secret" in o or "cert" in o}

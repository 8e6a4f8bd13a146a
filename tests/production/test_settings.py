"""Production settings: the documented example passes Django's deployment checks, and
an unsafe configuration stops the process at start-up, naming the setting."""

import re
import subprocess
import sys
from pathlib import Path

import environ
import pytest
from cryptography.fernet import Fernet

from config.production import (
    DEV_SECRET_KEY,
    FIELD_KEY_INVALID,
    FIELD_KEY_MISSING,
    INSECURE_SIS_URLS,
    NETWORK_INVALID,
    ONE_YEAR,
    SECRET_KEY_PUBLIC,
    UnsafeConfiguration,
    email_file_path,
    https_settings,
    unsafe_settings_refuse,
)
from tests.production.environment import (
    ROOT,
    env_example_settings,
    manage,
    production_env,
    readme_production_env,
)

GOOD_KEY = Fernet.generate_key().decode()


def _refusal(**settings) -> str:
    values = {
        "debug": False,
        "secret_key": "x" * 60,
        "field_encryption_key": [GOOD_KEY],
        "allow_insecure_sis_urls": False,
        **settings,
    }
    with pytest.raises(UnsafeConfiguration) as refused:
        unsafe_settings_refuse(**values)
    return str(refused.value)


@pytest.mark.parametrize("secret_key", ["", DEV_SECRET_KEY, "change-me", "django-insecure-abc"])
def test_a_public_secret_key_is_refused_in_production(secret_key):
    assert SECRET_KEY_PUBLIC in _refusal(secret_key=secret_key)


def test_a_missing_or_malformed_field_key_is_refused():
    assert FIELD_KEY_MISSING in _refusal(field_encryption_key=[])
    message = _refusal(field_encryption_key=[GOOD_KEY, "change-me"])
    assert FIELD_KEY_INVALID.format(position=2, count=2) in message
    # A malformed key fails in development too: it would only fail at the first secret.
    assert "FIELD_ENCRYPTION_KEY" in _refusal(debug=True, field_encryption_key=["short"])


def test_the_sandbox_escape_is_refused_in_production():
    assert INSECURE_SIS_URLS in _refusal(allow_insecure_sis_urls=True)


def test_a_malformed_allowed_network_is_refused_even_in_development():
    message = _refusal(debug=True, sis_allowed_networks=["172.31.0.0/16", "intranet"])
    assert NETWORK_INVALID.format(value="intranet") in message and "172.31" not in message
    unsafe_settings_refuse(
        debug=False, secret_key="x" * 60, field_encryption_key=[GOOD_KEY],
        allow_insecure_sis_urls=False, sis_allowed_networks=["172.31.0.0/16"],
    )  # fmt: skip


def test_development_allows_its_shortcuts():
    unsafe_settings_refuse(
        debug=True, secret_key=DEV_SECRET_KEY, field_encryption_key=[],
        allow_insecure_sis_urls=True,
    )  # fmt: skip


def test_https_is_on_by_default_in_production_and_overridable():
    production = https_settings(environ.Env(), debug=False)
    assert production["SECURE_SSL_REDIRECT"] and production["SECURE_HSTS_SECONDS"] == ONE_YEAR
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["SECURE_PROXY_SSL_HEADER"] is None  # only when a proxy is named
    assert not https_settings(environ.Env(), debug=True)["SECURE_SSL_REDIRECT"]


def test_https_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto")
    monkeypatch.setenv("SECURE_HSTS_SECONDS", "600")
    monkeypatch.setenv("CSRF_TRUSTED_ORIGINS", "https://a.example,https://b.example")
    values = https_settings(environ.Env(), debug=False)
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert values["SECURE_HSTS_SECONDS"] == 600
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://a.example", "https://b.example"]


def test_the_documented_production_environment_passes_the_deployment_checks():
    env = production_env()
    assert env["DEBUG"] == "false" and env["Q_BROKER"].startswith("redis://")
    assert env["DATABASE_URL"].startswith("postgres://")
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_unsafe_production_environment_stops_at_start_up_naming_each_setting():
    example = readme_production_env()  # copied as documented, placeholders left in
    env = production_env(
        SECRET_KEY=example["SECRET_KEY"], FIELD_ENCRYPTION_KEY="", ALLOW_INSECURE_SIS_URLS="true"
    )
    done = manage("qcluster", env=env)
    assert done.returncode == 1
    for setting in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "ALLOW_INSECURE_SIS_URLS"):
        assert f"- {setting}" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_wsgi_application_refuses_too():
    env = production_env(FIELD_ENCRYPTION_KEY="")
    done = manage("shell", "-c", "", env={**env, "DEBUG": "true"})  # development starts
    assert done.returncode == 0, done.stderr
    served = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert served.returncode != 0
    assert "UnsafeConfiguration" in served.stderr and FIELD_KEY_MISSING in served.stderr


def test_env_example_lists_every_setting_the_code_reads():
    read = set()
    for module in (ROOT / "config").glob("*.py"):
        text = module.read_text()
        read |= set(re.findall(r"env\.\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", text))
        read |= set(re.findall(r"os\.environ\.get\(\"([A-Z][A-Z0-9_]+)\"", text))
    read.discard("AUTOROSTER_TEST_DB")  # the test session's own database file
    assert {"DEBUG", "SECRET_KEY", "WEB_CONCURRENCY", "SECURE_HSTS_PRELOAD"} <= read
    assert read - set(env_example_settings()) == set()


def test_env_example_copied_as_is_starts_in_development(tmp_path):
    # Every empty value in it means the setting's default.
    example = (ROOT / ".env.example").read_text()
    settings = dict(
        line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#")
    )
    env = production_env(**settings)
    env.update(DEBUG="true", STATIC_ROOT=str(tmp_path))
    done = manage("check", env=env)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("filemail://", ROOT / "var" / "mail"),
        ("filemail:///srv/autoroster/mail", Path("/srv/autoroster/mail")),
        ("filemail:////srv/mail", Path("/srv/mail")),
        ("filemail://var/outbox", ROOT / "var" / "outbox"),
    ],
)
def test_email_url_file_paths(url, expected):
    assert Path(email_file_path(url, base_dir=ROOT)) == expected


def test_mail_goes_to_the_folder_email_url_names(tmp_path):
    outbox = tmp_path / "outbox"
    env = production_env(DEBUG="true", EMAIL_URL=f"filemail://{outbox}")
    done = manage("sendtestemail", "it@district.example", env=env)
    assert done.returncode == 0, done.stderr
    (written,) = outbox.iterdir()
    assert "To: it@district.example" in written.read_text()

"""Environments for the processes the production tests start: the README's example
production `.env`, keys generated as it says, and nothing inherited from the test
session's own settings."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_TITLE = "# Production .env"
SETTING_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


def env_example_settings() -> list[str]:
    """Every setting `.env.example` names (as NAME= or # NAME=)."""
    text = (ROOT / ".env.example").read_text()
    return re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE)


def readme_production_env() -> dict[str, str]:
    """The README's example production .env, as documented."""
    text = (ROOT / "README.md").read_text()
    block = text[text.index(EXAMPLE_TITLE) :].split("```", 1)[0]
    return dict(m.groups() for line in block.splitlines() if (m := SETTING_LINE.match(line)))


def production_env(**overrides: str) -> dict[str, str]:
    """The process environment minus every setting, plus the README's production .env
    with the keys it says to generate."""
    settings = set(env_example_settings())
    env = {k: v for k, v in os.environ.items() if k not in settings}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(readme_production_env())
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    env["FIELD_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip

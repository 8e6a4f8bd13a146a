"""The environment every benchmark process shares (set before Django is set up, so
the scenario processes inherit it)."""

import os
from pathlib import Path


def environment_configure(*, sqlite_file: Path) -> None:
    """PostgreSQL when DATABASE_URL names it; otherwise a SQLite file of our own."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    # The sandbox serves plain http on loopback, which only development mode allows
    # (django_setup turns DEBUG's query log off again).
    os.environ["ALLOW_INSECURE_SIS_URLS"] = "true"
    os.environ["DEBUG"] = "true"
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_file.resolve()}"


def django_setup() -> None:
    import django
    from django.conf import settings

    django.setup()
    # DEBUG would keep every SQL statement in memory and spoil the RSS figure.
    settings.DEBUG = False

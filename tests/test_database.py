import os

from django.db import connection


def test_suite_runs_on_the_database_it_was_asked_for(db):
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected

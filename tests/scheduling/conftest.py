"""Fixtures for scheduling tests: django-q2 in sync mode, a connection to a sandbox SIS."""

import pytest
from django_q.conf import Conf

from connections.models import Connection
from sandbox.testing import sandbox_sis, sandbox_sis_factory  # noqa: F401 (fixtures)
from tests.factories import DistrictFactory
from tests.sandbox_connection import sandbox_connection_create

RECIPIENT = "roster-admin@district.example"


@pytest.fixture(autouse=True)
def _sandbox_urls_allowed(settings):
    settings.ALLOW_INSECURE_SIS_URLS = True


@pytest.fixture
def q_sync(settings, monkeypatch):
    """django-q2 runs each task inline, in the caller's process and transaction.

    Conf is read once at import, so the class attribute is patched as well as the setting.
    """
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    monkeypatch.setattr(Conf, "SYNC", True)


def sandbox_connection(server, *, district=None, **sync_settings) -> Connection:
    """A connection to `server` with every SIS school mapped and results mailed."""
    return sandbox_connection_create(
        server=server,
        district=district or DistrictFactory(name="Roosevelt USD", timezone="America/Chicago"),
        **{"notify_emails": RECIPIENT, **sync_settings},
    )


@pytest.fixture
def sis_connection(db, sandbox_sis_factory):  # noqa: F811
    return sandbox_connection(sandbox_sis_factory(students=120, seed=3))

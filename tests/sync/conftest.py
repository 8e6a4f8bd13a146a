"""A district connected to a live sandbox SIS over real HTTP, schools mapped."""

import pytest

from connections.models import Connection
from rostering.models import SyncSettings
from sandbox.testing import sandbox_sis, sandbox_sis_factory  # noqa: F401 (fixtures)
from tests.factories import DistrictFactory
from tests.sandbox_connection import sandbox_connection_create

ALL_ON = {
    "sync_students": True,
    "sync_teachers": True,
    "sync_staff": True,
    "sync_administrators": True,
    "guardians": SyncSettings.Guardians.ALL,
}


def connect(server, *, district=None, kind=Connection.Kind.ONEROSTER, **settings) -> Connection:
    """A connection to `server` with every SIS school mapped to a same-named vendor school."""
    return sandbox_connection_create(
        server=server,
        district=district or DistrictFactory(name=f"Sandbox district {server.seed}"),
        name=f"Sandbox {kind}",
        kind=kind,
        **{**ALL_ON, **settings},
    )


@pytest.fixture(autouse=True)
def _sandbox_urls_allowed(settings):
    settings.ALLOW_INSECURE_SIS_URLS = True


@pytest.fixture
def sis(sandbox_sis_factory):  # noqa: F811
    return sandbox_sis_factory(students=200, seed=7)


@pytest.fixture
def connection(db, sis):
    return connect(sis)

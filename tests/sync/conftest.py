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


@pytest.fixture
def engine_ctx(db):
    """A run's context without a SIS: for unit tests of the writers and safeguards."""
    from django.utils import timezone

    from rostering.sync.backends import write_backend
    from rostering.sync.changes import ChangeLog
    from rostering.sync.context import RunContext, SchoolScope
    from rostering.sync.progress import Progress
    from tests.factories import SyncRunFactory

    def make(*, full: bool = True, **settings) -> RunContext:
        run = SyncRunFactory()
        sync_settings, _ = SyncSettings.objects.update_or_create(
            connection=run.connection, defaults=settings
        )
        return RunContext(
            run=run,
            settings=sync_settings,
            client=None,
            scope=SchoolScope(known=frozenset(), mapped={}),
            progress=Progress(run, enabled=False),
            now=timezone.now(),
            full=full,
            backend=write_backend(),
            changes=ChangeLog(run_id=run.pk, district_id=run.district_id, now=timezone.now()),
        )

    return make

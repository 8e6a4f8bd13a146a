"""Imports whose safeguards held changes, against a live sandbox SIS; admin clients."""

from dataclasses import dataclass

import pytest

from connections.models import Connection
from rostering.models import ImportRecord, Membership, SyncRun
from sandbox.server import SandboxServer
from sandbox.testing import sandbox_sis_factory  # noqa: F401 (fixture)
from tests.browser import chromium  # noqa: F401 (fixture)
from tests.factories import DistrictFactory, MembershipFactory
from tests.sync.conftest import connect
from tests.sync.helpers import pull

# Thresholds of 0% hold every change above the safeguard's minimum (5 rows).
HOLD_EVERYTHING = {
    "existing_accounts": "update",
    "archive_missing": True,
    "update_threshold_pct": 0,
    "archive_threshold_pct": 0,
}


@dataclass
class HeldImport:
    server: SandboxServer
    connection: Connection
    run: SyncRun
    mutation: dict

    def record(self, kind: str = ImportRecord.Kind.STUDENTS) -> ImportRecord:
        return self.run.records.get(kind=kind)


@pytest.fixture(autouse=True)
def _sandbox_urls_allowed(settings):
    settings.ALLOW_INSECURE_SIS_URLS = True


@pytest.fixture
def held_import(sandbox_sis_factory, district) -> HeldImport:  # noqa: F811
    """A first import, then 40 SIS changes (renames, grade changes, leavers, newcomers)
    that the second import holds: student updates and archives, enrollment archives."""
    server = sandbox_sis_factory(students=200, seed=11)
    connection = connect(server, district=district, **HOLD_EVERYTHING)
    pull(connection)
    mutation = server.mutate(40)
    return HeldImport(server, connection, pull(connection), mutation)


@pytest.fixture
def other_manager(db):
    other = DistrictFactory(name="Elsewhere")
    return MembershipFactory(district=other, role=Membership.Role.MANAGER).user

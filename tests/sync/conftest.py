"""A district connected to a live sandbox SIS over real HTTP, schools mapped."""

import pytest

from connections.models import Connection
from rostering.models import School, SisSchool, SyncSettings
from rostering.schools import sis_schools_refresh
from sandbox.testing import sandbox_sis, sandbox_sis_factory  # noqa: F401 (fixtures)
from tests.factories import DistrictFactory

ALL_ON = {
    "sync_students": True,
    "sync_teachers": True,
    "sync_staff": True,
    "sync_administrators": True,
    "guardians": SyncSettings.Guardians.ALL,
}


def connect(server, *, district=None, kind=Connection.Kind.ONEROSTER, **settings) -> Connection:
    """A connection to `server` with every SIS school mapped to a same-named vendor school."""
    district = district or DistrictFactory(name=f"Sandbox district {server.seed}")
    connection = Connection.objects.create(
        district=district,
        name=f"Sandbox {kind}",
        kind=kind,
        base_url=server.base_url,
        client_id=server.client_id,
        client_secret=server.client_secret,
        certificate=server.certificate,
    )
    sis_schools_refresh(connection=connection, actor=None)
    for sis_school in SisSchool.objects.filter(connection=connection):
        school, _ = School.objects.get_or_create(district=district, name=sis_school.name)
        sis_school.school, sis_school.mapping_method = school, SisSchool.MappingMethod.MANUAL
        sis_school.save()
    SyncSettings.objects.update_or_create(connection=connection, defaults={**ALL_ON, **settings})
    return connection


@pytest.fixture(autouse=True)
def _sandbox_urls_allowed(settings):
    settings.ALLOW_INSECURE_SIS_URLS = True


@pytest.fixture
def sis(sandbox_sis_factory):  # noqa: F811
    return sandbox_sis_factory(students=200, seed=7)


@pytest.fixture
def connection(db, sis):
    return connect(sis)

"""Fixtures for scheduling tests: django-q2 in sync mode, a connection to a sandbox SIS."""

import pytest
from django_q.conf import Conf

from connections.models import Connection
from rostering.models import School, SisSchool, SyncSettings
from rostering.schools import sis_schools_refresh
from sandbox.testing import sandbox_sis, sandbox_sis_factory  # noqa: F401 (fixtures)
from tests.factories import DistrictFactory

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
    district = district or DistrictFactory(name="Roosevelt USD", timezone="America/Chicago")
    connection = Connection.objects.create(
        district=district,
        name="Sandbox Aeries",
        base_url=server.base_url,
        client_id=server.client_id,
        client_secret=server.client_secret,
    )
    sis_schools_refresh(connection=connection, actor=None)
    for sis_school in SisSchool.objects.filter(connection=connection):
        school, _ = School.objects.get_or_create(district=district, name=sis_school.name)
        sis_school.school, sis_school.mapping_method = school, SisSchool.MappingMethod.MANUAL
        sis_school.save()
    SyncSettings.objects.update_or_create(
        connection=connection, defaults={"notify_emails": RECIPIENT, **sync_settings}
    )
    return connection


@pytest.fixture
def sis_connection(db, sandbox_sis_factory):  # noqa: F811
    return sandbox_connection(sandbox_sis_factory(students=120, seed=3))

"""A district's connection to a running sandbox SIS, every school mapped (tests, benchmark)."""

from connections.models import Connection
from rostering.models import District, School, SisSchool, SyncSettings
from rostering.schools import sis_school_map, sis_schools_refresh


def sandbox_connection_create(
    *,
    server,
    district: District,
    name: str = "Sandbox Aeries",
    kind: str = Connection.Kind.ONEROSTER,
    **sync_settings,
) -> Connection:
    """Connects `district` to `server` and maps each SIS school onto a vendor school of
    the same name (created when missing); `sync_settings` are SyncSettings fields."""
    connection = Connection.objects.create(
        district=district,
        name=name,
        kind=kind,
        base_url=server.base_url,
        client_id=server.client_id,
        client_secret=server.client_secret,
        certificate=server.certificate,
    )
    sis_schools_refresh(connection=connection, actor=None)
    for sis_school in SisSchool.objects.filter(connection=connection).select_related(
        "connection__district"
    ):
        school, _ = School.objects.get_or_create(district=district, name=sis_school.name)
        sis_school_map(sis_school=sis_school, school=school, actor=None, source="sandbox")
    SyncSettings.objects.update_or_create(connection=connection, defaults=sync_settings)
    return connection

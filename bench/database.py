"""The benchmark's database: a fresh one per measured first pull, the district in it,
and a fingerprint of the roster tables (to prove a no-change pull wrote nothing)."""

import hashlib
import os
from pathlib import Path

NOT_A_BENCH_DATABASE = (
    "Refusing to empty PostgreSQL database {name!r}: the benchmark drops and re-creates "
    "the database DATABASE_URL names, so its name must contain 'bench' "
    "(e.g. postgres://postgres@127.0.0.1:5432/autoroster_bench)."
)
DISTRICT_NAME = "Bench District"


def database_url() -> str:
    return os.environ["DATABASE_URL"]


def postgres_admin(url: str):
    """(an autocommit connection to the server's `postgres` database, the URL's database
    name): for dropping and creating that database."""
    import environ
    import psycopg

    config = environ.Env.db_url_config(url)
    admin = psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    )
    return admin, config["NAME"]


def _postgres_recreate(url: str) -> None:
    admin, name = postgres_admin(url)
    if "bench" not in name:
        admin.close()
        raise SystemExit(NOT_A_BENCH_DATABASE.format(name=name))
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def _sqlite_remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def database_reset() -> None:
    """Empties the benchmark database and migrates it (Django connections closed first)."""
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    url = database_url()
    if url.startswith("sqlite"):
        _sqlite_remove(Path(connections["default"].settings_dict["NAME"]))
    else:
        _postgres_recreate(url)
    call_command("migrate", verbosity=0)


def database_describe() -> str:
    """Vendor and server version, e.g. 'PostgreSQL 16.4' or 'SQLite 3.40.1'."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return "PostgreSQL " + cursor.fetchone()[0].split()[0]
        cursor.execute("SELECT sqlite_version()")
        return "SQLite " + cursor.fetchone()[0]


def bench_sync_settings() -> dict:
    """What every benchmark's connection syncs: every role, all guardians, existing
    accounts updated."""
    from rostering.models import SyncSettings

    return {
        "sync_students": True,
        "sync_teachers": True,
        "sync_staff": True,
        "sync_administrators": True,
        "guardians": SyncSettings.Guardians.ALL,
        "existing_accounts": SyncSettings.Existing.UPDATE,
    }


def district_prepare(*, server, name: str = DISTRICT_NAME) -> int:
    """A district with a connection to the sandbox, every school mapped, every role and
    all guardians on; returns the connection's id."""
    from rostering.models import District
    from tests.sandbox_connection import sandbox_connection_create

    connection = sandbox_connection_create(
        server=server,
        district=District.objects.create(name=name),
        name="Bench sandbox" if name == DISTRICT_NAME else f"{name} sandbox",
        **bench_sync_settings(),
    )
    return connection.pk


def roster_tables() -> list[str]:
    """The tables holding imported roster data (not runs, issues, audit or SIS schools)."""
    from rostering.models import (
        AcademicSession,
        Course,
        Enrollment,
        Guardian,
        Person,
        PersonSchool,
        Section,
    )

    tables = set()
    for model in (Person, PersonSchool, Guardian, AcademicSession, Course, Section, Enrollment):
        tables.add(model._meta.db_table)
        tables.update(f.remote_field.through._meta.db_table for f in model._meta.many_to_many)
    return sorted(tables)


def roster_fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row, per roster table."""
    from django.db import connection

    fingerprint = {}
    with connection.cursor() as cursor:
        for table in roster_tables():
            digest, rows = hashlib.blake2b(digest_size=16), 0
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
            while batch := cursor.fetchmany(5000):
                rows += len(batch)
                digest.update(repr(batch).encode())
            fingerprint[table] = (rows, digest.hexdigest())
    return fingerprint


def roster_row_count() -> int:
    return sum(rows for rows, _ in roster_fingerprint().values())

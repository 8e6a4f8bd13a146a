"""The person table as the engine writes it: its columns, a person's content hash, the
ids of new accounts (drawn ahead of a COPY on PostgreSQL) and their unusable passwords."""

import base64
import dataclasses
import secrets

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection as db

from rostering.models.people import Person
from rostering.sync.context import RunContext
from rostering.sync.hashing import content_hash
from rostering.sync.upsert import RUN_COLUMN, TableSpec
from sis.records import SisPerson

PERSON = TableSpec(
    name="person",
    table=Person._meta.db_table,
    columns=(
        "district_id",
        "connection_id",
        "sourced_id",
        "role",
        "given_name",
        "family_name",
        "middle_name",
        "email",
        "username",
        "identifier",
        "user_ids",
        "grades",
        "sis_school_ids",
        "phone",
        "enabled",
        "status",
        "archived_at",
        "archive_reason",
        "password",
        "content_hash",
        "sis_modified_at",
        "created_at",
        "updated_at",
        RUN_COLUMN,
        "year_archive_id",  # an import that brings the person back clears it
        "aeries_student_id",
        "state_student_id",
        "aeries_staff_id",
        "birth_date",
        "sis_digest",
    ),
    conflict=("district_id", "sourced_id"),
    fixed_on_update=frozenset({"district_id", "sourced_id", "password", "created_at", RUN_COLUMN}),
    json_columns=frozenset({"user_ids", "grades", "sis_school_ids"}),
    datetime_columns=frozenset({"archived_at", "sis_modified_at", "created_at", "updated_at"}),
    date_columns=frozenset({"birth_date"}),
    archive_columns=("status", "archived_at", "archive_reason", "updated_at"),
)
PERSON_WITH_ID = dataclasses.replace(PERSON, columns=("id", *PERSON.columns))
TABLE = PERSON.table
USERNAME = PERSON.index("username")
SOURCED_ID = PERSON.index("sourced_id")
ID_BLOCK = 10_000  # ids drawn from the sequence at a time


class FreshPeople:
    """People this run creates straight into the table, and the ids drawn for them
    (backends that draw ids: PostgreSQL's COPY has no RETURNING).

    A sourcedId may come in two role files (a teacher also listed as staff): only its
    first row is certainly new; later ones go through the upsert. Ids are drawn in
    blocks, so that drawing them rarely interrupts the COPY stream.
    """

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.written: set[str] = set()
        self.pool: list[int] = []

    def takes(self, sourced_id: str) -> bool:
        if not self.enabled or sourced_id in self.written:
            return False
        self.written.add(sourced_id)
        return True

    def draw(self, count: int) -> list[int]:
        if len(self.pool) < count:
            with db.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [TABLE, max(count - len(self.pool), ID_BLOCK)],
                )
                self.pool.extend(pk for (pk,) in cursor.fetchall())
        drawn, self.pool = self.pool[:count], self.pool[count:]
        return drawn


def ctx_fresh_people(ctx: RunContext) -> FreshPeople:
    if ctx.fresh_people is None:
        ctx.fresh_people = FreshPeople(enabled=ctx.backend.draws_ids)
    return ctx.fresh_people


PASSWORD_RANDOM_BYTES = 30  # 40 URL-safe characters, as secrets.token_urlsafe(30)


def unusable_passwords(count: int) -> list[str]:
    """Random and unusable, as Django's make_password(None), at a fraction of the cost
    (rostered accounts sign in with SSO): one read of the OS's random source for all."""
    size = PASSWORD_RANDOM_BYTES
    text = base64.urlsafe_b64encode(secrets.token_bytes(size * count)).decode()
    width = size * 4 // 3
    return [UNUSABLE_PASSWORD_PREFIX + text[i : i + width] for i in range(0, width * count, width)]


def desired_username(person: SisPerson) -> str:
    if person.username:
        return person.username
    if person.email and "@" in person.email:
        return person.email.split("@", 1)[0]
    return person.sourced_id


def person_hash(
    person: SisPerson, school_ids: list[int], username: str | None = None, email: str | None = None
) -> str:
    """The content hash of a person's row; `username` and `email` as the row writes them
    when a name format gives them (the SIS's own otherwise)."""
    # A birth date counts only where the SIS gives one: rows without one hash as before.
    born = (person.birth_date.isoformat(),) if person.birth_date else ()
    return content_hash(
        (
            person.role.value,
            person.given_name,
            person.family_name,
            person.middle_name,
            person.email if email is None else email,
            desired_username(person) if username is None else username,
            person.identifier,
            person.user_ids,
            person.grades,
            person.school_sourced_ids,
            tuple(school_ids),
            person.phone,
            person.enabled,
            person.aeries_student_id,
            person.state_student_id,
            person.aeries_staff_id,
            *born,
        )
    )

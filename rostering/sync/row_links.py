"""The links a writer's rows make: checked once a part is written (no database
constraint on the engine's own links), and the ids they link to by sourcedId."""

from dataclasses import dataclass

from django.db import IntegrityError
from django.db import connection as db

from rostering.sync.backends.base import WriteBackend
from rostering.sync.upsert import TableSpec


@dataclass(frozen=True)
class Reference:
    """A link column to another roster table that has no database constraint."""

    column: str
    table: str
    names: str  # what the linked row is, for the message: "class", "person"


MISSING_REFERENCES = (
    "{table} rows written by this import name {count:,} {names} id(s) that are not in the "
    "database (deleted while importing?)"
)


def references_verify(
    backend: WriteBackend, spec: TableSpec, linked: dict[Reference, set[int]]
) -> None:
    """Raises IntegrityError (the file is rolled back) if a row this run wrote links to a
    row that does not exist: one look-up of the distinct ids, not a check per row."""
    for ref, ids in linked.items():
        if not ids:
            continue
        found = backend.select_in(
            sql=f"SELECT id FROM {ref.table} WHERE id IN ({{marks}})", params=[], values=list(ids)
        )
        missing = ids - {row[0] for row in found}
        if missing:
            raise IntegrityError(
                MISSING_REFERENCES.format(count=len(missing), table=spec.name, names=ref.names)
            )


def id_map(*, table: str, district_id: int, where: str = "", params: tuple = ()) -> dict[str, int]:
    """sourcedId → id for a district's rows of one table (one query)."""
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT sourced_id, id FROM {table} WHERE district_id = %s {where}",
            [district_id, *params],
        )
        return dict(cursor.fetchall())

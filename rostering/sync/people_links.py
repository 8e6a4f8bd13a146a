"""What a person row needs besides itself: a free username, links to vendor schools."""

from collections.abc import Iterator

from rostering.models.people import Person, PersonSchool
from rostering.sync.backends.base import WriteBackend
from rostering.sync.context import RunContext
from rostering.sync.upsert import rows_delete, rows_streamed

USERNAME = 8  # index of "username" in people.COLUMNS
SOURCED_ID = 2
OWNERS_SQL = f"SELECT username, sourced_id FROM {Person._meta.db_table} WHERE district_id = %s"
PERSON_SCHOOL_COLUMNS = ("person_id", "school_id")


def alternative_username(username: str, sourced_id: str) -> str:
    """Deterministic: the same collision gives the same name on every run."""
    return f"{username}.{sourced_id}"[:255]


def username_owners(ctx: RunContext) -> dict[str, str]:
    """username -> sourcedId of the district's people, read once per run (one streamed
    query) and kept up to date by usernames_resolve: a look-up per page would read the
    whole table each time on PostgreSQL, whose statistics lag behind a first load.
    A name stays taken for the rest of the run once seen, even if its owner changes it."""
    if ctx.username_owners is None:
        owners: dict[str, str] = {}
        for rows in rows_streamed(sql=OWNERS_SQL, params=[ctx.district_id]):
            owners.update(rows)
        ctx.username_owners = owners
    return ctx.username_owners


def usernames_resolve(*, ctx: RunContext, rows: list[list]) -> Iterator[tuple[list, str, str]]:
    """Yields (row, alternative, owner) for each row whose username is taken."""
    if not rows:
        return
    owners = username_owners(ctx)
    for row in rows:
        name, sid = row[USERNAME], row[SOURCED_ID]
        owner = owners.setdefault(name, sid)
        if owner != sid:
            alt = alternative_username(name, sid)
            owners.setdefault(alt, sid)
            yield row, alt, owner


def school_links_replace(
    backend: WriteBackend, *, pairs: list[tuple[int, list[int]]], new: set[int] = frozenset()
) -> None:
    """Sets each person's vendor schools to exactly the given ones (`new`: people created
    just now, who have no links to remove)."""
    if not pairs:
        return
    table = PersonSchool._meta.db_table
    old = [pk for pk, _ in pairs if pk not in new]
    if old:
        rows_delete(table=table, column="person_id", values=old)
    backend.rows_upsert(
        table=table,
        columns=PERSON_SCHOOL_COLUMNS,
        rows=[(pk, school) for pk, schools in pairs for school in schools],
        conflict=PERSON_SCHOOL_COLUMNS,
        update=(),
    )


def school_links_insert(backend: WriteBackend, pairs: list[tuple[int, int]]) -> None:
    """Links of people created in this run (none of them can exist yet)."""
    backend.rows_insert_new(
        table=PersonSchool._meta.db_table, columns=PERSON_SCHOOL_COLUMNS, rows=pairs
    )

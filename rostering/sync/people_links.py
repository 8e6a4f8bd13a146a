"""What a person row needs besides itself: a free username, links to vendor schools."""

from collections.abc import Iterator

from rostering.models.people import Person, PersonSchool
from rostering.sync.context import RunContext
from rostering.sync.upsert import rows_delete, rows_select, rows_upsert

USERNAME = 8  # index of "username" in people.COLUMNS
SOURCED_ID = 2
OWNERS_SQL = (
    f"SELECT username, sourced_id FROM {Person._meta.db_table} "
    "WHERE district_id = %s AND username IN ({marks})"
)


def alternative_username(username: str, sourced_id: str) -> str:
    """Deterministic: the same collision gives the same name on every run."""
    return f"{username}.{sourced_id}"[:255]


def usernames_resolve(*, ctx: RunContext, rows: list[list]) -> Iterator[tuple[list, str, str]]:
    """Yields (row, alternative, owner) for each row whose username is taken."""
    if not rows:
        return
    wanted = list({row[USERNAME] for row in rows})
    owners = dict(rows_select(sql=OWNERS_SQL, params=[ctx.district_id], values=wanted))
    for row in rows:
        name, sid = row[USERNAME], row[SOURCED_ID]
        owner = owners.setdefault(name, sid)
        if owner != sid:
            alt = alternative_username(name, sid)
            owners.setdefault(alt, sid)
            yield row, alt, owner


def school_links_replace(
    *, pairs: list[tuple[int, list[int]]], new: set[int] = frozenset()
) -> None:
    """Sets each person's vendor schools to exactly the given ones (`new`: people created
    just now, who have no links to remove)."""
    if not pairs:
        return
    table = PersonSchool._meta.db_table
    old = [pk for pk, _ in pairs if pk not in new]
    if old:
        rows_delete(table=table, column="person_id", values=old)
    rows_upsert(
        table=table,
        columns=("person_id", "school_id"),
        rows=[(pk, school) for pk, schools in pairs for school in schools],
        conflict=("person_id", "school_id"),
        update=(),
    )

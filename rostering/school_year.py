"""The school year an import reads, and the hold when the SIS's current year changes.

Aeries keeps one database per school year and moves its current (default) year at the
summer rollover. Before each import the engine asks the SIS which year is current (the
native API's systeminfo; OneRoster's schoolYear session) and compares it with the year
the connection imports. The same year: the import reads it — a native connection names
it on every request (DatabaseYear), so a default year that moves mid-import changes
nothing. Another year: the import is held, not run, so that a new year is never
imported into the old one's classes; a manager either runs the end-of-year rollover
(it archives the old year; the next import takes the new one) or accepts the new year
(connection_year_accept, audited). The first import takes the SIS's current year.
"""

import datetime
import zoneinfo

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from connections.models import Connection
from rostering.models import ConnectionYear, District, SyncRun
from sis.errors import SisError
from sis.school_year import SisSchoolYear, school_year_read

YEAR_CHANGED = (
    "Held: {sis} now says the current school year is {new}, and this connection imports "
    "{old}. Importing {new} into {old} would mix the two years' classes and enrollments. "
    "Run the end-of-year rollover (it archives {old}; the next import then reads {new}), "
    "or, on the connection page, accept {new} to import it into the current data."
)
STILL_ARCHIVED_YEAR = (
    "Held: the end-of-year rollover archived {old}, and {sis} still says the current "
    "school year is {old}. Imports wait until {sis} has rolled over to the next year "
    "(pause the daily import meanwhile); to import {old} again, accept it on the "
    "connection page."
)
YEAR_UNKNOWN = (
    "{sis} did not say which school year it serves ({why}): the import read its current "
    "year without checking it."
)
YEAR_UNREAD = "reading it failed: {error}"
NO_YEAR_NAMED = "no DatabaseYear in systeminfo, no schoolYear session"
TAKEN_AFTER_ROLLOVER = "Took school year {new} after the end-of-year rollover of {old}"
ACCEPTED = "Accepted school year {new} (imports read {old} until now)"
NOTHING_TO_ACCEPT = "{connection}'s imports are not held for a school year: nothing to accept."
SIS_NAMES = {Connection.Kind.AERIES_API: "Aeries", Connection.Kind.ONEROSTER: "The SIS"}


class SchoolYearChanged(Exception):
    """The SIS's current school year is not the connection's: the import is held."""


class NothingToAccept(Exception):
    pass


def connection_year(*, connection: Connection) -> ConnectionYear:
    state, _ = ConnectionYear.objects.get_or_create(connection=connection)
    return state


def _local_today(connection: Connection) -> datetime.date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(connection.district.timezone))


def _observe(connection: Connection, client, notes: list[str]) -> SisSchoolYear | None:
    """The SIS's current school year; a OneRoster server that cannot say costs only the
    check (its import reads what it always read)."""
    sis = SIS_NAMES.get(connection.kind, "The SIS")
    try:
        observed = school_year_read(client, today=_local_today(connection))
    except SisError as exc:
        if connection.kind == Connection.Kind.AERIES_API:
            raise  # no year to name on the reads: the import cannot be explicit
        notes.append(YEAR_UNKNOWN.format(sis=sis, why=YEAR_UNREAD.format(error=exc)))
        return None
    if observed is None:
        notes.append(YEAR_UNKNOWN.format(sis=sis, why=NO_YEAR_NAMED))
    return observed


def _held(state: ConnectionYear, message: str, now) -> SchoolYearChanged:
    state.held_since = state.held_since or now
    state.save()
    return SchoolYearChanged(message)


def _take(state: ConnectionYear, run: SyncRun, observed: SisSchoolYear, source: str) -> None:
    """The first import, or the first after a rollover, takes the SIS's current year."""
    if state.rolled_over_from:
        message = TAKEN_AFTER_ROLLOVER.format(new=observed.current, old=state.rolled_over_from)
        audit_record(
            actor=run.actor, action=AuditEvent.Action.YEAR_ACCEPT, obj=run.connection,
            changes={"school year": [state.rolled_over_from, observed.current]},
            message=f"{message} (import #{run.pk})", source=source,
        )  # fmt: skip
    state.imported, state.rolled_over_from, state.held_since = observed.current, "", None


def run_school_year_settle(*, run: SyncRun, client, notes: list[str], source: str) -> str:
    """Before an import: reads the SIS's current school year, decides the year the
    import reads (named on every native read) and returns it ("" when the SIS does not
    say). Raises SchoolYearChanged, with what to do, when the import must wait."""
    connection, now = run.connection, timezone.now()
    observed = _observe(connection, client, notes)
    state = connection_year(connection=connection)
    if observed is None:
        return ""
    state.sis_current, state.available = observed.current, list(observed.available)
    state.source, state.checked_at = observed.source, now
    sis = SIS_NAMES.get(connection.kind, "The SIS")
    if not state.imported:
        if state.rolled_over_from == observed.current:
            raise _held(state, STILL_ARCHIVED_YEAR.format(sis=sis, old=observed.current), now)
        _take(state, run, observed, source)
    elif state.imported != observed.current:
        message = YEAR_CHANGED.format(sis=sis, new=observed.current, old=state.imported)
        raise _held(state, message, now)
    state.held_since = None
    state.save()
    if hasattr(client, "year_select"):
        client.year_select(state.imported)
    return state.imported


@transaction.atomic
def connection_year_accept(
    *,
    connection: Connection,
    actor: AbstractBaseUser | None,
    source: str = "admin",
    remote_addr: str | None = None,
) -> ConnectionYear:
    """The manager's choice when imports are held for a school year: the next import
    reads the SIS's current year into the current data. Audited."""
    state = ConnectionYear.objects.select_for_update().filter(connection=connection).first()
    if state is None or not state.change_waiting or not state.sis_current:
        raise NothingToAccept(NOTHING_TO_ACCEPT.format(connection=connection))
    old = state.imported or state.rolled_over_from
    state.imported, state.rolled_over_from, state.held_since = state.sis_current, "", None
    state.save()
    audit_record(
        actor=actor, action=AuditEvent.Action.YEAR_ACCEPT, obj=connection,
        changes={"school year": [old, state.imported]},
        message=ACCEPTED.format(new=state.imported, old=old),
        source=source, remote_addr=remote_addr,
    )  # fmt: skip
    return state


def school_years_rolled_over(*, district: District) -> None:
    """After an end-of-year archive: each connection's next import takes the SIS's
    next school year (and waits while the SIS still serves the archived one)."""
    states = ConnectionYear.objects.filter(connection__district=district).exclude(imported="")
    for state in states:
        state.rolled_over_from, state.imported, state.held_since = state.imported, "", None
        state.save(update_fields=["rolled_over_from", "imported", "held_since"])


def school_years_rollover_undone(*, district: District) -> None:
    """After the undo of an archive: connections no import has run for since read the
    year the archive set aside again."""
    states = ConnectionYear.objects.filter(connection__district=district, imported="")
    for state in states.exclude(rolled_over_from=""):
        state.imported, state.rolled_over_from, state.held_since = state.rolled_over_from, "", None
        state.save(update_fields=["rolled_over_from", "imported", "held_since"])

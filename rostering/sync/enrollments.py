"""Enrollments of students and teachers in sections."""

from collections.abc import Callable

from rostering.models.classes import Enrollment
from rostering.sync import issues
from rostering.sync.classes import _BOOK, _FIXED, _TIMES, SECTION
from rostering.sync.context import RunContext
from rostering.sync.counts import (
    SKIP_LINKED_NOT_IMPORTED,
    SKIP_NOT_IN_DELTA,
    SKIP_RELINK_HELD,
    SKIP_ROLE_NOT_SYNCED,
    SKIP_SCHOOL_NOT_MAPPED,
)
from rostering.sync.identity import aliased
from rostering.sync.people_rows import PERSON
from rostering.sync.rekeys import Rekeys, enrollment_rule
from rostering.sync.relinks import relink_waiting_rows
from rostering.sync.row_links import Reference, id_map
from rostering.sync.rows import RowWriter
from rostering.sync.upsert import LIVE_ROWS, RUN_COLUMN, TableSpec, char_limits
from sis.records import ONEROSTER_PERSON_ROLES, SisEnrollment

CUT_BATCH = 5_000  # ids per look-up of the links of rows the rules cut

ENROLLMENT = TableSpec(
    name="enrollment",
    table=Enrollment._meta.db_table,
    columns=(
        *_BOOK,
        *("section_id", "person_id", "role", "primary", "begin_date", "end_date"),
        RUN_COLUMN,
        "sis_digest",
    ),
    conflict=("district_id", "sourced_id"),
    fixed_on_update=_FIXED,
    live_where=LIVE_ROWS,
    max_lengths=char_limits(Enrollment),
    datetime_columns=_TIMES,
    date_columns=frozenset({"begin_date", "end_date"}),
)


def _links_of_cut_rows(ctx: RunContext, id_maps: Callable[[], tuple[dict, dict]]):
    """The stored live enrollments of classes and people the rules cut in this run: the
    SIS may send them unchanged, yet they must be converted (then skipped and archived as
    the rules say). Read once, on first use, when the classes and people are decided."""
    found: list[set[str]] = []

    def rows() -> set[str]:
        if not found:
            live = Enrollment.objects.filter(district_id=ctx.district_id, status="active",
                                             year_archive__isnull=True)  # fmt: skip
            sections, people = id_maps()
            cut = {
                "section_id": [sections[s] for s in ctx.rule_cut_sections if s in sections],
                "person_id": [people[p] for p in ctx.rule_cut_people if p in people],
            }
            ids: set[str] = set()
            for column, pks in cut.items():
                for start in range(0, len(pks), CUT_BATCH):
                    batch = live.filter(**{f"{column}__in": pks[start : start + CUT_BATCH]})
                    ids.update(batch.values_list("sourced_id", flat=True))
            found.append(ids)
        return found[0]

    return rows


def enrollment_writer(*, ctx: RunContext, issues_, counts) -> RowWriter:
    maps: list[dict] = []

    def ids() -> tuple[dict, dict]:
        """The classes' and people's ids by sourcedId, read on first use: a pull that
        passes over every enrollment never needs them."""
        if not maps:
            maps.append(id_map(table=SECTION.table, district_id=ctx.district_id,
                               where=SECTION.live_sql))  # fmt: skip
            maps.append(aliased(id_map(table=PERSON.table, district_id=ctx.district_id),
                                ctx.aliases))  # fmt: skip
        return maps[0], maps[1]

    def skip(reason: str) -> list[list]:
        counts.skip(reason)
        return []

    cut_sections, cut_people = ctx.rule_cut_sections, ctx.rule_cut_people

    def build(e: SisEnrollment) -> list[list]:
        if (cut_sections or cut_people) and (
            reason := cut_sections.get(e.class_sourced_id) or cut_people.get(e.user_sourced_id)
        ):
            writer.rule_cut.add(e.sourced_id)  # archived if stored, as the rules say
            return skip(reason)  # its class or person is outside the connection's rules
        sections, people = ids()
        section = sections.get(e.class_sourced_id)
        if section is None:
            if e.class_sourced_id in ctx.not_imported_sections:
                return skip(SKIP_SCHOOL_NOT_MAPPED)
            if not ctx.full:
                return skip(SKIP_NOT_IN_DELTA)
            writer.fail(e.sourced_id, issues.UNKNOWN_SECTION, "class", e, value=e.class_sourced_id)
            return []
        person = people.get(e.user_sourced_id)
        if person is None:
            role = ONEROSTER_PERSON_ROLES.get(e.role)
            if e.user_sourced_id in ctx.not_imported:
                return skip(SKIP_LINKED_NOT_IMPORTED)
            if e.user_sourced_id in ctx.relinks_held:
                return skip(SKIP_RELINK_HELD)
            if role is None or role in ctx.unavailable_roles:
                return skip(SKIP_ROLE_NOT_SYNCED)
            if not ctx.full:
                return skip(SKIP_NOT_IN_DELTA)
            writer.fail(e.sourced_id, issues.UNKNOWN_PERSON, "user", e, value=e.user_sourced_id)
            return []
        return [[e.sourced_id, section, person, e.role, e.primary, e.begin_date, e.end_date]]

    writer = RowWriter(
        ctx=ctx,
        spec=ENROLLMENT,
        build=build,
        issues_=issues_,
        counts=counts,
        references=(
            Reference("section_id", SECTION.table, "class"),
            Reference("person_id", PERSON.table, "person"),
        ),
    )
    writer.also_keep = lambda: relink_waiting_rows(ctx, Enrollment, "person_id")
    if ctx.rules is not None:  # without rules nothing is cut: no look-up on each row
        writer.convert_always = _links_of_cut_rows(ctx, ids)
    writer.rekeys = Rekeys(writer, enrollment_rule(Enrollment))
    return writer

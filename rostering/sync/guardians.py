"""Parent and guardian contacts of students."""

from rostering.models.people import Guardian
from rostering.models.sync import SyncSettings
from rostering.sync import issues
from rostering.sync.classes import _TIMES
from rostering.sync.context import RunContext
from rostering.sync.counts import (
    SKIP_LINKED_NOT_IMPORTED,
    SKIP_NO_STUDENT,
    SKIP_NOT_IN_DELTA,
    SKIP_NOT_PRIMARY,
    SKIP_RELINK_HELD,
)
from rostering.sync.identity import aliased
from rostering.sync.people_rows import PERSON
from rostering.sync.rekeys import Rekeys, contact_rule
from rostering.sync.relinks import relink_waiting_rows
from rostering.sync.row_links import Reference, id_map
from rostering.sync.rows import RowWriter
from rostering.sync.upsert import LIVE_ROWS, RUN_COLUMN, TableSpec, char_limits
from rostering.sync.validation import EMAIL
from sis.records import SisContact

EMAIL_LIMIT = Guardian._meta.get_field("email").max_length
GUARDIAN = TableSpec(
    name="guardian",
    table=Guardian._meta.db_table,
    columns=(
        "district_id",
        "student_id",
        "sourced_id",
        "status",
        "content_hash",
        "created_at",
        "updated_at",
        "given_name",
        "family_name",
        "email",
        "phone",
        "relationship",
        "primary",
        "order",
        RUN_COLUMN,
        "sis_digest",
    ),
    conflict=("district_id", "sourced_id", "student_id"),
    fixed_on_update=frozenset(
        {"district_id", "student_id", "sourced_id", "created_at", RUN_COLUMN}
    ),
    live_where=LIVE_ROWS,
    max_lengths=char_limits(Guardian),
    datetime_columns=_TIMES,
)


def guardian_writer(*, ctx: RunContext, issues_, counts) -> RowWriter:
    students = id_map(
        table=PERSON.table, district_id=ctx.district_id, where="AND role = %s", params=("student",)
    )
    students = aliased(students, ctx.aliases)
    primary_only = ctx.settings.guardians == SyncSettings.Guardians.PRIMARY

    def email_of(c: SisContact) -> str:
        if c.email and (len(c.email) > EMAIL_LIMIT or not EMAIL.match(c.email)):
            issues_.add(issues.CONTACT_BAD_EMAIL, sourced_id=c.sourced_id, field="email",
                        record=c, value=c.email)  # fmt: skip
            return ""
        return c.email

    def student_of(c: SisContact, student_sid: str) -> int | None:
        if ctx.rule_cut_people and (reason := ctx.rule_cut_people.get(student_sid)):
            counts.skip(reason)  # a student outside the connection's sync rules
            return None
        student = students.get(student_sid)
        if student is None:
            if student_sid in ctx.not_imported:
                counts.skip(SKIP_LINKED_NOT_IMPORTED)
            elif student_sid in ctx.relinks_held:
                counts.skip(SKIP_RELINK_HELD)
            elif not ctx.full:
                counts.skip(SKIP_NOT_IN_DELTA)
            else:
                writer.fail(c.sourced_id, issues.UNKNOWN_STUDENT, "student", c, value=student_sid)
        return student

    def build(c: SisContact) -> list[list]:
        linked = (
            [c.student_sourced_id] if c.student_sourced_id else ctx.agents.get(c.sourced_id, [])
        )
        if not linked:
            counts.skip(SKIP_NO_STUDENT)
            return []
        if primary_only and not c.primary:
            counts.skip(SKIP_NOT_PRIMARY)
            return []
        ids = [s for s in (student_of(c, sid) for sid in linked) if s is not None]
        if not ids:
            cut = ctx.rule_cut_people
            if cut and all(sid in cut for sid in linked):  # every student of theirs is cut
                writer.rule_cut.add(c.sourced_id)  # (a row shared with a kept student stays)
            return []
        email = email_of(c)
        return [
            [student, c.sourced_id, c.given_name, c.family_name, email,
             c.phone, c.relationship, c.primary, c.order]
            for student in ids
        ]  # fmt: skip

    def unchanged_keys(item) -> set[tuple] | None:
        """The keys of an unchanged contact's rows (None: it names a student not found)."""
        if ctx.rule_cut_people and not ctx.rule_cut_people.keys().isdisjoint(
            item.student_sourced_ids
        ):
            return None  # a student of theirs is cut by the rules: converted, then decided
        ids = [students.get(sid) for sid in item.student_sourced_ids]
        return None if not ids or None in ids else {(item.sourced_id, pk) for pk in ids}

    writer = RowWriter(
        ctx=ctx,
        spec=GUARDIAN,
        build=build,
        issues_=issues_,
        counts=counts,
        references=(Reference("student_id", PERSON.table, "student"),),
    )
    writer.also_keep = lambda: relink_waiting_rows(ctx, Guardian, "student_id")
    writer.rekeys = Rekeys(writer, contact_rule(Guardian))
    writer.unchanged_keys = unchanged_keys
    return writer

"""Parent and guardian contacts of students."""

from rostering.models.people import Guardian
from rostering.models.sync import SyncSettings
from rostering.records import SisContact
from rostering.sync import issues
from rostering.sync.classes import _TIMES
from rostering.sync.context import RunContext
from rostering.sync.people import PERSON
from rostering.sync.rows import RowWriter, id_map
from rostering.sync.upsert import TableSpec

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
    ),
    conflict=("district_id", "student_id", "sourced_id"),
    fixed_on_update=frozenset({"district_id", "student_id", "sourced_id", "created_at"}),
    datetime_columns=_TIMES,
)


def guardian_writer(*, ctx: RunContext, issues_, counts) -> RowWriter:
    students = id_map(
        table=PERSON.table, district_id=ctx.district_id, where="AND role = %s", params=("student",)
    )
    primary_only = ctx.settings.guardians == SyncSettings.Guardians.PRIMARY

    def build(c: SisContact) -> list[list]:
        if primary_only and not c.primary:
            counts.skipped += 1
            return []
        linked = (
            [c.student_sourced_id] if c.student_sourced_id else ctx.agents.get(c.sourced_id, [])
        )
        rows = []
        for student_sid in linked:
            student = students.get(student_sid)
            if student is None:
                if student_sid in ctx.not_imported or not ctx.full:
                    counts.skipped += 1
                else:
                    writer.fail(
                        c.sourced_id, issues.UNKNOWN_STUDENT, "student", c, value=student_sid
                    )
                continue
            rows.append(
                [
                    student,
                    c.sourced_id,
                    c.given_name[:255],
                    c.family_name[:255],
                    c.email[:254],
                    c.phone[:64],
                    c.relationship[:64],
                    c.primary,
                    c.order,
                ]
            )
        if not linked:
            counts.skipped += 1
        return rows

    writer = RowWriter(ctx=ctx, spec=GUARDIAN, build=build, issues_=issues_, counts=counts)
    return writer

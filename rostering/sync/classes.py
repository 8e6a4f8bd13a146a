"""Terms, courses and sections (classes)."""

from rostering.models.classes import AcademicSession, Course, Section
from rostering.sync import issues
from rostering.sync.context import RunContext
from rostering.sync.counts import SKIP_SCHOOL_NOT_MAPPED
from rostering.sync.rows import RowWriter, id_map
from rostering.sync.upsert import LIVE_ROWS, RUN_COLUMN, TableSpec
from sis.records import SisClass, SisCourse, SisTerm

STAFF_PREFIX = "TCH_"
_BOOK = ("district_id", "sourced_id", "status", "content_hash", "created_at", "updated_at")
_FIXED = frozenset({"district_id", "sourced_id", "created_at", RUN_COLUMN})
_TIMES = frozenset({"created_at", "updated_at"})

TERM = TableSpec(
    name="term",
    table=AcademicSession._meta.db_table,
    columns=(
        *_BOOK,
        "title",
        "session_type",
        "start_date",
        "end_date",
        "school_id",
        "parent_sourced_id",
        "school_year",
        RUN_COLUMN,
    ),
    conflict=("district_id", "sourced_id"),
    fixed_on_update=_FIXED,
    live_where=LIVE_ROWS,
    datetime_columns=_TIMES,
    date_columns=frozenset({"start_date", "end_date"}),
)
COURSE = TableSpec(
    name="course",
    table=Course._meta.db_table,
    columns=(*_BOOK, "title", "course_code", "school_id", "grades", RUN_COLUMN),
    conflict=("district_id", "sourced_id"),
    fixed_on_update=_FIXED,
    live_where=LIVE_ROWS,
    datetime_columns=_TIMES,
    json_columns=frozenset({"grades"}),
)
SECTION = TableSpec(
    name="section",
    table=Section._meta.db_table,
    columns=(
        *_BOOK,
        "title",
        "class_code",
        "class_type",
        "school_id",
        "course_id",
        "term_sourced_ids",
        "grades",
        "subjects",
        "periods",
        "location",
        RUN_COLUMN,
    ),
    conflict=("district_id", "sourced_id"),
    fixed_on_update=_FIXED,
    live_where=LIVE_ROWS,
    datetime_columns=_TIMES,
    json_columns=frozenset({"term_sourced_ids", "grades", "subjects", "periods"}),
)


def _school_or_none(ctx: RunContext, sis_id: str | None) -> int | None:
    return ctx.scope.mapped.get(sis_id) if sis_id else None


def term_writer(*, ctx: RunContext, issues_, counts) -> RowWriter:
    def build(term: SisTerm) -> list[list]:
        school = term.school_sourced_id
        if school and school in ctx.scope.known and school not in ctx.scope.mapped:
            counts.skip(SKIP_SCHOOL_NOT_MAPPED)  # a term of an unmapped school
            return []
        return [
            [
                term.sourced_id,
                term.title[:255],
                term.session_type[:32],
                term.start_date,
                term.end_date,
                _school_or_none(ctx, school),
                term.parent_sourced_id or "",
                term.school_year[:16],
            ]
        ]

    return RowWriter(ctx=ctx, spec=TERM, build=build, issues_=issues_, counts=counts, archive=False)


def course_writer(*, ctx: RunContext, issues_, counts) -> RowWriter:
    def build(course: SisCourse) -> list[list]:
        return [
            [
                course.sourced_id,
                course.title[:255],
                course.course_code[:64],
                _school_or_none(ctx, course.school_sourced_id),
                list(course.grades),
            ]
        ]

    return RowWriter(
        ctx=ctx, spec=COURSE, build=build, issues_=issues_, counts=counts, archive=False
    )


def section_writer(*, ctx: RunContext, issues_, counts) -> RowWriter:
    courses = id_map(table=COURSE.table, district_id=ctx.district_id, where=COURSE.live_sql)

    def course_of(section: SisClass) -> int | None:
        course_id = section.course_sourced_id or ""
        course = courses.get(course_id)
        # Aeries' elementary homerooms name their teacher (TCH_…) as the course.
        if course is None and course_id and not course_id.startswith(STAFF_PREFIX):
            issues_.add(issues.UNKNOWN_COURSE, sourced_id=section.sourced_id, field="course",
                        record=section, value=course_id)  # fmt: skip
        return course

    def build(section: SisClass) -> list[list]:
        sis_school = section.school_sourced_id
        school = ctx.scope.mapped.get(sis_school or "")
        if school is None:
            if sis_school in ctx.scope.known:
                counts.skip(SKIP_SCHOOL_NOT_MAPPED)
                ctx.not_imported_sections.add(section.sourced_id)
            else:
                writer.fail(
                    section.sourced_id,
                    issues.UNKNOWN_SCHOOL,
                    "school",
                    section,
                    value=sis_school or "",
                )
            return []
        return [
            [
                section.sourced_id,
                section.title[:255],
                section.class_code[:64],
                section.class_type[:16],
                school,
                course_of(section),
                list(section.term_sourced_ids),
                list(section.grades),
                list(section.subjects),
                list(section.periods),
                section.location[:255],
            ]
        ]

    writer = RowWriter(ctx=ctx, spec=SECTION, build=build, issues_=issues_, counts=counts)
    return writer

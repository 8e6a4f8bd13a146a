"""Terms, courses and sections (classes)."""

from rostering.models.classes import AcademicSession, Course, Section
from rostering.sync import issues
from rostering.sync.context import RunContext
from rostering.sync.counts import SKIP_SCHOOL_NOT_MAPPED
from rostering.sync.rekeys import Rekeys, section_rule
from rostering.sync.row_links import id_map
from rostering.sync.rows import RowWriter
from rostering.sync.rules import section_rules_for
from rostering.sync.upsert import LIVE_ROWS, RUN_COLUMN, TableSpec, char_limits
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
        "sis_digest",
    ),
    conflict=("district_id", "sourced_id"),
    fixed_on_update=_FIXED,
    live_where=LIVE_ROWS,
    max_lengths=char_limits(AcademicSession),
    datetime_columns=_TIMES,
    date_columns=frozenset({"start_date", "end_date"}),
)
COURSE = TableSpec(
    name="course",
    table=Course._meta.db_table,
    columns=(*_BOOK, "title", "course_code", "school_id", "grades", RUN_COLUMN, "sis_digest"),
    conflict=("district_id", "sourced_id"),
    fixed_on_update=_FIXED,
    live_where=LIVE_ROWS,
    max_lengths=char_limits(Course),
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
        "sis_digest",
    ),
    conflict=("district_id", "sourced_id"),
    fixed_on_update=_FIXED,
    live_where=LIVE_ROWS,
    max_lengths=char_limits(Section),
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
                term.title,
                term.session_type,
                term.start_date,
                term.end_date,
                _school_or_none(ctx, school),
                term.parent_sourced_id or "",
                term.school_year,
            ]
        ]

    return RowWriter(ctx=ctx, spec=TERM, build=build, issues_=issues_, counts=counts, archive=False)


def course_writer(*, ctx: RunContext, issues_, counts) -> RowWriter:
    def build(course: SisCourse) -> list[list]:
        return [
            [
                course.sourced_id,
                course.title,
                course.course_code,
                _school_or_none(ctx, course.school_sourced_id),
                list(course.grades),
            ]
        ]

    return RowWriter(
        ctx=ctx, spec=COURSE, build=build, issues_=issues_, counts=counts, archive=False
    )


def section_writer(*, ctx: RunContext, issues_, counts) -> RowWriter:
    courses = id_map(table=COURSE.table, district_id=ctx.district_id, where=COURSE.live_sql)
    # The district's terms (the classes file writes its terms before its classes).
    terms = set(id_map(table=TERM.table, district_id=ctx.district_id, where=TERM.live_sql))

    def terms_of(section: SisClass) -> list[str]:
        """The class's terms the SIS knows; a term it does not know is a warning."""
        known = []
        for term in section.term_sourced_ids:
            if term in terms:
                known.append(term)
            else:
                issues_.add(issues.UNKNOWN_TERM, sourced_id=section.sourced_id, field="terms",
                            record=section, value=term)  # fmt: skip
        return known

    def course_of(section: SisClass) -> int | None:
        course_id = section.course_sourced_id or ""
        course = courses.get(course_id)
        # Aeries' elementary homerooms name their teacher (TCH_…) as the course.
        if course is None and course_id and not course_id.startswith(STAFF_PREFIX):
            issues_.add(issues.UNKNOWN_COURSE, sourced_id=section.sourced_id, field="course",
                        record=section, value=course_id)  # fmt: skip
        return course

    rules = section_rules_for(ctx)

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
        if rules is not None and (reason := rules.cut(
            grades=section.grades, subjects=section.subjects,
            course_sourced_id=section.course_sourced_id,
            term_sourced_ids=section.term_sourced_ids,
        )):  # fmt: skip
            counts.skip(reason)
            ctx.rule_cut_sections[section.sourced_id] = reason
            writer.rule_cut.add(section.sourced_id)
            return []
        return [
            [
                section.sourced_id,
                section.title,
                section.class_code,
                section.class_type,
                school,
                course_of(section),
                terms_of(section),
                list(section.grades),
                list(section.subjects),
                list(section.periods),
                section.location,
            ]
        ]

    writer = RowWriter(ctx=ctx, spec=SECTION, build=build, issues_=issues_, counts=counts)
    writer.rekeys = Rekeys(writer, section_rule(Section))
    return writer

"""The admin benchmark's database (PostgreSQL): one real pull of a sandbox district,
its rows copied in SQL for the other districts, a real delta pull whose updates the
safeguard holds, and a large import run's row descriptions and row changes, and the
audit trail of every district (see bench/README.md, "Admin at scale")."""

import time
from dataclasses import dataclass, field

from bench.database import DISTRICT_NAME

# District k's copied rows keep the pulled rows' ids plus k * ID_STRIDE (ids are bigint).
ID_STRIDE = 10_000_000
HELD_MUTATIONS = 3_000  # people the sandbox changes before the held delta pull
ENROLLMENT_ISSUE_SHARE = 5  # one enrollment error per this many student warnings


@dataclass
class Loaded:
    """What the pages are measured on: the ids their URLs name, and the rows loaded."""

    district_ids: list[int] = field(default_factory=list)
    connection_ids: list[int] = field(default_factory=list)
    pull_run_id: int = 0
    held_run_id: int = 0
    issues_run_id: int = 0
    issues_record_id: int = 0  # the students file of the issues run
    school_id: int = 0  # a school of the first district
    student_sourced_id: str = ""
    family_name: str = ""
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _copied_models():
    from rostering.models import (
        AcademicSession,
        Course,
        Enrollment,
        Guardian,
        ImportIssue,
        ImportRecord,
        Person,
        PersonSchool,
        Section,
        SyncRun,
    )

    return (
        SyncRun,
        ImportRecord,
        ImportIssue,
        Person,
        PersonSchool,
        Guardian,
        AcademicSession,
        Course,
        Section,
        Enrollment,
    )


def copy_sql(model, *, offset: int, district_id: int, connection_id: int) -> str:
    """INSERT … SELECT of the pulled district's rows of `model` as another district's:
    ids and links to copied rows shifted by `offset`, schools mapped by name."""
    from django.db import connection

    from connections.models import Connection
    from rostering.models import District, School

    copied, qn = _copied_models(), connection.ops.quote_name
    columns, values, join = [], [], ""
    for f in model._meta.concrete_fields:
        source, target = f"t.{qn(f.column)}", f.related_model if f.is_relation else None
        if f.primary_key or target in copied or f.column == "created_run_id":
            value = f"{source} + {offset}"
        elif target is District:
            value = str(int(district_id))
        elif target is Connection:
            value = str(int(connection_id))
        elif target is School:
            join = f" LEFT JOIN bench_school_map m ON m.old_id = {source}"
            value = "m.new_id"
        else:
            value = source
        columns.append(qn(f.column))
        values.append(value)
    table = qn(model._meta.db_table)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
        f"FROM {table} t{join} WHERE t.id < {ID_STRIDE}"
    )


def district_copy(*, server, k: int, source_district_id: int, log) -> tuple[int, int]:
    """District k: a connection to the same sandbox (its schools mapped by name), then
    every roster row and the pull's run of the source district, copied in SQL."""
    from django.db import connection, transaction

    from bench.database import district_prepare
    from rostering.models import School

    connection_id = district_prepare(server=server, name=f"{DISTRICT_NAME} {k + 1}")
    from connections.models import Connection

    district_id = Connection.objects.get(pk=connection_id).district_id
    source = dict(School.objects.filter(district_id=source_district_id).values_list("name", "pk"))
    target = dict(School.objects.filter(district_id=district_id).values_list("name", "pk"))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("CREATE TEMP TABLE bench_school_map (old_id bigint, new_id bigint)")
        cursor.executemany(
            "INSERT INTO bench_school_map VALUES (%s, %s)",
            [(pk, target[name]) for name, pk in source.items() if name in target],
        )
        for model in _copied_models():
            cursor.execute(
                copy_sql(
                    model,
                    offset=k * ID_STRIDE,
                    district_id=district_id,
                    connection_id=connection_id,
                )
            )
        cursor.execute("DROP TABLE bench_school_map")
    log(f"district {k + 1} copied in {time.perf_counter() - started:.1f} s")
    return district_id, connection_id


def sequences_reset() -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), _copied_models()):
            cursor.execute(statement)


def issues_run_create(*, district_id: int, connection_id: int, issues: int) -> tuple[int, int]:
    """A large import of the first district: `issues` student warnings (no e-mail) on its
    students file, one enrollment error per ENROLLMENT_ISSUE_SHARE on its enrollments
    file, and a row change (a grade) per student warning. Returns (run id, students
    record id)."""
    from django.db import connection
    from django.utils import timezone

    from rostering.models import ImportRecord, RunStatus, SyncRun
    from rostering.sync.issues import MISSING_EMAIL, UNKNOWN_SECTION

    now = timezone.now()
    run = SyncRun.objects.create(
        connection_id=connection_id,
        district_id=district_id,
        trigger=SyncRun.Trigger.SCHEDULE,
        status=RunStatus.COMPLETED_WITH_ERROR,
        started_at=now,
        finished_at=now,
    )
    records = {
        kind: ImportRecord.objects.create(
            run=run,
            kind=kind,
            status=RunStatus.COMPLETED_WITH_ERROR,
            started_at=now,
            finished_at=now,
        )
        for kind in ImportRecord.Kind.values
    }
    students, enrollments = records["students"], records["enrollments"]
    errors = issues // ENROLLMENT_ISSUE_SHARE
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO rostering_importissue
                (record_id, code, severity, sourced_id, field, message, fix_hint, excerpt,
                 created_at)
            SELECT %s, %s, %s, p.sourced_id, 'email', %s, %s,
                   jsonb_build_object('given_name', p.given_name, 'family_name',
                       p.family_name, 'role', p.role, 'grades', p.grades, 'username',
                       p.username),
                   %s
            FROM rostering_person p WHERE p.district_id = %s AND p.role = 'student'
            ORDER BY p.id LIMIT %s
            """,
            [
                students.pk,
                MISSING_EMAIL.code,
                MISSING_EMAIL.severity,
                MISSING_EMAIL.message,
                MISSING_EMAIL.fix,
                now,
                district_id,
                issues,
            ],
        )
        cursor.execute(
            """
            INSERT INTO rostering_importissue
                (record_id, code, severity, sourced_id, field, message, fix_hint, excerpt,
                 created_at)
            SELECT %s, %s, %s, e.sourced_id, 'class_sourced_id',
                   replace(%s, '{value}', s.sourced_id), %s,
                   jsonb_build_object('user_sourced_id', p.sourced_id, 'class_sourced_id',
                       s.sourced_id, 'role', e.role),
                   %s
            FROM rostering_enrollment e
            JOIN rostering_person p ON p.id = e.person_id
            JOIN rostering_section s ON s.id = e.section_id
            WHERE e.district_id = %s ORDER BY e.id LIMIT %s
            """,
            [
                enrollments.pk,
                UNKNOWN_SECTION.code,
                UNKNOWN_SECTION.severity,
                UNKNOWN_SECTION.message,
                UNKNOWN_SECTION.fix,
                now,
                district_id,
                errors,
            ],
        )
        cursor.execute(
            """
            INSERT INTO rostering_rosterchange
                (run_id, record_id, district_id, "table", row_id, sourced_id, action,
                 before, after, before_hash, approved, created_at)
            SELECT %s, %s, %s, 'person', p.id, p.sourced_id, 'updated',
                   '{"grades": ["09"]}'::jsonb, jsonb_build_object('grades', p.grades),
                   p.content_hash, false, %s
            FROM rostering_person p WHERE p.district_id = %s AND p.role = 'student'
            ORDER BY p.id LIMIT %s
            """,
            [run.pk, students.pk, district_id, now, district_id, issues],
        )
    ImportRecord.objects.filter(pk=students.pk).update(received=issues, updated=issues)
    ImportRecord.objects.filter(pk=enrollments.pk).update(received=errors, failed=errors)
    return run.pk, students.pk


def audit_events_create(*, district_ids: list[int], per_district: int) -> None:
    """The trail of a long life: pulls, tests and approvals, a minute apart, per district."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO rostering_auditevent
                (district_id, district_name, actor_label, action, object_type, object_id,
                 object_repr, connection_id, changes, message, created_at)
            SELECT c.district_id, d.name,
                   CASE WHEN g %% 3 = 0 THEN 'scheduler' ELSE 'manager' END,
                   (ARRAY['pull', 'test', 'approve'])[g %% 3 + 1],
                   'connection', c.id::text, c.name, c.id, '{}'::jsonb,
                   CASE WHEN g %% 3 = 2 THEN 'Applied 12 held changes.' ELSE '' END,
                   now() - g * interval '1 minute'
            FROM connections_connection c
            JOIN rostering_district d ON d.id = c.district_id
            CROSS JOIN generate_series(1, %s) g
            WHERE c.district_id = ANY(%s)
            """,
            [per_district, list(district_ids)],
        )


def held_run_pull(*, bench, connection_id: int) -> int:
    """A real delta pull whose student updates the safeguard holds (update limit 1%)."""
    from rostering.models import SyncRun, SyncSettings

    SyncSettings.objects.filter(connection_id=connection_id).update(update_threshold_pct=1)
    bench.server.mutate(HELD_MUTATIONS)
    bench.child_run(kind="pull", mode="delta")
    return SyncRun.objects.filter(connection_id=connection_id).latest("pk").pk


def table_rows() -> dict[str, int]:
    from django.db import connection

    from audit.models import AuditEvent
    from rostering.models import HeldChange, RosterChange

    models = (*_copied_models(), HeldChange, RosterChange, AuditEvent)
    with connection.cursor() as cursor:
        counts = {}
        for model in models:
            cursor.execute(
                f"SELECT count(*) FROM {connection.ops.quote_name(model._meta.db_table)}"
            )
            counts[str(model._meta.verbose_name_plural)] = cursor.fetchone()[0]
    return counts


def vacuum_analyze() -> None:
    """What autovacuum would have done by the time anyone opens the pages."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def admin_load(*, bench, districts: int, issues: int, audit_per_district: int, log) -> Loaded:
    """Fills the (fresh) database; `bench` holds the sandbox of the pulled district."""
    from connections.models import Connection
    from rostering.models import Person, School

    loaded, clock = Loaded(), time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        loaded.seconds[name] = time.perf_counter() - clock
        log(f"{name}: {loaded.seconds[name]:.1f} s")
        clock = time.perf_counter()

    bench.run(["first"])
    first = Connection.objects.get(pk=bench.connection_id)
    loaded.district_ids, loaded.connection_ids = [first.district_id], [first.pk]
    loaded.pull_run_id = first.runs.latest("pk").pk
    lap("pull of the first district")
    for k in range(1, districts):
        district_id, connection_id = district_copy(
            server=bench.server, k=k, source_district_id=first.district_id, log=log
        )
        loaded.district_ids.append(district_id)
        loaded.connection_ids.append(connection_id)
    sequences_reset()
    lap(f"copies for {districts - 1} districts")
    loaded.held_run_id = held_run_pull(bench=bench, connection_id=first.pk)
    lap("delta pull with held changes")
    loaded.issues_run_id, loaded.issues_record_id = issues_run_create(
        district_id=first.district_id, connection_id=first.pk, issues=issues
    )
    audit_events_create(district_ids=loaded.district_ids, per_district=audit_per_district)
    lap("descriptions, row changes and audit events")
    vacuum_analyze()
    lap("VACUUM ANALYZE")
    people = Person.objects.filter(district_id=first.district_id, role="student")
    loaded.student_sourced_id, loaded.family_name = people.values_list(
        "sourced_id", "family_name"
    ).order_by("pk")[500]
    loaded.school_id = School.objects.filter(district_id=first.district_id).order_by("pk")[0].pk
    loaded.rows = table_rows()
    return loaded

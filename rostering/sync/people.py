"""Writing people (students, teachers, staff, administrators) from SIS records."""

import base64
import dataclasses
import secrets
from dataclasses import replace

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection as db

from rostering.models.people import Person, RosterStatus
from rostering.sync import issues
from rostering.sync.context import RunContext
from rostering.sync.counts import (
    SKIP_EXISTING_ACCOUNT,
    SKIP_SCHOOL_NOT_MAPPED,
    SKIP_TOBEDELETED,
    Counts,
)
from rostering.sync.fingerprints import sis_digest
from rostering.sync.hashing import content_hash
from rostering.sync.issues import IssueCollector
from rostering.sync.known import KnownRows, known_rows
from rostering.sync.people_links import (
    school_links_insert,
    school_links_replace,
    usernames_resolve,
)
from rostering.sync.people_names import PersonNames
from rostering.sync.relinks import Relinks
from rostering.sync.rows import STORED_STATUS, RowWriter
from rostering.sync.upsert import RUN_COLUMN, TableSpec
from rostering.sync.validation import is_district_wide, person_findings
from sis.fingerprints import SisUnchanged
from sis.records import Role, SisPerson, Status

PERSON = TableSpec(
    name="person",
    table=Person._meta.db_table,
    columns=(
        "district_id",
        "connection_id",
        "sourced_id",
        "role",
        "given_name",
        "family_name",
        "middle_name",
        "email",
        "username",
        "identifier",
        "user_ids",
        "grades",
        "sis_school_ids",
        "phone",
        "enabled",
        "status",
        "archived_at",
        "archive_reason",
        "password",
        "content_hash",
        "sis_modified_at",
        "created_at",
        "updated_at",
        RUN_COLUMN,
        "year_archive_id",  # an import that brings the person back clears it
        "aeries_student_id",
        "state_student_id",
        "aeries_staff_id",
        "birth_date",
        "sis_digest",
    ),
    conflict=("district_id", "sourced_id"),
    fixed_on_update=frozenset({"district_id", "sourced_id", "password", "created_at", RUN_COLUMN}),
    json_columns=frozenset({"user_ids", "grades", "sis_school_ids"}),
    datetime_columns=frozenset({"archived_at", "sis_modified_at", "created_at", "updated_at"}),
    date_columns=frozenset({"birth_date"}),
    archive_columns=("status", "archived_at", "archive_reason", "updated_at"),
)
PERSON_WITH_ID = dataclasses.replace(PERSON, columns=("id", *PERSON.columns))
TABLE = PERSON.table
USERNAME = PERSON.index("username")
SOURCED_ID = PERSON.index("sourced_id")
ID_BLOCK = 10_000  # ids drawn from the sequence at a time


class FreshPeople:
    """People this run creates straight into the table, and the ids drawn for them
    (backends that draw ids: PostgreSQL's COPY has no RETURNING).

    A sourcedId may come in two role files (a teacher also listed as staff): only its
    first row is certainly new; later ones go through the upsert. Ids are drawn in
    blocks, so that drawing them rarely interrupts the COPY stream.
    """

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.written: set[str] = set()
        self.pool: list[int] = []

    def takes(self, sourced_id: str) -> bool:
        if not self.enabled or sourced_id in self.written:
            return False
        self.written.add(sourced_id)
        return True

    def draw(self, count: int) -> list[int]:
        if len(self.pool) < count:
            with db.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [TABLE, max(count - len(self.pool), ID_BLOCK)],
                )
                self.pool.extend(pk for (pk,) in cursor.fetchall())
        drawn, self.pool = self.pool[:count], self.pool[count:]
        return drawn


def ctx_fresh_people(ctx: RunContext) -> FreshPeople:
    if ctx.fresh_people is None:
        ctx.fresh_people = FreshPeople(enabled=ctx.backend.draws_ids)
    return ctx.fresh_people


PASSWORD_RANDOM_BYTES = 30  # 40 URL-safe characters, as secrets.token_urlsafe(30)


def unusable_passwords(count: int) -> list[str]:
    """Random and unusable, as Django's make_password(None), at a fraction of the cost
    (rostered accounts sign in with SSO): one read of the OS's random source for all."""
    size = PASSWORD_RANDOM_BYTES
    text = base64.urlsafe_b64encode(secrets.token_bytes(size * count)).decode()
    width = size * 4 // 3
    return [UNUSABLE_PASSWORD_PREFIX + text[i : i + width] for i in range(0, width * count, width)]


def desired_username(person: SisPerson) -> str:
    if person.username:
        return person.username
    if person.email and "@" in person.email:
        return person.email.split("@", 1)[0]
    return person.sourced_id


def person_hash(
    person: SisPerson, school_ids: list[int], username: str | None = None, email: str | None = None
) -> str:
    """The content hash of a person's row; `username` and `email` as the row writes them
    when a name format gives them (the SIS's own otherwise)."""
    # A birth date counts only where the SIS gives one: rows without one hash as before.
    born = (person.birth_date.isoformat(),) if person.birth_date else ()
    return content_hash(
        (
            person.role.value,
            person.given_name,
            person.family_name,
            person.middle_name,
            person.email if email is None else email,
            desired_username(person) if username is None else username,
            person.identifier,
            person.user_ids,
            person.grades,
            person.school_sourced_ids,
            tuple(school_ids),
            person.phone,
            person.enabled,
            person.aeries_student_id,
            person.state_student_id,
            person.aeries_staff_id,
            *born,
        )
    )


class PersonWriter(RowWriter):
    """Applies one role's pages; `finish()` applies or holds updates, then archives."""

    def __init__(self, *, ctx: RunContext, role: str, issues_: IssueCollector, counts: Counts):
        super().__init__(
            ctx=ctx, spec=PERSON, build=None, issues_=issues_, counts=counts, role=role
        )
        self.role = role
        self.fresh_ids = ctx_fresh_people(ctx)
        self.fresh_links: list[tuple[int, int]] = []
        # sourcedId -> the stored row of a person about to be updated or restored: the
        # change is noted when the row is written (held updates never are).
        self.stored_of: dict[str, tuple] = {}
        self.relinks = Relinks(self)
        self.username_index = USERNAME
        names = ctx.names.for_role(role) if ctx.names is not None else None
        self.naming = PersonNames(self, names) if names is not None else None
        self.unfit: set[str] = set()  # people whose screening reported something

    def known_load(self) -> KnownRows:
        """One table for every role file of the run: loaded once, kept for the run."""
        if self.ctx.known_people is None:
            self.ctx.known_people = known_rows(
                full=self.ctx.full,
                table=TABLE,
                district_id=self.ctx.district_id,
                key_columns=PERSON.key_columns,
                passing_over=TABLE in self.ctx.passing_over,
            )
        self.known = self.ctx.known_people
        return self.known

    def apply_page(self, records: list[SisPerson], problems: list) -> None:
        self.counts.received += len(records) + len(problems)
        issues.problems_report(problems, self.fail)
        valid = []
        for person in records:
            if person.__class__ is SisUnchanged:
                if self.passes_over(person):
                    continue
                valid.extend(p for p in self.aliased(self.converted_after_all(person))
                             if self._accept(p))  # fmt: skip
            else:
                person = self.aliased([person])[0]
                if self._accept(person):
                    valid.append(person)
        if valid:
            self._write(valid)

    def rule_cut_of(self, sourced_id: str, grades: tuple[str, ...]) -> str | None:
        """Why the connection's sync rules leave a person out, or None: a student by his
        grades; a teacher who teaches no class they keep."""
        if self.role == Role.STUDENT:
            rules = self.ctx.rules
            return rules.student_cut(grades) if rules is not None else None
        return self.teacher_cut(sourced_id)

    def teacher_cut(self, sourced_id: str) -> str | None:
        """Why the rules leave a teacher out (sync/rule_teachers.py: read with the
        teachers' first page, so asked per row, not when the writer starts)."""
        scope = self.ctx.rule_teachers if self.role == Role.TEACHER else None
        return scope.cut(sourced_id) if scope is not None else None

    def rule_skip(self, sourced_id: str, reason: str) -> None:
        """A person the connection's sync rules leave out: skipped, archived if stored."""
        self.ctx.not_imported.add(sourced_id)
        self.ctx.rule_cut_people[sourced_id] = reason
        self.rule_cut.add(sourced_id)
        self.counts.skip(reason)

    def aliased(self, people: list[SisPerson]) -> list[SisPerson]:
        """A former sourcedId writes to the person who carries it now (no fingerprint)."""
        aliases = self.ctx.aliases
        if not aliases:
            return people
        return [replace(p, sourced_id=aliases[p.sourced_id], sis_digest="")
                if p.sourced_id in aliases else p for p in people]  # fmt: skip

    def passes_over(self, item: SisUnchanged) -> bool:
        """Counts an unchanged person, lending the run their e-mail and agents; False
        when the run needs them converted: a repeat, a former sourcedId, a pin, a person
        written earlier in this run, an e-mail another person of this run has."""
        sid, ctx = item.sourced_id, self.ctx
        email = item.email.lower()
        if (
            sid in self.seen_ids
            or sid in ctx.aliases
            or sid in ctx.people_written
            or (self.pins and sid in self.pins)
            or (email and ctx.emails.get(email, sid) != sid)
            or self.teacher_cut(sid)  # his classes, not his row, put him out
        ):
            return False
        ctx.people_seen.add(sid)
        self.seen_ids.add(sid)
        if email:
            ctx.emails[email] = sid
        for agent in item.agent_sourced_ids:
            ctx.agents.setdefault(agent, []).append(sid)
        self.counts.unchanged += 1
        return True

    def sis_of(self, person: SisPerson, digest: str) -> str:
        """The sis_digest of a person's row: none when screening reported something or a
        field is pinned (such rows are screened again every run)."""
        sid = person.sourced_id
        if sid in self.unfit or (self.pins and sid in self.pins):
            return ""
        return sis_digest(person.sis_digest, digest)

    def fail_row(self, sourced_id: str, record, found: list[tuple]) -> None:
        self.ctx.not_imported.add(sourced_id)
        super().fail_row(sourced_id, record, found)

    def _accept(self, person: SisPerson) -> bool:
        """Screens one row; True when it should be compared and written."""
        sid = person.sourced_id
        self.ctx.people_seen.add(sid)
        if sid in self.seen_ids:
            self.fail(sid, issues.DUPLICATE_ID, "sourcedId", person, value=sid)
            return False
        self.seen_ids.add(sid)
        if person.status == Status.TOBEDELETED:
            self.leavers.add(sid)
            self.ctx.not_imported.add(sid)
            self.counts.skip(SKIP_TOBEDELETED)
            return False
        if self.naming is not None:
            self.naming.observe(person, self.pins.get(sid, {}) if self.pins else {})
        noted = self.issues.errors + self.issues.warnings
        findings = person_findings(person, scope=self.ctx.scope, username=self.username_of(person))
        if any(f.blocking for f in findings):
            self.fail_row(sid, person, [(f.kind, f.field, f.values) for f in findings])
            return False
        if not is_district_wide(person) and not self.ctx.scope.vendor_ids(
            person.school_sourced_ids
        ):
            self.ctx.not_imported.add(sid)
            self.counts.skip(SKIP_SCHOOL_NOT_MAPPED)  # every school of theirs is unmapped
            return False
        if reason := self.rule_cut_of(sid, person.grades):
            self.rule_skip(sid, reason)
            return False
        for finding in findings:
            self.issues.add(
                finding.kind, sourced_id=sid, field=finding.field, record=person, **finding.values
            )
        self._check_shared_email(person)
        if noted != self.issues.errors + self.issues.warnings:
            self.unfit.add(sid)
        if self.pins and sid in self.pins:
            self.pins_observe(sid, self._sis_values(person))
        for agent in person.agent_sourced_ids:
            self.ctx.agents.setdefault(agent, []).append(sid)
        return True

    def _sis_values(self, person: SisPerson) -> dict:
        """The values a person's pinnable fields would take from the SIS (and the name
        format)."""
        return {
            "given_name": person.given_name,
            "middle_name": person.middle_name,
            "family_name": person.family_name,
            "email": self.email_of(person),
            "username": self.username_of(person),
            "grades": list(person.grades),
        }

    @staticmethod
    def sis_username(person: SisPerson) -> str:
        return desired_username(person)

    def username_of(self, person: SisPerson) -> str:
        """The username the SIS (or the connection's name format) gives a person."""
        return self.naming.username(person) if self.naming else desired_username(person)

    def email_of(self, person: SisPerson) -> str:
        return self.naming.email(person) if self.naming else person.email

    def hash_of(self, person: SisPerson, school_ids: list[int], *, username: str, email: str):
        return person_hash(person, school_ids, username, email)

    def _check_shared_email(self, person: SisPerson) -> None:
        if not person.email:
            return
        key = person.email.lower()
        owner = self.ctx.emails.setdefault(key, person.sourced_id)
        if owner != person.sourced_id:
            self.issues.add(
                issues.SHARED_EMAIL,
                sourced_id=person.sourced_id,
                field="email",
                record=person,
                value=person.email,
                other=owner,
            )

    def _row(self, person: SisPerson, school_ids: list[int], digest: str, password: str) -> list:
        row = self._sis_row(person, school_ids, digest, password)
        if self.pins and person.sourced_id in self.pins:
            return self.pinned(person.sourced_id, row, PERSON.columns)
        return row

    def _sis_row(self, person: SisPerson, school_ids: list[int], digest: str, password: str):
        now = self.ctx.now
        return [
            self.ctx.district_id,
            self.ctx.connection_id,
            person.sourced_id,
            person.role.value,
            person.given_name,
            person.family_name,
            person.middle_name,
            self.email_of(person) if self.naming else person.email,
            self.username_of(person),
            person.identifier,
            [list(u) for u in person.user_ids],
            list(person.grades),
            list(person.school_sourced_ids),
            person.phone,
            person.enabled,
            str(RosterStatus.ACTIVE),
            None,
            "",
            password,
            digest,
            person.date_last_modified,
            now,
            now,
            self.ctx.run.pk,
            None,
            person.aeries_student_id,
            person.state_student_id,
            person.aeries_staff_id,
            person.birth_date,
            self.sis_of(person, digest),
        ]

    def _write(self, people: list[SisPerson]) -> None:
        items = []
        for person in people:
            school_ids = self.ctx.scope.vendor_ids(person.school_sourced_ids)
            if self.naming is None:
                digest = person_hash(person, school_ids)
            else:
                digest = person_hash(person, school_ids, self.username_of(person),
                                     self.email_of(person))  # fmt: skip
            items.append(((person, school_ids), (person.sourced_id,), digest))
        changed = self.changes(items)
        self.digest_refresh(items, changed, lambda payload, digest: self.sis_of(payload[0], digest))
        self.write_changed(self.relinks.defer(changed))

    def new_row(self, person: SisPerson, school_ids: list[int], digest: str) -> list:
        return self._row(person, school_ids, digest, unusable_passwords(1)[0])

    def write_changed(self, changed: list) -> None:
        """Writes new, restored and changed people (updates through the safeguard)."""
        writes, links, updates, new = [], {}, [], set()
        passwords = iter(unusable_passwords(len(changed)))
        naming = self.naming
        for (person, school_ids), digest, stored in changed:
            sid = person.sourced_id
            archived = stored is not None and stored[STORED_STATUS] == RosterStatus.ARCHIVED
            if stored is None:
                self.counts.created += 1
                new.add(sid)
            elif archived:
                self.counts.restored += 1
            elif self.ctx.settings.existing_accounts == "skip":
                self.counts.skip(SKIP_EXISTING_ACCOUNT)
                continue
            self.ctx.people_written.add(sid)  # a person written twice is never passed over
            row = self._row(person, school_ids, digest, next(passwords))
            if naming is not None:
                if stored is None:  # named when the part ends (people_names.py)
                    naming.set_aside(sid, row, school_ids)
                    continue
                if not naming.existing(person, school_ids, row, stored):
                    self.counts.unchanged += 1
                    continue
            links[sid] = school_ids
            if stored is not None:
                self.stored_of[sid] = stored
            (updates if stored is not None and not archived else writes).append(row)
        self.usernames_settle(writes + updates)
        self._write_new(writes, links, new)
        self.safeguard.stage_updates(updates, links)

    def _write_new(self, writes: list[list], links: dict[str, list[int]], new: set) -> None:
        fresh, others = [], []
        for row in writes:
            sid = row[SOURCED_ID]
            (fresh if sid in new and self.fresh_ids.takes(sid) else others).append(row)
        self._insert_fresh(fresh, links)
        self._upsert(others, links, new)

    def write_named(self, items: list[tuple[list, list[int]]]) -> None:
        """New accounts the name format named (people_names.py)."""
        rows = [row for row, _ in items]
        links = {row[SOURCED_ID]: schools for row, schools in items}
        self.usernames_settle(rows)
        self._write_new(rows, links, set(links))

    def _insert_fresh(self, rows: list[list], links: dict[str, list[int]]) -> None:
        """People not yet in the table: ids drawn ahead from its sequence, rows and
        school links through COPY, no staging and no RETURNING."""
        ids = self.fresh_ids.draw(len(rows))
        self.backend.insert_new(
            PERSON_WITH_ID, [[pk, *row] for pk, row in zip(ids, rows, strict=True)]
        )
        for pk, row in zip(ids, rows, strict=True):
            self.fresh_links.extend((pk, school) for school in links[row[SOURCED_ID]])

    def usernames_settle(self, rows: list[list]) -> None:
        for row, alt, owner in usernames_resolve(ctx=self.ctx, rows=rows):
            self.issues.add(
                issues.USERNAME_TAKEN,
                sourced_id=row[2],
                field="username",
                value=row[USERNAME],
                other=owner,
                alt=alt,
            )
            row[USERNAME] = alt

    def _upsert(self, rows: list[list], links: dict[str, list[int]], new=frozenset()) -> None:
        for row in rows:
            stored = self.stored_of.pop(row[SOURCED_ID], None)
            if stored is not None:
                self.change_note(stored, row)
        returned = self.backend.upsert(PERSON, rows, returning=("id", "sourced_id"))
        school_links_replace(
            self.backend,
            pairs=[(pk, links[sid]) for pk, sid in returned],
            new={pk for pk, sid in returned if sid in new},
        )

    def archive_keep(self) -> set[str]:
        return super().archive_keep() | self.relinks.kept  # a held relink's account stays

    def finish_writes(self) -> None:
        self.relinks.resolve()
        if self.naming is not None:
            self.naming.finish()
        school_links_insert(self.backend, self.fresh_links)
        self.fresh_links = []
        self.safeguard.finish_updates(apply=self._upsert)
        self.stored_of = {}  # held updates: noted when a manager approves them

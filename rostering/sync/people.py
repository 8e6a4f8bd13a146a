"""Writing people (students, teachers, staff, administrators) from SIS records.

The person table and its rows are in people_rows.py; what decides whether a row is
written (screening, rows passed over) in people_screening.py; this writer compares the
rows that pass, writes new accounts (COPY with ids drawn ahead where the backend can),
updates and restores through the safeguard, and resolves relinks and name formats when
its part ends.
"""

from rostering.models.people import RosterStatus
from rostering.sync import issues
from rostering.sync.context import RunContext
from rostering.sync.counts import SKIP_EXISTING_ACCOUNT, Counts
from rostering.sync.issues import IssueCollector
from rostering.sync.known import KnownRows, known_rows
from rostering.sync.people_links import (
    school_links_insert,
    school_links_replace,
    usernames_resolve,
)
from rostering.sync.people_names import PersonNames
from rostering.sync.people_rows import (
    PERSON,
    PERSON_WITH_ID,
    SOURCED_ID,
    TABLE,
    USERNAME,
    ctx_fresh_people,
    desired_username,
    person_hash,
    unusable_passwords,
)
from rostering.sync.people_screening import PersonScreening
from rostering.sync.relinks import Relinks
from rostering.sync.rows import STORED_STATUS, Kept, RowWriter
from sis.fingerprints import SisUnchanged
from sis.records import SisPerson


class PersonWriter(PersonScreening, RowWriter):
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

    @staticmethod
    def sis_username(person: SisPerson) -> str:
        return desired_username(person)

    def hash_of(self, person: SisPerson, school_ids: list[int], *, username: str, email: str):
        return person_hash(person, school_ids, username, email)

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

    def archive_keep(self) -> Kept:
        return super().archive_keep().adding(self.relinks.kept)  # a held relink's account stays

    def finish_writes(self) -> None:
        self.relinks.resolve()
        if self.naming is not None:
            self.naming.finish()
        school_links_insert(self.backend, self.fresh_links)
        self.fresh_links = []
        self.safeguard.finish_updates(apply=self._upsert)
        self.stored_of = {}  # held updates: noted when a manager approves them

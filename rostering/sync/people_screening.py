"""Screening people before they are written: the first half of people.PersonWriter.

Whether a person's SIS row is written at all: a row a full pull passes over (unchanged
since it was stored, fingerprints.py) or converts after all, a former sourcedId, the
checks of validation.py, the school mapping, the connection's sync rules (a student's
grades, a teacher's classes), a repeated sourcedId or e-mail, the pinned fields the SIS
disagrees with.
"""

from dataclasses import replace

from rostering.sync import issues
from rostering.sync.counts import SKIP_SCHOOL_NOT_MAPPED, SKIP_TOBEDELETED
from rostering.sync.fingerprints import sis_digest
from rostering.sync.people_rows import desired_username
from rostering.sync.validation import is_district_wide, person_findings
from sis.fingerprints import SisUnchanged
from sis.records import Role, SisPerson, Status


class PersonScreening:
    """Mixed into people.PersonWriter, a rows.RowWriter (whose counts, issues, seen rows
    and pins it uses)."""

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

    def fail_row(self, sourced_id: str, record, found: list[tuple]) -> None:
        self.ctx.not_imported.add(sourced_id)
        super().fail_row(sourced_id, record, found)

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

    def username_of(self, person: SisPerson) -> str:
        """The username the SIS (or the connection's name format) gives a person."""
        return self.naming.username(person) if self.naming else desired_username(person)

    def email_of(self, person: SisPerson) -> str:
        return self.naming.email(person) if self.naming else person.email

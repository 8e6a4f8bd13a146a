"""What every stage of one run shares."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rostering.models.sync import SyncRun, SyncSettings
from rostering.sync.backends.base import WriteBackend
from rostering.sync.changes import ChangeLog
from rostering.sync.progress import Progress


@dataclass(frozen=True)
class SchoolScope:
    """SIS schools the connection knows, and the vendor school each mapped one is."""

    known: frozenset[str]
    mapped: dict[str, int]

    def vendor_ids(self, sis_ids: tuple[str, ...]) -> list[int]:
        return sorted({self.mapped[s] for s in sis_ids if s in self.mapped})


@dataclass
class RunContext:
    run: SyncRun
    settings: SyncSettings
    client: Any
    scope: SchoolScope
    progress: Progress
    now: datetime
    full: bool
    backend: WriteBackend
    changes: ChangeLog
    since: datetime | None = None
    # People in the feeds that were not imported (skipped or failed): their
    # enrollments and contacts are skipped, not reported as unknown.
    not_imported: set[str] = field(default_factory=set)
    # Sections of unmapped schools: their enrollments are skipped, not unknown.
    not_imported_sections: set[str] = field(default_factory=set)
    # Guardian sourcedId -> the students naming it as an agent (OneRoster agents).
    agents: dict[str, list[str]] = field(default_factory=dict)
    # Roles whose file could not be imported or is switched off.
    unavailable_roles: set[str] = field(default_factory=set)
    # What the person table held when the run first needed it (see known.py).
    known_people: Any = None
    # username -> sourcedId of the district's people (people_links.username_owners).
    username_owners: dict[str, str] | None = None
    # People this run created with COPY (people.FreshPeople, PostgreSQL).
    fresh_people: Any = None
    # First person seen with each e-mail address in this run.
    emails: dict[str, str] = field(default_factory=dict)
    # Every sourcedId the run's person feeds listed; the district's accounts by Aeries'
    # own ids; former sourcedIds -> current ones (identity.py).
    people_seen: set[str] = field(default_factory=set)
    identity: Any = None
    aliases: dict[str, str] = field(default_factory=dict)
    # New sourcedId -> the account whose relink to it waits for approval (relinks.py).
    relinks_held: dict[str, int] = field(default_factory=dict)
    # What the SIS said about the whole run (a narrower token scope): the run's message.
    run_notes: list[str] = field(default_factory=list)
    # Pinned fields: table -> sourcedId -> field -> (pin id, pinned value) (pins.py).
    pins: dict[str, dict[str, dict[str, tuple[int, Any]]]] = field(default_factory=dict)
    # The connection's sync rules (sync/rules.py RunRules; None: no rule) and what they
    # left out: sourcedId -> skip reason, of people and of classes (their enrollments
    # are skipped with the same reason).
    rules: Any = None
    rule_cut_people: dict[str, str] = field(default_factory=dict)
    rule_cut_sections: dict[str, str] = field(default_factory=dict)
    # Who teaches a class the rules keep (sync/rule_teachers.py TeacherScope), read before
    # the teachers when the connection has rules.
    rule_teachers: Any = None
    # The connection's name format (rostering/naming.py NameFormats; None: the SIS's names).
    names: Any = None
    # The seed of the run's SIS row fingerprints (fingerprints.py), once computed.
    fingerprint_seed: int | None = None
    # Tables with stored fingerprints: the run passes over most of their rows.
    passing_over: set[str] = field(default_factory=set)
    # sourcedIds of the people this run wrote (created, updated or restored).
    people_written: set[str] = field(default_factory=set)

    def people_files_done(self) -> None:
        """Frees what only the person and contact writers read, once their files are
        written (a large district's e-mails, agents and usernames: tens of MB that the
        enrollments part would otherwise hold beside its own; the sourcedIds of every
        person listed, and the accounts by their stable keys, which relinks read)."""
        self.agents, self.emails, self.people_written = {}, {}, set()
        self.username_owners = self.fresh_people = self.known_people = None
        self.people_seen, self.identity = set(), None

    @property
    def district_id(self) -> int:
        return self.run.district_id

    @property
    def connection_id(self) -> int:
        return self.run.connection_id

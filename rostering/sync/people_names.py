"""A person writer's name format (rostering/naming.py): template names for new accounts,
held renames for existing ones.

- A new account is named by the template. New rows are set aside until the part ends and
  then named in order of sourcedId, so that collisions are numbered the same whatever
  order the SIS sent its pages in; then written as the writer writes any new row.
- An existing account keeps its username and e-mail: the row written carries the stored
  values (and a content hash of them, so an unchanged SIS writes nothing). When they are
  not of the template's family, a rename is held for approval (HeldChange RENAME, the
  full row with the new names), at every import until a manager approves or discards it.
- Pinned usernames and e-mails win: the template never touches a pinned field.
"""

from typing import TYPE_CHECKING

from rostering.models.people import Person
from rostering.naming import Allocator, RoleNames, in_family, name_values
from rostering.sync.people_links import username_owners
from rostering.sync.upsert import rows_streamed

if TYPE_CHECKING:
    from rostering.sync.people import PersonWriter
    from sis.records import SisPerson

EMAIL_OWNERS_SQL = "SELECT LOWER(email), sourced_id FROM rostering_person WHERE district_id = %s"


class PersonNames:
    def __init__(self, writer: "PersonWriter", names: RoleNames):
        self.writer, self.names, self.ctx = writer, names, writer.ctx
        spec = writer.spec
        self.i_username, self.i_email = spec.index("username"), spec.index("email")
        self.i_hash = spec.index("content_hash")
        self.stored_username = 3 + self.i_username  # rows.STORED_ROW + index
        self.stored_email = 3 + self.i_email
        # sourcedId -> (placeholder values, username base, e-mail base) of this part.
        self.bases: dict[str, tuple[dict, str, str]] = {}
        self.new: dict[str, tuple[list, list[int]]] = {}  # set aside: (row, school ids)
        # (sourcedId, the row as held, school ids, rename the username, the e-mail)
        self.renames: list[tuple[str, list, list[int], bool, bool]] = []

    # What the SIS side of a row is -----------------------------------------------------
    def observe(self, person: "SisPerson", pinned: dict) -> None:
        """Works out a person's template names (pinned names count as theirs)."""
        given = pinned["given_name"][1] if "given_name" in pinned else person.given_name
        family = pinned["family_name"][1] if "family_name" in pinned else person.family_name
        middle = pinned["middle_name"][1] if "middle_name" in pinned else person.middle_name
        values = name_values(
            role=person.role.value, given=given, family=family, middle=middle,
            student_id=person.aeries_student_id, state_id=person.state_student_id,
            staff_id=person.aeries_staff_id, identifier=person.identifier,
            sourced_id=person.sourced_id,
        )  # fmt: skip
        username = self.names.username_base(values) if self.names.username else ""
        username = username or self.writer.sis_username(person)
        email = self.names.email_for(values, username) if self.names.email else ""
        self.bases[person.sourced_id] = (values, username, email or person.email)

    def username(self, person: "SisPerson") -> str:
        return self.bases[person.sourced_id][1]

    def email(self, person: "SisPerson") -> str:
        return self.bases[person.sourced_id][2]

    # Rows ------------------------------------------------------------------------------
    def set_aside(self, sourced_id: str, row: list, school_ids: list[int]) -> None:
        self.new[sourced_id] = (row, school_ids)

    def existing(self, person: "SisPerson", school_ids: list[int], row: list, stored) -> bool:
        """Puts the stored names back into an existing account's row (noting a rename
        when they are not the template's); False when the row then changes nothing."""
        sid = person.sourced_id
        template_digest = row[self.i_hash]
        pinned = self.writer.pins.get(sid, {}) if self.writer.pins else {}
        _, base_username, base_email = self.bases[sid]
        username, email = stored[self.stored_username], stored[self.stored_email]
        rename_username = rename_email = False
        if self.names.username and "username" not in pinned:
            row[self.i_username] = username
            rename_username = not in_family(username, base_username, cap=self.names.cap)
        if self.names.email and "email" not in pinned:
            row[self.i_email] = email
            rename_email = self._email_renamed(sid, email, base_email, username, rename_username)
        if rename_username or rename_email:  # held with the template's content hash
            held = list(row)
            held[self.i_hash] = template_digest
            self.renames.append((sid, held, school_ids, rename_username, rename_email))
        digest = self.writer.hash_of(person, school_ids, username=row[self.i_username],
                                     email=row[self.i_email])  # fmt: skip
        row[self.i_hash] = digest
        return digest != stored[1] or stored[2] == "archived"

    def _email_renamed(self, sid, email, base_email, username, username_renamed) -> bool:
        if not self.names.email_uses_username:
            return not in_family(email.lower(), base_email, cap=64)
        if username_renamed:
            return True
        values = self.bases[sid][0]
        return email.lower() != self.names.email_for(values, username).lower()

    def keep_names(
        self, *, account_pk: int, person: "SisPerson", school_ids: list[int], row: list
    ) -> None:
        """A relinked account keeps the username and e-mail it has (pinned or not): the
        template names new accounts only. When they are not the template's, the next
        import holds a rename for approval, as for any existing account."""
        username, email = Person.objects.values_list("username", "email").get(pk=account_pk)
        if self.names.username:
            row[self.i_username] = username
        if self.names.email:
            row[self.i_email] = email
        row[self.i_hash] = self.writer.hash_of(person, school_ids, username=row[self.i_username],
                                               email=row[self.i_email])  # fmt: skip

    # The part's end ----------------------------------------------------------------------
    def finish(self) -> None:
        """Names the new accounts and the renamed ones in order of sourcedId; writes the
        new rows, holds the renames."""
        usernames = Allocator(username_owners(self.ctx), cap=self.names.cap)
        emails = None
        if self.names.email and not self.names.email_uses_username:
            emails = Allocator(self._email_owners(), cap=64, key=str.lower)
        renames = {sid: (row, schools, u, e) for sid, row, schools, u, e in self.renames}
        new = self.new
        for sid in sorted(renames.keys() | new.keys()):
            if sid in new:
                self._name(sid, new[sid][0], usernames, emails, True, True)
            else:
                row, _, rename_username, rename_email = renames[sid]
                self._name(sid, row, usernames, emails, rename_username, rename_email)
        self.new, self.renames = {}, []
        if new:
            self.writer.write_named(list(new.values()))
        if renames:
            self.writer.safeguard.hold_renames(
                [row for row, _, _, _ in renames.values()],
                {sid: schools for sid, (_, schools, _, _) in renames.items()},
            )

    def _name(self, sid, row, usernames, emails, rename_username, rename_email) -> None:
        values, base_username, base_email = self.bases[sid]
        pinned = self.writer.pins.get(sid, {}) if self.writer.pins else {}
        if self.names.username and rename_username and "username" not in pinned:
            row[self.i_username] = usernames.take(sid, base_username)
        if not (self.names.email and rename_email and "email" not in pinned):
            return
        if emails is None:  # the e-mail is built from the (final) username
            row[self.i_email] = self.names.email_for(values, row[self.i_username])
        else:
            row[self.i_email] = emails.take(sid, base_email)

    def _email_owners(self) -> dict[str, str]:
        formats = self.ctx.names
        if formats.email_owners is None:
            owners: dict[str, str] = {}
            for rows in rows_streamed(sql=EMAIL_OWNERS_SQL, params=[self.ctx.district_id]):
                for email, sid in rows:
                    if email:
                        owners.setdefault(email, sid)
            formats.email_owners = owners
        return formats.email_owners

"""A person writer's relinks: new sourcedIds that are accounts the district already has
(identity.py), resolved when the writer's part ends, once the whole feed was seen.

A new row whose Aeries ids match an account is set aside as it arrives. At the part's
end: if the account's own sourcedId came in the feed too, they are two people and the
row is written as new; otherwise it is a relink, applied at once when the connection
says so, else held for approval (and the account is not archived meanwhile).
"""

from dataclasses import dataclass

from rostering.models.sync import HeldChange
from rostering.sync.identity import IdentityIndex, Known, person_relink
from rostering.sync.people_links import username_owners


@dataclass
class Deferred:
    payload: tuple  # (person, school ids), as the writer's change loop carries it
    digest: str
    known: Known


class Relinks:
    def __init__(self, writer):
        self.writer, self.ctx = writer, writer.ctx
        if self.ctx.identity is None:
            self.ctx.identity = IdentityIndex(self.ctx.district_id)
        self.deferred: dict[str, Deferred] = {}
        self.kept: set[str] = set()  # accounts whose relink waits: not archived

    def defer(self, changed: list) -> list:
        """The changes without the new rows that may be relinks (full imports only: only
        they tell which accounts the SIS no longer lists)."""
        if not self.ctx.full:
            return changed
        kept = []
        for payload, digest, stored in changed:
            known = self.ctx.identity.match(payload[0]) if stored is None else None
            if known is None:
                kept.append((payload, digest, stored))
            else:
                self.deferred[payload[0].sourced_id] = Deferred(payload, digest, known)
        return kept

    def resolve(self) -> None:
        """At the part's end: write the rows of two people, relink or hold the others."""
        two_people = []
        for deferred in self.deferred.values():
            if deferred.known.sourced_id in self.ctx.people_seen:
                two_people.append((deferred.payload, deferred.digest, None))
            elif self.ctx.settings.relink_automatically:
                self._relink(deferred)
            else:
                self._hold(deferred)
        self.deferred = {}
        if two_people:
            self.writer.write_changed(two_people)

    def _row(self, deferred: Deferred) -> list:
        """The new row, its username free (the account's own name is its to keep)."""
        person, school_ids = deferred.payload
        row = self.writer.new_row(person, school_ids, deferred.digest)
        if self.writer.naming is not None:  # the account's names are its own to keep
            self.writer.naming.keep_names(account_pk=deferred.known.pk, person=person,
                                          school_ids=school_ids, row=row)  # fmt: skip
        owners = username_owners(self.ctx)
        name = row[self.writer.username_index]
        if owners.get(name) == deferred.known.sourced_id:
            owners[name] = person.sourced_id
        self.writer.usernames_settle([row])
        return row

    def _relink(self, deferred: Deferred) -> None:
        _, school_ids = deferred.payload
        person_relink(
            backend=self.writer.backend, spec=self.writer.spec, old_pk=deferred.known.pk,
            old_sourced_id=deferred.known.sourced_id, row=self._row(deferred),
            schools=school_ids, log=self.ctx.changes, record_id=self.writer.issues.record.pk,
        )  # fmt: skip
        self.writer.counts.relinked += 1

    def _hold(self, deferred: Deferred) -> None:
        person, school_ids = deferred.payload
        HeldChange.objects.create(
            record=self.writer.issues.record,
            kind=HeldChange.Kind.RELINK,
            table=self.writer.spec.name,
            sourced_id=person.sourced_id,
            payload={
                "row": self.writer.spec.encode(self._row(deferred)),
                "schools": school_ids,
                "old_id": deferred.known.pk,
                "old_sourced_id": deferred.known.sourced_id,
            },
        )
        self.kept.add(deferred.known.sourced_id)
        self.ctx.relinks_held[person.sourced_id] = deferred.known.pk
        self.writer.counts.held_relinks += 1


def relink_waiting_rows(ctx, model, column: str) -> set[str]:
    """The live rows (enrollments, parent contacts) of accounts whose relink waits for
    approval: kept, not archived, until a manager decides — the rows the SIS lists for
    the new sourcedId are skipped meanwhile, and written by the next import."""
    if not ctx.relinks_held:
        return set()
    rows = model.objects.filter(
        district_id=ctx.district_id, year_archive__isnull=True,
        **{f"{column}__in": list(ctx.relinks_held.values())},
    )  # fmt: skip
    return set(rows.values_list("sourced_id", flat=True))

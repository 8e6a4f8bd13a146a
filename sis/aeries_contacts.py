"""Native Aeries contacts: agents for the students, contact batches, relationship codes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sis import aeries_convert as conv
from sis import errors
from sis.convert_common import convert_rows, excerpt
from sis.records import UNKNOWN_RELATIONSHIP, WARNING, Entity, SisContact, SisRowProblem
from sis.relationships import CODE_TABLE_PATH, RelationshipCodes, code_table_parse

if TYPE_CHECKING:
    from sis.aeries_api import AeriesApiClient

Batch = tuple[list[Any], list[SisRowProblem]]
RELATIONSHIP_FIELD = "RelationshipToStudentCode"


def student_agents(rows: list[Any]) -> dict[str, tuple[str, ...]]:
    """StudentID -> its contacts' ids, in contact order (ContactOrder, else SequenceNumber)."""
    keyed = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        sequence = conv.code_text(row.get("SequenceNumber"))
        if sequence.isdigit():
            order = conv.contact_order(row, sequence=sequence)
            keyed.append((conv.code_text(row.get("StudentID")), order, int(sequence)))
    agents: dict[str, tuple[str, ...]] = {}
    for student, _order, sequence in sorted(keyed):
        agents[student] = (*agents.get(student, ()), conv.contact_sourced_id(student, sequence))
    return agents


def relationship_codes(client: AeriesApiClient) -> RelationshipCodes:
    """The connection's mapping over Aeries' code table, read once per client."""
    if client.relationship_table is None:
        try:
            rows = client.rows(client.get(CODE_TABLE_PATH, entity=Entity.CONTACTS), "codes")
        except errors.SisError as exc:
            if exc.status not in (400, 403, 404):
                raise
            rows = []  # this Aeries offers no code table: the mapping alone explains codes
        client.relationship_table = code_table_parse(rows)
    return RelationshipCodes(
        mapping=client.credentials.relationship_codes, code_table=client.relationship_table
    )


def _unknown(codes: RelationshipCodes, row: dict[str, Any], contact: SisContact) -> SisRowProblem:
    raw = row.get(RELATIONSHIP_FIELD)
    return SisRowProblem(
        Entity.CONTACTS,
        contact.sourced_id,
        RELATIONSHIP_FIELD,
        codes.unknown_message(raw),
        excerpt(row),
        UNKNOWN_RELATIONSHIP,
        WARNING,
        codes.unknown_fix(raw),
    )


def contact_batches(*, client: AeriesApiClient, codes: list[str]) -> Iterator[Batch]:
    """Each school's contacts (each contact once), with unknown relationship codes warned."""
    relationships = relationship_codes(client)
    seen: set[str] = set()
    for code in codes:
        warnings: list[SisRowProblem] = []

        def convert(row: dict[str, Any], warnings=warnings) -> list[SisContact]:
            contacts = conv.contact_from_native(row, codes=relationships)
            if relationships.relationship(row.get(RELATIONSHIP_FIELD)) is None:
                warnings.append(_unknown(relationships, row, contacts[0]))
            return contacts

        records, problems = convert_rows(
            entity=Entity.CONTACTS,
            rows=client.contact_rows(code),
            convert=convert,
            id_keys=("StudentID",),
        )
        fresh = [c for c in conv.contacts_primary(records) if c.sourced_id not in seen]
        seen.update(c.sourced_id for c in fresh)
        yield fresh, problems + warnings

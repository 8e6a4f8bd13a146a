"""What one part of a file did to its rows, and why the skipped ones were skipped."""

from dataclasses import dataclass, field, fields

from rostering.models.sync import ImportRecord
from rostering.sync.rules import SKIP_RULE_LABELS

# Why a row was skipped (not an error: nothing to fix in the SIS for it to land).
SKIP_SCHOOL_NOT_MAPPED = "school_not_mapped"
SKIP_ROLE_NOT_SYNCED = "role_not_synced"
SKIP_EXISTING_ACCOUNT = "existing_account"
SKIP_TOBEDELETED = "tobedeleted"
SKIP_LINKED_NOT_IMPORTED = "linked_not_imported"
SKIP_NOT_IN_DELTA = "linked_not_in_delta"
SKIP_NOT_PRIMARY = "not_primary_contact"
SKIP_NO_STUDENT = "contact_without_student"
SKIP_RELINK_HELD = "relink_held"
SKIP_REASONS = {
    SKIP_SCHOOL_NOT_MAPPED: "school not mapped",
    SKIP_ROLE_NOT_SYNCED: "role not synced",
    SKIP_EXISTING_ACCOUNT: "existing account skipped (“Skip accounts that already exist”)",
    SKIP_TOBEDELETED: "marked tobedeleted in the SIS",
    SKIP_LINKED_NOT_IMPORTED: "its person or class was not imported",
    SKIP_NOT_IN_DELTA: "its person or class is not in this delta import",
    SKIP_NOT_PRIMARY: "not the primary contact (“primary parent contact only”)",
    SKIP_NO_STUDENT: "a contact linked to no student",
    **SKIP_RULE_LABELS,
    SKIP_RELINK_HELD: "its person's relink waits for approval (the next import writes it)",
}
_COUNTED = (
    "received", "created", "updated", "unchanged", "skipped", "archived", "restored",
    "failed", "held_updates", "held_archives", "relinked", "held_relinks", "pinned_differ",
)  # fmt: skip


@dataclass
class Counts:
    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    archived: int = 0
    restored: int = 0
    failed: int = 0
    held_updates: int = 0
    held_archives: int = 0
    relinked: int = 0
    held_relinks: int = 0
    pinned_differ: int = 0
    skipped_by: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped += count
        self.skipped_by[reason] = self.skipped_by.get(reason, 0) + count

    def add(self, other: "Counts") -> None:
        for name in _COUNTED:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for reason, count in other.skipped_by.items():
            self.skipped_by[reason] = self.skipped_by.get(reason, 0) + count

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in _COUNTED} | {
            "skipped_by": dict(self.skipped_by)
        }

    def add_to(self, record: ImportRecord) -> None:
        for f in fields(self):
            if f.name in _COUNTED:
                setattr(record, f.name, getattr(record, f.name) + getattr(self, f.name))
        reasons = dict(record.skipped_reasons or {})
        for reason, count in self.skipped_by.items():
            reasons[reason] = reasons.get(reason, 0) + count
        record.skipped_reasons = reasons

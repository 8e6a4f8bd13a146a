from dataclasses import dataclass, fields

from rostering.models.sync import ImportRecord


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

    def add_to(self, record: ImportRecord) -> None:
        for f in fields(self):
            setattr(record, f.name, getattr(record, f.name) + getattr(self, f.name))

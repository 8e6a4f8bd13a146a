"""Rows the SIS sends exactly as they were stored (fingerprints.py): a writer passes
over them, or converts them after all when the run needs it."""

from rostering.sync import issues
from sis.fingerprints import SisUnchanged


class PassingOver:
    """RowWriter's rows passed over: `seen_ids`, `seen`, `pins`, `convert_always`,
    `unchanged_keys`, `counts` and `ctx` are the writer's."""

    def passes_over(self, item: SisUnchanged) -> bool:
        """Counts an unchanged row; False when the run needs it converted after all (its
        sourcedId came before, so the repeat is reported as usual; a pinned field, so the
        SIS's value is noted)."""
        sid = item.sourced_id
        if sid in self.seen_ids or (self.pins and sid in self.pins):
            return False
        if self.convert_always is not None and sid in self.convert_always():
            return False
        if self.unchanged_keys is not None:
            keys = self.unchanged_keys(item)
            if keys is None or not keys.isdisjoint(self.seen):
                return False
            self.seen |= keys
        self.seen_ids.add(sid)
        self.counts.unchanged += 1
        return True

    def converted_after_all(self, item: SisUnchanged) -> list:
        """The records of an unchanged row the run must convert after all."""
        records, problems, warnings = self.ctx.client.convert_unchanged([item])
        self.counts.received += len(records) + len(problems) - 1
        issues.problems_report(problems, self.fail)
        issues.sis_warnings_report(warnings, self.issues)
        return records

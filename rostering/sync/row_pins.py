"""Pinned fields (a manager's values, kept by imports) as a writer meets them: what the
SIS says of each is noted beside the pin, and the pinned value is what is written."""

from collections.abc import Sequence
from typing import Any

from rostering.models.pins import FieldPin


class PinnedFields:
    """RowWriter's pinned fields: `pins` (sourcedId -> field -> (pin id, value)), the
    SIS's values seen this run (`pin_seen`), `counts` and `ctx` are the writer's."""

    def pins_observe(self, sourced_id: str, sis_values: dict[str, Any]) -> None:
        """Notes what the SIS says of a row's pinned fields; counts those it disagrees on."""
        for field, (pin_id, value) in self.pins[sourced_id].items():
            sis = sis_values[field]
            sis = list(sis) if isinstance(sis, tuple) else sis
            self.pin_seen[pin_id] = sis
            if sis != value:
                self.counts.pinned_differ += 1

    def pinned(self, sourced_id: str, values: Sequence, columns: Sequence[str]) -> list:
        """`values` (in `columns` order) with the row's pinned fields put back."""
        values = list(values)
        for field, (_, value) in self.pins[sourced_id].items():
            values[columns.index(field)] = value
        return values

    def pins_flush(self) -> None:
        """Stores what the SIS said of each pinned field (shown beside the pin)."""
        if not self.pin_seen:
            return
        pins = list(FieldPin.objects.filter(pk__in=list(self.pin_seen)))
        for pin in pins:
            pin.sis_value, pin.sis_seen_at = self.pin_seen[pin.pk], self.ctx.now
        FieldPin.objects.bulk_update(pins, ["sis_value", "sis_seen_at"])
        self.pin_seen = {}

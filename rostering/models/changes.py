from django.db import models


class RosterChange(models.Model):
    """One row an import (or a manager's action on roster data) updated, archived or
    restored, with what its changed columns held before and after.

    Creations are not listed here: every roster row names the run that created it
    (`created_run_id`), so a first import of a large district writes no second row per
    row. Together they answer "what did import #N do to whom" (counts that link to
    rows, a person's history, undoing an import).
    """

    class Action(models.TextChoices):
        UPDATED = "updated", "Updated"
        ARCHIVED = "archived", "Archived"
        RESTORED = "restored", "Restored"
        RELINKED = "relinked", "Relinked to a new sourcedId"

    # No database constraints: written by the engine in bulk, beside rows it just wrote.
    run = models.ForeignKey(
        "rostering.SyncRun",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="changes",
        db_constraint=False,
    )
    record = models.ForeignKey(
        "rostering.ImportRecord",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="changes",
        db_constraint=False,
        db_index=False,  # the (record, action) index leads with it
    )
    district = models.ForeignKey(
        "rostering.District",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,  # the (district, table, row_id) index leads with it
    )
    table = models.CharField(max_length=16)  # the TableSpec name: person, section, …
    row_id = models.BigIntegerField()
    sourced_id = models.CharField("SIS sourcedId", max_length=255)
    action = models.CharField(max_length=16, choices=Action.choices)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    # The row's content hash before the change: an undo puts it back too, so that the
    # next import compares the SIS with what the row held, as before the change.
    before_hash = models.CharField(max_length=32, blank=True)
    # The row's sis_digest before the change, None when the change left it as it was
    # (rostering/sync/fingerprints.py): an undo puts it back with the hash.
    before_digest = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001
    # Applied when a manager approved held changes (not by the import itself).
    approved = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "roster change"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["district", "table", "row_id"], name="change_row"),
            models.Index(fields=["record", "action"], name="change_record_action"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.table} {self.sourced_id}"

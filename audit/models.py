from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Who did what, when: written explicitly by each service, in its transaction.

    Append-only: rows outlive the district and the user they name (no database
    constraint, nothing cascades or is set to NULL), and on PostgreSQL a trigger
    refuses UPDATE and DELETE (migration 0002).
    """

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"
        TEST = "test", "Tested connection"
        REFRESH = "refresh", "Updated school list"
        MAP = "map", "Mapped school"
        PULL = "pull", "Started import"
        APPROVE = "approve", "Approved held changes"
        DISCARD = "discard", "Discarded held changes"
        ARCHIVE = "archive", "Ran end-of-year archive"
        ARCHIVE_UNDO = "archive_undo", "Undid end-of-year archive"
        PREVIEW = "preview", "Previewed import"
        UNDO_IMPORT = "undo_import", "Undid import"
        PIN = "pin", "Pinned a field"
        UNPIN = "unpin", "Unpinned a field"
        MERGE = "merge", "Merged two accounts"
        MERGE_UNDO = "merge_undo", "Undid a merge of accounts"
        ROTATE_KEY = "rotate_key", "Re-encrypted secrets under a new key"
        YEAR_ACCEPT = "year_accept", "Took a new school year"

    district = models.ForeignKey(
        "rostering.District",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audit_events",
        null=True,
        blank=True,
    )
    district_name = models.CharField(
        max_length=200, blank=True, help_text="The district's name when the event was written."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    actor_label = models.CharField(
        max_length=150, help_text="The user name, or 'scheduler' / 'command line'."
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=255, blank=True)
    # The SIS connection the object belongs to (the trail's filter), without a constraint.
    connection_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "rostering_auditevent"
        verbose_name = "audit event"
        verbose_name_plural = "audit events"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["district", "-created_at"], name="audit_district_time")]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.get_action_display().lower()} {self.object_repr}"

from django.conf import settings
from django.db import models

# Links from roster rows to the archive that holds them: written by the archive service
# in bulk, and never followed to a deleted archive (archives go with their district).
ARCHIVE_LINK = {
    "to": "rostering.YearArchive",
    "on_delete": models.DO_NOTHING,
    "null": True,
    "blank": True,
    "related_name": "+",
    "db_constraint": False,
    # Live rows (NULL) are not indexed: each model has a partial index of archived ones.
    "db_index": False,
    "verbose_name": "school year archived",
}
# The rows every import matches against: those of no archived school year.
LIVE = models.Q(year_archive__isnull=True)


def archived_index(name: str) -> models.Index:
    """The rows of archived school years, by archive (live rows are not in it)."""
    return models.Index(fields=["year_archive"], condition=~LIVE, name=name)


class YearArchive(models.Model):
    """One end-of-year archive of a district: its classes, enrollments and contacts (and,
    when the manager chose so, its people) set aside under a school-year label."""

    class Status(models.TextChoices):
        ARCHIVED = "archived", "Archived"
        UNDONE = "undone", "Undone"

    district = models.ForeignKey(
        "rostering.District", on_delete=models.CASCADE, related_name="year_archives"
    )
    label = models.CharField("school year", max_length=32)
    people_roles = models.JSONField(
        default=list, blank=True, help_text="The roles whose accounts were archived too."
    )
    counts = models.JSONField(default=dict, blank=True)
    # {table: [ids]}: rows already archived (leavers) when the year was archived, so
    # that an undo puts them back as they were.
    previously_archived = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ARCHIVED)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undo_counts = models.JSONField(default=dict, blank=True)
    not_restored = models.JSONField(
        default=dict, blank=True, help_text="Rows an undo could not restore, by table."
    )

    class Meta:
        verbose_name = "end-of-year archive"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.label

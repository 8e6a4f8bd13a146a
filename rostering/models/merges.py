from django.conf import settings
from django.db import models


class PersonMerge(models.Model):
    """Two accounts of one person joined into one (rostering/merge.py), with all it takes
    to undo it: the merged account's row, what moved to the survivor, what it replaced."""

    district = models.ForeignKey(
        "rostering.District", on_delete=models.CASCADE, related_name="person_merges"
    )
    survivor = models.ForeignKey(
        "rostering.Person", on_delete=models.CASCADE, related_name="merges"
    )
    merged_id = models.BigIntegerField(help_text="The merged account's id (re-used by undo).")
    merged_sourced_id = models.CharField(max_length=255)
    merged_row = models.JSONField(help_text="The merged account as it was.")
    survivor_before = models.JSONField(default=dict, help_text="Survivor fields it replaced.")
    moved = models.JSONField(default=dict, help_text="Ids of rows moved to the survivor.")
    removed = models.JSONField(default=dict, help_text="Rows of the merged account removed.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    actor_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "account merge"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.merged_sourced_id} merged into {self.survivor_id}"

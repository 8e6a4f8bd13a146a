from django.conf import settings
from django.db import models

# The fields a manager may pin, by engine table (TableSpec.name) and model field name.
PINNABLE = {
    "person": ("given_name", "middle_name", "family_name", "email", "username", "grades"),
    "section": ("title",),
}


class FieldPin(models.Model):
    """A manager's own value for one field of a person or class: imports leave it alone
    (and note what the SIS says meanwhile) until it is unpinned."""

    district = models.ForeignKey(
        "rostering.District", on_delete=models.CASCADE, related_name="field_pins"
    )
    table = models.CharField(max_length=16)  # "person" or "section"
    row_id = models.BigIntegerField()
    sourced_id = models.CharField("SIS sourcedId", max_length=255)
    field = models.CharField(max_length=32)
    value = models.JSONField(help_text="The pinned value imports keep.")
    sis_value = models.JSONField(
        null=True, blank=True, help_text="What the SIS said at the last import."
    )
    sis_seen_at = models.DateTimeField(null=True, blank=True)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    pinned_by_label = models.CharField(max_length=150)
    pinned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "pinned field"
        ordering = ["table", "row_id", "field"]
        constraints = [
            models.UniqueConstraint(fields=["table", "row_id", "field"], name="pin_unique_field"),
        ]
        indexes = [models.Index(fields=["district", "table"], name="pin_district_table")]

    def __str__(self) -> str:
        return f"{self.field} of {self.table} {self.sourced_id}"

    @property
    def label(self) -> str:
        return self.field.replace("_", " ").capitalize()

    @property
    def differs(self) -> bool:
        return self.sis_value is not None and self.sis_value != self.value

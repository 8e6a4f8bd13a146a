from django.db import models


class SisSchool(models.Model):
    """A school as the SIS reports it, and the vendor school it is imported into."""

    class MappingMethod(models.TextChoices):
        AUTO = "auto", "Automatic"
        MANUAL = "manual", "Manual"
        NONE = "none", "Not mapped"

    connection = models.ForeignKey(
        "connections.Connection", on_delete=models.CASCADE, related_name="sis_schools"
    )
    sourced_id = models.CharField("SIS id", max_length=255)
    name = models.CharField("SIS school", max_length=255)
    school_code = models.CharField("code", max_length=64, blank=True)
    school_type = models.CharField("type", max_length=32, blank=True)
    last_seen_at = models.DateTimeField()
    vanished_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when Update list no longer finds it in the SIS."
    )
    school = models.ForeignKey(
        "rostering.School",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sis_schools",
        verbose_name="vendor school",
    )
    mapping_method = models.CharField(
        "method", max_length=8, choices=MappingMethod.choices, default=MappingMethod.NONE
    )
    # A manager unmapped it on purpose: Update list must not map it again.
    keep_unmapped = models.BooleanField(default=False)
    match_score = models.FloatField("score", null=True, blank=True)
    needs_review = models.BooleanField(default=False)
    candidates = models.JSONField(
        default=list, blank=True, help_text="Best vendor school names and scores."
    )

    class Meta:
        ordering = ["connection", "name", "sourced_id"]
        verbose_name = "SIS school"
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "sourced_id"], name="sisschool_unique_sourced_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sourced_id})"

    @property
    def is_mapped(self) -> bool:
        return self.school_id is not None

import datetime

from django.core.exceptions import ValidationError
from django.db import models

PAUSE_ENDS_BEFORE_START = "The last day of a pause cannot be before its first day."


class SchedulePause(models.Model):
    """Days on which a connection's daily import is skipped (e.g. summer break)."""

    connection = models.ForeignKey(
        "connections.Connection", on_delete=models.CASCADE, related_name="schedule_pauses"
    )
    start_date = models.DateField("First day")
    end_date = models.DateField("Last day", help_text="Imports resume the day after.")
    reason = models.CharField(max_length=200, blank=True, help_text="e.g. Summer break")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["connection", "start_date"]
        verbose_name = "pause period"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="schedule_pause_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        label = f"{self.start_date:%b %-d, %Y} to {self.end_date:%b %-d, %Y}"
        return f"{label} ({self.reason})" if self.reason else label

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": PAUSE_ENDS_BEFORE_START})

    def covers(self, day: datetime.date) -> bool:
        return self.start_date <= day <= self.end_date

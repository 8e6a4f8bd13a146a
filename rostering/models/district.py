import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify


def _validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. America/Chicago).")


class District(models.Model):
    """The vendor's district master: the unit every other object belongs to."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True, blank=True)
    timezone = models.CharField(
        max_length=64,
        default="America/Chicago",
        validators=[_validate_timezone],
        help_text="Scheduled imports run at local times in this zone.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:200] or "district"
        super().save(*args, **kwargs)


class School(models.Model):
    """One of the vendor's own schools, onto which SIS schools are mapped."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="schools")
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=50, blank=True, help_text="Optional vendor school code.")

    class Meta:
        ordering = ["district__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="school_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """Grants a user a role in one district."""

    class Role(models.TextChoices):
        MANAGER = "manager", "District manager"
        REVIEWER = "reviewer", "Staff reviewer"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        ordering = ["district__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "district"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.district}"

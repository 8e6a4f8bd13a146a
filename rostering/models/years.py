from django.db import models


class ConnectionYear(models.Model):
    """The school year a connection's imports read, and what its SIS said last.

    Aeries keeps one database per school year and moves its current year at rollover;
    an import reads the connection's year only while the SIS's current year is that
    year (rostering/school_year.py). Empty `imported`: the next import takes the SIS's
    current year (the first import, or the first after an end-of-year rollover).
    """

    connection = models.OneToOneField(
        "connections.Connection", on_delete=models.CASCADE, related_name="school_year_state"
    )
    imported = models.CharField("school year imported", max_length=16, blank=True)
    sis_current = models.CharField("SIS's current school year", max_length=16, blank=True)
    # Aeries' AvailableDatabaseYears (OneRoster: its schoolYear sessions), newest first.
    available = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=32, blank=True)  # systeminfo | academicSessions
    checked_at = models.DateTimeField(null=True, blank=True)
    # Since when imports wait for a manager (the SIS's year is not the imported one).
    held_since = models.DateTimeField(null=True, blank=True)
    # The year an end-of-year rollover archived, until an import takes the next one.
    rolled_over_from = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = "school year of a connection"

    def __str__(self) -> str:
        return self.imported or "(not yet imported)"

    @property
    def change_waiting(self) -> bool:
        """The SIS's current year is not the one imports read: imports are held."""
        return self.held_since is not None

from django.db import models

from rostering.models.people import RosterStatus
from rostering.models.rollover import ARCHIVE_LINK, LIVE, archived_index


class RosterRow(models.Model):
    """What every rostered class-side row shares: identity, status, change hash."""

    # No index of its own (the (district, sourced_id) unique index leads with it) and no
    # database constraint: the engine always sets it from the run, deleting a district
    # still cascades through Django, and the check cost ~20% of an enrollment load.
    district = models.ForeignKey(
        "rostering.District",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    sourced_id = models.CharField("SIS sourcedId", max_length=255)
    status = models.CharField(
        max_length=16, choices=RosterStatus.choices, default=RosterStatus.ACTIVE
    )
    content_hash = models.CharField(max_length=32, editable=False)
    # The SIS row's fingerprint and the start of the content hash it was stored with
    # (rostering/sync/fingerprints.py): a pull passes over a row sent exactly as before.
    sis_digest = models.CharField(max_length=32, blank=True, default="", editable=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # The import that created the row (no constraint: runs may be pruned before rows).
    created_run_id = models.BigIntegerField(null=True, blank=True, editable=False)
    # Set when an end-of-year archive set the row aside: imports match live rows only.
    year_archive = models.ForeignKey(**ARCHIVE_LINK)

    class Meta:
        abstract = True


class AcademicSession(RosterRow):
    title = models.CharField(max_length=255)
    session_type = models.CharField(max_length=32)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    school = models.ForeignKey(
        "rostering.School", on_delete=models.SET_NULL, null=True, blank=True, related_name="terms"
    )
    parent_sourced_id = models.CharField(max_length=255, blank=True)
    school_year = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["start_date", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "sourced_id"], condition=LIVE, name="session_unique"
            ),
        ]
        indexes = [archived_index("session_archived")]

    def __str__(self) -> str:
        return self.title


class Course(RosterRow):
    title = models.CharField(max_length=255)
    course_code = models.CharField(max_length=64, blank=True)
    school = models.ForeignKey(
        "rostering.School", on_delete=models.SET_NULL, null=True, blank=True, related_name="courses"
    )
    grades = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "sourced_id"], condition=LIVE, name="course_unique"
            ),
        ]
        indexes = [archived_index("course_archived")]

    def __str__(self) -> str:
        return f"{self.title} ({self.course_code or self.sourced_id})"


class Section(RosterRow):
    """A class (OneRoster `class`, Aeries section)."""

    title = models.CharField(max_length=255)
    class_code = models.CharField(max_length=64, blank=True)
    class_type = models.CharField(max_length=16, blank=True)
    school = models.ForeignKey(
        "rostering.School", on_delete=models.PROTECT, related_name="sections"
    )
    course = models.ForeignKey(
        Course, on_delete=models.SET_NULL, null=True, blank=True, related_name="sections"
    )
    term_sourced_ids = models.JSONField(default=list, blank=True)
    grades = models.JSONField(default=list, blank=True)
    subjects = models.JSONField(default=list, blank=True)
    periods = models.JSONField(default=list, blank=True)
    location = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "sourced_id"], condition=LIVE, name="section_unique"
            ),
        ]
        indexes = [
            archived_index("section_archived"),
            # Every district's classes by title (vendor support's list).
            models.Index(fields=["title"], name="section_title"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.sourced_id})"


# Links between roster rows that only the import writes, in one transaction, from ids
# it has just read from the same district (and nothing else deletes them but a
# district's deletion, which cascades through Django): no database constraint. The
# checks cost a third of the database's work in a 600,000-enrollment load; the import
# verifies them instead, set-wise, before the file commits (rows.py, `references`).
ENGINE_LINK = {"on_delete": models.CASCADE, "db_constraint": False}


class Enrollment(RosterRow):
    section = models.ForeignKey(Section, related_name="enrollments", **ENGINE_LINK)
    person = models.ForeignKey("rostering.Person", related_name="enrollments", **ENGINE_LINK)
    role = models.CharField(max_length=16)
    primary = models.BooleanField(default=False)
    begin_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["section", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "sourced_id"], condition=LIVE, name="enrollment_unique"
            ),
        ]
        indexes = [
            archived_index("enrollment_archived"),
            # The enrollments list, newest first, of a district.
            models.Index(fields=["district", "id"], name="enrollment_list"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.section_id} ({self.role})"

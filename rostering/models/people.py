from django.db import models

from rostering.models.rollover import ARCHIVE_LINK, LIVE, archived_index


class PersonRole(models.TextChoices):
    STUDENT = "student", "Student"
    TEACHER = "teacher", "Teacher"
    STAFF = "staff", "Staff"
    ADMINISTRATOR = "administrator", "Administrator"


class RosterStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class Person(models.Model):
    """A vendor account rostered from the SIS. Accounts sign in with SSO; the stored
    password is random and unusable."""

    district = models.ForeignKey(
        "rostering.District",
        on_delete=models.CASCADE,
        related_name="people",
        db_index=False,  # the unique (district, sourced_id) index leads with it
    )
    connection = models.ForeignKey(
        "connections.Connection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
    )
    sourced_id = models.CharField("SIS sourcedId", max_length=255)
    role = models.CharField(max_length=16, choices=PersonRole.choices)
    given_name = models.CharField(max_length=255)
    family_name = models.CharField(max_length=255)
    middle_name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=254, blank=True)
    username = models.CharField(max_length=255)
    identifier = models.CharField("SIS identifier", max_length=255, blank=True)
    # Aeries' own ids, whatever form of sourcedId the connection uses: the same person
    # keeps them over OneRoster and the native API, and when the district's sourcedIds
    # change (rostering/identity.py matches people on them).
    aeries_student_id = models.CharField("Aeries Student ID", max_length=64, blank=True)
    state_student_id = models.CharField("state student ID", max_length=64, blank=True)
    aeries_staff_id = models.CharField("Aeries staff ID", max_length=64, blank=True)
    # Where the SIS gives one (Aeries' native Birthdate): with the name, what tells two
    # accounts of one person apart from two people (the duplicate check).
    birth_date = models.DateField(null=True, blank=True)
    user_ids = models.JSONField("SIS user ids", default=list, blank=True)
    grades = models.JSONField(default=list, blank=True)
    sis_school_ids = models.JSONField("SIS schools", default=list, blank=True)
    schools = models.ManyToManyField(
        "rostering.School", through="rostering.PersonSchool", related_name="people", blank=True
    )
    phone = models.CharField(max_length=64, blank=True)
    enabled = models.BooleanField(default=True)
    status = models.CharField(
        max_length=16, choices=RosterStatus.choices, default=RosterStatus.ACTIVE
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    archive_reason = models.CharField(max_length=255, blank=True)
    password = models.CharField(max_length=128, editable=False)
    content_hash = models.CharField(max_length=32, editable=False)
    # The SIS row's fingerprint and the start of the content hash it was stored with
    # (rostering/sync/fingerprints.py): a pull passes over a row sent exactly as before.
    sis_digest = models.CharField(max_length=32, blank=True, default="", editable=False)
    sis_modified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # The import that created the row (no constraint: runs may be pruned before rows).
    created_run_id = models.BigIntegerField(null=True, blank=True, editable=False)
    # The end-of-year archive that archived the account (cleared when an import brings
    # the person back: people are matched across school years).
    year_archive = models.ForeignKey(**ARCHIVE_LINK)

    class Meta:
        verbose_name = "person"
        verbose_name_plural = "people"
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "sourced_id"], name="person_unique_sourced_id"
            ),
            models.UniqueConstraint(fields=["district", "username"], name="person_unique_username"),
        ]
        indexes = [
            models.Index(fields=["district", "role", "status"], name="person_role_status"),
            models.Index(fields=["district", "email"], name="person_email"),
            archived_index("person_archived"),
            # The people list, by name: a district's (managers), every district's (support).
            models.Index(fields=["district", "family_name", "given_name"], name="person_list"),
            models.Index(fields=["family_name", "given_name"], name="person_name"),
            # "Created by import #N" (a file's Created count).
            models.Index(fields=["created_run_id"], name="person_created_run"),
            # Every district's people by Student ID / Staff ID (sorted, or one looked up).
            models.Index(fields=["sourced_id"], name="person_sourced_id"),
            # "Enabled: No" by name: the few disabled accounts only.
            models.Index(
                fields=["family_name", "given_name"],
                condition=models.Q(enabled=False),
                name="person_disabled",
            ),
            # The search by name, e-mail … is PostgreSQL's person_search trigram index
            # (migration 0026, PostgreSQL only; rostering/people_search.py).
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} ({self.sourced_id})"


class PersonAlias(models.Model):
    """A sourcedId a person had before (a relink or a merge): imports that meet it again
    write to the person who carries it now."""

    class Reason(models.TextChoices):
        RELINK = "relink", "Relinked to a new sourcedId"
        MERGE = "merge", "Merged into another account"

    district = models.ForeignKey(
        "rostering.District", on_delete=models.CASCADE, related_name="+", db_constraint=False,
        db_index=False,
    )  # fmt: skip
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    sourced_id = models.CharField("SIS sourcedId", max_length=255)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "former sourcedId"
        constraints = [
            models.UniqueConstraint(fields=["district", "sourced_id"], name="alias_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sourced_id} → {self.person_id}"


class PersonSchool(models.Model):
    # No index of its own: the unique (person, school) index leads with it.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="school_links", db_index=False
    )
    school = models.ForeignKey(
        "rostering.School", on_delete=models.CASCADE, related_name="person_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "school"], name="person_school_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.school_id}"


class Guardian(models.Model):
    """A parent or guardian contact of one student."""

    district = models.ForeignKey(
        "rostering.District",
        on_delete=models.CASCADE,
        related_name="guardians",
        db_index=False,  # the unique (district, sourced_id, student) index leads with it
        db_constraint=False,  # see RosterRow.district
    )
    # No database constraint: see ENGINE_LINK in classes.py.
    student = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="guardians", db_constraint=False
    )
    sourced_id = models.CharField("SIS sourcedId", max_length=255)
    given_name = models.CharField(max_length=255, blank=True)
    family_name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=64, blank=True)
    relationship = models.CharField(max_length=64, blank=True)
    primary = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=1)
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
    year_archive = models.ForeignKey(**ARCHIVE_LINK)

    class Meta:
        ordering = ["student", "order"]
        constraints = [
            # sourced_id before student: imports look contacts up by sourcedId.
            models.UniqueConstraint(
                fields=["district", "sourced_id", "student"],
                condition=LIVE,
                name="guardian_unique_sourced_id",
            ),
        ]
        indexes = [
            archived_index("guardian_archived"),
            # The parent contacts list, newest first, of a district.
            models.Index(fields=["district", "id"], name="guardian_list"),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} ({self.relationship or 'contact'})"

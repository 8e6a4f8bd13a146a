import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from rostering.recipients import MAX_RECIPIENTS, recipients_usable, recipients_validate


class SyncSettings(models.Model):
    """What a connection's imports bring in, and how carefully."""

    class Existing(models.TextChoices):
        SKIP = "skip", "Skip accounts that already exist"
        UPDATE = "update", "Update existing accounts from the SIS"

    class Guardians(models.TextChoices):
        OFF = "off", "Don't import parent contacts"
        PRIMARY = "primary", "Import the primary parent contact of each student"
        ALL = "all", "Import every parent contact"

    connection = models.OneToOneField(
        "connections.Connection", on_delete=models.CASCADE, related_name="sync_settings"
    )
    sync_students = models.BooleanField("Students", default=True)
    sync_teachers = models.BooleanField("Teachers", default=True)
    sync_staff = models.BooleanField("Staff", default=False)
    sync_administrators = models.BooleanField("Administrators", default=False)
    guardians = models.CharField(
        "Parent contacts", max_length=8, choices=Guardians.choices, default=Guardians.OFF
    )
    existing_accounts = models.CharField(
        "On existing accounts", max_length=8, choices=Existing.choices, default=Existing.SKIP
    )
    archive_missing = models.BooleanField(
        "Archive accounts no longer in the roster",
        default=False,
        help_text="Needs a full import. Turn on once imports look right.",
    )
    archive_threshold_pct = models.PositiveSmallIntegerField(
        "Hold when more than this % of a role would be archived",
        default=10,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    update_threshold_pct = models.PositiveSmallIntegerField(
        "Hold when more than this % of a role would be updated",
        default=50,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    notify_emails = models.TextField(
        "Send import results to",
        blank=True,
        help_text=f"E-mail addresses, one per line or comma separated (at most {MAX_RECIPIENTS}).",
        validators=[recipients_validate],
    )
    relink_automatically = models.BooleanField(
        "Relink accounts automatically",
        default=False,
        help_text="When a new sourcedId carries the Aeries ids of an account the import would "
        "archive, keep that account under the new id at once; off: hold the relink for "
        "approval with the other held changes.",
    )
    daily_import = models.BooleanField("Initiate data import daily", default=False)
    daily_time = models.TimeField(
        "Daily import time",
        default=datetime.time(19, 0),
        help_text="Local time in the district's time zone.",
    )

    class Meta:
        verbose_name = "sync settings"
        verbose_name_plural = "sync settings"

    def __str__(self) -> str:
        # Pages say "Sync settings: …" or "sync settings “…”" themselves.
        return str(self.connection)

    @property
    def notify_list(self) -> list[str]:
        return recipients_usable(self.notify_emails)


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    COMPLETED_WITH_ERROR = "completed_with_error", "Completed with ERROR"
    ERROR = "error", "ERROR"
    SKIPPED = "skipped", "Skipped"
    # Not run: the SIS's current school year is not the connection's (school_year.py).
    HELD = "held", "Held"


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class SyncRun(models.Model):
    """One import of one connection."""

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Pull button"
        SCHEDULE = "schedule", "Daily schedule"
        COMMAND = "command", "Command line"
        # Not an import: holds the one-import guard of each of the district's
        # connections while an end-of-year archive (or its undo) runs.
        ARCHIVE = "archive", "End-of-year archive"
        UNDO = "undo", "Undo of an import"

    class Mode(models.TextChoices):
        FULL = "full", "Full"
        DELTA = "delta", "Changes since the last import"

    connection = models.ForeignKey(
        "connections.Connection", on_delete=models.CASCADE, related_name="runs"
    )
    district = models.ForeignKey(
        "rostering.District", on_delete=models.CASCADE, related_name="runs"
    )
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sync_runs",
    )
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.FULL)
    since = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=24, choices=RunStatus.choices, default=RunStatus.QUEUED)
    stage = models.CharField(max_length=64, blank=True)
    processed = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)
    # The school year the import read ("2026-2027"; Aeries' DatabaseYear), "" if unknown.
    school_year = models.CharField(max_length=16, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Set when a manager undid the import (rostering/undo.py).
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = "import run"
        verbose_name_plural = "import runs"
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The guard against two imports of one connection, across all workers.
            models.UniqueConstraint(
                fields=["connection"],
                condition=models.Q(status__in=ACTIVE_RUN_STATUSES),
                name="one_active_run_per_connection",
            ),
        ]

    def __str__(self) -> str:
        return f"Import #{self.pk} of {self.connection}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES


class ImportRecord(models.Model):
    """The result of one file of a run (staff, students, classes, enrollments)."""

    class Kind(models.TextChoices):
        STAFF = "staff", "Staff"
        STUDENTS = "students", "Students"
        CLASSES = "classes", "Classes"
        ENROLLMENTS = "enrollments", "Enrollments"

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=24, choices=RunStatus.choices, default=RunStatus.QUEUED)
    received = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    archived = models.PositiveIntegerField(default=0)
    restored = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    held_updates = models.PositiveIntegerField(default=0)
    held_archives = models.PositiveIntegerField(default=0)
    relinked = models.PositiveIntegerField(default=0)
    held_relinks = models.PositiveIntegerField(default=0)
    # Pinned fields (a manager's values) on which the SIS now says something else.
    pinned_differ = models.PositiveIntegerField(default=0)
    # {reason code: rows} of `skipped` (rostering.sync.counts.SKIP_REASONS).
    skipped_reasons = models.JSONField(default=dict, blank=True)
    # {part label: its counts}, e.g. students and parent contacts of the students file.
    part_counts = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    COUNT_FIELDS = (
        "received",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "archived",
        "restored",
        "failed",
        "held_updates",
        "held_archives",
        "relinked",
        "held_relinks",
        "pinned_differ",
    )

    class Meta:
        verbose_name = "import result"
        verbose_name_plural = "import results"
        ordering = ["run", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "kind"], name="import_record_unique_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} file of import #{self.run_id}"

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.COUNT_FIELDS}


class ImportIssue(models.Model):
    """One row that failed (error) or landed with a caveat (warning)."""

    class Severity(models.TextChoices):
        ERROR = "error", "Error"
        WARNING = "warning", "Warning"

    record = models.ForeignKey(
        ImportRecord, on_delete=models.CASCADE, related_name="issues",
        db_index=False,  # issue_list leads with it
    )  # fmt: skip
    code = models.CharField(max_length=32)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    sourced_id = models.CharField(max_length=255, blank=True)
    field = models.CharField(max_length=64, blank=True)
    message = models.TextField()
    fix_hint = models.TextField(blank=True)
    excerpt = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["record", "pk"]
        verbose_name = "description"  # what district staff call a row's problem
        # The list's and the CSV export's order (newest file first, a file's rows in
        # order: rostering/admin/issues.py), read from the index instead of sorted.
        indexes = [models.Index(fields=["-record", "id"], name="issue_list")]

    def __str__(self) -> str:
        return f"{self.code} {self.sourced_id}"


class HeldChange(models.Model):
    """A change a safeguard held back until a manager approves it."""

    class Kind(models.TextChoices):
        UPDATE = "update", "Update"
        ARCHIVE = "archive", "Archive"
        # A new sourcedId whose Aeries ids are those of an account the import would
        # archive: the same person, to keep under the new id (rostering/identity.py).
        RELINK = "relink", "Relink"
        # An account's username or e-mail the connection's name format would change:
        # never applied without approval (rostering/sync/people_names.py).
        RENAME = "rename", "Rename"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPLIED = "applied", "Approved and applied"
        DISCARDED = "discarded", "Discarded"

    record = models.ForeignKey(ImportRecord, on_delete=models.CASCADE, related_name="held_changes")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    table = models.CharField(max_length=64)
    sourced_id = models.CharField(max_length=255)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)

    class Meta:
        ordering = ["record", "pk"]
        indexes = [models.Index(fields=["record", "status"], name="held_record_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sourced_id} ({self.get_status_display()})"

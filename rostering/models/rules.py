"""What a connection imports beyond roles and schools (sync rules), and how it names the
accounts it creates (name formats). Both are read once per import (rostering/sync/rules.py,
rostering/naming.py) and changed through their services (rostering/rules_settings.py)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

# (field prefix, what it filters, in words) of each kind of rule; each prefix has an
# `_include` and an `_exclude` list.
RULE_KINDS = (
    ("grades", "grade levels"),
    ("course_codes", "course codes"),
    ("subjects", "subjects"),
    ("terms", "terms"),
)
RULE_FIELDS = tuple(f"{kind}_{side}" for kind, _ in RULE_KINDS for side in ("include", "exclude"))


def _rule_list(verbose: str, help_text: str) -> models.JSONField:
    return models.JSONField(verbose, default=list, blank=True, help_text=help_text)


class SyncRules(models.Model):
    """Which students and classes a connection imports (include / exclude lists)."""

    connection = models.OneToOneField(
        "connections.Connection", on_delete=models.CASCADE, related_name="sync_rules"
    )
    grades_include = _rule_list("Only these grade levels", "CEDS codes, e.g. 09, 10, KG.")
    grades_exclude = _rule_list("Not these grade levels", "CEDS codes, e.g. PK, TK.")
    course_codes_include = _rule_list("Only these course codes", "e.g. 2201, MATH*.")
    course_codes_exclude = _rule_list("Not these course codes", "e.g. 25*.")
    subjects_include = _rule_list("Only these subjects", "e.g. Mathematics.")
    subjects_exclude = _rule_list("Not these subjects", "e.g. Physical Education.")
    terms_include = _rule_list("Only these terms", "A term code (F), sourcedId or title.")
    terms_exclude = _rule_list("Not these terms", "A term code (S), sourcedId or title.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "sync rules"
        verbose_name_plural = "sync rules"

    def __str__(self) -> str:
        return f"Sync rules of {self.connection}"

    def values(self) -> dict[str, list[str]]:
        return {name: list(getattr(self, name) or []) for name in RULE_FIELDS}


class NameFormat(models.Model):
    """Templates for the usernames and e-mails of accounts (blank: the SIS's own)."""

    connection = models.OneToOneField(
        "connections.Connection", on_delete=models.CASCADE, related_name="name_format"
    )
    student_username = models.CharField("Student usernames", max_length=200, blank=True)
    student_email = models.CharField("Student e-mails", max_length=200, blank=True)
    staff_username = models.CharField("Staff usernames", max_length=200, blank=True)
    staff_email = models.CharField("Staff e-mails", max_length=200, blank=True)
    max_length = models.PositiveSmallIntegerField(
        "Longest username",
        default=20,
        validators=[MinValueValidator(6), MaxValueValidator(64)],
        help_text="Longer names are cut (20 fits Active Directory's logon names).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    TEMPLATE_FIELDS = ("student_username", "student_email", "staff_username", "staff_email")

    class Meta:
        verbose_name = "name format"
        verbose_name_plural = "name formats"

    def __str__(self) -> str:
        return f"Name format of {self.connection}"

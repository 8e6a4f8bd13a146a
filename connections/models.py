from django.db import models

from connections.crypto import EncryptedTextField


class Connection(models.Model):
    """A district's credentials for one Aeries SIS API entry."""

    class Kind(models.TextChoices):
        ONEROSTER = "oneroster", "Aeries OneRoster 1.1 (Consumer ID + Secret)"
        AERIES_API = "aeries_api", "Aeries API (certificate)"

    district = models.ForeignKey(
        "rostering.District", on_delete=models.CASCADE, related_name="connections"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ONEROSTER)
    base_url = models.URLField(
        "Aeries URL",
        max_length=500,
        help_text="The Aeries base URL including its sub-directory, "
        "e.g. https://district.aeries.net/aeries/ (a pasted login page, token or API "
        "address is cut back to it).",
    )
    client_id = models.CharField("Consumer ID", max_length=255, blank=True)
    client_secret = EncryptedTextField("Consumer Secret", blank=True)
    certificate = EncryptedTextField("Aeries API certificate", blank=True)
    school_codes = models.CharField(
        "SIS school codes",
        max_length=500,
        blank=True,
        help_text="Optional: Aeries school codes to read, comma separated (e.g. 994,995). "
        "Blank reads every school the API entry can see.",
    )
    token_url = models.URLField(
        "OneRoster token URL",
        max_length=500,
        blank=True,
        help_text="Advanced, OneRoster only. Blank for Aeries: <Aeries URL>token. Another "
        "OneRoster server may hand out tokens elsewhere, e.g. …/ims/oneroster/v1p1/token.",
    )
    api_root = models.URLField(
        "OneRoster API root",
        max_length=500,
        blank=True,
        help_text="Advanced, OneRoster only. Blank for Aeries: "
        "<Aeries URL>ims/oneroster/v1p1/. Set it for a server that serves OneRoster "
        "elsewhere, e.g. at its root (the Aeries URL then needs no sub-directory).",
    )
    relationship_codes = models.TextField(
        "Contact relationship codes",
        blank=True,
        help_text="Aeries API only: what the district's contact relationship codes mean, "
        "as code=parent, code=guardian or code=relative, comma separated (e.g. 11=parent, "
        "16=guardian, 23=relative). Needed only for codes Aeries' code table does not "
        "explain; these win over it.",
    )
    enabled = models.BooleanField(default=True)
    notes = models.TextField(blank=True)

    last_test_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_test_ok = models.BooleanField(null=True, editable=False)
    last_test_message = models.TextField(blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["district__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="connection_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.district} — {self.name}"

    def __repr__(self) -> str:
        return f"<Connection {self.pk} {self.kind} {self.base_url!s}>"

    @property
    def school_code_list(self) -> tuple[str, ...]:
        return tuple(c.strip() for c in self.school_codes.split(",") if c.strip())

    @property
    def has_secret(self) -> bool:
        return bool(self.client_secret if self.kind == self.Kind.ONEROSTER else self.certificate)

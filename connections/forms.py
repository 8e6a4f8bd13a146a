from django import forms
from django.core.exceptions import ValidationError

from connections.crypto import UndecryptableSecret
from connections.models import Connection
from connections.services import SNAPSHOT_FIELDS
from connections.url_validation import sis_url_normalise

KEEP_STORED = "Leave blank to keep the stored value."
NOT_SET = "Not set yet."
UNDECRYPTABLE = (
    "The stored secret cannot be decrypted with FIELD_ENCRYPTION_KEY (the key was changed "
    "or lost): enter it again, or put the previous key back after the current one. "
    "Leaving it blank keeps the stored value as it is."
)


class ConnectionForm(forms.ModelForm):
    """Secrets are write-only: the form never renders a stored value back."""

    base_url = forms.URLField(
        label="Aeries URL",
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "vURLField", "size": 60}),
        help_text=Connection._meta.get_field("base_url").help_text,
    )

    new_client_secret = forms.CharField(
        label="Consumer Secret",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    new_certificate = forms.CharField(
        label="Aeries API certificate",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = Connection
        fields = list(SNAPSHOT_FIELDS)  # every editable, audited, non-secret field

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.instance.pk is not None
        for name, model_field in (
            ("new_client_secret", "client_secret"),
            ("new_certificate", "certificate"),
        ):
            value = getattr(self.instance, model_field) if stored else ""
            if isinstance(value, UndecryptableSecret):
                self.fields[name].help_text = UNDECRYPTABLE
            else:
                self.fields[name].help_text = KEEP_STORED if value else NOT_SET
        self.fields[
            "new_client_secret"
        ].help_text += " OneRoster uses the Consumer ID and Secret, not the Aeries certificate."
        self.fields["new_certificate"].help_text += " Only for the Aeries API (certificate) kind."

    def clean_base_url(self):
        try:
            return sis_url_normalise(url=self.cleaned_data["base_url"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None

    def clean_school_codes(self):
        codes = [c.strip() for c in self.cleaned_data["school_codes"].split(",") if c.strip()]
        bad = [c for c in codes if not c.isalnum()]
        if bad:
            raise ValidationError(f"School codes are letters and digits, comma separated: {bad}.")
        return ",".join(codes)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == Connection.Kind.ONEROSTER:
            if not cleaned.get("client_id"):
                self.add_error(
                    "client_id", "Enter the Consumer ID shown on Aeries' API Security page."
                )
            if not (cleaned.get("new_client_secret") or self.instance.client_secret):
                self.add_error("new_client_secret", "Enter the Consumer Secret.")
        elif kind == Connection.Kind.AERIES_API and not (
            cleaned.get("new_certificate") or self.instance.certificate
        ):
            self.add_error("new_certificate", "Paste the Aeries API certificate.")
        return cleaned

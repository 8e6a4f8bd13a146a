from django import forms
from django.core.exceptions import ValidationError
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables

from connections.crypto import UndecryptableSecret
from connections.models import Connection
from connections.services import SNAPSHOT_FIELDS
from connections.url_validation import sis_address_validate, sis_url_clean
from sis.relationships import mapping_parse, mapping_text

KEEP_STORED = "Leave blank to keep the stored value."
NOT_SET = "Not set yet."
UNDECRYPTABLE = (
    "The stored secret cannot be decrypted with FIELD_ENCRYPTION_KEY (the key was changed "
    "or lost): enter it again, or put the previous key back after the current one. "
    "Leaving it blank keeps the stored value as it is."
)


def _url_field(name: str) -> forms.URLField:
    """The model's URL field as a form field that assumes https when the scheme is left out."""
    model_field = Connection._meta.get_field(name)
    return forms.URLField(
        label=model_field.verbose_name,
        required=not model_field.blank,
        max_length=model_field.max_length,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "vURLField", "size": 60}),
        help_text=model_field.help_text,
    )


class ConnectionForm(forms.ModelForm):
    """Secrets are write-only: the form never renders a stored value back."""

    base_url = _url_field("base_url")
    token_url = _url_field("token_url")
    api_root = _url_field("api_root")

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

    url_message = ""

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
        # With an API root of its own, a OneRoster server may live at the host's root.
        has_root = bool(str(self.data.get(self.add_prefix("api_root"), "")).strip())
        try:
            cleaned = sis_url_clean(url=self.cleaned_data["base_url"], subdirectory=not has_root)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        self.url_message = cleaned.message  # the admin tells the user what changed
        return cleaned.url

    def _advanced_url(self, name: str) -> str:
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return ""
        try:
            validated = sis_address_validate(url=value, subdirectory=False)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        return validated if name == "api_root" else validated.rstrip("/")

    def clean_token_url(self):
        return self._advanced_url("token_url")

    def clean_api_root(self):
        return self._advanced_url("api_root")

    def clean_relationship_codes(self):
        try:
            pairs = mapping_parse(self.cleaned_data.get("relationship_codes", ""))
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        return mapping_text(pairs)

    def clean_school_codes(self):
        codes = [c.strip() for c in self.cleaned_data["school_codes"].split(",") if c.strip()]
        bad = [c for c in codes if not c.isalnum()]
        if bad:
            raise ValidationError(f"School codes are letters and digits, comma separated: {bad}.")
        return ",".join(codes)

    # The debug error page shows a failing frame's variables: never the typed secrets.
    @method_decorator(sensitive_variables("cleaned"))
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

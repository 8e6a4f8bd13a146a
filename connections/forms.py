import re

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
# The words of the Aeries guides (Minga, STEMscopes) on the connection form.
LABELS = {
    "base_url": "Aeries URL",
    "client_id": "Consumer ID",
    "new_client_secret": "Consumer Secret Key",
    "new_certificate": "API certificate",
    "school_codes": "School ID(s)",
}
BASE_URL_HELP = (
    "The Aeries URL (some guides say Instance URL) with its sub-directory, e.g. "
    "https://district.aeries.net/aeries/. Pasting the address of your Aeries login page "
    "(…/aeries/Login.aspx) is fine: it is cut back to the base URL."
)
CLIENT_ID_HELP = "Exactly as shown on Aeries' API Security page (also called the Client ID)."
SCHOOL_CODES_HELP = (
    "Optional: the Aeries School IDs (SIS school codes) to read, comma separated, e.g. 994, "
    "995: the number beside each school in Aeries' school drop-down. Blank reads every "
    "school the API entry can see."
)
SECRET_HELP = " OneRoster uses the Consumer ID and Consumer Secret Key, not the API certificate."
CERTIFICATE_HELP = (
    " Only for the Aeries API (certificate) kind; spaces and line breaks are removed."
)
# Aeries shows a 32-character API certificate and a 64-character Consumer Secret Key.
CERTIFICATE_SHAPE = re.compile(r"[0-9a-fA-F]{32}")
CONSUMER_KEY_SHAPE = re.compile(r"[0-9a-fA-F]{64}")
SECRET_IS_CERTIFICATE = (
    "This looks like an Aeries API certificate (32 characters), not a Consumer Secret Key "
    "(64 characters). OneRoster signs in with the Consumer ID and Consumer Secret Key that "
    "Aeries shows under “Display Consumer ID & Secret Keys for OneRoster”; to use the "
    "certificate, choose the kind “Aeries API (certificate)”."
)
SECRET_IS_CONSUMER_ID = (
    "This is the Consumer ID again: paste the Consumer Secret Key, the second value Aeries "
    "shows on the API Security page."
)
CERTIFICATE_IS_SECRET = (
    "This looks like a OneRoster Consumer ID or Consumer Secret Key (64 characters), not an "
    "Aeries API certificate (32 characters). The certificate is shown under “Display "
    "Certificate Details”; to use the Consumer ID and Secret Key, choose the kind “Aeries "
    "OneRoster 1.1”."
)
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
        label=LABELS["new_client_secret"],
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    new_certificate = forms.CharField(
        label=LABELS["new_certificate"],
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
        help_texts = {
            "new_client_secret": self.fields["new_client_secret"].help_text + SECRET_HELP,
            "new_certificate": self.fields["new_certificate"].help_text + CERTIFICATE_HELP,
            "base_url": BASE_URL_HELP,
            "client_id": CLIENT_ID_HELP,
            "school_codes": SCHOOL_CODES_HELP,
        }
        for name, field in self.fields.items():  # a reviewer's form has fewer fields
            field.label = LABELS.get(name, field.label)
            field.help_text = help_texts.get(name, field.help_text)
        for name in ("client_id", "new_client_secret"):
            if name in self.fields:
                self.fields[name].widget.attrs["size"] = 70  # 64 characters, whole

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

    # The debug error page shows a failing frame's variables: never the typed secrets.
    @method_decorator(sensitive_variables("value"))
    def clean_new_certificate(self):
        # Copied from Aeries' page, a certificate often comes with spaces or line breaks.
        return "".join(self.cleaned_data.get("new_certificate", "").split())

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
        self._secret_shapes_check()  # no arguments: a wrapper's frame would show them
        if kind == Connection.Kind.ONEROSTER:
            if not cleaned.get("client_id"):
                self.add_error(
                    "client_id", "Enter the Consumer ID shown on Aeries' API Security page."
                )
            typed_or_stored = cleaned.get("new_client_secret") or self.instance.client_secret
            if not typed_or_stored and "new_client_secret" not in self.errors:
                self.add_error(
                    "new_client_secret",
                    "Enter the Consumer Secret Key shown on Aeries' API Security page.",
                )
        elif kind == Connection.Kind.AERIES_API and not (
            cleaned.get("new_certificate")
            or self.instance.certificate
            or "new_certificate" in self.errors
        ):
            self.add_error("new_certificate", "Paste the API certificate shown in Aeries.")
        return cleaned

    @method_decorator(sensitive_variables("cleaned", "secret", "certificate"))
    def _secret_shapes_check(self) -> None:
        """A value pasted into the other kind's field is named as such (Aeries' own shapes:
        a 32-character certificate, 64-character Consumer ID and Secret Key)."""
        cleaned = self.cleaned_data
        kind = cleaned.get("kind")
        secret = cleaned.get("new_client_secret", "")
        certificate = cleaned.get("new_certificate", "")
        # Another OneRoster server (a token URL of its own) may have secrets of any shape.
        if kind == Connection.Kind.ONEROSTER and secret and not cleaned.get("token_url"):
            if CERTIFICATE_SHAPE.fullmatch("".join(secret.split())):
                self.add_error("new_client_secret", SECRET_IS_CERTIFICATE)
            elif secret == (cleaned.get("client_id") or "").strip():
                self.add_error("new_client_secret", SECRET_IS_CONSUMER_ID)
        elif kind == Connection.Kind.AERIES_API and CONSUMER_KEY_SHAPE.fullmatch(certificate):
            self.add_error("new_certificate", CERTIFICATE_IS_SECRET)

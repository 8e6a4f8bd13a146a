from django.conf import settings
from django.core.checks import Warning, register

NO_ENCRYPTION_KEY = Warning(
    "FIELD_ENCRYPTION_KEY is not set: SIS secrets are encrypted with a key derived from "
    "SECRET_KEY. Set FIELD_ENCRYPTION_KEY (see .env.example) in production.",
    id="connections.W001",
)


@register(deploy=True)
def encryption_key_check(app_configs, **kwargs):
    return [] if settings.FIELD_ENCRYPTION_KEY else [NO_ENCRYPTION_KEY]

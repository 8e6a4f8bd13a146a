"""What DEBUG=false demands and implies: the settings read in config/settings.py refuse
an unsafe production configuration at start-up, and HTTPS behind a proxy is on unless
turned off."""

import base64
import binascii
import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

# SECRET_KEY values that are public: the development default and the examples' placeholder.
DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"
PUBLIC_SECRET_KEYS = frozenset({"", DEV_SECRET_KEY, "change-me"})
GENERATE_SECRET_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
GENERATE_FERNET_KEY = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)

REFUSED = "Refusing to start (DEBUG={debug}); fix these settings:\n{problems}"
SECRET_KEY_PUBLIC = (
    "SECRET_KEY is not set or is a public example value; sessions and password resets "
    f"would be forgeable. Generate one: {GENERATE_SECRET_KEY}"
)
FIELD_KEY_MISSING = (
    "FIELD_ENCRYPTION_KEY is not set; SIS secrets need a key of their own (not one derived "
    f"from SECRET_KEY). Generate one: {GENERATE_FERNET_KEY}"
)
FIELD_KEY_INVALID = (
    "FIELD_ENCRYPTION_KEY: key {position} of {count} is not a Fernet key (32 url-safe "
    f"base64-encoded bytes). Generate one: {GENERATE_FERNET_KEY}"
)
INSECURE_SIS_URLS = (
    "ALLOW_INSECURE_SIS_URLS=true lets connections use plain http to this machine; it is "
    "for the sandbox SIS in development only. Remove it (or set DEBUG=true for development)."
)

NETWORK_INVALID = (
    "SIS_ALLOWED_NETWORKS: {value!r} is not a network (write e.g. 10.20.0.0/16 or 192.0.2.7)."
)

ONE_YEAR = 365 * 24 * 3600


class UnsafeConfiguration(ImproperlyConfigured):
    """The settings say production (DEBUG=false) but are not safe for it."""


def fernet_key_valid(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode())) == 32
    except (binascii.Error, ValueError):
        return False


def field_key_problems(keys: list[str]) -> list[str]:
    """FIELD_ENCRYPTION_KEY's malformed keys (checked in development too: a bad key
    would otherwise fail at the first secret read or written)."""
    return [
        FIELD_KEY_INVALID.format(position=position, count=len(keys))
        for position, key in enumerate(keys, start=1)
        if not fernet_key_valid(key)
    ]


def network_problems(networks: list[str]) -> list[str]:
    problems = []
    for value in networks:
        try:
            ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            problems.append(NETWORK_INVALID.format(value=value))
    return problems


def unsafe_settings_refuse(
    *,
    debug: bool,
    secret_key: str,
    field_encryption_key: list[str],
    allow_insecure_sis_urls: bool,
    sis_allowed_networks: list[str] = (),
) -> None:
    """Raises ImproperlyConfigured naming every unsafe setting; DEBUG=true allows the
    development shortcuts (a default SECRET_KEY, a derived field key, the sandbox SIS)."""
    problems = field_key_problems(field_encryption_key) + network_problems(sis_allowed_networks)
    if not debug:
        if secret_key.strip() in PUBLIC_SECRET_KEYS or secret_key.startswith("django-insecure-"):
            problems.append(SECRET_KEY_PUBLIC)
        if not field_encryption_key:
            problems.append(FIELD_KEY_MISSING)
        if allow_insecure_sis_urls:
            problems.append(INSECURE_SIS_URLS)
    if problems:
        raise UnsafeConfiguration(
            REFUSED.format(debug=str(debug).lower(), problems="\n".join(f"- {p}" for p in problems))
        )


def https_settings(env, *, debug: bool) -> dict:
    """HTTPS behind a TLS-terminating proxy: on by default when DEBUG is false, each
    setting overridable from the environment (see .env.example)."""
    secure = not debug
    values = {
        "SECURE_SSL_REDIRECT": env.bool("SECURE_SSL_REDIRECT", default=secure),
        "SECURE_HSTS_SECONDS": env.int("SECURE_HSTS_SECONDS", default=ONE_YEAR if secure else 0),
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": env.bool(
            "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=secure
        ),
        "SECURE_HSTS_PRELOAD": env.bool("SECURE_HSTS_PRELOAD", default=secure),
        "SESSION_COOKIE_SECURE": env.bool("SESSION_COOKIE_SECURE", default=secure),
        "CSRF_COOKIE_SECURE": env.bool("CSRF_COOKIE_SECURE", default=secure),
        "CSRF_TRUSTED_ORIGINS": env.list("CSRF_TRUSTED_ORIGINS", default=[]),
        "SECURE_PROXY_SSL_HEADER": None,
    }
    # The header the proxy sets to "https" on requests it received over TLS. Only
    # behind a proxy that always sets (or strips) it: a client could send it too.
    header = env.str("SECURE_PROXY_SSL_HEADER", default="").strip()
    if header:
        values["SECURE_PROXY_SSL_HEADER"] = (
            "HTTP_" + header.upper().replace("-", "_"),
            "https",
        )
    return values


def email_file_path(url: str, *, base_dir: Path) -> str:
    """The folder of EMAIL_URL=filemail://…: filemail:///abs/path, filemail://relative/path
    (from the project folder), or var/mail when the URL names none."""
    parts = urlsplit(url)
    path = parts.netloc + parts.path
    if not path.strip("/"):
        return str(base_dir / "var" / "mail")
    if path.startswith("/"):
        return "/" + path.lstrip("/")
    return os.path.normpath(base_dir / path)

"""Autoroster settings, read from the environment (see .env.example)."""

import os
from pathlib import Path

import environ

from config.production import (
    DEV_SECRET_KEY,
    email_file_path,
    https_settings,
    unsafe_settings_refuse,
)

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Error pages mask what sensitive_variables / sensitive_post_parameters name (SIS
# secrets) even with DEBUG on; Django's own filter only does so with DEBUG off.
DEFAULT_EXCEPTION_REPORTER_FILTER = "connections.debug.SecretSafeExceptionReporterFilter"
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

# Fernet keys for secrets at rest; the first encrypts, all of them decrypt (rotation).
FIELD_ENCRYPTION_KEY = env.list("FIELD_ENCRYPTION_KEY", default=[])

# The sandbox SIS listens on plain http on loopback; real districts never may.
ALLOW_INSECURE_SIS_URLS = env.bool("ALLOW_INSECURE_SIS_URLS", default=False)

# With DEBUG=false: no public SECRET_KEY, a FIELD_ENCRYPTION_KEY, no sandbox URLs.
# Networks (CIDR) SIS connections may reach although they are not public, e.g. a
# district's Aeries on a private link; https is still required. Empty: public only.
SIS_ALLOWED_NETWORKS = env.list("SIS_ALLOWED_NETWORKS", default=[])

unsafe_settings_refuse(
    debug=DEBUG,
    secret_key=SECRET_KEY,
    field_encryption_key=FIELD_ENCRYPTION_KEY,
    allow_insecure_sis_urls=ALLOW_INSECURE_SIS_URLS,
    sis_allowed_networks=SIS_ALLOWED_NETWORKS,
)
# SECURE_* and secure cookies: on by default with DEBUG=false (behind a TLS proxy).
vars().update(https_settings(env, debug=DEBUG))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_q",
    "audit",
    "connections",
    "rostering",
    "sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Production serves the admin's CSS and JavaScript itself (runserver does in DEBUG).
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "config.middleware.QueryStringHygieneMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# A setting left empty (as in a copied .env.example) means its default.
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="")
        or f"sqlite:///{BASE_DIR / 'var' / 'autoroster.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE writers: the web server and a qcluster worker share the file
    # without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file too, so threads and worker processes share it as in production
    # (an in-memory database locks whole tables instead). One file per test session;
    # subprocesses the tests start inherit the name through the environment.
    os.environ.setdefault(
        "AUTOROSTER_TEST_DB", str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")
    )
    DATABASES["default"]["TEST"] = {"NAME": os.environ["AUTOROSTER_TEST_DB"]}
    (BASE_DIR / "var").mkdir(exist_ok=True)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
# One style for every date and time a person reads (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.str("STATIC_ROOT", default="") or str(BASE_DIR / "var" / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production: hashed, compressed files (collectstatic), cached for ever by browsers.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "admin:login"

# Email: the demo writes to var/mail; production sets EMAIL_URL (smtp://...).
# Lower case: not a setting (it may hold the SMTP password).
email_url = env.str("EMAIL_URL", default="") or "filemail://"
EMAIL_CONFIG = env.email_url_config(email_url)
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    EMAIL_CONFIG["EMAIL_FILE_PATH"] = email_file_path(email_url, base_dir=BASE_DIR)
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Autoroster <autoroster@localhost>")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# django-q2: the ORM broker by default (nothing to install), Redis when Q_BROKER is set.
Q_BROKER = env.str("Q_BROKER", default="")
Q_CLUSTER = {
    # The cluster's Redis keys: environments sharing one Redis need different names.
    "name": env.str("Q_NAME", default="autoroster"),
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=4 * 3600),
    "retry": env.int("Q_TIMEOUT", default=4 * 3600) + 600,
    "max_attempts": 1,
    "catch_up": False,
    "ack_failures": True,
    "label": "Tasks",
    # A worker is replaced after this many tasks, or once its memory passes Q_MAX_RSS_MB
    # (checked after each task): a large district's import leaves no lasting growth.
    "recycle": env.int("Q_RECYCLE", default=500),
    "max_rss": env.int("Q_MAX_RSS_MB", default=1024) * 1024,
}
if Q_BROKER.startswith(("redis://", "rediss://")):
    Q_CLUSTER["redis"] = Q_BROKER
else:
    Q_CLUSTER["orm"] = "default"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "urllib3": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
    },
}

# SIS clients: records per page asked for, and parallel requests per SIS.
SIS_PAGE_SIZE = env.int("SIS_PAGE_SIZE", default=1000)
SIS_CONCURRENCY = env.int("SIS_CONCURRENCY", default=6)
# Pages read ahead of the writer (in flight or waiting): what bounds a pull's memory.
SIS_PREFETCH = env.int("SIS_PREFETCH", default=8)
# Seconds: to connect, to wait for a page, and the most spent retrying one request.
SIS_CONNECT_TIMEOUT = env.float("SIS_CONNECT_TIMEOUT", default=10.0)
SIS_READ_TIMEOUT = env.float("SIS_READ_TIMEOUT", default=120.0)
SIS_MAX_RETRY_SECONDS = env.float("SIS_MAX_RETRY_SECONDS", default=300.0)
# A CA bundle (PEM) SIS certificates are verified against instead of the usual public
# authorities; the SIS client ignores REQUESTS_CA_BUNDLE and proxy variables.
SIS_CA_BUNDLE = env.str("SIS_CA_BUNDLE", default="")
# A running import that has not reported for this long is marked ERROR.
SYNC_STALE_AFTER_SECONDS = env.int("SYNC_STALE_AFTER_SECONDS", default=15 * 60)
# A queued import no worker picked up for this long is marked ERROR (a busy queue
# may hold runs for hours; a lost task must not lock its connection for ever).
SYNC_QUEUED_STALE_AFTER_SECONDS = env.int("SYNC_QUEUED_STALE_AFTER_SECONDS", default=6 * 3600)
# Row-level ImportIssues older than this are deleted by the daily housekeeping task.
ISSUE_RETENTION_DAYS = env.int("ISSUE_RETENTION_DAYS", default=90)
# Days during which a manager may undo an end-of-year archive.
YEAR_ARCHIVE_UNDO_DAYS = env.int("YEAR_ARCHIVE_UNDO_DAYS", default=14)
# Days during which a manager may undo an import (or an approval of held changes).
IMPORT_UNDO_DAYS = env.int("IMPORT_UNDO_DAYS", default=14)

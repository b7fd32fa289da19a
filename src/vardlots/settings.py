"""Django settings for vardlots.

One codebase, two ways to run, chosen from the environment (no import-time side effects: this
module only reads environment variables and builds dictionaries):

* **embedded default** (nothing set): SQLite in WAL mode under ``var/``, the in-process channel
  layer, media in ``var/media``, background jobs in a thread of the serving process, the test e-ID.
* **production** (``VARDLOTS_ENV=production``): ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL``
  are required, ``SECRET_KEY`` must be set, the test e-ID provider is refused, optional S3 media.

``DATABASE_URL`` and ``REDIS_URL`` may also be given without production mode (that is how the test
suite runs against PostgreSQL and Redis).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("VARDLOTS_VAR_DIR", REPO_DIR / "var"))

ENV = os.environ.get("VARDLOTS_ENV", "development")
if ENV not in {"development", "test", "production"}:
    raise RuntimeError(f"VARDLOTS_ENV must be development, test or production, not {ENV!r}")
PRODUCTION = ENV == "production"

_secret = os.environ.get("SECRET_KEY", "")
if PRODUCTION and len(_secret) < 50:
    raise RuntimeError("Production needs SECRET_KEY of at least 50 characters.")
SECRET_KEY = _secret or "vardlots-development-only-key-not-for-production-use-0123456789abcdef"
DEBUG = os.environ.get("VARDLOTS_DEBUG", "0") == "1" and not PRODUCTION

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "daphne",
    "vardlots.core",  # before the admin, so its admin/base_site.html wins
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "ninja",
    "vardlots.accounts",
    "vardlots.audit",
    "vardlots.directory",
    "vardlots.booking",
    "vardlots.intake",
    "vardlots.cases",
    "vardlots.chat",
    "vardlots.telephony",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "vardlots.core.middleware.SecurityHeadersMiddleware",
    "vardlots.core.api_errors.ApiErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "vardlots.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "vardlots.core.text.TextInputMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "vardlots.core.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "vardlots.urls"
ASGI_APPLICATION = "vardlots.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vardlots.core.context_processors.shell",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if PRODUCTION and not DATABASE_URL:
    raise RuntimeError("Production needs DATABASE_URL (PostgreSQL).")

# PostgreSQL connections come from one pool per process (psycopg_pool through Django's "pool"
# option). Persistent per-thread connections (CONN_MAX_AGE > 0) are not used: under ASGI each request
# runs in its own thread, every thread kept its own connection, and a load run filled the server
# ("too many clients"). A request takes a connection from the pool at its first query and gives it
# back when it ends; when all are in use it waits up to VARDLOTS_DB_POOL_TIMEOUT seconds. Sizing rule
# (docs/subsystems/core.md, decision 0015): app processes × VARDLOTS_DB_POOL_MAX + job worker
# processes × max(VARDLOTS_DB_POOL_MIN, 1) + headroom (≥ 10) ≤ PostgreSQL's max_connections.
# VARDLOTS_DB_POOL=0 turns the pool off (a connection per request, closed at its end), e.g. behind
# PgBouncer.
def _int_env(name: str, default: int, least: int) -> int:
    raw = os.environ.get(name, "")
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number, not {raw!r}") from None
    if value < least:
        raise RuntimeError(f"{name} must be at least {least}, not {value}")
    return value


DB_POOL = os.environ.get("VARDLOTS_DB_POOL", "1") != "0"
DB_POOL_MIN = _int_env("VARDLOTS_DB_POOL_MIN", 2, 0)
DB_POOL_MAX = _int_env("VARDLOTS_DB_POOL_MAX", 10, max(1, DB_POOL_MIN))
DB_POOL_TIMEOUT = _int_env("VARDLOTS_DB_POOL_TIMEOUT", 20, 1)
if DATABASE_URL:
    DATABASES: dict[str, dict[str, Any]] = {"default": dict(dj_database_url.parse(DATABASE_URL, conn_max_age=0))}
    if DB_POOL and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # the pool checks a connection before lending it
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": DB_POOL_MIN,
            "max_size": DB_POOL_MAX,
            "timeout": DB_POOL_TIMEOUT,
            "max_idle": 300,  # idle connections above min_size close after 5 minutes
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("VARDLOTS_SQLITE_PATH", str(VAR_DIR / "vardlots.sqlite3")),
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at
                # BEGIN so that "claim"-style transactions serialise instead of failing late.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "TEST": {"NAME": os.environ.get("VARDLOTS_SQLITE_TEST_PATH") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- channel layer (real-time fan-out) ------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if PRODUCTION and not REDIS_URL:
    raise RuntimeError("Production needs REDIS_URL for the channel layer.")
# channels_redis waits for a consumer's next message with a blocking BZPOPMIN of 5 seconds
# (RedisChannelLayer.brpop_timeout). redis-py's default socket timeout is also 5 seconds, so the
# client's read timed out as the server answered and every consumer idle for about 5 s died
# ("Timeout reading from ...") and closed its websocket. The read timeout must stay well above the
# blocking read; TCP keepalive and a PING before a command on a connection idle for 30 s notice a
# dead server or a dropped connection instead.
REDIS_SOCKET_TIMEOUT = _int_env("VARDLOTS_REDIS_SOCKET_TIMEOUT", 20, 10)  # seconds; the layer blocks 5 s
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{
                    "address": REDIS_URL,
                    "socket_timeout": REDIS_SOCKET_TIMEOUT,
                    "socket_connect_timeout": 5,
                    "socket_keepalive": True,
                    "health_check_interval": 30,
                }],
                "prefix": os.environ.get("VARDLOTS_REDIS_PREFIX", "vardlots"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- background jobs -------------------------------------------------------------------------
# "inprocess": a worker thread inside the serving process; "database": a separate
# `vardlots worker` process polling the job table.
JOBS_BACKEND = os.environ.get("VARDLOTS_JOBS", "database" if PRODUCTION else "inprocess")

# --- files (photos, attachments) -------------------------------------------------------------
MEDIA_ROOT = Path(os.environ.get("VARDLOTS_MEDIA_DIR", VAR_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if os.environ.get("S3_BUCKET"):
    # S3-compatible object storage (AWS, MinIO, Ceph, ...). Credentials come from the usual
    # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables. Files are private; staff see photos only
    # through views that check access, never through public URLs.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["S3_BUCKET"],
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION", "eu-north-1"),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,
            "location": os.environ.get("S3_PREFIX", "media"),
        },
    }
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = not PRODUCTION

# --- identity ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.StaffUser"
# Staff log in only through the accounts views (password + TOTP, or OIDC); see accounts/backends.py.
AUTHENTICATION_BACKENDS = ["vardlots.accounts.backends.StaffBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Resident e-ID: "test" (built-in test e-ID, refused in production) or "bankid".
EID_PROVIDER = os.environ.get("VARDLOTS_EID_PROVIDER", "bankid" if PRODUCTION else "test")
if PRODUCTION and EID_PROVIDER == "test":
    raise RuntimeError("The test e-ID provider is for demo and tests only and is refused in production.")
BANKID_API_URL = os.environ.get("BANKID_API_URL", "https://appapi2.test.bankid.com/rp/v6.0")
BANKID_CERT_FILE = os.environ.get("BANKID_CERT_FILE", "")
BANKID_KEY_FILE = os.environ.get("BANKID_KEY_FILE", "")
BANKID_CA_FILE = os.environ.get("BANKID_CA_FILE", "")
# Staff log-in: "password_totp" (demo and development) or "oidc" (SITHS through an OIDC provider).
STAFF_AUTH = os.environ.get("VARDLOTS_STAFF_AUTH", "oidc" if PRODUCTION else "password_totp")
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")
OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
LOGIN_URL = "accounts:staff_login"

# --- sessions and request security -----------------------------------------------------------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_HTTPONLY = False  # the chat JavaScript reads it for fetch() calls
CSRF_FAILURE_VIEW = "vardlots.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = PRODUCTION and os.environ.get("VARDLOTS_SSL_REDIRECT", "1") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_HSTS_SECONDS = 31536000 if PRODUCTION else 0
# Idle and absolute limits, in seconds (enforced by SessionTimeoutMiddleware).
STAFF_SESSION_IDLE = 30 * 60
STAFF_SESSION_MAX = 12 * 60 * 60
RESIDENT_SESSION_IDLE = 15 * 60
SESSION_WARNING_BEFORE = 2 * 60
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- language and time ---------------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "vardlots_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
TIME_ZONE = "Europe/Stockholm"
USE_TZ = True

# The regional 1177 chat (staffed by the region's nurses) is open these hours every day, local time.
DIGITAL_CHAT_HOURS = os.environ.get("VARDLOTS_CHAT_HOURS", "08:00-21:00")

# Chat websocket limits (see docs/decisions/0018-chat-frame-validation-and-rate-limits.md).
# (burst, per second): a burst of ``burst`` and then ``per second`` sustained.
#  * "person" / "case": messages stored per sender (any case) and per case (all senders), counted
#    in the database under the case row lock, so they hold across app processes and HTTP fallback;
#  * "frames": every frame of one connection (in process); "bad_frames": invalid frames tolerated
#    per connection before it is closed with 4400.
CHAT_RATE_LIMITS: dict[str, tuple[int, float]] = {
    "person": (10, 2.0),
    "case": (20, 4.0),
    "frames": (40, 10.0),
    "bad_frames": (5, 0.1),
}
CHAT_MAX_FRAME_BYTES = 32 * 1024  # a 4,000-character message in JSON fits; larger is closed with 1009
CHAT_PAGE_SIZE = 50  # messages on the case page; older ones come 50 at a time

# --- telephony integration ------------------------------------------------------------------
# Shared secret of the telephony platform: requests to /api/v1/telephony/ are signed with
# HMAC-SHA256 over "<timestamp>.<body>". A demo default outside production; required in production.
TELEPHONY_SHARED_SECRET = os.environ.get("TELEPHONY_SHARED_SECRET", "")
if PRODUCTION and len(TELEPHONY_SHARED_SECRET) < 32:
    raise RuntimeError("Production needs TELEPHONY_SHARED_SECRET of at least 32 characters.")
TELEPHONY_SHARED_SECRET = TELEPHONY_SHARED_SECRET or "vardlots-demo-telephony-secret"  # demo only

# --- clinical content ----------------------------------------------------------------------
CONTENT_DIR = Path(os.environ.get("VARDLOTS_CONTENT_DIR", REPO_DIR / "content"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("VARDLOTS_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

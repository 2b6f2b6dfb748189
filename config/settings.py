"""Leadflow settings, read from the environment.

Defaults give the embedded mode: SQLite in ``var/`` and Huey on SQLite storage.
``DATABASE_URL`` switches to PostgreSQL, ``REDIS_URL`` moves Huey onto Redis.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url

from config.huey_config import huey_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LEADFLOW_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("LEADFLOW_DEBUG", False)
SECRET_KEY = os.environ.get("LEADFLOW_SECRET_KEY", "")
if not SECRET_KEY:
    # A stable per-install secret, so sessions survive restarts of the embedded mode.
    secret_file = VAR_DIR / "secret_key"
    if not secret_file.exists():
        import secrets

        secret_file.write_text(secrets.token_urlsafe(50))
    SECRET_KEY = secret_file.read_text().strip()

ALLOWED_HOSTS = os.environ.get(
    "LEADFLOW_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver"
).split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "ninja",
    "leadflow.core",
    "leadflow.tenants",
    "leadflow.campaigns",
    "leadflow.statuses",
    "leadflow.leads",
    "leadflow.api",
    "leadflow.routing",
    "leadflow.ui",
    "leadflow.ops",
    "leadflow.dialing",
    "leadflow.crm",
    "leadflow.rules",
    "leadflow.stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "leadflow.tenants.middleware.TenantMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "leadflow.ui.context_processors.navigation",
            ],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES: dict[str, Any] = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    # Short OLTP statements never gain from JIT compilation, and on large tables its
    # cost estimates trip it for queries that run in milliseconds (see dialing.pgexec).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # One test database per test process, so parallel runs never drop each other's.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
        "LEADFLOW_TEST_DATABASE_NAME", f"test_leadflow_{os.getpid()}"
    )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("LEADFLOW_SQLITE_PATH", str(VAR_DIR / "leadflow.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE takes the write lock when a transaction starts, so two writers
                # never deadlock upgrading a read lock; the busy timeout makes them queue.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS: list[dict[str, str]] = []
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# htmx comes from the npm registry (package.json); it is served from node_modules,
# never copied into the repository.
STATICFILES_DIRS = [("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist")]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

REDIS_URL = os.environ.get("REDIS_URL", "")
HUEY = huey_settings(redis_url=REDIS_URL, var_dir=VAR_DIR,
                     name=os.environ.get("LEADFLOW_HUEY_NAME", "leadflow"))

NINJA_PAGINATION_PER_PAGE = 100

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LEADFLOW_LOG_LEVEL", "INFO")},
    "loggers": {"huey": {"level": "WARNING"}},
}

# Request bodies (JSON) read into memory: POST /api/leads/bulk carries up to 10,000
# leads, ~2 KB each with custom fields. Django's 2.5 MB default would refuse most of them.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("LEADFLOW_MAX_API_BODY_MB", "20")) * 1024 * 1024
# Lead files larger than this are refused before they are read.
LEADFLOW_MAX_UPLOAD_MB = int(os.environ.get("LEADFLOW_MAX_UPLOAD_MB", "300"))
# Uploads stream to a temporary file past 2.5 MB instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# CRM webhooks to private, loopback or link-local addresses are refused unless allowed:
# an admin-set URL must not reach inside the network Leadflow runs in. Allow it for a
# CRM on the call center's own LAN.
LEADFLOW_WEBHOOK_ALLOW_PRIVATE = _env_bool("LEADFLOW_WEBHOOK_ALLOW_PRIVATE", False)

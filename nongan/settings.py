"""One settings module, configured by environment variables (CONTRACT.md)."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
HOME = Path(os.environ.get("NONGAN_HOME", "var")).resolve()
HOME.mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("NONGAN_DEBUG", "") in ("1", "true", "yes")
SECRET_KEY = os.environ.get("NONGAN_SECRET_KEY") or "nongan-insecure-development-key-change-me"
ALLOWED_HOSTS = os.environ.get("NONGAN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("NONGAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "nongan.core",
    "nongan.regions",
    "nongan.people",
    "nongan.producers",
    "nongan.inspections",
    "nongan.monitoring",
    "nongan.credit",
    "nongan.enforcement",
    "nongan.public",
    "nongan.commitments",
    "nongan.field",
    "nongan.risk",
    "nongan.analysis",
    "nongan.assessment",
    "nongan.exchange",
    "nongan.joint",
    "nongan.traceability",
    "nongan.iot",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "nongan.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "nongan.core.middleware.RequestContextMiddleware",
    "nongan.core.middleware.NoNulMiddleware",
]

ROOT_URLCONF = "nongan.urls"
WSGI_APPLICATION = "nongan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{HOME / 'nongan.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the worker and the web server write without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise looks for it before collectstatic runs
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = HOME / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": os.environ.get("NONGAN_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# How long an API token lives, and how failed logins lock an account (CONTRACT.md: 429).
API_TOKEN_TTL_HOURS = int(os.environ.get("NONGAN_API_TOKEN_TTL_HOURS", "12"))
LOGIN_FAILURE_LIMIT = 5
LOGIN_LOCK_MINUTES = 15

DEMO_PASSWORD = os.environ.get("NONGAN_DEMO_PASSWORD", "nongan-demo")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("NONGAN_LOG_LEVEL", "WARNING")},
}

# A tile URL template for maps (e.g. an intranet tile server); empty: outline-only maps.
NONGAN_MAP_TILES = os.environ.get("NONGAN_MAP_TILES", "")
NONGAN_TRUST_PROXY = os.environ.get("NONGAN_TRUST_PROXY", "") in ("1", "true", "yes")

# Reminders to grid persons (巡查提醒): a dotted path to a function(phone, text) that sends
# an SMS, and/or a sender address for email; both empty: in-app to-do lists only.
NONGAN_SMS_HOOK = os.environ.get("NONGAN_SMS_HOOK", "")
NONGAN_REMINDER_EMAIL_FROM = os.environ.get("NONGAN_REMINDER_EMAIL_FROM", "")
EMAIL_HOST = os.environ.get("NONGAN_EMAIL_HOST", "localhost")

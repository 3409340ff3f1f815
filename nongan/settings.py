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
    "nongan.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "nongan.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "nongan.people.middleware.SessionPolicyMiddleware",
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


def postgresql_options() -> dict:
    """PostgreSQL's JIT compiles every plan estimated above 100,000 rows: at city scale it
    spent 6.5 s compiling the schedules' status query, which then ran in 1 s. Our queries
    are many and short; none gains from it (docs/scale.md). PgBouncer refuses start-up
    options: behind it, `ALTER DATABASE … SET jit = off` instead (docs/deploy.md)."""
    if os.environ.get("NONGAN_PGBOUNCER", "") in ("1", "true", "yes"):
        return {}
    return {"options": "-c jit=off"}


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
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["OPTIONS"] = postgresql_options()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Password policy (等保 2.0 level 3, 身份鉴别: 口令复杂度 and 定期更换): each rule is one
# validator; change its OPTIONS or drop its line. Applied to passwords set through the
# services and forms (people.services), not to the demo seed's accounts.
AUTH_PASSWORD_VALIDATORS = [
    # Long enough that guessing offline takes years.
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": int(os.environ.get("NONGAN_PASSWORD_MIN_LENGTH", "10"))}},
    # Three of upper case, lower case, digits, symbols (GB/T 22239 复杂度要求).
    {"NAME": "nongan.people.passwords.CharacterClassesValidator",
     "OPTIONS": {"min_classes": 3}},
    # Not the username, nor containing it: the first thing an attacker tries.
    {"NAME": "nongan.people.passwords.NotUsernameValidator"},
    # Not one of the 20,000 most common passwords (Django's list).
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not one of the account's last N passwords: a change must change something.
    {"NAME": "nongan.people.passwords.HistoryValidator",
     "OPTIONS": {"count": int(os.environ.get("NONGAN_PASSWORD_HISTORY", "5"))}},
]
# Sessions end 8 hours after the login whatever happens (absolute lifetime), and after
# NONGAN_SESSION_IDLE_MINUTES without a request (an unattended office screen; 0: never).
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
NONGAN_SESSION_IDLE_MINUTES = int(os.environ.get("NONGAN_SESSION_IDLE_MINUTES", "30"))
# Admin changes (settings, rules, standards, agencies, accounts) need the password or an
# authenticator code confirmed within this many minutes; a login or a new API token counts.
NONGAN_REAUTH_MINUTES = int(os.environ.get("NONGAN_REAUTH_MINUTES", "15"))
# Roles that must log in with an authenticator app (动态口令); "" to turn off (a demo).
NONGAN_TOTP_ROLES = [r for r in os.environ.get("NONGAN_ADMIN_TOTP_ROLES", "city_admin")
                     .split(",") if r]
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
# A worker silent this long is taken for dead and its task run again (core.workers).
NONGAN_WORKER_DEAD_AFTER_S = float(os.environ.get("NONGAN_WORKER_DEAD_AFTER_S", "30"))

# How long an API token lives, and how failed logins lock an account (CONTRACT.md: 429).
API_TOKEN_TTL_HOURS = int(os.environ.get("NONGAN_API_TOKEN_TTL_HOURS", "12"))
LOGIN_FAILURE_LIMIT = 5
LOGIN_LOCK_MINUTES = 15

DEMO_PASSWORD = os.environ.get("NONGAN_DEMO_PASSWORD", "nongan-demo")

# Every handler masks ID and phone numbers (nongan.core.logmask). Django's own logging
# (django.utils.log.DEFAULT_LOGGING) keeps handlers of its own on "django" and "django.server",
# so both loggers are set here: "django" (django.request, django.security, …) writes through
# the root's handler, as waitress, the worker and our modules do.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask": {"()": "nongan.core.logmask.MaskPersonalNumbers"}},
    "formatters": {"django.server": {"()": "django.utils.log.ServerFormatter",
                                     "format": "[{server_time}] {message}", "style": "{"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                          "filters": ["mask"], "level": "INFO"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("NONGAN_LOG_LEVEL", "WARNING")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# A tile URL template for maps (e.g. an intranet tile server); empty: outline-only maps.
NONGAN_MAP_TILES = os.environ.get("NONGAN_MAP_TILES", "")
NONGAN_TRUST_PROXY = os.environ.get("NONGAN_TRUST_PROXY", "") in ("1", "true", "yes")

# Reminders to grid persons (巡查提醒): a dotted path to a function(phone, text) that sends
# an SMS, and/or a sender address for email; both empty: in-app to-do lists only.
NONGAN_SMS_HOOK = os.environ.get("NONGAN_SMS_HOOK", "")
NONGAN_REMINDER_EMAIL_FROM = os.environ.get("NONGAN_REMINDER_EMAIL_FROM", "")
EMAIL_HOST = os.environ.get("NONGAN_EMAIL_HOST", "localhost")

# Deployment (docs/deploy.md). Every option is off unless its environment variable is set, so
# the demo and the tests run as before.
# PgBouncer in transaction mode in front of PostgreSQL: NONGAN_PGBOUNCER=1 (no server-side
# cursors: `.iterator()` would otherwise lose its cursor between transactions).
if os.environ.get("NONGAN_PGBOUNCER", "") in ("1", "true", "yes"):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# A streaming read replica: DATABASE_REPLICA_URL adds the alias "replica". Nothing reads from it
# unless a view asks (nongan.core.db_router.reading_from_replica); tests mirror "default".
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"],
                                                 conn_max_age=60)
    if DATABASES["replica"]["ENGINE"].endswith("postgresql"):
        DATABASES["replica"]["OPTIONS"] = postgresql_options()
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["nongan.core.db_router.ReplicaRouter"]
# Media (photos, reports, scans, imports) in S3-compatible object storage (MinIO, Aliyun OSS,
# Huawei OBS, AWS): `pip install 'nongan[s3]'` and NONGAN_MEDIA_STORAGE=s3. The bucket stays
# private: every download goes through a scoped view that streams the file.
if os.environ.get("NONGAN_MEDIA_STORAGE", "") == "s3":
    if not os.environ.get("NONGAN_S3_BUCKET"):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("NONGAN_MEDIA_STORAGE=s3 needs NONGAN_S3_BUCKET")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["NONGAN_S3_BUCKET"],
            "endpoint_url": os.environ.get("NONGAN_S3_ENDPOINT") or None,
            "access_key": os.environ.get("NONGAN_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("NONGAN_S3_SECRET_KEY") or None,
            "region_name": os.environ.get("NONGAN_S3_REGION") or None,
            # MinIO wants path-style URLs; Aliyun OSS wants virtual (bucket.endpoint).
            "addressing_style": os.environ.get("NONGAN_S3_ADDRESSING_STYLE") or "path",
            "location": os.environ.get("NONGAN_S3_PREFIX", ""),
            "file_overwrite": False,  # like the file system: a second file gets a new name
            "default_acl": None,  # the bucket's own policy (private)
            "querystring_auth": True,
        },
    }
# The task queue in Redis instead of the database: `pip install 'nongan[redis]'`,
# NONGAN_TASK_BACKEND=django_tasks_rq.RQBackend and NONGAN_REDIS_URL; `nongan worker` then
# runs RQ workers (with RQ's scheduler for delayed retries) instead of the database worker.
if TASKS["default"]["BACKEND"].startswith("django_tasks_rq"):
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {
        queue: {"URL": os.environ.get("NONGAN_REDIS_URL", "redis://127.0.0.1:6379/0"),
                "DEFAULT_TIMEOUT": int(os.environ.get("NONGAN_TASK_TIMEOUT", "3600"))}
        for queue in TASKS["default"]["QUEUES"]
    }

# Security headers (nongan.core.middleware.SecurityHeadersMiddleware; docs: deploy.md).
# Content-Security-Policy on every response; NONGAN_CSP_REPORT_ONLY=1 sends it as
# Content-Security-Policy-Report-Only (to try a new tile host or library without breaking).
NONGAN_CSP_REPORT_ONLY = os.environ.get("NONGAN_CSP_REPORT_ONLY", "") in ("1", "true", "yes")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# django-ninja in INSTALLED_APPS: /api/v1/docs serves Swagger UI from our static files with
# no inline script, instead of a CDN page with an inline <script> that the CSP would refuse.
INSTALLED_APPS += ["ninja"]
# NONGAN_HTTPS=1: the site is served over HTTPS only (behind nginx: set NONGAN_TRUST_PROXY=1
# too, so the X-Forwarded-Proto header tells Django the request came in over HTTPS).
NONGAN_HTTPS = os.environ.get("NONGAN_HTTPS", "") in ("1", "true", "yes")
if NONGAN_HTTPS:
    SECURE_HSTS_SECONDS = int(os.environ.get("NONGAN_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("NONGAN_HSTS_SUBDOMAINS", "") in ("1", "true", "yes")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if NONGAN_TRUST_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

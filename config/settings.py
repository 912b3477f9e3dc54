"""The one settings module. Every deployment difference is an environment variable.

Defaults run on a laptop: SQLite and kombu's filesystem broker under ``var/``,
e-mail printed to the console. Production sets DATABASE_URL, CELERY_BROKER_URL,
EMAIL_URL, SECRET_KEY and ALLOWED_HOSTS.
"""

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]", "testserver"]),
)

DEBUG = env("DEBUG")
# The default key is for a laptop only; `check --deploy` flags it, production sets SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-development-key-for-laptops-only")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The key of the history chain's HMAC (workflow.history), its own secret rather than SECRET_KEY:
# rotating SECRET_KEY must not break every history row. Unset, a laptop uses the development
# key in workflow.history; `check --deploy` is an error then when DEBUG is off. Set it before the
# site records any history, and never change it: rows and seals keyed with another key fail the check.
HISTORY_HMAC_KEY = env.str("HISTORY_HMAC_KEY", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    # Triggers that make the history tables append-only in PostgreSQL (workflow.models).
    "pgtrigger",
    "viewflow",
    "viewflow.workflow",
    "org",
    "workflow",
    "notifications",
    "proposals",
    "welfare",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # NUL characters in a query string: refused before any view (config/inputs.py).
    "config.inputs.InputGuardMiddleware",
    # Our own static files (CSS, Swagger UI) in every mode, never from a CDN.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.LanguageMiddleware",
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
                "django.template.context_processors.i18n",
                "notifications.context_processors.unread_count",
                "config.views.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if SQLITE:
    # The embedded default: the web process, the worker and beat write one file. WAL lets
    # readers go on while one writes; IMMEDIATE takes the write lock at BEGIN, so a transaction
    # waits for it (up to `timeout` seconds) instead of failing halfway with "database is
    # locked" when it first writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
# Our catalog first, so it wins; then our translation of viewflow's strings (its wheel ships none).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_viewflow"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Front-end libraries from npm are served as our own files (no CDN): `make vendor` copies just the
# files we serve into static/vendor/, so collectstatic never walks node_modules.
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns at start-up when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the apps' static folders without collectstatic when DEBUG is on.
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = VAR_DIR / "media"

VIEWFLOW = {"AUTOREGISTER": False}  # we serve our own task pages, not viewflow's site

# guardian: anonymous users get nothing; we never need its anonymous user row.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": ["config.inputs.StrictJSONParser"],
    "DEFAULT_METADATA_CLASS": "config.api.Metadata",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "教代会提案与工会福利工作流 API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Offline: Swagger UI from our own static files, and no calls to validator.swagger.io.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None},
    # Several models have a `status` with their own states; name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "ProposalStatusEnum": "proposals.models.ProposalStatus",
        "AssignmentStatusEnum": "proposals.models.AssignmentStatus",
        "TaskStatusEnum": "org.api.TASK_STATUSES",
        "WelfareStatusEnum": "welfare.models.WelfareStatus",
        "WelfareKindEnum": "welfare.models.WelfareKind",
    },
    # The enums' own hook, then the errors every operation can answer (config.api.document_errors).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.api.document_errors"],
}

# Celery: the embedded filesystem broker by default so `make run` needs no server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
_broker_dir = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("in", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "in"),
        "data_folder_out": str(_broker_dir / "in"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # The worker reads one message per poll; the default of one second would deliver one
        # notification a second, behind a demo's first minutes of work.
        "polling_interval": 0.1,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# One SQLite file takes one writer at a time: more worker processes would only queue for its lock.
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=1 if SQLITE else os.cpu_count() or 1)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "sweep-deadlines": {"task": "workflow.tasks.sweep_deadlines", "schedule": 60.0},
    # Nightly history chain check; auditors read the result (and can run one) on /audit/history/.
    "check-history-chains": {"task": "workflow.tasks.check_history_chains", "schedule": crontab(hour=2, minute=30)},
    # Just after midnight, seal the day that ended (workflow.history.chain_seal_day), before the check.
    "seal-history-chains": {"task": "workflow.tasks.seal_history_chains", "schedule": crontab(hour=0, minute=20)},
    # From 1 November: is next year's holiday schedule in? (workflow.calendar_years)
    "warn-missing-holiday-year": {
        "task": "workflow.tasks.warn_missing_holiday_year",
        "schedule": crontab(hour=8, minute=5),
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="教代会提案系统 <noreply@localhost>")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

REDIS_URL = env.str("REDIS_URL", default="")

# --- notifications: delivery (notifications/) --------------------------------------------
# Every minute, send whatever is still due (a failed attempt whose backoff has passed, or a
# row whose task never reached the broker); at 18:00 (CELERY_TIMEZONE) send the daily digests.
CELERY_BEAT_SCHEDULE["notifications-redispatch"] = {"task": "notifications.tasks.redispatch_due", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["notifications-digests"] = {
    "task": "notifications.tasks.send_daily_digests",
    "schedule": crontab(hour=18, minute=0),
}
# A delivery whose task has not run this many seconds after it was written is sent again by
# the re-dispatch sweep (the task is idempotent, so a slow worker costs nothing but a no-op).
NOTIFICATIONS_REDISPATCH_AFTER = env.int("NOTIFICATIONS_REDISPATCH_AFTER", default=60)
# Group robots (WeCom, DingTalk): seconds to wait for an answer; hosts that may be plain
# http (only local test servers; everything else must be https).
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
WEBHOOK_ALLOW_HTTP_HOSTS = env.list("WEBHOOK_ALLOW_HTTP_HOSTS", default=[])
# An SMTP server that never answers must not hold a worker forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# --- end notifications -------------------------------------------------------------------

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

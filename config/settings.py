"""Settings for the CX Maturity Platform.

Every value comes from the environment through the typed helpers below, which
raise ImproperlyConfigured on a value they cannot read, so a typo fails at
start-up rather than at the first request. With no environment at all the
project runs on SQLite with Celery in eager mode: a fresh machine needs no server.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false)")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def envchoice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, "").strip().lower() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of {', '.join(choices)}")
    return value


def envurl(name: str, default: str | None) -> str:
    """An absolute http(s) address without a path or trailing slash; with no default, required."""
    raw = os.environ.get(name, "").strip() or default
    if not raw:
        raise ImproperlyConfigured(
            f"{name} must be set: the address people open, e.g. https://cx.example.com"
        )
    scheme, _, host = raw.rstrip("/").partition("://")
    if scheme not in {"http", "https"} or not host or "/" in host:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a site address such as https://cx.example.com")
    return raw.rstrip("/")


# Off unless asked for: a server started with no environment is a production one. `make run`,
# `make bench` and the test suite (config.settings_test) turn it on.
DEBUG = envbool("DEBUG", False)
TESTING = envbool("TESTING", False)

SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (DEBUG is off unless set to true): set SECRET_KEY "
            "to a long random value, or DEBUG=true for development"
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
# /metrics for the monitoring system (config.metrics): with a token, `Authorization: Bearer
# <token>`; without, only from this machine.
METRICS_TOKEN = envstr("METRICS_TOKEN")


# Where the links in e-mails, on pages and in the console lead; `make run` derives it from HOST
# and PORT. A server without it would send respondents to a developer's machine.
SITE_URL = envurl("SITE_URL", "http://127.0.0.1:8000" if DEBUG else None)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "surveys",
    "assessment",
    "reports",
    "workspace",
    "config.filestore",
    "django_prometheus",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "config.request_log.RequestIdMiddleware",
    "config.health.HealthProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which reads a form's body: an oversized one is refused unread.
    "config.request_limits.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "assessment.branding.branding_context",
            ],
            "builtins": ["config.numbers"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 0),
        # A kept connection the server has dropped is replaced before the next request uses it.
        conn_health_checks=True,
    )
}
# Behind PgBouncer in transaction mode a connection serves another client between transactions:
# no server-side cursors and no prepared statements (psycopg prepares a query run often).
DB_BEHIND_PGBOUNCER = envbool("DB_BEHIND_PGBOUNCER", False)
if DB_BEHIND_PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian")), ("kk", _("Kazakh")), ("uz", _("Uzbek"))]
# locale/dates holds the month names of dates where ours differ from Django's (Kazakh and Uzbek
# write them in lower case: "30 қыркүйек 2026 ж."); makemessages leaves it alone.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "dates"]
# Date and number formats of the languages Django gives none or others than ours.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Every file the platform keeps (staged uploads, customer data, rendered reports, logos) goes
# through the default storage. `local`: under MEDIA_ROOT, for one machine. `database`: in the
# database, chunked, so every web node and worker reads what another wrote with no further
# service. `s3`: an S3-compatible object store (django-storages), bucket private, reads signed.
FILE_STORAGE = envchoice("FILE_STORAGE", "local", ("local", "database", "s3"))
_FILE_STORAGE_BACKENDS = {
    "local": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "database": {"BACKEND": "config.filestore.storage.DatabaseStorage"},
    "s3": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": envstr("S3_BUCKET"),
            "endpoint_url": envstr("S3_ENDPOINT_URL") or None,
            "region_name": envstr("S3_REGION") or None,
            "access_key": envstr("S3_ACCESS_KEY_ID") or None,
            "secret_key": envstr("S3_SECRET_ACCESS_KEY") or None,
            "location": envstr("S3_PREFIX"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    },
}
if FILE_STORAGE == "s3" and not envstr("S3_BUCKET"):
    raise ImproperlyConfigured("FILE_STORAGE=s3 needs S3_BUCKET (and usually S3_ENDPOINT_URL and the keys)")
STORAGES = {
    "default": _FILE_STORAGE_BACKENDS[FILE_STORAGE],
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Development serves static files straight from the apps; production from collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# With FILE_STORAGE=local: uploaded customer files, rendered reports and logos, outside the static roots.
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# The consultants are reminded to start the re-assessment this many months after publishing, or
# when the action plan's last initiative is due if that comes first (docs/methods.md §10.5).
REASSESSMENT_AFTER_MONTHS = envint("REASSESSMENT_AFTER_MONTHS", 9)
CUSTOMER_DATA_MAX_BYTES = envint("CUSTOMER_DATA_MAX_BYTES", 200 * 1024 * 1024)
# Uploads this large together or larger are imported by a Celery task (202 + a job to poll).
CUSTOMER_DATA_INLINE_MAX_BYTES = envint("CUSTOMER_DATA_INLINE_MAX_BYTES", 5 * 1024 * 1024)
# Django's defaults, stated because the upload limits rest on them: the largest body of a view
# that declares no limit of its own (config.request_limits refuses more, 413, unread), and the
# largest upload kept in memory rather than in a temporary file while a request is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Printed, personal links masked (config.redaction), until SMTP is configured.
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "config.redaction.MaskedConsoleEmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "CX Maturity <noreply@localhost>")
# How long a client user's link to set their password stays valid after it was e-mailed.
INVITATION_LINK_DAYS = envint("INVITATION_LINK_DAYS", 7)

# Production hardening; `manage.py check --deploy` is clean when DEBUG is off.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
BEHIND_PROXY = envbool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# Sent on every HTML page by config.security. No inline scripts or styles anywhere (the charts'
# SVGs are inlined as plain attributes); a deployment that needs more sources sets the whole policy.
CONTENT_SECURITY_POLICY = envstr(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
)
PERMISSIONS_POLICY = envstr("PERMISSIONS_POLICY", "camera=(), microphone=(), geolocation=()")
# The sign-in lockout of the workspace, the admin and the API token (assessment.lockout): wrong
# passwords less than the window apart are counted per username and per address; at either
# limit that one is locked, first for LOGIN_LOCK_FIRST_SECONDS, each further lock twice as long
# up to LOGIN_LOCK_MAX_SECONDS; a day without failures forgets the history.
LOGIN_FAILURES_PER_USERNAME = envint("LOGIN_FAILURES_PER_USERNAME", 5)
LOGIN_FAILURES_PER_IP = envint("LOGIN_FAILURES_PER_IP", 20)
LOGIN_FAILURE_WINDOW_SECONDS = envint("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
LOGIN_LOCK_FIRST_SECONDS = envint("LOGIN_LOCK_FIRST_SECONDS", 60)
LOGIN_LOCK_MAX_SECONDS = envint("LOGIN_LOCK_MAX_SECONDS", 15 * 60)
LOGIN_FAILURE_MEMORY_SECONDS = envint("LOGIN_FAILURE_MEMORY_SECONDS", 24 * 60 * 60)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "assessment.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    # JSON nested past a limit is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # The client address for throttling: the proxy's last X-Forwarded-For entry behind one, else
    # the socket's. Left unset, DRF would key on the whole header, which a client can vary at will.
    "NUM_PROXIES": 1 if BEHIND_PROXY else 0,
    "DEFAULT_THROTTLE_RATES": {
        "auth": envstr("AUTH_THROTTLE_RATE", "10/min"),
        "respond_token": envstr("RESPOND_TOKEN_THROTTLE_RATE", "120/min"),
        "respond_ip": envstr("RESPOND_IP_THROTTLE_RATE", "3000/min"),
    },
}

# Throttling counts live in the cache: shared across processes only with Redis.
CACHE_URL = envstr("CACHE_URL")
# A Redis that is away is given up on within a second; the limits then count in each process
# (config.throttling).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CX Maturity Platform API",
    "DESCRIPTION": "Assess how mature a company's customer-experience management is.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AssessmentStatusEnum": "assessment.models.Status",
        "ChurnBasisEnum": "assessment.models.ChurnBasis",
        "RespondentStatusEnum": "surveys.models.RespondentStatus",
        "RespondentRoleEnum": "surveys.models.RespondentRole",
        "JobStatusEnum": "config.jobs.JobStatus",
        "RecommendationStatusEnum": "reports.models.RecommendationStatus",
        "ReportKindEnum": "reports.models.ReportKind",
        "FindingKindEnum": "reports.models.FindingKind",
        "QuoteSourceEnum": "reports.models.QuoteSource",
        "InitiativeStatusEnum": "reports.models.InitiativeStatus",
        "LanguageEnum": "config.settings.LANGUAGES",
        "ChurnModelStatusEnum": "assessment.customer_apis.CHURN_MODEL_STATUSES",
        "AnalysisStatusEnum": "assessment.customer_apis.ANALYSIS_STATUSES",
    },
}

# Celery: no broker configured means tasks run eagerly in-process, so development
# and the default test run need no worker.
CELERY_TASK_ALWAYS_EAGER = not envstr("CELERY_BROKER_URL")
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL") or "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = envstr(
    "CELERY_RESULT_BACKEND", "cache+memory://" if CELERY_TASK_ALWAYS_EAGER else CELERY_BROKER_URL
)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = envint("CELERY_WORKER_MAX_TASKS_PER_CHILD", 50)
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 600)
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 660)
# A task whose worker died before acknowledging it goes to another worker after this long.
# Longer than the longest task, so a task in progress is not delivered twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT * 2)
}
CELERY_BEAT_SCHEDULE = {
    "reminders": {"task": "assessment.reminders_send", "schedule": envint("REMINDER_CHECK_SECONDS", 3600)},
    # Respondents can no longer answer past the deadline; this moves the assessment on to scoring.
    "collections_close": {
        "task": "assessment.collections_close",
        "schedule": envint("COLLECTION_CLOSE_CHECK_SECONDS", 300),
    },
    # Sends again what the queue did not take or lost (e-mails still pending, jobs still queued),
    # fails jobs whose run was killed, deletes staged uploads nothing refers to (reports.services).
    "sweep": {"task": "reports.outbox_sweep", "schedule": envint("SWEEP_SECONDS", 120)},
    # The action plan's weekly digest to initiative owners: created by the first run of a week,
    # sent again by later runs until it is out (once per owner and week).
    "plan_digests": {
        "task": "reports.plan_digests_queue",
        "schedule": envint("PLAN_DIGEST_CHECK_SECONDS", 3600),
    },
    # The reminders to start a re-assessment that has come due (reports.reassessment).
    "reassessment_reminders": {
        "task": "reports.reassessment_reminders_queue",
        "schedule": envint("REASSESSMENT_CHECK_SECONDS", 3600),
    },
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# Every handler masks personal links and tokens (config.redaction) and carries the request's id
# (config.request_log). Django's own handlers are replaced: its loggers write through the root's,
# and the development server's access lines through a masked handler of the same format.
# LOG_FORMAT=json writes one JSON object a line, for a log collector; text, for a terminal.
LOG_FORMAT = envchoice("LOG_FORMAT", "text" if DEBUG else "json", ("json", "text"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "secrets": {"()": "config.redaction.SecretsFilter"},
        "request_id": {"()": "config.request_log.RequestIdFilter"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
        "json": {"()": "config.request_log.JsonFormatter"},
        "text": {"format": "{levelname} {name} [{request_id}] {message}", "style": "{"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["secrets", "request_id"],
            "formatter": LOG_FORMAT,
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # WeasyPrint reports every rendering step at INFO; only its warnings matter here.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

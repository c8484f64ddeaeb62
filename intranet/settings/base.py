"""Settings shared by every environment; every deployment value comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("CORRISPONDENZA_DATA_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "intranet",
    "correspondence",
    "workflow",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "guardian",
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "intranet.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "intranet.middleware.SessionIdleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "intranet.middleware.UserLanguageMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: it turns a lockout found during login into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "intranet.urls"
WSGI_APPLICATION = "intranet.wsgi.application"

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
                "intranet.context_processors.staff_menu",
                "correspondence.context_processors.outbox_status",
            ],
        },
    },
]


def sqlite_database(path: Path) -> dict[str, object]:
    """The demo's SQLite configuration: a web server, a worker and beat share one file, so
    wait for locks instead of failing, and let readers proceed while one process writes."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "CONN_MAX_AGE": 0,
        "OPTIONS": {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'corrispondenza.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"] = {
        **DATABASES["default"],
        **sqlite_database(Path(DATABASES["default"]["NAME"])),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's model backend, less the demo users where the settings forbid them.
    "intranet.auth.StaffBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; staff always log in.
GUARDIAN_MONKEY_PATCH_USER = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
WAGTAIL_FRONTEND_LOGIN_URL = "/login/"

# Password guessing (django-axes), on /login/ and /admin/login/ alike: after
# CORRISPONDENZA_LOGIN_FAILURE_LIMIT wrong passwords in a row for one user name, or from
# one address, every attempt is refused, the right password included, for
# CORRISPONDENZA_LOGIN_COOLOFF_MINUTES. A success resets the count.
AXES_FAILURE_LIMIT = int(os.environ.get("CORRISPONDENZA_LOGIN_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = timedelta(
    minutes=int(os.environ.get("CORRISPONDENZA_LOGIN_COOLOFF_MINUTES", "15"))
)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "intranet.auth.lockout_response"
AXES_CLIENT_IP_CALLABLE = "intranet.auth.client_address"
AXES_VERBOSE = False
# Behind a reverse proxy, how many proxies append to X-Forwarded-For (0: use REMOTE_ADDR).
CORRISPONDENZA_PROXY_COUNT = int(os.environ.get("CORRISPONDENZA_PROXY_COUNT", "0"))

# Shared back-office PCs: a session ends after this many idle minutes, and when the
# browser closes. Background refreshes of an open page do not count as activity.
CORRISPONDENZA_SESSION_IDLE_MINUTES = int(
    os.environ.get("CORRISPONDENZA_SESSION_IDLE_MINUTES", "30")
)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = int(os.environ.get("CORRISPONDENZA_SESSION_MAX_HOURS", "12")) * 3600

# Stored files may be served from an origin of their own (README, Security), e.g.
# "https://files.corrispondenza.example": download links and inline images point there.
CORRISPONDENZA_FILES_ORIGIN = os.environ.get("CORRISPONDENZA_FILES_ORIGIN", "").rstrip("/")

# Content-Security-Policy (django-csp): no inline script anywhere, nothing remote.
# The Wagtail admin gets its own, looser policy (see intranet.middleware).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-elem": ["'self'"],
        # Sanitised mail bodies keep plain layout styles (see correspondence.reading).
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", *filter(None, [CORRISPONDENZA_FILES_ORIGIN])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
    }
}
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
    "midi=(), display-capture=()"
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italian")), ("pl", _("Polish")), ("ro", _("Romanian")), ("en", _("English"))]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "intranet" / "locale"]
TIME_ZONE = os.environ.get("CORRISPONDENZA_TIME_ZONE", "Europe/Rome")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

WAGTAIL_SITE_NAME = "Corrispondenza"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# The intranet never asks the internet: no check for new Wagtail releases from browsers.
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No avatars from Gravatar: they would tell a third party every admin user's address.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_I18N_ENABLED = False
# A reply approved in its workflow is published and sent (workflow.approval); pages as usual.
WAGTAIL_FINISH_WORKFLOW_ACTION = "workflow.wagtail_finish.workflow_finish"

# Mail: the outbox sends through each mailbox's own SMTP; this is the fallback.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "corrispondenza@localhost")

# Key used to encrypt mailbox secrets stored in the database (Fernet, urlsafe base64, 32 bytes).
# Without it, secrets are derived from SECRET_KEY; production requires it explicitly.
CORRISPONDENZA_SECRETS_KEY = os.environ.get("CORRISPONDENZA_SECRETS_KEY", "")
# A mailbox password read from the environment comes only from a variable with this prefix.
CORRISPONDENZA_MAILBOX_ENV_PREFIX = os.environ.get(
    "CORRISPONDENZA_MAILBOX_ENV_PREFIX", "CORRISPONDENZA_MAILBOX_"
)

# Celery: one app, separate queues for intake, outbox and periodic work.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "periodic"
CELERY_TASK_ROUTES = {
    "correspondence.tasks.mailbox_*": {"queue": "intake"},
    "correspondence.tasks.outbox_*": {"queue": "outbox"},
    # Workbooks of a million cases take minutes: never in the way of periodic work.
    "intranet.tasks.report_*": {"queue": "reports"},
}
CELERY_BEAT_SCHEDULE = {
    "mailboxes-poll": {"task": "correspondence.tasks.mailboxes_poll_task", "schedule": 10.0},
    "mailboxes-alert": {"task": "correspondence.tasks.mailboxes_alert_task", "schedule": 60.0},
    "outbox-retry": {"task": "correspondence.tasks.outbox_retry_task", "schedule": 60.0},
    "escalations-run": {"task": "workflow.tasks.escalations_run_task", "schedule": 60.0},
    "cases-release-untouched": {
        "task": "workflow.tasks.cases_release_untouched_task",
        "schedule": 300.0,
    },
    "presences-idle-away": {"task": "intranet.tasks.presences_idle_away_task", "schedule": 60.0},
    "consultations-remind": {
        "task": "workflow.tasks.consultations_remind_task",
        "schedule": 300.0,
    },
}
# Available staff without activity for this long show as away until they are active again.
CORRISPONDENZA_IDLE_AWAY_MINUTES = int(os.environ.get("CORRISPONDENZA_IDLE_AWAY_MINUTES", "15"))
# How often the top bar asks for new notifications (and reports activity), in seconds.
CORRISPONDENZA_NOTIFY_POLL_SECONDS = int(os.environ.get("CORRISPONDENZA_NOTIFY_POLL_SECONDS", "20"))
# A taken case nobody touches for this long returns to its pool (anti-hoarding).
CORRISPONDENZA_HOARDING_MINUTES = int(os.environ.get("CORRISPONDENZA_HOARDING_MINUTES", "240"))
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# A report's independent passes over the cases run at once on this many PostgreSQL
# connections, all reading the same snapshot (intranet/reports/gather.py); 1: one by one.
CORRISPONDENZA_REPORT_CONNECTIONS = int(os.environ.get("CORRISPONDENZA_REPORT_CONNECTIONS", "3"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}
CORRISPONDENZA_ALLOW_DEMO = True

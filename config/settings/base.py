"""Settings shared by every environment.

Everything that differs between municipalities (names, domains, checklist) is read from the
environment here, once, into ``MUNICIPALITY``; code reads it through ``core.municipality``.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy, gettext_noop

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])

# --- Applications -------------------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "django_fsm",
    "simple_history",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "csp",
    # The durable job queue: Django 6's Tasks API (backport) on the database (ADR 0014).
    "django_tasks",
    "django_tasks_db",
]
LOCAL_APPS = [
    "core",
    "jobs",
    "organization",
    "accounts",
    "policies",
    "impersonation",
    "incidents",
    "approvals",
    "reviews",
    "personnel",
    "onboarding",
    "api",
    # Pages that span several apps, and demo data: the top layer (ADR 0013).
    "public",
    "staff",
    "demo",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    # /healthz for the load balancer, first: plain http and its Host (an IP address) must not
    # be redirected to https or refused by ALLOWED_HOSTS (core/health.py).
    "core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response, cached public pages included (below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The open-data files, from this server's copies (public/files.py), before anything
    # per-user, as WhiteNoise serves static files.
    "public.files.OpenDataMiddleware",
    # Cached public pages are the same for everyone: served here, before anything per-user
    # (core/cache.py). Everything above still adds its headers to a hit.
    "core.cache.PublicCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store on staff pages and on anything a signed-in user is answered.
    "core.middleware.StaffNoStoreMiddleware",
    # Everything needs a login unless the view says otherwise (@login_not_required):
    # public pages opt out explicitly, so a new staff page is never public by accident.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: counts failed logins and locks out.
    "axes.middleware.AxesMiddleware",
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
                "core.context_processors.municipality",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# SQLite file by default so nothing needs a server; PostgreSQL with
# DATABASE_URL=postgres://user@host:5432/name (psycopg 3).


def configure_database(db: dict) -> dict:
    """What every environment's database needs (production calls this too)."""
    db["ATOMIC_REQUESTS"] = True
    # A connection kept between requests (CONN_MAX_AGE > 0, as in production) is checked
    # before it is reused: after a database restart or a killed backend the next request
    # reconnects instead of failing with a 500.
    db["CONN_HEALTH_CHECKS"] = True
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # The embedded default must bear a few writers at once (citizens' reports, two
        # approvers): WAL lets readers go on while one writes; IMMEDIATE takes the write lock
        # when a transaction starts, so a writer waits for the busy timeout in a queue instead
        # of failing at once with "database is locked" when a read turns into a write.
        db.setdefault("OPTIONS", {}).update(
            {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            }
        )
    return db


DATABASES = {
    "default": configure_database(
        env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    ),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users and login ----------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:dashboard"
LOGOUT_REDIRECT_URL = "staff:login"
# Lock out a (user name, address) pair after repeated failures (issue 3 §4, django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Per (name, address), not per name alone: a per-name lockout would let anyone lock a
# colleague out by typing their name five times, and a per-address one would lock out a whole
# city hall behind one NAT (ADR 0012). The address is the one the report limit uses.
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_address"
# How many reverse proxies in front of the app append to X-Forwarded-For (core/client_address.py).
# 0: the peer's address is the client's, and X-Forwarded-For is ignored.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Staff sessions end within a working day, and when the browser closes (a shared PC).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Content-Security-Policy (django-csp) -------------------------------------------------
# No inline script or style anywhere: every script and stylesheet is a static file of this
# site. data: images are Bootstrap's SVG icons inside its CSS. Swagger UI (/api/docs/) gets
# the one relaxation it needs, on that view alone (api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Users --------------------------------------------------------------------------------
AUTH_USER_MODEL = "organization.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language -----------------------------------------------------------------------------
# Japanese is the only language: nothing flips to English on an English browser.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", gettext_noop("日本語"))]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end packages come from the npm registry at set-up (scripts/install.sh), never a CDN.
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    # The PR dashboard's charts (issue 11 §3) and the Digital Agency's design tokens (§6).
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    ("vendor/dads", BASE_DIR / "node_modules" / "@digital-go-jp" / "design-tokens" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Mail ---------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="sns-registry@localhost")
# Links in mail point here (the address staff use to reach the registry).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# --- Open data API -----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    # Lazy strings are fine here: drf-spectacular turns them into str when it builds the schema.
    "TITLE": gettext_lazy("公式SNSアカウント台帳 オープンデータAPI"),
    "DESCRIPTION": gettext_lazy(
        "自治体の公式SNSアカウントの一覧・運用ポリシー・確認（本物かどうか）。"
        "登録やAPIキーは不要です。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the drf-spectacular-sidecar package: works on a closed network.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Anyone may read the open data (the API and the files) from any site; nothing else is
# cross-origin.
CORS_URLS_REGEX = r"^/(api/v1/.*|accounts\.csv|accounts\.json|feed/)$"
# The open-data files (public/files.py, issue 12 §5): stored in the database once per change;
# each app server keeps the copies it serves here (any local directory; emptying it is safe).
OPENDATA_ROOT = env.path("OPENDATA_ROOT", default=BASE_DIR / "var" / "opendata")
# How long a download waits for another process writing the file before answering 503 (below
# the reverse proxy's proxy_read_timeout, docs/deploy/nginx.conf).
OPENDATA_BUILD_WAIT = env.float("OPENDATA_BUILD_WAIT", default=25.0)
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False

# --- Cache ---------------------------------------------------------------------------------
# Public pages are cached per "public generation" (core/cache.py, ADR 0006/0008); any backend
# is correct: the generation lives in the database only, so no cache failure can leave a
# stale "official" behind. Production: CACHE_URL=redis://127.0.0.1:6379/1 shares the cache
# between workers; core.redis_cache waits 0.25 s at most for Redis and then leaves it alone
# for 5 s (?socket_timeout=…&socket_connect_timeout=…&circuit_breaker_seconds=… to change).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://sns-registry")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "core.redis_cache.RedisCache"  # one client per pool
# Cached pages are keyed on the deploy (core/page_store.py, ADR 0016), so a deploy never
# serves HTML of the one before: set DEPLOY_VERSION to something that changes with every
# deploy (the git commit); unset, the code and templates are hashed once at start-up. Entries
# live until the generation changes (one day at most), so the production Redis needs a bound:
# maxmemory <size> and maxmemory-policy allkeys-lru.
DEPLOY_VERSION = env("DEPLOY_VERSION", default="")

# --- The municipality ---------------------------------------------------------------------
# Per-deployment configuration (see README "設定 / Configuration" and .env.example).
MUNICIPALITY = {
    # 自治体名, shown on every page and in mail.
    "NAME": env("MUNICIPALITY_NAME", default="サンプル市"),
    # The division that gives the second approval (000 §4(4), 001 §3(2), 003 §5(1)).
    "PR_DIVISION_NAME": env("PR_DIVISION_NAME", default="広報課"),
    # R9 (003 §5(2)): account display names must start with this; empty = rule off.
    "ACCOUNT_NAME_PREFIX": env("ACCOUNT_NAME_PREFIX", default=""),
    # R8 (002 §3(2), 003 §5(3)): registration e-mail must be on one of these domains
    # (or a sub-domain of one); empty = any address is accepted.
    "ORG_EMAIL_DOMAINS": env.list("ORG_EMAIL_DOMAINS", default=[]),
    # Which guideline checklist items apply in this deployment (core/checklist.py says what
    # each one does; R11 always applies).
    "CHECKLIST": env.list("CHECKLIST_ITEMS", default=["R6", "R7", "R8", "R11", "R14"]),
    # The page on the municipality's own website that lists the official accounts (R6).
    "REGISTRY_PAGE_URL": env("REGISTRY_PAGE_URL", default=""),
    # How often the year-round work is due (core.municipality.Intervals says what each means);
    # unset keys keep their defaults.
    "INTERVALS": {
        key: env.int(var)
        for key, var in {
            "review_months": "REVIEW_PERIOD_MONTHS",
            "stale_after_months": "STALE_AFTER_MONTHS",
            "credential_rotation_days": "CREDENTIAL_ROTATION_DAYS",
            "badge_days": "BADGE_REMINDER_DAYS",
            "request_working_days": "REQUEST_REMINDER_WORKING_DAYS",
            "report_working_days": "REPORT_DUE_WORKING_DAYS",
            "repeat_days": "REMINDER_REPEAT_DAYS",
        }.items()
        if env(var, default="")
    },
}

# --- Jobs: the durable queue and the mail outbox (ADR 0014) ---------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# After each change citizens see, the worker writes the open-data files and re-renders the hot
# public pages (public/tasks.py, issue 12). The tests switch it off (it would run on every
# save with the immediate backend) and switch it on where they test it.
PUBLIC_REFRESH_ON_CHANGE = env.bool("PUBLIC_REFRESH_ON_CHANGE", default=True)
# /healthz (core/health.py) answers "degraded" (still 200) when the oldest task ready to run
# has waited longer than this: the worker is stopped or stuck; monitoring should say so.
HEALTHZ_QUEUE_STALE_SECONDS = env.int("HEALTHZ_QUEUE_STALE_SECONDS", default=300)
# A hung SMTP server makes a delivery fail after this many seconds per step (and the mail is
# retried later), instead of hanging a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# When `manage.py run_scheduler` runs the daily jobs (local time, TIME_ZONE), "HH:MM": just
# after midnight, so a closure scheduled for a day takes effect at its start and the digests
# wait in the morning (retried hourly until the day's run succeeds, jobs.scheduler).
DAILY_JOBS_AT = env("DAILY_JOBS_AT", default="00:05")
# The daily handle check (issue 14, reviews.handles): Bluesky's public AppView says which
# handle a DID has now, without a key. Only the daily job asks it, never a web request; each
# request is given up after HANDLE_CHECK_TIMEOUT seconds in all (name lookup, connect and the
# whole answer), a run makes at most HANDLE_CHECK_MAX_REQUESTS requests, HANDLE_CHECK_PAUSE
# seconds apart, stops asking after HANDLE_CHECK_MAX_FAILURES failures in a row (the rest
# are unchecked) and starts no request that could end after HANDLE_CHECK_RUN_SECONDS (at
# most half the daily jobs' lease, jobs.runner.LOCK_FOR = 1 hour; the rest wait a day).
BLUESKY_API_URL = env("BLUESKY_API_URL", default="https://public.api.bsky.app")
HANDLE_CHECK_TIMEOUT = env.float("HANDLE_CHECK_TIMEOUT", default=5.0)
HANDLE_CHECK_MAX_REQUESTS = env.int("HANDLE_CHECK_MAX_REQUESTS", default=1000)
HANDLE_CHECK_PAUSE = env.float("HANDLE_CHECK_PAUSE", default=0.2)
HANDLE_CHECK_MAX_FAILURES = env.int("HANDLE_CHECK_MAX_FAILURES", default=5)
HANDLE_CHECK_RUN_SECONDS = env.float("HANDLE_CHECK_RUN_SECONDS", default=1200.0)
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 behaviour now: a pasted "x.com/…" means https
SIMPLE_HISTORY_REVERT_DISABLED = True  # history is read-only in the admin too

# --- Logging ------------------------------------------------------------------------------
# Everything to stderr (the service manager or container keeps it): every 500 with its
# traceback (django.request), and this application's own loggers from INFO.
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        # Replaces Django's default handlers (console only with DEBUG, mail to ADMINS).
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        **{app: {"level": LOG_LEVEL} for app in LOCAL_APPS},
    },
}

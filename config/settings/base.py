"""Settings shared by every environment.

Everything that differs between municipalities (names, domains, checklist) is read from the
environment here, once, into ``MUNICIPALITY``; code reads it through ``core.municipality``.
"""

from pathlib import Path

import environ

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
]
LOCAL_APPS = [
    "core",
    "organization",
    "accounts",
    "policies",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- Mail ---------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="sns-registry@localhost")

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
    # Which guideline checklist items apply in this deployment.
    "CHECKLIST": env.list("CHECKLIST_ITEMS", default=["R6", "R7", "R8", "R10", "R11", "R14"]),
    # The page on the municipality's own website that lists the official accounts (R6).
    "REGISTRY_PAGE_URL": env("REGISTRY_PAGE_URL", default=""),
}
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 behaviour now: a pasted "x.com/…" means https

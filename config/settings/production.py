"""Production: every secret comes from the environment and has no default."""

from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, CACHES, configure_database, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": configure_database(env.db("DATABASE_URL"))}
# Permalinks, QR codes on printed flyers and links in mail: never localhost in production.
SITE_URL = env("SITE_URL")
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

# Where collectstatic writes (nginx may serve it from there, docs/deploy/nginx.conf).
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Deployments sharing one Redis (staging beside production) each take a prefix of their own.
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default="")

EMAIL_CONFIG = env.email_url("EMAIL_URL")
vars().update(EMAIL_CONFIG)

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# HSTS on by default: browsers refuse plain http to this host for a year.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# The "preload" directive only consents to the browsers' preload list; nothing happens until
# someone submits the city's registrable domain (which must itself send it). The registry
# runs on a sub-domain (sns.city.example.lg.jp), so sending it binds nothing by itself; a
# city that does not want even the consent sets SECURE_HSTS_PRELOAD=False.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# Production runs behind one reverse proxy (it sets X-Forwarded-Proto above), which appends
# the client's address to X-Forwarded-For (core/client_address.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
SECURE_CONTENT_TYPE_NOSNIFF = True

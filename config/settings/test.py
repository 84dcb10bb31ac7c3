"""Tests: fast hashing, in-memory mail; DATABASE_URL picks SQLite (default) or PostgreSQL."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105 — test settings only; production has no default
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in the process at enqueue time, so mail queued by a request is in mail.outbox once
# the transaction commits; tests/jobs/ switch to the database backend and run the worker.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PUBLIC_REFRESH_ON_CHANGE = False  # public/tasks.py; tests that need it switch it on

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# No test reaches the internet (issue 14): the handle check's service is a closed port on
# this machine unless a test points it at its own fake server (tests/reviews/).
BLUESKY_API_URL = "http://127.0.0.1:9"
HANDLE_CHECK_TIMEOUT = 2.0
HANDLE_CHECK_PAUSE = 0.0

# Open-data file copies (public/files.py) per test process, not in the checkout's var/: the
# xdist workers' databases reuse generation values, and nothing is left behind in the tree.
OPENDATA_ROOT = Path(tempfile.gettempdir()) / f"sns-test-opendata-{os.getpid()}"

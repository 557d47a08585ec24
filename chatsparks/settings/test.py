"""pytest: a real PostgreSQL and Redis, fast password hashing, mail kept in memory."""

import uuid
from urllib.parse import urlsplit, urlunsplit

from chatsparks.settings.base import *  # noqa: F403
from chatsparks.settings.base import CACHES, REDIS_URL
from chatsparks.settings.env import env

SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Parallel test processes (xdist's gw0, gw1, …) must not meet in Redis: each gets its own cache
# prefix and its own broker database, so one process's Celery worker never takes another's
# tasks (it would look for their rows in the wrong test database). Two test runs at once on one
# machine keep apart with TEST_REDIS_DB_BASE (default 1: databases 1, 2, … per process).
_XDIST_WORKER = env.str("PYTEST_XDIST_WORKER", default="gw0")
_REDIS_DB = env.int("TEST_REDIS_DB_BASE", default=1) + int(_XDIST_WORKER.removeprefix("gw") or 0)
CACHES["default"]["KEY_PREFIX"] = f"test-{_REDIS_DB}"
WEBHOOK_WAKE_KEY = f"test-{_REDIS_DB}:webhooks:drain-scheduled"
# Rate-limit buckets outlive a test run by up to a minute; a fresh prefix per process keeps one
# run's pauses out of the next run's tests.
RATE_LIMIT_KEY_PREFIX = f"test-{_REDIS_DB}-{uuid.uuid4().hex[:8]}:ratelimit"
CELERY_BROKER_URL = urlunsplit(urlsplit(REDIS_URL)._replace(path=f"/{_REDIS_DB}"))
ACCOUNT_RATE_LIMITS = False
# Unit tests run tasks inline once their transaction commits; the browser tests start a real
# worker process and switch this off.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Serve static files straight from the source folders: tests never run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

TOKEN_ENCRYPTION_KEYS = ["tXodZqmy_tGl7aCvCS1eCeTGUhdsLGmP9BVNoRweyag="]
TIKTOK_CLIENT_KEY = "test_client_key"
TIKTOK_CLIENT_SECRET = "test_client_secret"  # noqa: S105
TIKTOK_SHOP_APP_KEY = "29a39d"
TIKTOK_SHOP_APP_SECRET = "e59af819cc"  # noqa: S105 - the Shop docs' own signing example

"""Production settings for bench/comment_to_dm.py, with three deliberate differences:

- Outbound rate limits raised far above anything the run reaches. The emulator holds one
  TikTok business account, and TikTok's per-account limits (2 replies/s, 5 DMs/s here) would
  otherwise be the only thing measured; the bench measures the pipeline's own capacity. In
  production each account keeps its real limits and many accounts run side by side.
- Session and CSRF cookies without the Secure flag: the bench logs in over plain HTTP on
  loopback (there is no TLS terminator in front of gunicorn here).
- Logging at WARNING: the API clients log one INFO line per call.
- Static files served unhashed, so the login page renders without a collectstatic (which
  would write into the shared var/staticfiles).

Everything else (TikTok base URLs, PUBLIC_BASE_URL, the database and Redis) comes from the
environment the bench script sets, exactly as production reads it.
"""

import os

os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from chatsparks.settings.production import *  # noqa: F403

TIKTOK_RATE_LIMITS = {
    "comment_reply": (100_000.0, 100_000),
    "message_send": (100_000.0, 100_000),
}
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

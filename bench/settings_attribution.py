"""Production settings for bench/attribution.py, with a few deliberate differences:

- Tasks run inline (``CELERY_TASK_ALWAYS_EAGER``): the bench starts no worker, and nothing it
  measures (``order_match``, ``order_store``, the analytics pages) queues work on its path.
- Session and CSRF cookies without the Secure flag, and no HTTPS redirect: the pages are
  fetched over plain HTTP on loopback (there is no TLS terminator in front of gunicorn here).
- Static files served unhashed, so pages render without a collectstatic (which would write
  into the shared var/staticfiles).
- Logging at WARNING.

The database and Redis come from the environment the bench script sets (its own database,
a Redis database of its own), exactly as production reads them.
"""

import os
import warnings

os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from chatsparks.settings.production import *  # noqa: F403

ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405 - Django's test Client
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# WhiteNoise looks for collected static files, which the bench never collects.
warnings.filterwarnings("ignore", message="No directory at")
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

"""Production settings, plus the bench URLs: the real receiver beside two bare baselines on
the same server, so one run compares like with like."""

import os

os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from chatsparks.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

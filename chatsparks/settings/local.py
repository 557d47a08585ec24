"""`make run` on a developer's machine: debug on, mail to the console, loopback only."""

from chatsparks.settings.base import *  # noqa: F403
from chatsparks.settings.env import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="local-only-secret-key-not-for-production-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

"""Production: refuses to start without its secrets, and with every transport hardening on."""

from chatsparks.settings.base import *  # noqa: F403
from chatsparks.settings.env import env, mailer_from_env, require

require("SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS")
if env.bool("DEBUG", default=False):
    raise RuntimeError("Refusing to start: DEBUG must be off in production.")

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
MAILERS = {"default": mailer_from_env(default="smtp")}

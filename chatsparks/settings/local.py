"""`make run` on a developer's machine: debug on, mail to the console, loopback only."""

from chatsparks.settings.base import *  # noqa: F403
from chatsparks.settings.env import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="local-only-secret-key-not-for-production-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

# A fixed key for local data only; production refuses to start without its own.
TOKEN_ENCRYPTION_KEYS = env.list(
    "TOKEN_ENCRYPTION_KEYS", default=["pulaqOWYvHL_YZqyj0aA8uvZ50ASY-KltvgKw1jBSRM="]
)

# Forwarded emails carry reply addresses here; replies are replayed with
# `manage.py helpdesk_inbound reply.eml` (no mail reaches a developer's machine).
HELPDESK_INBOUND_DOMAIN = env.str("HELPDESK_INBOUND_DOMAIN", default="reply.localhost")

# Every TikTok host is the emulator that `make run` starts, with its demo app credentials.
EMULATOR_URL = env.str("EMULATOR_URL", default="http://127.0.0.1:8100")
TIKTOK_AUTHORIZE_BASE_URL = env.str("TIKTOK_AUTHORIZE_BASE_URL", default=EMULATOR_URL)
TIKTOK_BUSINESS_API_BASE_URL = env.str("TIKTOK_BUSINESS_API_BASE_URL", default=EMULATOR_URL)
TIKTOK_CLIENT_KEY = env.str("TIKTOK_CLIENT_KEY", default="cs_demo_business_app")
TIKTOK_CLIENT_SECRET = env.str("TIKTOK_CLIENT_SECRET", default="cs_demo_business_secret")
TIKTOK_SHOP_AUTHORIZE_BASE_URL = env.str("TIKTOK_SHOP_AUTHORIZE_BASE_URL", default=EMULATOR_URL)
TIKTOK_SHOP_AUTH_BASE_URL = env.str("TIKTOK_SHOP_AUTH_BASE_URL", default=EMULATOR_URL)
TIKTOK_SHOP_API_BASE_URL = env.str("TIKTOK_SHOP_API_BASE_URL", default=EMULATOR_URL)
TIKTOK_SHOP_APP_KEY = env.str("TIKTOK_SHOP_APP_KEY", default="cs_demo_shop_app")
TIKTOK_SHOP_APP_SECRET = env.str("TIKTOK_SHOP_APP_SECRET", default="cs_demo_shop_secret")
TIKTOK_SHOP_SERVICE_ID = env.str("TIKTOK_SHOP_SERVICE_ID", default="7100000000000000001")

"""Settings shared by every environment. Environment-specific modules import * from here."""

from datetime import timedelta

from celery.schedules import crontab
from django.utils.csp import CSP

from chatsparks.settings.env import BASE_DIR, env, mailer_from_env

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "chatsparks.users",
    "chatsparks.workspaces",
    "chatsparks.dashboard",
    "integrations",
    "inbox",
    "flows",
    "attribution",
    "helpdesk",
    "support",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "chatsparks.urls"
WSGI_APPLICATION = "chatsparks.wsgi.application"
ASGI_APPLICATION = "chatsparks.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chatsparks.workspaces.context_processors.workspace",
                "inbox.context_processors.usage",
            ],
        },
    },
]

# PostgreSQL only: row locks, SKIP LOCKED, partial unique indexes and JSONB are relied upon.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/chatsparks")
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Django's own queries bind on the client and are never prepared; a few hot statements (order
# matching) ask psycopg to prepare them, which a threshold of None forbids. Behind a
# transaction-mode pooler without prepared-statement support, set DB_PREPARED_STATEMENTS=false.
DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
    5 if env.bool("DB_PREPARED_STATEMENTS", default=True) else None
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "chatsparks",
    }
}

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password reset links (Django's token generator, which allauth uses) die after one hour.
PASSWORD_RESET_TIMEOUT = 60 * 60

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[ChatSparks] "
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
ACCOUNT_RATE_LIMITS: dict[str, str] | bool = {"login_failed": "10/m/ip,5/5m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "ChatSparks"

MAILERS = {"default": mailer_from_env()}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ChatSparks <no-reply@chatsparks.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The languages a workspace may choose as its default; TikTok Shop's markets.
WORKSPACE_LANGUAGES = [
    ("en", "English"),
    ("th", "ไทย (Thai)"),
    ("vi", "Tiếng Việt (Vietnamese)"),
    ("id", "Bahasa Indonesia"),
    ("ms", "Bahasa Melayu"),
    ("fil", "Filipino"),
    ("es", "Español"),
]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# No inline scripts or styles anywhere: htmx and our own JS are static files.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    # TikTok serves avatars and product images from its CDNs.
    "img-src": [
        CSP.SELF,
        "data:",
        "https://*.tiktokcdn.com",
        "https://*.tiktokcdn-us.com",
        "https://*.tiktokcdn-eu.com",
        "https://*.ibyteimg.com",
        "https://*.byteimg.com",
        # Images uploaded to Shop chat are served by the Shop API's host (the emulator locally).
        env.str("TIKTOK_SHOP_API_BASE_URL", default="https://open-api.tiktokglobalshop.com"),
    ],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ChatSparks API",
    "DESCRIPTION": "Workspace-scoped API behind the ChatSparks dashboard.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

# Celery: JSON only, one message prefetched per worker process so a slow task never hoards
# others, hard limits so a hung call cannot pin a worker.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers an unacknowledged message after this; longer waits live in the database.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
# Celery's Django fixup closes the DB connection around every task unless this is set, which
# cost 2.4x in throughput here; CONN_MAX_AGE + health checks keep reused connections honest.
CELERY_DB_REUSE_MAX = 1000
CELERY_BEAT_SCHEDULE = {
    # Catches any lost wake-up: a stored webhook waits at most this long.
    "webhooks.sweep": {"task": "webhooks.events_drain", "schedule": 10.0},
    "webhooks.purge": {"task": "webhooks.events_purge", "schedule": crontab(minute=41)},
    "sync.tokens": {"task": "sync.tokens_refresh_due", "schedule": crontab(minute="*/15")},
    "sync.connections": {"task": "sync.connections_sync_all", "schedule": crontab(minute="*/15")},
    "sends.recover": {"task": "sends.recover_stuck", "schedule": 60.0},
    # Flow waits, high-intent re-checks and expiring invitations are rows with a wake time.
    "flows.runs_wake": {"task": "flows.runs_wake", "schedule": 5.0},
    "inbox.waiting_close": {"task": "inbox.conversations_close_expired", "schedule": 300.0},
    "sync.orders-complete": {"task": "sync.orders_complete", "schedule": 120.0},
    # Shop chat: webhooks 13/14 carry it; this catches what they missed.
    "sync.shop-chat": {"task": "sync.shop_chat_all", "schedule": 180.0},
    "sync.reconcile": {"task": "sync.connections_reconcile_all", "schedule": crontab(minute="*/5")},
    # Analytics rollups: today and yesterday for workspaces with new activity, and a nightly
    # settle of the weeks before (late replies, refunds, soft attributions decided).
    "analytics.refresh": {"task": "analytics.rollups_refresh", "schedule": 300.0},
    "analytics.service_waits": {"task": "analytics.service_waits_refresh", "schedule": 60.0},
    "analytics.settle": {
        "task": "analytics.rollups_settle",
        "schedule": crontab(hour=2, minute=40),
    },
    # Helpdesk forwarding: consolidated emails whose window ended, retries, bounces.
    "helpdesk.mail_due": {"task": "helpdesk.mail_due", "schedule": 30.0},
    "workspaces.purge-stale-invitations": {
        "task": "workspaces.invitations_purge_stale",
        "schedule": crontab(minute=17),
    },
}

INVITATION_LIFETIME = timedelta(days=7)
INVITATION_RETENTION = timedelta(days=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # httpx logs every request URL at INFO, query string (and so app secrets) included;
        # integrations.clients logs its own redacted line instead.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# Fernet keys for TikTok tokens at rest, newest first (MultiFernet): rotate by prepending.
TOKEN_ENCRYPTION_KEYS: list[str] = env.list("TOKEN_ENCRYPTION_KEYS", default=[])

# The TikTok platforms: one base URL per real host, and this app's credentials on each.
# chatsparks.settings.local points them all at the emulator (emulator/, `make run` starts it).
TIKTOK_AUTHORIZE_BASE_URL = env.str("TIKTOK_AUTHORIZE_BASE_URL", default="https://www.tiktok.com")
TIKTOK_BUSINESS_API_BASE_URL = env.str(
    "TIKTOK_BUSINESS_API_BASE_URL", default="https://business-api.tiktok.com"
)
TIKTOK_CLIENT_KEY = env.str("TIKTOK_CLIENT_KEY", default="")
TIKTOK_CLIENT_SECRET = env.str("TIKTOK_CLIENT_SECRET", default="")
TIKTOK_SHOP_AUTHORIZE_BASE_URL = env.str(
    "TIKTOK_SHOP_AUTHORIZE_BASE_URL", default="https://services.tiktokshop.com"
)
TIKTOK_SHOP_AUTH_BASE_URL = env.str(
    "TIKTOK_SHOP_AUTH_BASE_URL", default="https://auth.tiktok-shops.com"
)
# Where a buyer opens a product (shop links in TikTok DMs, which carry no product cards).
TIKTOK_SHOP_PRODUCT_URL = env.str(
    "TIKTOK_SHOP_PRODUCT_URL", default="https://shop.tiktok.com/view/product/{product_id}"
)
# A seller's order in TikTok Shop's Seller Center (linked from the conversation panel).
TIKTOK_SHOP_ORDER_URL = env.str(
    "TIKTOK_SHOP_ORDER_URL",
    default="https://seller.tiktokshop.com/order/detail?order_no={order_id}",
)
TIKTOK_SHOP_API_BASE_URL = env.str(
    "TIKTOK_SHOP_API_BASE_URL", default="https://open-api.tiktokglobalshop.com"
)
TIKTOK_SHOP_APP_KEY = env.str("TIKTOK_SHOP_APP_KEY", default="")
TIKTOK_SHOP_APP_SECRET = env.str("TIKTOK_SHOP_APP_SECRET", default="")
TIKTOK_SHOP_SERVICE_ID = env.str("TIKTOK_SHOP_SERVICE_ID", default="")

# Helpdesk forwarding (helpdesk/): replies to forwarded emails come back to
# reply+<token>@HELPDESK_INBOUND_DOMAIN, whose MX is the email provider; its inbound route posts
# them to /webhooks/email/mailgun/inbound_mime/, verified by django-anymail with both secrets
# below. Unset, forwarded emails go out without a reply address (and the endpoint is a 404).
HELPDESK_INBOUND_DOMAIN = env.str("HELPDESK_INBOUND_DOMAIN", default="")
ANYMAIL = {
    # "user:password" the provider sends as HTTP basic auth on every webhook post.
    "WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default=""),
    "MAILGUN_WEBHOOK_SIGNING_KEY": env.str("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
}

# Where TikTok can reach this deployment: webhook subscriptions point here.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

# Webhooks: bodies above this are refused unread; TikTok-Signature timestamps older than the
# tolerance are refused as replays (TikTok leaves the window to the receiver).
WEBHOOK_MAX_BODY_BYTES = 256 * 1024
# Outbound calls per TikTok account and endpoint class: (calls per second, burst). TikTok's
# Business API allows 10 QPS per app on the basic tier; these stay under it per account.
TIKTOK_RATE_LIMITS: dict[str, tuple[float, int]] = {
    "comment_reply": (2.0, 5),
    "message_send": (5.0, 10),
}
RATE_LIMIT_KEY_PREFIX = "chatsparks:ratelimit"

# Set in Redis while a drain of stored webhooks is scheduled (integrations/webhooks/ingest.py).
WEBHOOK_WAKE_KEY = "chatsparks:webhooks:drain-scheduled"
TIKTOK_WEBHOOK_TOLERANCE_SECONDS = env.int("TIKTOK_WEBHOOK_TOLERANCE_SECONDS", default=300)

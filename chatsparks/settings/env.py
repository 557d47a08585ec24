"""The one place settings read the process environment.

Every setting that can vary between machines goes through ``env`` so that a missing or
malformed value fails the same way everywhere, and production can list what it requires.
"""

from pathlib import Path
from typing import Any

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()


_MAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
}


def mailer_from_env(default: str = "console") -> dict[str, Any]:
    """The default mailer, chosen by ``MAIL_BACKEND`` (console, file, smtp, memory)."""
    kind = env.str("MAIL_BACKEND", default=default)
    if kind not in _MAIL_BACKENDS:
        raise MissingSetting(f"MAIL_BACKEND must be one of {', '.join(_MAIL_BACKENDS)}")
    options: dict[str, Any] = {}
    if kind == "file":
        options["file_path"] = env.str("MAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
    elif kind == "smtp":
        options = {
            "host": env.str("EMAIL_HOST", default="localhost"),
            "port": env.int("EMAIL_PORT", default=587),
            "username": env.str("EMAIL_HOST_USER", default=""),
            "password": env.str("EMAIL_HOST_PASSWORD", default=""),
            "use_tls": env.bool("EMAIL_USE_TLS", default=True),
            "timeout": 10,
        }
    return {"BACKEND": _MAIL_BACKENDS[kind], "OPTIONS": options}


class MissingSetting(RuntimeError):
    """Raised at start-up when production lacks a value it must not run without."""


def require(*names: str) -> None:
    missing = [name for name in names if not env.str(name, default="")]
    if missing:
        raise MissingSetting(
            "Refusing to start: set these environment variables: " + ", ".join(missing)
        )

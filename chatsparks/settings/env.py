"""The one place settings read the process environment.

Every setting that can vary between machines goes through ``env`` so that a missing or
malformed value fails the same way everywhere, and production can list what it requires.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()


class MissingSetting(RuntimeError):
    """Raised at start-up when production lacks a value it must not run without."""


def require(*names: str) -> None:
    missing = [name for name in names if not env.str(name, default="")]
    if missing:
        raise MissingSetting(
            "Refusing to start: set these environment variables: " + ", ".join(missing)
        )

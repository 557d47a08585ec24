import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = ("SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS")


def import_production(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in REQUIRED and k != "DEBUG"}
    return subprocess.run(
        [sys.executable, "-c", "import chatsparks.settings.production"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_and_names_every_missing_secret() -> None:
    result = import_production()

    assert result.returncode != 0
    assert (
        "Refusing to start: set these environment variables: " + ", ".join(REQUIRED)
        in result.stderr
    )


def complete_env(**overrides: str) -> dict[str, str]:
    return {
        "SECRET_KEY": "x" * 60,
        "TOKEN_ENCRYPTION_KEYS": "a2V5LWtleS1rZXkta2V5LWtleS1rZXkta2V5LWtleS0=",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/chatsparks",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "ALLOWED_HOSTS": "app.chatsparks.example",
        **overrides,
    }


def test_production_refuses_debug() -> None:
    result = import_production(**complete_env(DEBUG="true"))

    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


@pytest.mark.parametrize("missing", REQUIRED)
def test_each_secret_is_required(missing: str) -> None:
    env = complete_env()
    del env[missing]

    result = import_production(**env)

    assert result.returncode != 0
    assert f"set these environment variables: {missing}" in result.stderr


def test_production_starts_with_everything_set() -> None:
    assert import_production(**complete_env()).returncode == 0

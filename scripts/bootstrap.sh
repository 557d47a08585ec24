#!/usr/bin/env bash
# Make .venv ready for `make run` / `make test`: a virtualenv on Python >= 3.12 (Django 6 needs
# it) with the project installed editable with its [dev] extra.
#
# Idempotent and quiet: the common case (nothing changed) costs a few Python start-ups. pip runs
# only when pyproject.toml changed since the last successful install, tracked by a hash stamp
# kept inside .venv so that deleting .venv also forgets the stamp.
#
# Set PYTHON=/path/to/python3.12 to choose the interpreter yourself.
set -euo pipefail

cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.chatsparks-install-stamp"
NEED="ChatSparks needs Python 3.12+ (Django 6)."

die() {
    echo "bootstrap: $*" >&2
    exit 1
}

# True when $1 runs and is Python >= 3.12. Running it (rather than trusting its name) matters:
# pyenv puts shims such as python3.12 on PATH that exist but fail unless that version is active.
python_ok() {
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

# The directory pyenv keeps its Pythons in, whether or not pyenv itself is on PATH.
pyenv_root() {
    if command -v pyenv >/dev/null 2>&1; then
        pyenv root
    else
        echo "${PYENV_ROOT:-$HOME/.pyenv}"
    fi
}

# Print the path of a suitable interpreter, or fail with what to install.
find_python() {
    if [[ -n "${PYTHON:-}" ]]; then
        if ! python_ok "$PYTHON"; then
            local found
            found="$("$PYTHON" --version 2>&1 | head -n1)" || found="not a working Python"
            die "PYTHON=$PYTHON is $found. $NEED Set PYTHON to a python3.12 or newer."
        fi
        echo "$PYTHON"
        return
    fi

    local candidate
    for candidate in python3.14 python3.13 python3.12 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
            echo "$candidate"
            return
        fi
    done

    # Highest pyenv-installed 3.12+ (sort -V so that 3.13.0 beats 3.12.10).
    local root
    root="$(pyenv_root)"
    while read -r candidate; do
        if [[ -n "$candidate" ]] && python_ok "$candidate"; then
            echo "$candidate"
            return
        fi
    done < <(ls -d "$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV)

    die "$NEED Install python3.12 or newer, or set PYTHON=/path/to/python3.12"
}

# The real interpreter behind $1 (a shim, a bare name or a venv's python) as an absolute path.
real_interpreter() {
    "$1" -c 'import os, sys; print(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))'
}

# True when .venv exists, runs, is on 3.12+ and, if PYTHON is set, is built on that interpreter.
venv_usable() {
    [[ -x "$VENV/bin/python" ]] && python_ok "$VENV/bin/python" || return 1
    if [[ -n "${PYTHON:-}" ]]; then
        [[ "$(real_interpreter "$VENV/bin/python")" == "$(real_interpreter "$PYTHON")" ]] || return 1
    fi
}

# Create .venv, replacing one that is missing, broken, on a Python older than 3.12, or not on
# the interpreter PYTHON asks for.
ensure_venv() {
    if [[ -n "${PYTHON:-}" ]]; then
        find_python >/dev/null # rejects a PYTHON older than 3.12 even when .venv is fine
    fi
    if venv_usable; then
        return
    fi
    local python
    python="$(find_python)"
    python="$(real_interpreter "$python")"
    rm -rf "$VENV"
    "$python" -m venv "$VENV" || die "could not create $VENV with $python"
}

pyproject_hash() {
    "$VENV/bin/python" -c \
        'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' \
        pyproject.toml
}

# pip install -e '.[dev]' unless the stamp says this pyproject.toml is already installed.
ensure_installed() {
    local want
    want="$(pyproject_hash)"
    if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
        return
    fi
    # One line, so a first run that takes minutes does not look hung.
    echo "bootstrap: installing dependencies into $VENV (new .venv or pyproject.toml changed)..." >&2
    local log
    log="$(mktemp)"
    if ! "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e '.[dev]' \
        >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        die "pip install -e '.[dev]' failed (output above)"
    fi
    rm -f "$log"
    echo "$want" >"$STAMP"
}

# Serialise concurrent bootstraps (make run in one terminal, make test in another) where
# flock exists; elsewhere the race only matters on the rare run that installs.
with_lock() {
    if command -v flock >/dev/null 2>&1; then
        mkdir -p var
        exec 9>var/.bootstrap.lock
        flock 9
    fi
    "$@"
}

main() {
    ensure_venv
    ensure_installed
}

with_lock main

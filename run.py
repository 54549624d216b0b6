#!/usr/bin/env python3
"""Set up the project's environment from the lock file, then run a job in it.

    python3 run.py publish     # install (first time), then extract, validate and publish raw/ into published/
    python3 run.py test        # install (first time), then run the whole test suite (what CI runs)
    python3 run.py test --fast # only the fast tests: no release published, no Prefect, no browser (under a minute)
    python3 run.py lint        # ruff (lint and format check) and mypy (types) on the code
    python3 run.py -- CMD ...  # any command inside the environment, e.g. python3 run.py -- govreport --help

Needs only Python 3.11 and pip. The environment lives in .venv/ and is rebuilt
whenever requirements.lock changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".lock-sha256"
FAST_TESTS = "not slow and not prefect and not browser"  # pytest markers, declared in pyproject.toml
LINT = [
    ("ruff", "check", "src", "tests", "bench", "run.py"),  # lint
    ("ruff", "format", "--check", "src", "tests", "bench", "run.py"),  # one layout: `ruff format` fixes it
    ("mypy",),
]  # mypy: its files are in pyproject.toml
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def sh(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT)


def ensure_environment() -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"govreport needs Python 3.11; this is {sys.version.split()[0]}")
    want = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == want and (BIN / "govreport").exists():
        return
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    py = BIN / "python"
    # Exact versions and hashes from the lock file; then the project itself, without touching them.
    sh(
        py,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--require-hashes",
        "--no-deps",
        "-r",
        LOCK,
    )
    sh(py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "-e", ".")
    STAMP.write_text(want + "\n")


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    ensure_environment()
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if argv[0] == "publish":
        cmd = [BIN / "govreport", "publish", *argv[1:]]
    elif argv[0] == "test":
        args = argv[1:]
        if "--fast" in args:
            args.remove("--fast")
            args = ["-m", FAST_TESTS, *args]
        cmd = [BIN / "python", "-m", "pytest", *args]
    elif argv[0] == "lint":
        for check in LINT:
            code = subprocess.run([str(BIN / check[0]), *check[1:]], cwd=ROOT, env=env).returncode
            if code:
                return code
        return 0
    elif argv[0] == "--":
        cmd = argv[1:]
    else:
        print(__doc__)
        return 2
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The working folders: raw/ (the input reports), published/ (the releases), state/ (caches, rejected releases).

In the current directory, or under GOVREPORT_HOME when it is set. Code and the contract's data files are never
looked for here: they ship inside the package (govreport.contract.files)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(os.environ.get("GOVREPORT_HOME") or ".")
RAW_DIR = PROJECT_DIR / "raw"
PUBLISHED_DIR = PROJECT_DIR / "published"
STATE_DIR = PROJECT_DIR / "state"


def is_remote(target: str | Path) -> bool:
    """Whether releases go to an fsspec URL (s3://bucket/prefix) rather than a folder."""
    return "://" in str(target) and not str(target).startswith("file://")

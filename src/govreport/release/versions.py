"""Release versions: MAJOR.MINOR.PATCH, parsed and ordered in one place."""

from __future__ import annotations

import re

VERSION_NAME = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")  # a release folder's name


def parse_version(v: str) -> tuple[int, int, int]:
    """(major, minor, patch) of "1.2.0"; ValueError for anything else."""
    m = VERSION_NAME.match(str(v))
    if not m:
        raise ValueError(f"not a release version (MAJOR.MINOR.PATCH): {v!r}")
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def is_version(v) -> bool:
    return bool(VERSION_NAME.match(str(v)))

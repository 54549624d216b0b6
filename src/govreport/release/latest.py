"""`<package>/latest/`: a stable path to the newest release, for BI tools and links that must not change.

It is a relative symbolic link to the version folder, replaced in one rename, so a
reader sees the old release or the new one, never a mix. `latest.json` says the same
for readers that cannot follow links (object stores, some web servers).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

LATEST = "latest"


def is_pointer(path: Path) -> bool:
    """The latest/ entry (a link, or a copy that a copying tool made of it), not a release of its own."""
    return path.name == LATEST or path.is_symlink()


def point_latest(package_dir: Path, version: str) -> Path:
    link = Path(package_dir) / LATEST
    tmp = Path(package_dir) / f".{LATEST}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    os.symlink(version, tmp, target_is_directory=True)
    if link.is_dir() and not link.is_symlink():  # a copy of the link, left by cp -r or shutil.copytree
        shutil.rmtree(link)
    os.replace(tmp, link)
    return link

"""Inputs stay inside raw/: a raw file that is a symlink to somewhere else is refused, not followed.

A symlink in raw/ pointing out of it would publish whatever it points at (the source page shows the whole
text), so such a file is reported and skipped, like the manifest's path escapes. Symlinks between files
inside raw/ are harmless and allowed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def outside_problem(path: str | os.PathLike, folder: str | os.PathLike | None = None) -> str | None:
    """Why `path` must not be read as an input of `folder` (default: its own folder), or None when it may."""
    path = Path(path)
    folder = Path(folder) if folder is not None else path.parent
    try:
        target = path.resolve(strict=True)
        mode = os.stat(target).st_mode
    except (OSError, RuntimeError) as err:  # RuntimeError: a symlink loop
        return f"cannot read file: {getattr(err, 'strerror', None) or err}"
    if path.is_symlink() or target.parent != folder.resolve():
        if not target.is_relative_to(folder.resolve()):
            return f"symlink to {target}, outside {folder}: refused (inputs must stay inside the raw folder)"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    return None

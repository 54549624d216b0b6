"""The publish lock: one publishing run per output folder at a time (an flock on a file inside it).

Its own module, light to import: the no-change check takes it before anything heavy is loaded.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".publish.lock"


class PublishLocked(Exception):
    pass


@contextmanager
def publish_lock(out_dir: Path, wait_seconds: float = 0) -> Iterator[None]:
    out_dir.mkdir(parents=True, exist_ok=True)
    fh = open(out_dir / LOCK_NAME, "a+")
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                fh.close()
                raise PublishLocked(
                    f"{out_dir}: another publish run holds {LOCK_NAME}; try again when it ends"
                ) from None
            time.sleep(0.2)
    try:
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()

"""The sha256 of raw files, remembered with their metadata, so that a file unchanged on disk is not read again.

Checking whether anything changed hashes every raw file: 178 MB and most of a second at 10 000 documents,
growing with the corpus. As git's index does, a file whose size, modification and change times, inode and
device are those recorded beside its hash is taken to hold the same bytes. The change time cannot be set by
`touch` or `os.utime`: a file rewritten in place with its old size and modification time shows all the same.
A file written again within one tick of the filesystem's clock after it was hashed could keep every figure
("racily clean", in git's words), so a hash is remembered only for a file last changed a few seconds before
it was read; a younger one is read again next time.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path

from govreport.sources.decode import file_sha256

RECORD = "raw-hashes.json"  # in the state folder; losing it costs one reading of every file, nothing else
SETTLED_NS = 3_000_000_000  # younger changes are not trusted to show (FAT keeps modification times to 2 s)


class RememberedHashes:
    """The raw folder's files' sha256, read from disk only for files whose metadata differ from the record.
    state_dir None: nothing is remembered, every file is read."""

    def __init__(self, raw_dir: Path, state_dir: Path | None):
        self._record = Path(state_dir) / RECORD if state_dir is not None else None
        self._folder = os.path.realpath(raw_dir)
        self._known = self._read()
        self._now: dict[str, list] = {}

    def _read(self) -> dict[str, list]:
        if self._record is None:
            return {}
        try:
            record = json.loads(self._record.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # missing or torn: every file is read once more
            return {}
        if not isinstance(record, dict) or record.get("folder") != self._folder:
            return {}  # another raw folder's files: same names, other bytes
        files = record.get("files")
        return files if isinstance(files, dict) else {}

    def sha256(self, entry: os.DirEntry) -> str:
        """The sha256 of the file entry names (a link's target's bytes)."""
        st = entry.stat()
        seen = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]
        known = self._known.get(entry.name)
        if isinstance(known, list) and known[:5] == seen and len(known) == 6:
            self._now[entry.name] = known
            return known[5]
        digest = file_sha256(entry.path)  # metadata taken before reading: a write meanwhile shows next time
        if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > SETTLED_NS:
            self._now[entry.name] = [*seen, digest]
        return digest

    def save(self) -> None:
        """Record this pass's files (only when they differ from the record: an unchanged folder writes nothing).
        Without fsync: a record torn by a crash fails to parse and costs one reading of every file."""
        if self._record is None or self._now == self._known:
            return
        temporary = self._record.with_name(f".{RECORD}.{os.getpid()}")
        try:
            self._record.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps({"folder": self._folder, "files": self._now}), encoding="utf-8")
            os.replace(temporary, self._record)
        except OSError:  # a read-only state folder: the next run reads every file, as it would without a record
            with contextlib.suppress(OSError):
                temporary.unlink()

"""Checksums of what decides the data: the package's own files, and a release's inputs.

Light to import on purpose: the CLI compares the inputs with the latest release's before it starts
anything heavy (Prefect, pyarrow, the extractor), so an unchanged run costs about a second.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent


@lru_cache(maxsize=8)
def code_checksum(stages: tuple[str, ...] = (), skip: tuple[Path, ...] = ()) -> str:
    """A hash of the package's own files (code, word lists, templates, contract data), not bytecode.
    stages: only these subpackages (default: all); skip: folders left out."""
    h = hashlib.sha256()
    for root in [PACKAGE_ROOT / s for s in stages] or [PACKAGE_ROOT]:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix != ".pyc" and not any(s in path.parents for s in skip):
                h.update(path.relative_to(PACKAGE_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def inputs_fingerprint(paths: Iterable[Path], entries: dict, digests: dict[str, str] | None = None) -> str:
    """A hash of every input of a release: the raw files' names, bytes and manifest entries, and the code.
    Equal to the latest release's: nothing can have changed, and nothing needs extracting.
    digests: files' sha256 by name, already read (folder_fingerprint's): not read twice."""
    from govreport.sources.decode import file_sha256

    h = hashlib.sha256(code_checksum().encode())
    for path in sorted(paths):
        digest = (digests or {}).get(path.name)
        if digest is None:
            try:
                digest = file_sha256(path)
            except OSError as err:
                digest = repr(err)
        h.update(path.name.encode() + b"\0" + repr(entries.get(path.name)).encode() + b"\0" + digest.encode())
    return h.hexdigest()


def folder_fingerprint(raw_dir: Path, state_dir: Path | None = None) -> tuple[str, dict[str, str]]:
    """A hash of raw/ as it lies on disk, and the code: every entry's name and kind (a link's target too) and
    every file's bytes, the manifest's included. Equal to a run's: that run's reading of raw/ (its files,
    manifest entries and problems) holds now, without parsing the manifest again. With it, the sha256 of
    every file read, by name. state_dir: where the files' hashes are remembered by their metadata
    (sources/remembered_hashes.py), so that only files changed on disk are read."""
    from govreport.sources.remembered_hashes import RememberedHashes

    h = hashlib.sha256(code_checksum().encode())
    hashes = RememberedHashes(raw_dir, state_dir)
    digests: dict[str, str] = {}
    with os.scandir(raw_dir) as listing:
        for entry in sorted(listing, key=lambda e: e.name):
            try:
                kind = f"link to {os.readlink(entry.path)}" if entry.is_symlink() else ""
                if entry.is_file():
                    digests[entry.name] = hashes.sha256(entry)
                    kind += " file " + digests[entry.name]
                else:
                    kind += " other"
            except OSError as err:
                kind = repr(err)
            h.update(entry.name.encode("utf-8", "surrogateescape") + b"\0" + kind.encode() + b"\0")
    hashes.save()
    return h.hexdigest(), digests

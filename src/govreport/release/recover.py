"""Every run starts here: put a published folder back in order after a crash, a full disk or damage.

The version folders are the truth; latest.json (the commit point), catalog.json and index.html are
derived from them. A crash can leave, at worst:
  - staging folders and .tmp files of the dead run: removed;
  - a version folder renamed into place but never pointed at: adopted if its files match the hashes its
    datapackage.json records, else moved aside into .aside/ (never deleted);
  - a missing, truncated or dangling latest.json: rebuilt from the newest version folder that verifies;
  - a catalog.json or index.html that is missing, corrupt or lags behind: rebuilt from the folders.
Called under the publish lock, so no live publisher is writing.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from govreport.contract.model import PACKAGE_NAME
from govreport.release.catalog import catalog_of, json_bytes
from govreport.release.commit import atomic_write, fsync_path, verify_release
from govreport.release.latest import LATEST, point_latest
from govreport.release.versions import VERSION_NAME, parse_version

ASIDE = ".aside"  # where unusable version folders are moved, under the published folder


def version_folders(package_dir: Path) -> list[str]:
    """The package's version folders, oldest first."""
    if not package_dir.is_dir():
        return []
    names = (p.name for p in package_dir.iterdir() if p.is_dir() and VERSION_NAME.match(p.name))
    return sorted(names, key=parse_version)


def read_pointer(package_dir: Path) -> str | None:
    """The version latest.json names, or None when it is missing, unreadable or names no version folder."""
    try:
        version = json.loads((package_dir / "latest.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if (
        not isinstance(version, str)
        or not VERSION_NAME.match(version)
        or not (package_dir / version / "datapackage.json").is_file()
    ):
        return None
    return version


def read_latest(package_dir: Path) -> dict | None:
    """The latest release's descriptor; None when nothing is published or latest.json needs recovery."""
    version = read_pointer(package_dir)
    if version is None:
        return None
    return json.loads((package_dir / version / "datapackage.json").read_text(encoding="utf-8"))


def pointer_bytes(version: str) -> bytes:
    return (
        json.dumps({"name": PACKAGE_NAME, "version": version, "path": f"{version}/"}, ensure_ascii=False, indent=2)
        + "\n"
    ).encode("utf-8")


def _clean_leftovers(folder: Path, notes: list[str]) -> None:
    if not folder.is_dir():
        return
    for stale in folder.glob(".staging-*"):
        shutil.rmtree(stale, ignore_errors=True)
        notes.append(f"removed {stale.name}, the staging folder of an interrupted run")
    for stale in folder.glob(".*.tmp"):
        stale.unlink(missing_ok=True)
        notes.append(f"removed {stale.name}, a temporary file of an interrupted run")


def move_aside(out_dir: Path, release: Path, why: list[str]) -> Path:
    target = out_dir / ASIDE / f"{release.parent.name}-{release.name}-{time.strftime('%Y%m%dT%H%M%S')}"
    target.parent.mkdir(parents=True, exist_ok=True)
    release.rename(target)
    (target / "WHY.txt").write_text("\n".join(why) + "\n", encoding="utf-8")
    fsync_path(release.parent)
    return target


def _link_target(link: Path) -> str | None:
    try:
        return os.readlink(link)
    except OSError:
        return None


def recover(out_dir: Path) -> list[str]:
    """Bring out_dir to a consistent state; return what was done, one line each (empty: nothing to do)."""
    out_dir = Path(out_dir)
    package_dir = out_dir / PACKAGE_NAME
    notes: list[str] = []
    _clean_leftovers(out_dir, notes)
    _clean_leftovers(package_dir, notes)
    pointer_file = package_dir / "latest.json"
    pointer = read_pointer(package_dir)
    if pointer is None and pointer_file.exists():
        notes.append(f"{pointer_file} was unreadable or named no release; rebuilt from the version folders")
    newest = pointer
    # Folders above the pointer were renamed into place by a run that died before its commit.
    for version in reversed(version_folders(package_dir)):
        if pointer is not None and parse_version(version) <= parse_version(pointer):
            break
        release = package_dir / version
        problems = verify_release(release)
        if problems:  # with no pointer to trust, the newest folder that verifies becomes the latest
            moved = move_aside(out_dir, release, problems)
            notes.append(f"{version} was incomplete or damaged ({problems[0]}); moved aside to {moved}")
            continue
        if newest is None or parse_version(version) > parse_version(newest):
            newest = version
            if version != pointer:
                notes.append(f"{version} was complete but not committed; adopted after checking its hashes")
        if pointer is None:
            break  # the rest are older: kept as they are
    if newest is not None and newest != pointer:
        atomic_write(pointer_file, pointer_bytes(newest))
    elif newest is None and pointer_file.exists():
        pointer_file.unlink()
    if newest is not None and _link_target(package_dir / LATEST) != newest:
        point_latest(package_dir, newest)  # latest/ follows the commit point, even after a crash between them
    if not out_dir.is_dir():
        return notes
    catalog_file = out_dir / "catalog.json"
    wanted = json_bytes(catalog_of(out_dir))
    try:
        current = catalog_file.read_bytes()
    except OSError:
        current = None
    if current != wanted and (current is not None or newest is not None):
        atomic_write(catalog_file, wanted)
        notes.append(f"{catalog_file} was {'missing' if current is None else 'out of date or damaged'}; rebuilt")
    index = out_dir / "index.html"
    if newest is not None and (notes or not index.exists() or index.stat().st_mtime < catalog_file.stat().st_mtime):
        # The page follows the catalog: a run that died between writing the two left it behind (it is
        # written atomically, so never torn). Rendering it needs Jinja: not loaded when nothing is wrong.
        from govreport.site.catalog_page import build_catalog_site

        build_catalog_site(out_dir)
    return notes

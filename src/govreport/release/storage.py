"""Publishing to storage beyond the local disk: any fsspec URL (s3://bucket/prefix, gcs://..., memory://...).

The release is built exactly as for a folder, in a local mirror of the target
(its catalog, each release's descriptor, and the latest release in full), then
pushed: the new version folder first, latest.json and catalog.json last, so a
reader never sees a pointer to a version that is not all there. Object stores
have no rename; writing the pointers last is what keeps releases whole.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import fsspec

from govreport.extract.pipeline import DocumentResult
from govreport.release.publish import PACKAGE_NAME, PublishOutcome, publish


def is_remote(target: str | Path) -> bool:
    return "://" in str(target) and not str(target).startswith("file://")


def _pull(fs, root: str, mirror: Path) -> None:
    """Copy what publishing reads from the target into the mirror."""
    shutil.rmtree(mirror, ignore_errors=True)
    mirror.mkdir(parents=True)
    package = f"{root}/{PACKAGE_NAME}"
    if not fs.exists(f"{package}/latest.json"):
        return
    (mirror / PACKAGE_NAME).mkdir()
    latest = json.loads(fs.cat_file(f"{package}/latest.json"))["version"]
    for entry in fs.ls(package, detail=False):
        name = entry.rstrip("/").rsplit("/", 1)[-1]
        if fs.isdir(entry) and fs.exists(f"{entry}/datapackage.json"):
            (mirror / PACKAGE_NAME / name).mkdir()
            (mirror / PACKAGE_NAME / name / "datapackage.json").write_bytes(fs.cat_file(f"{entry}/datapackage.json"))
    fs.get(f"{package}/{latest}/", str(mirror / PACKAGE_NAME / latest) + "/", recursive=True)
    (mirror / PACKAGE_NAME / "latest.json").write_bytes(fs.cat_file(f"{package}/latest.json"))


def _push_tree(fs, local: Path, remote: str) -> None:
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        fs.pipe_file(f"{remote}/{path.relative_to(local).as_posix()}", path.read_bytes())


def publish_to(results: list[DocumentResult], target: str | Path, raw_dir: Path, state_dir: Path,
               **kwargs) -> PublishOutcome:
    """publish() to a folder or to an fsspec URL, with the same files either way."""
    if not is_remote(target):
        return publish(results, Path(str(target).removeprefix("file://")), raw_dir, state_dir, **kwargs)
    fs, root = fsspec.core.url_to_fs(str(target))
    root = root.rstrip("/")
    mirror = Path(state_dir) / "mirrors" / hashlib.sha1(str(target).encode()).hexdigest()[:16]
    _pull(fs, root, mirror)
    outcome = publish(results, mirror, raw_dir, state_dir, **kwargs)
    if outcome.version is not None:
        package = f"{root}/{PACKAGE_NAME}"
        _push_tree(fs, mirror / PACKAGE_NAME / outcome.version, f"{package}/{outcome.version}")
        fs.pipe_file(f"{package}/latest.json", (mirror / PACKAGE_NAME / "latest.json").read_bytes())
        fs.pipe_file(f"{root}/catalog.json", (mirror / "catalog.json").read_bytes())
        fs.pipe_file(f"{root}/index.html", (mirror / "index.html").read_bytes())
        outcome.path = f"{package}/{outcome.version}"
    return outcome


def latest_descriptor(target: str | Path) -> dict | None:
    """The latest release's datapackage.json at a folder or URL, or None."""
    from govreport.release.publish import read_latest

    if not is_remote(target):
        return read_latest(Path(str(target).removeprefix("file://")) / PACKAGE_NAME)
    fs, root = fsspec.core.url_to_fs(str(target))
    package = f"{root.rstrip('/')}/{PACKAGE_NAME}"
    if not fs.exists(f"{package}/latest.json"):
        return None
    version = json.loads(fs.cat_file(f"{package}/latest.json"))["version"]
    return json.loads(fs.cat_file(f"{package}/{version}/datapackage.json"))

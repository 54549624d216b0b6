"""Publishing to storage beyond the local disk: any fsspec URL (s3://bucket/prefix, gcs://..., memory://...).

The release is built exactly as for a folder, in a local mirror of the target
(its catalog, each release's descriptor, and the latest release in full), then
pushed: the new version folder first, latest.json (the commit point) next, the
catalog and its page last, so a reader never sees a pointer to a version that
is not all there. Object stores have no rename and no file lock, so:
  - a publisher first claims the version it is about to write, with a
    conditional put-if-absent of .claims/<package>/<version>; a publisher that
    loses the race waits for the winner's commit and builds the next version on it;
  - every run starts by recovering: a version folder above latest.json whose files
    match its recorded hashes is adopted; an incomplete one whose claim is older than
    GOVREPORT_CLAIM_TTL seconds (a dead run's) is moved aside into .aside/.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import fsspec

from govreport.extract.pipeline import DocumentResult
from govreport.paths import is_remote
from govreport.release.commit import step, verify_release
from govreport.release.lock import PublishLocked, publish_lock
from govreport.release.publish import PACKAGE_NAME, PublishOutcome, publish
from govreport.release.recover import ASIDE, pointer_bytes, read_latest, recover
from govreport.release.versions import VERSION_NAME, parse_version

CLAIMS = ".claims"
CLAIM_TTL = "GOVREPORT_CLAIM_TTL"  # seconds after which an unfinished claim is taken to be a dead run's
DEFAULT_CLAIM_TTL = 3600.0
CLAIM_WAIT_SECONDS = 300.0  # how long a publisher that lost a claim waits for the winner's commit


def _pull(fs, root: str, mirror: Path) -> None:
    """Copy what publishing reads from the target into the mirror."""
    shutil.rmtree(mirror, ignore_errors=True)
    mirror.mkdir(parents=True)
    package = f"{root}/{PACKAGE_NAME}"
    latest = _remote_pointer(fs, package)  # recover_remote has made it right, or there is no release
    if latest is None:
        return
    (mirror / PACKAGE_NAME).mkdir()
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


def _cat(fs, path: str) -> bytes | None:
    try:
        return fs.cat_file(path)
    except (FileNotFoundError, OSError):
        return None


def _remote_pointer(fs, package: str) -> str | None:
    """The version the remote latest.json names, or None when it is missing, unreadable or dangling."""
    try:
        version = json.loads(_cat(fs, f"{package}/latest.json") or b"null")["version"]
    except (ValueError, KeyError, TypeError):
        return None
    if (
        not isinstance(version, str)
        or not VERSION_NAME.match(version)
        or not fs.exists(f"{package}/{version}/datapackage.json")
    ):
        return None
    return version


def _remote_versions(fs, package: str) -> list[str]:
    if not fs.exists(package):
        return []
    names = [e.rstrip("/").rsplit("/", 1)[-1] for e in fs.ls(package, detail=False)]
    return sorted((n for n in names if VERSION_NAME.match(n)), key=parse_version)


def _claim(root: str, version: str) -> str:
    return f"{root}/{CLAIMS}/{PACKAGE_NAME}/{version}"


def _claim_age(fs, claim: str) -> float | None:
    """Seconds since the claim was made, or None when there is none."""
    try:
        made = fs.info(claim)["LastModified"]
    except (FileNotFoundError, OSError, KeyError):
        return None
    return (datetime.now(UTC) - made).total_seconds()


def _claim_ttl() -> float:
    return float(os.environ.get(CLAIM_TTL, DEFAULT_CLAIM_TTL))


def recover_remote(fs, root: str) -> list[str]:
    """recover() for a prefix in object storage: adopt complete uncommitted versions, move dead runs' aside."""
    fs.invalidate_cache()
    package = f"{root}/{PACKAGE_NAME}"
    notes: list[str] = []
    pointer = _remote_pointer(fs, package)
    if pointer is None and fs.exists(f"{package}/latest.json"):
        notes.append(f"{package}/latest.json was unreadable or named no release; rebuilt from the version folders")
    newest = pointer
    for version in reversed(_remote_versions(fs, package)):
        if pointer is not None and parse_version(version) <= parse_version(pointer):
            break
        folder = f"{package}/{version}"
        problems = verify_release(folder, read=lambda rel, folder=folder: _cat(fs, f"{folder}/{rel}"))
        if problems:
            age = _claim_age(fs, _claim(root, version))
            if age is not None and age < _claim_ttl():
                notes.append(f"{version} is being written by another run (claimed {age:.0f} s ago); left alone")
                continue
            aside = f"{root}/{ASIDE}/{PACKAGE_NAME}-{version}-{time.strftime('%Y%m%dT%H%M%S')}"
            fs.mv(folder, aside, recursive=True)
            fs.pipe_file(f"{aside}/WHY.txt", ("\n".join(problems) + "\n").encode("utf-8"))
            if age is not None:
                fs.rm(_claim(root, version))  # the dead run's claim: the version can be written again
            notes.append(f"{version} was incomplete ({problems[0]}); moved aside to {aside}")
            continue
        if newest is None or parse_version(version) > parse_version(newest):
            newest = version
            notes.append(f"{version} was complete but not committed; adopted after checking its hashes")
        if pointer is None:
            break
    if newest is not None and newest != pointer:
        fs.pipe_file(f"{package}/latest.json", pointer_bytes(newest))
    fs.invalidate_cache()
    return notes


def _sync_catalog(fs, root: str, mirror: Path) -> None:
    """Push the mirror's catalog.json, then its page, where the remote ones differ (missing, stale, torn)."""
    for name in ("catalog.json", "index.html"):
        local = mirror / name
        if local.is_file() and _cat(fs, f"{root}/{name}") != local.read_bytes():
            fs.pipe_file(f"{root}/{name}", local.read_bytes())
            step(f"remote {name}")


def _wait_for_commit(fs, root: str, version: str, deadline: float) -> None:
    """Wait until another run's claimed version is committed, or its claim turns stale (a dead run)."""
    package = f"{root}/{PACKAGE_NAME}"
    while time.monotonic() < deadline:
        fs.invalidate_cache()
        pointer = _remote_pointer(fs, package)
        if pointer is not None and parse_version(pointer) >= parse_version(version):
            return
        age = _claim_age(fs, _claim(root, version))
        if age is None:
            return
        if age >= _claim_ttl():  # its run died before pushing anything: the version is free again
            try:
                fs.rm(_claim(root, version))
            except FileNotFoundError:
                pass  # another waiting run freed it first
            return
        time.sleep(0.5)
    raise PublishLocked(
        f"{root}: another publish run claimed version {version} and has not committed it; "
        f"try again when it ends (a dead run's claim expires after {_claim_ttl():.0f} s)"
    )


def recover_target(target: str | Path, state_dir: Path | None = None) -> list[str]:
    """Recovery at the start of a run, for a folder (under its publish lock) or an fsspec URL."""
    if not is_remote(target):
        out_dir = Path(str(target).removeprefix("file://"))
        if not out_dir.exists():
            return []
        with publish_lock(out_dir):
            return recover(out_dir)
    fs, root = fsspec.core.url_to_fs(str(target))
    return recover_remote(fs, root.rstrip("/"))


def publish_to(
    results: list[DocumentResult], target: str | Path, raw_dir: Path, state_dir: Path, **kwargs
) -> PublishOutcome:
    """publish() to a folder or to an fsspec URL, with the same files either way."""
    if not is_remote(target):
        return publish(results, Path(str(target).removeprefix("file://")), raw_dir, state_dir, **kwargs)
    fs, root = fsspec.core.url_to_fs(str(target))
    root = root.rstrip("/")
    mirror = Path(state_dir) / "mirrors" / hashlib.sha1(str(target).encode()).hexdigest()[:16]
    # Runs sharing a state folder share the mirror, which each run empties first: one at a time. The lock
    # lies beside the mirror, not in it, so that emptying the mirror cannot take it from its holder.
    try:
        with publish_lock(mirror.with_name(mirror.name + ".lock"), kwargs.get("lock_wait", 0)):
            return _publish_remote(results, target, fs, root, mirror, raw_dir, state_dir, **kwargs)
    except PublishLocked:
        raise PublishLocked(
            f"{state_dir}: another publish run to {target} uses this state folder; try again when it ends"
        ) from None


def _publish_remote(
    results: list[DocumentResult],
    target: str | Path,
    fs,
    root: str,
    mirror: Path,
    raw_dir: Path,
    state_dir: Path,
    **kwargs,
) -> PublishOutcome:
    package = f"{root}/{PACKAGE_NAME}"
    deadline = time.monotonic() + CLAIM_WAIT_SECONDS
    while True:
        recovered = recover_remote(fs, root)
        _pull(fs, root, mirror)
        outcome = publish(results, mirror, raw_dir, state_dir, **kwargs)
        outcome.recovered = recovered + outcome.recovered
        if outcome.version is None:
            _sync_catalog(fs, root, mirror)
            return outcome
        try:  # the lock that works on object storage: only one run may write this version
            fs.pipe_file(
                _claim(root, outcome.version),
                json.dumps({"version": outcome.version, "pid": os.getpid(), "host": os.uname().nodename}).encode(),
                mode="create",
            )
        except FileExistsError:
            _wait_for_commit(fs, root, outcome.version, deadline)
            continue  # build again on what the other run committed
        step("remote claimed")
        _push_tree(fs, mirror / PACKAGE_NAME / outcome.version, f"{package}/{outcome.version}")
        step("remote pushed")
        fs.pipe_file(f"{package}/latest.json", (mirror / PACKAGE_NAME / "latest.json").read_bytes())  # commit
        step("remote committed")
        _sync_catalog(fs, root, mirror)
        outcome.path = f"{package}/{outcome.version}"
        return outcome


def latest_descriptor(target: str | Path) -> dict | None:
    """The latest release's datapackage.json at a folder or URL, or None."""
    if not is_remote(target):
        return read_latest(Path(str(target).removeprefix("file://")) / PACKAGE_NAME)
    fs, root = fsspec.core.url_to_fs(str(target))
    package = f"{root.rstrip('/')}/{PACKAGE_NAME}"
    version = _remote_pointer(fs, package)
    if version is None:
        return None
    return json.loads(fs.cat_file(f"{package}/{version}/datapackage.json"))

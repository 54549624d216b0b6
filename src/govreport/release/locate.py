"""Find a release from what a user types: its folder (relative or absolute), its version, or `latest`."""

from __future__ import annotations

import json
from pathlib import Path

from govreport.contract.model import PACKAGE_NAME
from govreport.errors import UserError

DESCRIPTOR = "datapackage.json"


def latest_version(published: Path) -> str:
    pointer = Path(published) / PACKAGE_NAME / "latest.json"
    if not pointer.is_file():
        raise UserError(f"{pointer}: not found; nothing is published in {published} yet")
    return json.loads(pointer.read_text(encoding="utf-8"))["version"]


def release_dir(ref: str | Path, published: Path) -> Path:
    """The release folder `ref` names, as an absolute path; a UserError saying why when there is none."""
    path = Path(ref).expanduser()
    if (path / DESCRIPTOR).is_file():
        return path.resolve()
    package_dir = Path(published) / PACKAGE_NAME
    version = latest_version(published) if str(ref) == "latest" else str(ref)
    candidate = package_dir / version
    if "/" not in version and (candidate / DESCRIPTOR).is_file():
        return candidate.resolve()
    if path.is_dir():
        raise UserError(f"{path}: not a release folder (it holds no {DESCRIPTOR})")
    raise UserError(f"{ref}: no such release: neither a release folder nor a version in {package_dir}")


def shipped_suites_dir(release: Path) -> Path:
    """Where the expectation suites a release was validated with are (<dir>/<table>.json): its
    schemas/expectations/ folder, or for releases that did not ship them there, its GX store's."""
    for candidate in (release / "schemas" / "expectations", release / "validation" / "gx" / "expectations"):
        if candidate.is_dir():
            return candidate
    raise UserError(f"{release}: holds no expectation suites (schemas/expectations/ or validation/gx/expectations/)")

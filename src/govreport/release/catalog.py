"""published/catalog.json: every package and version the release folders on disk hold."""

from __future__ import annotations

import json
from pathlib import Path

from govreport.release.latest import is_pointer
from govreport.release.versions import VERSION_NAME, parse_version


def json_bytes(obj) -> bytes:
    """JSON as the package writes it: UTF-8, indented, keys in the order given, a final newline."""
    return (json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def catalog_of(out_dir: Path) -> dict:
    """The catalog the release folders on disk make."""
    packages = []
    for package_dir in sorted(p for p in Path(out_dir).iterdir() if p.is_dir() and not p.name.startswith(".")):
        versions = []
        for release in package_dir.iterdir():
            descriptor_path = release / "datapackage.json"
            if not VERSION_NAME.match(release.name) or is_pointer(release) or not descriptor_path.exists():
                continue
            d = json.loads(descriptor_path.read_text(encoding="utf-8"))
            versions.append(
                {
                    "version": d["version"],
                    "created": d["created"],
                    "path": f"{package_dir.name}/{release.name}/",
                    "row_counts": d["govreport"]["row_counts"],
                    "content_sha256": d["govreport"]["content_sha256"],
                    "reason": d["govreport"].get("version_reason"),
                    "resources": {r["name"]: r["hash"] for r in d["resources"]},
                }
            )
        versions.sort(key=lambda v: parse_version(v["version"]), reverse=True)
        if versions:
            packages.append({"name": package_dir.name, "latest": versions[0]["version"], "versions": versions})
    return {"packages": packages}

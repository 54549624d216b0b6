"""The catalog page (published/index.html): every package and version, newest first, from catalog.json."""

from __future__ import annotations

import re
from pathlib import Path

from govreport.contract.model import PACKAGE_NAME, PACKAGE_TITLE_ZH
from govreport.release.commit import atomic_write
from govreport.release.versions import is_version, parse_version
from govreport.site.release_files import read_json
from govreport.site.templating import render, static_text

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def build_catalog_site(published_dir: Path) -> Path:
    """Write published_dir/index.html listing every package and version (newest first) from
    published/catalog.json, linking to each release's index.html. The page has no folder of its own: its
    stylesheet (the releases' one) is inline, allowed by its hash in the page's Content-Security-Policy."""
    published_dir = Path(published_dir)
    catalog = read_json(published_dir / "catalog.json") or {"packages": []}
    packages = []
    for package in catalog.get("packages", []):
        name = str(package.get("name") or "")
        if not _SAFE_NAME.match(name):
            continue
        # Only well-formed versions are listed: each one names a folder the page links to.
        versions = sorted(
            (v for v in package.get("versions", []) if is_version(v.get("version"))),
            key=lambda v: parse_version(v["version"]),
            reverse=True,
        )
        latest = str(package.get("latest") or (versions[0]["version"] if versions else ""))
        descriptor = read_json(published_dir / name / latest / "datapackage.json") if is_version(latest) else None
        rows = []
        for v in versions:
            ver = v["version"]
            has_page = (published_dir / name / ver / "index.html").exists()
            rows.append(
                {
                    "version": ver,
                    "latest": ver == latest,
                    "href": f"{name}/{ver}/index.html" if has_page else f"{name}/{ver}/datapackage.json",
                    "created": str(v.get("created") or ""),
                    "counts": v.get("row_counts") or {},
                    "reason": v.get("reason"),
                }
            )
        packages.append(
            {
                "name": name,
                "title": (descriptor or {}).get("title") or name,
                "title_zh": PACKAGE_TITLE_ZH if name == PACKAGE_NAME else "",
                "latest": latest,
                "versions": rows,
            }
        )
    index = published_dir / "index.html"
    page = render("catalog.html.j2", packages=packages, inline_css=static_text("style.css"))
    atomic_write(index, page.encode("utf-8"))  # never torn: recovery trusts a page newer than the catalog
    return index

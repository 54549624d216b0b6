"""What changed since the previous release, as the release's own changes.json says (written by
govreport.release.changes when the release was published); the page never recomputes a diff."""

from __future__ import annotations

import json
from pathlib import Path

from govreport.contract.model import OBSERVATIONS
from govreport.site.release_files import read_json
from govreport.site.text import with_unit

MAX_LISTED_CHANGES = 20
WHAT = (("added", "新增"), ("removed", "删除"), ("changed", "修改"))


def _fact_label(r: dict) -> str:
    return " · ".join(str(r.get(k) or "") for k in ("source_file", "indicator", "measure", "kind", "period"))


def _fact_value(r: dict) -> str:
    return with_unit(r.get("comparator"), r.get("value_low"), r.get("value_high"), r.get("value"), r.get("unit"))


def read_changes(changes) -> dict | None:
    """changes.json's observations and documents, each change as {label, value, reason}; None for a layout
    this page does not know (it is then shown as JSON rather than dropped)."""
    try:
        obs, docs = changes["observations"], changes.get("documents") or {}
        rows = {what: list(obs.get(what, [])) for what, _ in WHAT}
        if not all(isinstance(r, dict) for r in rows["added"] + rows["removed"] + rows["changed"]):
            return None
        key = OBSERVATIONS.natural_key
        listed = {
            "added": [
                {"label": _fact_label(r), "value": _fact_value(r), "reason": r.get("reason")} for r in rows["added"]
            ],
            "removed": [
                {"label": _fact_label(r), "value": _fact_value(r), "reason": r.get("reason")} for r in rows["removed"]
            ],
            "changed": [
                {
                    "label": _fact_label(c),
                    "value": f"{_fact_value({**{k: c.get(k) for k in key}, **c['old']})} → "
                    f"{_fact_value({**{k: c.get(k) for k in key}, **c['new']})}",
                    "reason": c.get("reason"),
                }
                for c in rows["changed"]
            ],
        }
        documents = [(what, zh, [str(x) for x in docs[what]]) for what, zh in WHAT if docs.get(what)]
        # Tables and fields added, removed or retyped (changes.json of releases from 1.3 on)
        layout = [
            (title, [(what, [str(n) for n in names]) for what, names in changes[key].items() if names])
            for key, title in (("tables", "Tables 数据表"), ("fields", "Fields 字段"))
            if any((changes.get(key) or {}).values())
        ]
    except (KeyError, TypeError, AttributeError):
        return None
    return {
        "counts": {what: len(items) for what, items in listed.items()},
        "shown": {what: items[:MAX_LISTED_CHANGES] for what, items in listed.items()},
        "more": {what: max(0, len(items) - MAX_LISTED_CHANGES) for what, items in listed.items()},
        "documents": documents,
        "layout": layout,
    }


def changes_view(release_dir: Path, descriptor: dict) -> dict:
    """{"mode": "first" | "listed" | "unknown_layout" | "missing", ...} for the page's changes section."""
    meta = descriptor.get("govreport") or {}
    previous = meta.get("previous_version")
    if not previous:
        return {"mode": "first", "counts": meta.get("row_counts") or {}}
    changes = read_json(Path(release_dir) / "changes.json")
    if changes is None:
        return {"mode": "missing", "previous": previous}
    listed = read_changes(changes)
    if listed is None:
        return {
            "mode": "unknown_layout",
            "previous": previous,
            "json": json.dumps(changes, ensure_ascii=False, indent=2),
        }
    return {"mode": "listed", "previous": previous, **listed}

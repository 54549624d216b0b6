"""Whether a run has anything to publish: its inputs' fingerprint against the latest release's.

The same raw files, manifest and code as the latest release give the same content, so a run whose
inputs are known stops at once. The CLI asks before Prefect, the extractor or pyarrow are loaded (a
no-change run then costs about a second); the flow asks the same question for scheduled runs.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from govreport.contract.model import PACKAGE_NAME
from govreport.fingerprint import folder_fingerprint, inputs_fingerprint
from govreport.release.commit import atomic_write
from govreport.release.lock import PublishLocked, publish_lock
from govreport.release.recover import read_latest, recover
from govreport.sources.raw_folder import read_inputs

INPUTS_RECORD = "inputs.json"  # in the state folder: the last run's fingerprint and the release it matched


@dataclass
class Unchanged:
    """The latest release, which a run with these inputs would publish again."""

    version: str
    row_counts: dict[str, int]
    documents: int
    notes: list[str] = field(default_factory=list)  # manifest problems and what recovery repaired


def _recorded(state_dir: str | Path) -> dict:
    try:
        recorded = json.loads((Path(state_dir) / INPUTS_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing or torn: only a shortcut is lost; this run rewrites it
        return {}
    return recorded if isinstance(recorded, dict) else {}


def known_inputs(state_dir: str | Path, latest: dict) -> set[str]:
    """Input fingerprints known to give the latest release's content: its own, and those of later runs
    that found nothing to publish (a code change that changed no data, say)."""
    known = {latest.get("govreport", {}).get("inputs_sha256")}
    recorded = _recorded(state_dir)
    if recorded.get("version") == latest["version"]:
        known.add(recorded.get("inputs"))
    return known - {None}


def remember_inputs(state_dir: str | Path, inputs: str, version: str | None, folder: RawFolder | None = None) -> None:
    """Record that these inputs give release `version`; with `folder`, also what raw/ looked like on disk,
    so a next run with raw/ byte for byte the same can tell without reading the manifest again."""
    Path(state_dir).mkdir(parents=True, exist_ok=True)
    record: dict = {"inputs": inputs, "version": version}
    if folder is not None:
        record["folder"] = asdict(folder)
    atomic_write(Path(state_dir) / INPUTS_RECORD, (json.dumps(record) + "\n").encode("utf-8"))


@dataclass
class RawFolder:
    """raw/ as a run read it: its fingerprint on disk, how many documents, the manifest's problems."""

    fingerprint: str
    documents: int
    problems: list[str]


def unchanged_release(raw_dir: Path, out_dir: Path, state_dir: Path) -> Unchanged | None:
    """The latest release in the folder out_dir when publishing raw_dir now would publish nothing new.
    None when there may be work, or when only a full run can tell: no release yet, a manifest that is
    unusable or names URLs to fetch, another run publishing."""
    package = out_dir / PACKAGE_NAME
    if not package.is_dir():
        return None
    try:
        with publish_lock(out_dir):
            recovered = [f"recovered: {note}" for note in recover(out_dir)]  # a crashed run's leftovers first
            latest = read_latest(package)
    except PublishLocked:
        return None
    if latest is None:
        return None
    on_disk, digests = folder_fingerprint(raw_dir, state_dir)
    recorded = _recorded(state_dir)
    seen = recorded.get("folder")
    if recorded.get("version") == latest["version"] and isinstance(seen, dict) and seen.get("fingerprint") == on_disk:
        # raw/ is byte for byte as the run that gave this release (or found it unchanged) read it.
        notes = [f"manifest: {p}" for p in seen.get("problems", [])] + recovered
        return Unchanged(latest["version"], latest["govreport"]["row_counts"], seen.get("documents", 0), notes)
    files, entries, problems = read_inputs(raw_dir)
    if any(p.fatal for p in problems) or any(e.url for e in entries.values()):
        return None
    inputs = inputs_fingerprint(files, entries, digests)
    if inputs not in known_inputs(state_dir, latest):
        return None
    remember_inputs(state_dir, inputs, latest["version"], RawFolder(on_disk, len(files), [str(p) for p in problems]))
    notes = [f"manifest: {p}" for p in problems] + recovered
    return Unchanged(latest["version"], latest["govreport"]["row_counts"], len(files), notes)

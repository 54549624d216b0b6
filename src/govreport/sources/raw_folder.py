"""What raw/ holds: the documents to process and the manifest that describes them."""

from __future__ import annotations

from pathlib import Path

from govreport.sources.manifest import ManifestProblem, SourceEntry, load_manifest


def list_raw_files(raw_dir: Path) -> list[Path]:
    """Documents in raw/: every regular file except the manifest and hidden files, sorted by name."""
    return sorted(
        p
        for p in Path(raw_dir).iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() not in (".yaml", ".yml")
    )


def read_inputs(raw_dir: Path) -> tuple[list[Path], dict[str, SourceEntry], list[ManifestProblem]]:
    """The raw files to process, the manifest's entries, and the manifest's problems."""
    entries, problems = load_manifest(raw_dir)
    return list_raw_files(Path(raw_dir)), entries, problems

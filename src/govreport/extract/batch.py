"""Extract a list of raw files: stored results for unchanged files, the rest on helper processes under a
per-file time budget, with their rows (for `govreport extract` and callers that want rows; a run's batches go
to their parts through tables/batch_part.py)."""

from __future__ import annotations

from pathlib import Path

from govreport.extract.budget import helpers
from govreport.extract.cache import ExtractionCache
from govreport.extract.pipeline import DocumentResult
from govreport.sources.manifest import SourceEntry


def extract_files(
    files: list[str], entries: dict[str, SourceEntry], state_dir: Path
) -> tuple[list[DocumentResult], int]:
    """The files' results (with their rows) in their order, and how many came from the cache."""
    cache = ExtractionCache(Path(state_dir))
    with helpers() as budgeted:  # a file over its time budget is reported and skipped
        results = cache.process_many([(Path(f), entries.get(Path(f).name)) for f in files], budgeted)
    return results, cache.hits

"""A run's batch, from its raw files to its part on disk: the one library call a run makes per batch, with or
without an orchestrator. Stored results for unchanged files, the rest on the extraction helpers under a per-file
time budget; the rows go from the helpers (or the cache) to the part as Arrow, never as dicts."""

from __future__ import annotations

from pathlib import Path

from govreport.extract.arrow_rows import batch_tables
from govreport.extract.budget import helpers
from govreport.extract.cache import ExtractionCache
from govreport.extract.pipeline import DocumentResult
from govreport.sources.manifest import SourceEntry
from govreport.tables.parts import write_part


def extract_batch_to_part(
    files: list[str], entries: dict[str, SourceEntry], state_dir: Path, folder: Path, index: int
) -> tuple[list[DocumentResult], dict[str, Path], int]:
    """A run's batch: the files' results without their rows, in their order; the paths of the part (batch `index`
    in folder, tables/parts.py) holding the rows, as extract/batch.py's extract_files would make them; how many
    came from the cache."""
    cache = ExtractionCache(Path(state_dir))
    with helpers() as budgeted:  # a file over its time budget is reported and skipped
        documents = cache.extract_many([(Path(f), entries.get(Path(f).name)) for f in files], budgeted)
    part = write_part(Path(folder), index, batch_tables(documents))
    return [d.result for d in documents], part, cache.hits

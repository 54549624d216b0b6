"""A cache of per-document extraction results, so a run re-extracts only what changed.

The key is the raw file's bytes, its name, its manifest entry, and a checksum of
the extraction code and codelist: change any of them and the document is
extracted again. Entries live under state/cache/; deleting the folder is always
safe (the next run extracts everything once more). An entry holds the document
without its rows and the rows as Arrow (extract/arrow_rows.py), written by the
helper process that extracted the document.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from functools import lru_cache
from pathlib import Path

from govreport.contract import codelist
from govreport.contract import model as contract
from govreport.contract.files import DATA_DIR
from govreport.extract.arrow_rows import ExtractedDocument, split_rows, with_rows
from govreport.extract.pipeline import DocumentResult, process_file
from govreport.fingerprint import code_checksum
from govreport.sources.confine import outside_problem
from govreport.sources.decode import MAX_BYTES
from govreport.sources.manifest import SourceEntry

# The stages whose code and data decide what a document's rows are.
EXTRACTION_PACKAGES = ("sources", "extract", "contract")


@lru_cache(maxsize=1)
def extractor_checksum() -> str:
    h = hashlib.sha256(contract.EXTRACTOR_VERSION.encode())
    # The contract's data files (counts, bounds, suites) do not change what is extracted; its codelist does.
    h.update(code_checksum(EXTRACTION_PACKAGES, skip=(DATA_DIR.resolve(),)).encode())
    h.update(Path(codelist.CODELIST_PATH).read_bytes())
    return h.hexdigest()


class ExtractionCache:
    def __init__(self, state_dir: Path):
        self.dir = Path(state_dir) / "cache" / "extract" / extractor_checksum()[:16]
        self.hits = self.misses = 0

    def key(self, path: Path, data: bytes, entry: SourceEntry | None) -> str:
        return hashlib.sha256(b"\0".join([path.name.encode(), repr(entry).encode(), data])).hexdigest()

    def process(self, path: Path, entry: SourceEntry | None) -> DocumentResult:
        """process_file, or its stored result for these exact inputs."""
        return self.process_many([(Path(path), entry)])[0]

    def process_many(self, items: list[tuple[Path, SourceEntry | None]], processor=None) -> list[DocumentResult]:
        """Each file's result with its rows, stored or new (see extract_many)."""
        return [with_rows(d) for d in self.extract_many(items, processor)]

    def extract_many(self, items: list[tuple[Path, SourceEntry | None]], processor=None) -> list[ExtractedDocument]:
        """Each file's stored document and rows, or new ones; the misses go to processor.process_many together (a
        BudgetedProcessor shares them out among its helpers, which write their entries), else are extracted in
        this process."""
        results: list[ExtractedDocument | None] = []
        misses: list[tuple[int, Path, SourceEntry | None, Path]] = []
        for path, entry in items:
            path = Path(path)
            found, stored = self._lookup(path, entry)
            if found is None and stored is not None:
                misses.append((len(results), path, entry, stored))
            elif found is None:
                found = extract_and_store(path, entry, None)  # refused without reading: nothing worth caching
            results.append(found)
        work = [(path, entry, stored) for _, path, entry, stored in misses]
        if processor is not None:
            made = processor.process_many(work, extract_and_store)
        else:
            made = [extract_and_store(*w) for w in work]
        self.misses += len(misses)
        for (i, _, _, _), answer in zip(misses, made, strict=True):
            # A file over its time budget is answered with a DocumentResult naming the problem, and no rows.
            results[i] = answer if isinstance(answer, ExtractedDocument) else ExtractedDocument(answer)
        return results  # type: ignore[return-value]

    def _lookup(self, path: Path, entry: SourceEntry | None) -> tuple[ExtractedDocument | None, Path | None]:
        """(the stored document, its place): (None, place) on a miss; (None, None) for a file process_file
        refuses without reading, which is not worth caching."""
        if outside_problem(path):
            return None, None
        try:
            if path.stat().st_size > MAX_BYTES:
                return None, None
            data = path.read_bytes()
        except OSError:
            return None, None
        stored = self.dir / f"{self.key(path, data, entry)}.pickle"
        if stored.exists():
            try:
                found = pickle.loads(stored.read_bytes())
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
                found = None  # a damaged entry is a miss
            if isinstance(found, ExtractedDocument):  # not an entry of another format
                self.hits += 1
                return found, stored
        return None, stored


def extract_and_store(path: Path, entry: SourceEntry | None, stored: Path | None) -> ExtractedDocument:
    """process_file, its rows as Arrow, and the cache entry written at `stored` (None: not to be cached). Run in a
    helper process, so the parent gets the rows as Arrow and pickles nothing again."""
    document = split_rows(process_file(Path(path), entry))
    # Failures are cheap to find again; a file over its budget is never stored (its helper ends first).
    if stored is not None and document.result.document is not None:
        stored.parent.mkdir(parents=True, exist_ok=True)
        tmp = stored.with_name(f".{stored.name}.{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, stored)
    return document

"""A cache of per-document extraction results, so a run re-extracts only what changed.

The key is the raw file's bytes, its name, its manifest entry, and a checksum of
the extraction code and codelist: change any of them and the document is
extracted again. Entries live under state/cache/; deleting the folder is always
safe (the next run extracts everything once more).
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
        """Each file's stored result, or a new one; the misses go to processor.process_many together (a
        BudgetedProcessor shares them out among its helpers), else to process_file in this process."""
        results: list[DocumentResult | None] = []
        misses: list[tuple[int, Path, SourceEntry | None, Path]] = []
        for path, entry in items:
            path = Path(path)
            found, stored = self._lookup(path, entry)
            if found is None and stored is not None:
                misses.append((len(results), path, entry, stored))
            elif found is None:
                found = process_file(path, entry)  # refused without reading: nothing worth caching
            results.append(found)
        work = [(path, entry) for _, path, entry, _ in misses]
        made = processor.process_many(work) if processor is not None else [process_file(p, e) for p, e in work]
        self.misses += len(misses)
        for (i, _, _, stored), result in zip(misses, made, strict=True):
            results[i] = result
            if result.document is not None:  # failures are cheap to find again; an overrun may not recur
                self._store(stored, result)
        return results  # type: ignore[return-value]

    def _lookup(self, path: Path, entry: SourceEntry | None) -> tuple[DocumentResult | None, Path | None]:
        """(the stored result, its place): (None, place) on a miss; (None, None) for a file process_file
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
                result = pickle.loads(stored.read_bytes())
                self.hits += 1
                return result, stored
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
                pass  # a damaged entry is a miss
        return None, stored

    def _store(self, stored: Path, result: DocumentResult) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = stored.with_name(f".{stored.name}.{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, stored)

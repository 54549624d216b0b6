"""Reading a release's own files for its pages: JSON documents and Parquet tables, tolerating absence."""

from __future__ import annotations

import json
from pathlib import Path

from govreport.site.text import clean


def read_json(path: Path):
    """The file's JSON, or None when it is missing or not JSON (a page still renders without it)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_rows(path: Path, columns: list[str] | None = None, limit: int | None = None) -> list[dict]:
    """A Parquet table's rows as JSON-safe dicts; [] when the file is not there. Only the columns the file has
    are read, so a page built from an older release (fewer columns) still renders."""
    import pyarrow.parquet as pq  # here: the catalog page, rebuilt by every run's recovery, reads no Parquet

    if not Path(path).exists():
        return []
    if columns is not None:
        present = set(pq.read_schema(path).names)
        columns = [c for c in columns if c in present]
    table = pq.read_table(path, columns=columns)
    if limit is not None:
        table = table.slice(0, limit)
    return [{k: clean(v) for k, v in r.items()} for r in table.to_pylist()]

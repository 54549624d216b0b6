"""Reading a release's own files for its pages: JSON documents and Parquet tables, tolerating absence."""

from __future__ import annotations

import json
from collections import Counter
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
    import pyarrow as pa  # here: the catalog page, rebuilt by every run's recovery, reads no Parquet
    import pyarrow.parquet as pq

    if not Path(path).exists():
        return []
    if columns is not None:
        present = set(pq.read_schema(path).names)
        columns = [c for c in columns if c in present]
    if limit is None:
        table = pq.read_table(path, columns=columns)
    else:  # the first rows only: read batch by batch up to the limit, not the whole table
        batches, n = [], 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=max(limit, 1), columns=columns):
            batches.append(batch.slice(0, limit - n))
            n += batches[-1].num_rows
            if n >= limit:
                break
        table = pa.Table.from_batches(batches) if batches else pq.read_table(path, columns=columns)
    return [{k: clean(v) for k, v in r.items()} for r in table.to_pylist()]


def count_rows(path: Path, by: list[str]) -> Counter:
    """How many rows a Parquet table has per value of the `by` columns (a tuple of them): counted by Arrow,
    so a large table's rows never become Python objects. Empty when the file is not there."""
    import pyarrow.parquet as pq

    if not Path(path).exists():
        return Counter()
    counts = pq.read_table(path, columns=by).group_by(by, use_threads=False).aggregate([([], "count_all")])
    keys = [counts[c].to_pylist() for c in by]
    return Counter(dict(zip(zip(*keys, strict=True), counts["count_all"].to_pylist(), strict=True)))

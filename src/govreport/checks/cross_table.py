"""Checks that look beyond one table: reviewed counts per document, conflicts between documents,
and the previous release. They add columns to the tables' frames (and parameters to the suites)
that the Great Expectations suites in contract/data/expectations/ then judge, so every check is
reported in the same place, with its severity and rows.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd

from govreport.contract.files import EXPECTED_COUNTS_PATH

# A table that loses more than this share of its rows since the previous release stops the release.
MAX_SHRINK = 0.2
FACT = ["indicator", "measure", "kind", "period"]


def read_expected_counts(path: Path = EXPECTED_COUNTS_PATH) -> dict[str, dict]:
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8") as fh:
        return {r["source_file"]: r for r in csv.DictReader(fh)}


def write_expected_counts(documents: list[dict], path: Path = EXPECTED_COUNTS_PATH) -> None:
    """The reviewed counts: one row per document, keyed by file and content hash."""
    rows = sorted(
        (
            {"source_file": d["source_file"], "document_id": d["document_id"], "observations": d["n_observations"]}
            for d in documents
        ),
        key=lambda r: r["source_file"],
    )
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["source_file", "document_id", "observations"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def expected_observations(documents: pd.DataFrame, expected: dict[str, dict]) -> pd.Series:
    """Reviewed count per document; missing where none was reviewed for this exact content."""
    values = []
    for name, doc_id in zip(documents["source_file"], documents["document_id"], strict=True):
        row = expected.get(name)
        values.append(int(row["observations"]) if row and row["document_id"] == doc_id else None)
    return pd.Series(values, index=documents.index, dtype="Int64")


def conflicts(observations: pd.DataFrame) -> pd.Series:
    """True where another document states the same indicator, measure, kind and period for the same region
    with other bounds (a news article misquoting the report, say)."""
    if observations.empty:
        return pd.Series([], dtype=bool)
    region = observations["region_code"].fillna(observations["region_name"]).fillna("")
    bounds = (
        observations["value_low"].astype("string").fillna("")
        + "|"
        + observations["value_high"].astype("string").fillna("")
    )
    frame = pd.DataFrame({"region": region, "bounds": bounds, "doc": observations["document_id"]})
    for c in FACT:
        frame[c] = observations[c]
    keys = ["region", *FACT]
    n_bounds = frame.groupby(keys)["bounds"].transform("nunique")
    n_docs = frame.groupby(keys)["doc"].transform("nunique")
    return (n_bounds > 1) & (n_docs > 1)


def changed_since(observations: pd.DataFrame, previous: pd.DataFrame | None) -> pd.Series:
    """True where a number changed although its raw document did not and the extractor version is the same.

    Like is compared with like: a document may state one fact key (indicator, measure, kind, period,
    comparator) more than once, and those statements are one fact. A row is changed only when the previous
    release had that document's key and none of its statements there had this row's bounds."""
    if previous is None or previous.empty or observations.empty:
        return pd.Series(False, index=observations.index)
    key = ["document_id", *FACT, "comparator", "extractor_version"]
    old_bounds: dict[tuple, set] = {}
    for row in previous[key + ["value_low", "value_high"]].itertuples(index=False):
        old_bounds.setdefault(tuple(row[: len(key)]), set()).add((_number(row[-2]), _number(row[-1])))
    differs = []
    for row in observations[key + ["value_low", "value_high"]].itertuples(index=False):
        known = old_bounds.get(tuple(row[: len(key)]))
        differs.append(known is not None and (_number(row[-2]), _number(row[-1])) not in known)
    return pd.Series(differs, index=observations.index, dtype=bool)


def _number(x) -> float | None:
    """A bound as a comparable value: missing values are one None, numbers are floats."""
    return None if _missing(x) else float(x)


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def row_count_floors(previous_counts: dict[str, int] | None) -> dict[str, int]:
    """Suite parameters min_rows_<table>: the previous release's rows less the allowed shrink."""
    from govreport.contract.model import TABLES

    previous_counts = previous_counts or {}
    # Fewer flagged rows than last time is an improvement, not a collapse.
    return {
        f"min_rows_{t.name}": 0
        if t.name == "flagged_observations"
        else math.floor(previous_counts.get(t.name, 0) * (1 - MAX_SHRINK))
        for t in TABLES
    }

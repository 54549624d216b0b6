"""Checks that look beyond one table: reviewed counts per document, conflicts between documents,
and the previous release, as SQL over Arrow tables. They add columns to the tables (and parameters to the suites)
that the Great Expectations suites in contract/data/expectations/ then judge, so every check is
reported in the same place, with its severity and rows.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pyarrow as pa

from govreport.contract.files import EXPECTED_COUNTS_PATH
from govreport.tables.engine import duckdb_connect

# A table that loses more than this share of its rows since the previous release stops the release.
MAX_SHRINK = 0.2
FACT = ["indicator", "measure", "kind", "period"]
# What identifies a fact of one document across releases.
CHANGE_KEY = ["document_id", *FACT, "comparator", "extractor_version"]


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


def expected_observations(documents, expected: dict[str, dict]) -> pa.Array:
    """Reviewed count per document (a pyarrow Table or DataFrame of documents); missing where none was
    reviewed for this exact content. One document at a time: there are few."""
    documents = _arrow(documents)
    values = []
    for name, doc_id in zip(documents["source_file"].to_pylist(), documents["document_id"].to_pylist(), strict=True):
        row = expected.get(name)
        values.append(int(row["observations"]) if row and row["document_id"] == doc_id else None)
    return pa.array(values, pa.int64())


def conflicts(observations) -> pa.Array:
    """True where another document states the same indicator, measure, kind and period for the same region
    with other bounds (a news article misquoting the report, say). Rows missing a fact column conflict with
    nothing."""
    obs = _arrow(observations)
    con = duckdb_connect()
    con.register("obs", obs.append_column("__row", pa.array(range(len(obs)), pa.int64())))
    facts = ", ".join(FACT)
    joined = " AND ".join(f"f.{c} = g.{c}" for c in ["region", *FACT])
    return (
        con.sql(
            f"""
        WITH f AS (
            SELECT __row, coalesce(region_code, region_name, '') AS region, {facts}, document_id,
                coalesce(CAST(value_low AS VARCHAR), '') || '|' || coalesce(CAST(value_high AS VARCHAR), '') AS bounds
            FROM obs),
        g AS (SELECT region, {facts}, count(DISTINCT bounds) AS n_bounds, count(DISTINCT document_id) AS n_docs
              FROM f GROUP BY ALL)
        SELECT coalesce(n_bounds > 1 AND n_docs > 1, false) AS conflict
        FROM f LEFT JOIN g ON {joined} ORDER BY f.__row
        """
        )
        .to_arrow_table()["conflict"]
        .combine_chunks()
    )


def changed_since(observations, previous) -> pa.Array | pd.Series:
    """True where a number changed although its raw document did not and the extractor version is the same.

    Like is compared with like: a document may state one fact key (indicator, measure, kind, period,
    comparator) more than once, and those statements are one fact. A row is changed only when the previous
    release had that document's key and none of its statements there had this row's bounds (missing bounds
    equal missing bounds). Tables as pyarrow Tables or DataFrames; a Series back for a DataFrame."""
    obs = _arrow(observations)
    if previous is None or len(previous) == 0 or len(obs) == 0:
        changed = pa.array([False] * len(obs), pa.bool_())
    else:
        con = duckdb_connect()
        con.register("obs", obs.append_column("__row", pa.array(range(len(obs)), pa.int64())))
        con.register("prev", _arrow(previous))
        same_key = " AND ".join(f"p.{c} IS NOT DISTINCT FROM o.{c}" for c in CHANGE_KEY)
        changed = (
            con.sql(
                f"""
            SELECT EXISTS (SELECT 1 FROM prev p WHERE {same_key})
                AND NOT EXISTS (SELECT 1 FROM prev p WHERE {same_key}
                    AND p.value_low IS NOT DISTINCT FROM o.value_low AND p.value_high IS NOT DISTINCT FROM o.value_high)
                AS changed
            FROM obs o ORDER BY o.__row
            """
            )
            .to_arrow_table()["changed"]
            .combine_chunks()
        )
    if isinstance(observations, pd.DataFrame):
        return pd.Series(changed.to_pylist(), index=observations.index, dtype=bool)
    return changed


def _arrow(frame) -> pa.Table:
    return frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)


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

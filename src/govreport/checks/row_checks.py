"""Row checks: one wrong number is quarantined, not allowed to block a release.

Before the tables are written, every extracted observation is checked on its own
(is the number plausible, does its unit fit the indicator, is its period near the
report's year) and against its document (does the same document give another value
for the same fact). Rows that fail move to the flagged_observations table with the
check and the reason; the rest go on to observations and targets_vs_actuals. Only a
flagged share above contract.MAX_FLAGGED_SHARE blocks the release (a suite parameter
of the Great Expectations gate), since that means extraction failed as a whole.
"""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd
import pyarrow as pa

from govreport.contract.codelist import load_codelist
from govreport.contract.model import (
    FLAGGED_OBSERVATIONS,
    MAX_FLAGGED_SHARE,
    OBSERVATIONS,
    PERIOD_YEARS_AFTER_REPORT,
    PERIOD_YEARS_BEFORE_REPORT,
    ROW_CHECKS,
)
from govreport.contract.render import read_plausibility
from govreport.tables.arrow import sort_rows, to_arrow

FACT = ["document_id", "indicator", "measure", "kind", "period", "basis"]
CHECKED = [*FACT, "period_start", "period_end", "value_low", "value_high", "value", "unit"]


def _fmt(x: float) -> str:
    return f"{x:g}"


def plausibility_failures(df: pd.DataFrame) -> dict:
    """index -> reason, for values outside a critical bound of schemas/plausibility.csv."""
    out: dict = {}
    for bound in read_plausibility():
        if bound["severity"] != "critical":  # warning bounds stay warnings of the gate
            continue
        low, high = float(bound["min"]), float(bound["max"])
        applies = df["measure"] == bound["measure"]
        if bound["indicator"] != "*":
            applies &= df["indicator"] == bound["indicator"]
        outside = applies & ((df["value"] < low) | (df["value"] > high))
        for ix in df.index[outside]:
            why = f" ({bound['why']})" if bound["why"] else ""
            out.setdefault(
                ix,
                f"{df.at[ix, 'indicator']} {df.at[ix, 'measure']} {_fmt(df.at[ix, 'value'])} is "
                f"outside [{_fmt(low)}, {_fmt(high)}]{why}",
            )
    return out


def unit_failures(df: pd.DataFrame) -> dict:
    """index -> reason, where growth is not in percent, change not in percentage points, or a level not in
    its indicator's codelist unit."""
    codes = {c: ind.unit for c, ind in load_codelist().items()}
    expected = df["indicator"].map(codes).where(df["measure"] == "level")
    expected = expected.mask(df["measure"] == "growth", "percent").mask(df["measure"] == "change", "percentage_points")
    wrong = expected.notna() & (df["unit"] != expected)
    return {
        ix: f"unit {df.at[ix, 'unit']} does not fit the {df.at[ix, 'measure']} of {df.at[ix, 'indicator']} "
        f"(expected {expected[ix]})"
        for ix in df.index[wrong]
    }


def period_failures(df: pd.DataFrame, report_years: dict[str, int]) -> dict:
    """index -> reason, for periods starting more than PERIOD_YEARS_BEFORE_REPORT years before the report's
    year or ending more than PERIOD_YEARS_AFTER_REPORT after it (a misread year, or another text's number)."""
    year = df["document_id"].map(report_years)
    first = pd.to_datetime(df["period_start"]).dt.year
    last = pd.to_datetime(df["period_end"]).dt.year
    wrong = year.notna() & ((first < year - PERIOD_YEARS_BEFORE_REPORT) | (last > year + PERIOD_YEARS_AFTER_REPORT))
    return {
        ix: f"period {df.at[ix, 'period']} is not within {PERIOD_YEARS_BEFORE_REPORT} years before to "
        f"{PERIOD_YEARS_AFTER_REPORT} years after the report year {int(year[ix])}"
        for ix in df.index[wrong]
    }


def conflict_failures(df: pd.DataFrame) -> dict:
    """index -> reason, for facts (indicator, measure, kind, period) one document states with different bounds:
    which of them is right cannot be told from the document, so all of them are held back."""
    if df.empty:
        return {}
    bounds = df["value_low"].astype("string").fillna("") + ".." + df["value_high"].astype("string").fillna("")
    n_bounds = bounds.groupby([df[c] for c in FACT]).transform("nunique")
    conflicting = n_bounds > 1
    # Only the conflicting facts' rows become Python objects, grouped by fact: a fact has a few statements.
    facts: dict[tuple, list[tuple]] = {}
    rows = zip(
        df.index[conflicting],
        zip(*(df.loc[conflicting, c].tolist() for c in FACT), strict=True),
        bounds[conflicting].tolist(),
        df.loc[conflicting, "value"].tolist(),
        strict=True,
    )
    for ix, fact, bound, value in rows:
        facts.setdefault(fact, []).append((ix, bound, value))
    out = {}
    for (_, indicator, measure, kind, period, basis), statements in facts.items():
        for ix, bound, _ in statements:
            others = sorted({_fmt(v) for _, b, v in statements if b != bound})
            out[ix] = (
                f"the same document also gives {', '.join(others)} for {indicator} {measure} {kind} {period} ({basis})"
            )
    return out


def quarantine(observations: pa.Table, documents: list[dict]) -> tuple[pa.Table, pa.Table]:
    """The observations that pass every row check, and the flagged ones (with check and reason)."""
    if observations.num_rows == 0:
        return observations, to_arrow(FLAGGED_OBSERVATIONS, [])
    # Only the columns the checks read: the quotes and texts are most of a table's bytes.
    df = observations.select(CHECKED).to_pandas()
    report_years = {d["document_id"]: d["report_year"] for d in documents}
    failed: dict[int, list[tuple[str, str]]] = {}
    for check, found in (
        ("plausibility", plausibility_failures(df)),
        ("unit_fits", unit_failures(df)),
        ("period_near_report", period_failures(df, report_years)),
    ):
        for ix, reason in found.items():
            failed.setdefault(ix, []).append((check, reason))
    # Conflicts among the rows that passed: an absurd misreading beside the right number is not a conflict.
    passing = df.drop(index=list(failed))
    for ix, reason in conflict_failures(passing).items():
        failed.setdefault(ix, []).append(("conflict_in_document", reason))
    assert all(c in ROW_CHECKS for fails in failed.values() for c, _ in fails)
    if not failed:
        return observations, to_arrow(FLAGGED_OBSERVATIONS, [])
    flagged_ix = sorted(failed)
    keep = pa.array([ix not in failed for ix in range(observations.num_rows)])
    # The flagged rows with their check and reasons appended, column by column (no dict per row).
    taken = observations.take(pa.array(flagged_ix, pa.int64())).select(OBSERVATIONS.field_names)
    taken = taken.append_column("check", pa.array([failed[ix][0][0] for ix in flagged_ix], pa.string()))
    taken = taken.append_column(
        "reason", pa.array(["; ".join(reason for _, reason in failed[ix]) for ix in flagged_ix], pa.string())
    )
    flagged = taken.cast(FLAGGED_OBSERVATIONS.to_pyarrow()).combine_chunks()
    return observations.filter(keep), sort_rows(FLAGGED_OBSERVATIONS, flagged)


def flagged_ceiling(n_observations: int, n_flagged: int, share: float = MAX_FLAGGED_SHARE) -> int:
    """Suite parameter max_rows_flagged_observations: the most flagged rows a release may have."""
    return math.floor((n_observations + n_flagged) * share)


def flagged_summary(flagged: pd.DataFrame, n_observations: int) -> dict:
    """For the release report and the run summary: how many rows were flagged, by which check, and the share."""
    n = len(flagged)
    total = n + n_observations
    return {
        "rows": n,
        "share": round(n / total, 4) if total else 0.0,
        "max_share": MAX_FLAGGED_SHARE,
        "by_check": dict(sorted(Counter(flagged["check"]).items())) if n else {},
        "examples": [f"{r.source_file}: {r.reason}" for r in flagged.head(5).itertuples()],
    }

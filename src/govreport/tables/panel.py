"""Analysis-ready tables built across documents: targets beside outcomes.

targets_vs_actuals has one row per region, indicator, measure, period (a whole
year, or a plan's span such as 2021/2025) and basis (annual, or a span's yearly
average or cumulative total). Every statement stays in observations;
the panel chooses one per side by a fixed rule and counts the others:

- target: the report of the period's first year (a 2021 target from the 2021 report,
  a 十四五 target from the 2021 report), else the nearest report before it, else after;
- outcome: the report of the year after the period (its review: a preliminary figure),
  unless a later report states another figure for it (a revision), in which case the
  latest such report; with neither, the latest report before (an estimate, 预计).

Within a report year the government's own report comes before news write-ups, then
file name and position decide, so the choice is deterministic. `panel` is the same
rows cut down for spreadsheets.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from govreport.contract.codelist import load_codelist
from govreport.tables.engine import duckdb_connect
from govreport.tables.table_file import TableFile

CHUNK_ROWS = 50_000  # observations read at a time

DOCUMENT_PREFERENCE = {"government_work_report": 0, "plenary_report": 1, "news_article": 2, "other": 3}
COMPARATOR_SIGNS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<", "approx": "≈", "eq": "", "range": ""}


def _whole_years(period: str) -> tuple[int, int] | None:
    """2020 -> (2020, 2020); 2021/2025 -> (2021, 2025); months, quarters and halves -> None."""
    first, _, last = period.partition("/")
    if not (len(first) == 4 and first.isdigit() and (not last or (len(last) == 4 and last.isdigit()))):
        return None
    return int(first), int(last or first)


def met(better: str, target: dict, actual_value: float) -> tuple[bool, str]:
    """Was the target reached, and by which comparison? Bounds say which side counts; for eq, approx and
    range targets, the indicator's better side (higher: reach the lower bound; lower: stay under the upper)."""
    low, high, comparator = target["value_low"], target["value_high"], target["comparator"]
    if comparator == "ge":
        return actual_value >= low, "actual >= target_low"
    if comparator == "gt":
        return actual_value > low, "actual > target_low"
    if comparator == "le":
        return actual_value <= high, "actual <= target_high"
    if comparator == "lt":
        return actual_value < high, "actual < target_high"
    if better == "lower":
        return actual_value <= high, "actual <= target_high (lower is better)"
    return actual_value >= low, "actual >= target_low (higher is better)"


# The observations' columns the panel reads, typed as in the observations table.
OBSERVATION_COLUMNS = pa.schema(
    [
        *[
            (c, pa.string())
            for c in (
                "observation_id",
                "document_id",
                "source_file",
                "region_code",
                "region_name",
                "indicator",
                "measure",
                "kind",
                "period",
                "basis",
                "comparator",
                "unit",
                "quote",
            )
        ],
        ("value_low", pa.float64()),
        ("value_high", pa.float64()),
        ("value", pa.float64()),
        ("value_start", pa.int64()),
    ]
)

# One row per group (region, indicator, measure, whole-year period, basis) with the target and the outcome chosen
# by the rule above. Ties the rule leaves open go to the earlier row of the observations table (`pos`).
# Only the chosen rows and the counts leave DuckDB: no Python object per observation.
_CHOOSE = """
WITH c AS (
    SELECT o.*, p.first_year, p.last_year, d.report_year AS y, d.pref,
        CASE WHEN o.region_code <> '' THEN o.region_code ELSE o.region_name END AS region_key,
        -- a plan's yearly average (年均) and its cumulative total (累计) are different facts
        CASE WHEN o.basis IS NULL OR o.basis = '' THEN 'annual' ELSE o.basis END AS basis_key
    FROM obs o JOIN periods p USING (period) JOIN docs d USING (document_id)
    WHERE (CASE WHEN o.region_code <> '' THEN o.region_code ELSE o.region_name END) IS NOT NULL
), g AS (
    SELECT *, dense_rank() OVER (ORDER BY region_key, indicator, measure, first_year, last_year, basis_key) AS gid
    FROM c
), t AS (  -- the report of the period's first year; else the nearest before; else the nearest after
    SELECT * FROM g WHERE kind = 'target'
    QUALIFY row_number() OVER (PARTITION BY gid ORDER BY
        CASE WHEN y = first_year THEN 0 WHEN y < first_year THEN 1 ELSE 2 END, abs(y - first_year),
        pref, source_file, value_start, pos) = 1
), a AS (
    SELECT *, bool_or(y > last_year) OVER (PARTITION BY gid) AS has_after FROM g WHERE kind = 'actual'
), estimate AS (  -- only the year's own or earlier reports: the latest of them
    SELECT * FROM a WHERE NOT has_after
    QUALIFY row_number() OVER (PARTITION BY gid ORDER BY y DESC, pref, source_file, value_start, pos) = 1
), first_after AS (
    SELECT * FROM a WHERE y > last_year
    QUALIFY row_number() OVER (PARTITION BY gid ORDER BY y, pref, source_file, value_start, pos) = 1
), revision AS (  -- a later report with another figure: the latest such
    SELECT a.* FROM a JOIN first_after f USING (gid)
    WHERE a.y > f.y AND a.value IS DISTINCT FROM f.value
    QUALIFY row_number() OVER (PARTITION BY gid ORDER BY a.y DESC, a.pref, a.source_file, a.value_start, a.pos) = 1
), chosen AS (
    SELECT gid, pos, 'preliminary' AS status, NULL::DOUBLE AS revised_value FROM estimate
    UNION ALL
    SELECT r.gid, r.pos, 'revised', f.value FROM revision r JOIN first_after f USING (gid)
    UNION ALL
    SELECT gid, pos, CASE WHEN y = last_year + 1 OR estimate THEN 'preliminary' ELSE 'later_report' END, NULL
    FROM first_after f WHERE NOT EXISTS (SELECT 1 FROM revision r WHERE r.gid = f.gid)
), act AS (
    SELECT g.*, chosen.status, chosen.revised_value FROM chosen JOIN g USING (gid, pos)
), counts AS (
    SELECT gid, any_value(region_key) AS region_key, any_value(indicator) AS indicator,
        any_value(measure) AS measure, any_value(first_year) AS first_year, any_value(last_year) AS last_year,
        any_value(basis_key) AS basis,
        count(DISTINCT document_id) FILTER (WHERE kind = 'target') AS target_statements,
        count(DISTINCT document_id) FILTER (WHERE kind = 'actual') AS actual_statements
    FROM g GROUP BY gid
), target_conflicts AS (
    SELECT gid, count(DISTINCT g.document_id) AS n FROM g JOIN t USING (gid)
    WHERE g.kind = 'target' AND (g.comparator IS DISTINCT FROM t.comparator
        OR g.value_low IS DISTINCT FROM t.value_low OR g.value_high IS DISTINCT FROM t.value_high)
    GROUP BY gid
), actual_conflicts AS (  -- among the outcome's own vintage (report year)
    SELECT gid, count(DISTINCT g.document_id) AS n FROM g JOIN act USING (gid)
    WHERE g.kind = 'actual' AND g.y = act.y AND (g.comparator IS DISTINCT FROM act.comparator
        OR g.value_low IS DISTINCT FROM act.value_low OR g.value_high IS DISTINCT FROM act.value_high)
    GROUP BY gid
)
SELECT k.*,
    t.pos IS NOT NULL AS has_target, t.comparator AS t_comparator, t.value_low AS t_low, t.value_high AS t_high,
    t.value AS t_value, t.observation_id AS t_observation_id, t.document_id AS t_document_id,
    t.source_file AS t_source_file, t.region_code AS t_region_code, t.region_name AS t_region_name, t.unit AS t_unit,
    coalesce(tc.n, 0) AS target_conflicts,
    act.pos IS NOT NULL AS has_actual, act.comparator AS a_comparator, act.value AS a_value,
    act.observation_id AS a_observation_id, act.document_id AS a_document_id, act.source_file AS a_source_file,
    act.region_code AS a_region_code, act.region_name AS a_region_name, act.unit AS a_unit,
    act.status AS a_status, act.revised_value AS a_revised_value, coalesce(ac.n, 0) AS actual_conflicts
FROM counts k LEFT JOIN t USING (gid) LEFT JOIN act USING (gid)
    LEFT JOIN target_conflicts tc USING (gid) LEFT JOIN actual_conflicts ac USING (gid)
"""


ESTIMATE_MARK = "预计"  # an outcome stated before the year's end: an estimate


def _observation_table(observations: pa.Table | TableFile | list[dict]) -> pa.Table:
    """The columns the panel reads, with a row position (ties go to the earlier row). The quotes are read a batch at
    a time, for the estimate flag, and not kept: they are most of the observations' bytes."""
    if isinstance(observations, list):  # hand-built rows (tests, notebooks)
        observations = pa.Table.from_pydict(
            {f.name: [o.get(f.name) for o in observations] for f in OBSERVATION_COLUMNS}, schema=OBSERVATION_COLUMNS
        )
    columns = [c for c in OBSERVATION_COLUMNS.names if c != "quote"]
    pieces = []
    for batch in observations.to_batches(max_chunksize=CHUNK_ROWS):
        estimate = pc.fill_null(pc.match_substring(batch.column("quote"), ESTIMATE_MARK), False)
        pieces.append(pa.RecordBatch.from_arrays([*batch.select(columns).columns, estimate], [*columns, "estimate"]))
    empty = pa.schema([*(OBSERVATION_COLUMNS.field(c) for c in columns), pa.field("estimate", pa.bool_())])
    data = pa.Table.from_batches(pieces) if pieces else empty.empty_table()
    return data.append_column("pos", pa.array(np.arange(data.num_rows, dtype=np.int64)))


def targets_vs_actuals(observations: pa.Table | TableFile | list[dict], documents: list[dict]) -> list[dict]:
    """One row per region, indicator, measure, whole-year period and basis (see the module's rule)."""
    codelist = load_codelist()
    docs = {d["document_id"]: d for d in documents}
    obs = _observation_table(observations)
    periods = [p for p in pc.unique(obs["period"]).to_pylist() if p is not None and _whole_years(p)]
    con = duckdb_connect()
    try:
        con.register("obs", obs)
        con.register(
            "periods",
            pa.table(
                {
                    "period": pa.array(periods, pa.string()),
                    "first_year": pa.array([_whole_years(p)[0] for p in periods], pa.int64()),  # type: ignore[index]
                    "last_year": pa.array([_whole_years(p)[1] for p in periods], pa.int64()),  # type: ignore[index]
                }
            ),
        )
        con.register(
            "docs",
            pa.table(
                {
                    "document_id": pa.array(list(docs), pa.string()),
                    "report_year": pa.array([d["report_year"] for d in docs.values()], pa.int64()),
                    "pref": pa.array(
                        [DOCUMENT_PREFERENCE.get(d["document_type"], 9) for d in docs.values()], pa.int64()
                    ),
                }
            ),
        )
        groups = con.sql(_CHOOSE).to_arrow_table().to_pylist()  # one per output row: few
    finally:
        con.close()
    groups.sort(
        key=lambda g: (g["region_key"], g["indicator"], g["measure"], g["first_year"], g["last_year"], g["basis"])
    )
    rows = []
    for g in groups:
        first_year, last_year, indicator = g["first_year"], g["last_year"], g["indicator"]
        side = "t" if g["has_target"] else "a"  # the row's region and unit: the target's, else the outcome's
        target = {"comparator": g["t_comparator"], "value_low": g["t_low"], "value_high": g["t_high"]}
        better = codelist[indicator].better if indicator in codelist else "higher"
        both = g["has_target"] and g["has_actual"]
        reached, rule = met(better, target, g["a_value"]) if both else (None, None)
        rows.append(
            {
                "region_key": g["region_key"],
                "region_code": g[f"{side}_region_code"],
                "region_name": g[f"{side}_region_name"],
                "region_level": docs[g[f"{side}_document_id"]].get("region_level"),
                "indicator": indicator,
                "measure": g["measure"],
                "period": str(first_year) if first_year == last_year else f"{first_year}/{last_year}",
                "first_year": first_year,
                "year": last_year,
                "basis": g["basis"],
                "unit": g[f"{side}_unit"],
                "target_comparator": g["t_comparator"],
                "target_low": g["t_low"],
                "target_high": g["t_high"],
                "target_value": g["t_value"],
                "target_observation_id": g["t_observation_id"],
                "target_document_id": g["t_document_id"],
                "target_source_file": g["t_source_file"],
                "target_report_year": docs[g["t_document_id"]]["report_year"] if g["has_target"] else None,
                "target_statements": g["target_statements"],
                "target_conflicts": g["target_conflicts"],
                "actual_comparator": g["a_comparator"],
                "actual_value": g["a_value"],
                "actual_observation_id": g["a_observation_id"],
                "actual_document_id": g["a_document_id"],
                "actual_source_file": g["a_source_file"],
                "actual_report_year": docs[g["a_document_id"]]["report_year"] if g["has_actual"] else None,
                "actual_status": g["a_status"],
                "actual_preliminary_value": g["a_revised_value"],
                "actual_statements": g["actual_statements"],
                "actual_conflicts": g["actual_conflicts"],
                "met": reached,
                "met_rule": rule,
                "difference": round(g["a_value"] - g["t_value"], 6) if both else None,
            }
        )
    # The previous period's outcome, as chosen in its own row: the year before, or the plan span before.
    outcome = {
        (r["region_key"], r["indicator"], r["measure"], r["basis"], r["first_year"], r["year"]): r["actual_value"]
        for r in rows
    }
    for r in rows:
        span = r["year"] - r["first_year"] + 1
        r["previous_actual_value"] = outcome.get(
            (r["region_key"], r["indicator"], r["measure"], r["basis"], r["first_year"] - span, r["year"] - span)
        )
    return rows


def target_text(row: dict) -> str | None:
    """A target as people write it: >= 6, < 3.5, 5-6, ≈ 5.5, 6."""
    comparator = row["target_comparator"]
    if comparator is None:
        return None
    low, high = row["target_low"], row["target_high"]
    if comparator == "range":
        return f"{low:g}-{high:g}"
    value = low if comparator in ("ge", "gt") else high if comparator in ("le", "lt") else row["target_value"]
    return f"{COMPARATOR_SIGNS[comparator]} {value:g}".strip()


def tidy_panel(rows: list[dict]) -> list[dict]:
    """targets_vs_actuals for spreadsheets: names instead of ids, the target as one readable cell."""
    codelist = load_codelist()
    return [
        {
            "region_key": r["region_key"],
            "region_code": r["region_code"],
            "region_name": r["region_name"],
            "region_level": r["region_level"],
            "indicator": r["indicator"],
            "indicator_name_zh": codelist[r["indicator"]].name_zh if r["indicator"] in codelist else None,
            "indicator_name_en": codelist[r["indicator"]].name_en if r["indicator"] in codelist else None,
            "measure": r["measure"],
            "period": r["period"],
            "year": r["year"],
            "basis": r["basis"],
            "unit": r["unit"],
            "target": target_text(r),
            "target_low": r["target_low"],
            "target_high": r["target_high"],
            "target_report_year": r["target_report_year"],
            "actual": r["actual_value"],
            "actual_status": r["actual_status"],
            "actual_report_year": r["actual_report_year"],
            "met": r["met"],
            "previous_actual": r["previous_actual_value"],
        }
        for r in rows
    ]

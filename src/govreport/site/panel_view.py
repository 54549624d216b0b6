"""The panel view's data: every yearly series of targets_vs_actuals, compact enough to embed in the release page.

The page's selector picks a region, an indicator and a measure; its script draws that series' target band
against the outcome over the years, with a table of the same rows. What it draws comes from here and
nothing else: targets as the table states them (comparator, bounds, value), outcomes, and `met` as the
table has it. Neither this module nor the script decides whether a target was met.

Layout (no key repeated per row, names stored once):

    regions     [[region_key, name, level], ...]   country, province, prefecture, county, then unknown
    indicators  [[code, name_en, name_zh], ...]
    cols        the names of each row's cells
    series      [{"r": region index, "i": indicator index, "m": measure, "b": basis, "u": unit,
                  "rows": [[year, target_comparator, target_low, target_high, target_value,
                            actual_comparator, actual_value, met], ...]}, ...]   rows by year
"""

from __future__ import annotations

from govreport.contract.model import REGION_LEVELS
from govreport.site.charts import is_yearly
from govreport.site.text import COMPARATOR_SYMBOL, MEASURE_LABEL, UNIT_EN, UNIT_ZH, clean

# Columns of targets_vs_actuals the view reads (besides those of the static charts).
VIEW_COLUMNS = [
    "region_key",
    "region_code",
    "region_name",
    "region_level",
    "indicator",
    "measure",
    "period",
    "year",
    "basis",
    "unit",
    "target_comparator",
    "target_low",
    "target_high",
    "target_value",
    "actual_comparator",
    "actual_value",
    "met",
]
ROW_COLS = [
    "year",
    "target_comparator",
    "target_low",
    "target_high",
    "target_value",
    "actual_comparator",
    "actual_value",
    "met",
]
BASIS_LABEL = {"annual": "annual 年度", "average": "yearly average 年均", "cumulative": "cumulative 累计"}


def _n(v):
    """A number for the JSON: 6.0 is written 6 (shorter, and the script shows it as the page's tables do)."""
    v = clean(v)
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def panel_view_data(panel: list[dict], names: dict[str, dict]) -> dict:
    """The view's data from targets_vs_actuals rows: one series per region, indicator, measure, basis and
    unit over the yearly rows that state a target or an outcome."""
    groups: dict[tuple, list[dict]] = {}
    region_of: dict[str, tuple[str, str | None]] = {}
    for r in panel:
        if not is_yearly(r) or (r.get("target_comparator") is None and r.get("actual_value") is None):
            continue
        key = r.get("region_key") or r.get("region_code") or r.get("region_name") or ""
        region_of.setdefault(key, (r.get("region_name") or r.get("region_code") or key, r.get("region_level")))
        groups.setdefault((key, r["indicator"], r["measure"], r.get("basis") or "annual", r["unit"]), []).append(r)

    level_rank = {lv: i for i, lv in enumerate(REGION_LEVELS)}
    region_keys = sorted(region_of, key=lambda k: (level_rank.get(region_of[k][1] or "", len(level_rank)), k))
    region_index = {k: i for i, k in enumerate(region_keys)}
    indicator_codes = sorted({k[1] for k in groups})
    indicator_index = {c: i for i, c in enumerate(indicator_codes)}

    series = []
    for (region, indicator, measure, basis, unit), rows in sorted(
        groups.items(), key=lambda kv: (region_index[kv[0][0]], kv[0][1:])
    ):
        rows = sorted(rows, key=lambda r: int(r["year"]))
        series.append(
            {
                "r": region_index[region],
                "i": indicator_index[indicator],
                "m": measure,
                "b": basis,
                "u": unit,
                "rows": [
                    [
                        int(r["year"]),
                        r.get("target_comparator"),
                        _n(r.get("target_low")),
                        _n(r.get("target_high")),
                        _n(r.get("target_value")),
                        r.get("actual_comparator") if r.get("actual_value") is not None else None,
                        _n(r.get("actual_value")),
                        r.get("met"),
                    ]
                    for r in rows
                ],
            }
        )
    # Opened first: the series with the most years that have both a target and an outcome.
    judged = [sum(1 for row in s["rows"] if row[1] is not None and row[6] is not None) for s in series]
    first = max(range(len(series)), key=lambda i: (judged[i], len(series[i]["rows"]), -i)) if series else None
    units = sorted({s["u"] for s in series})
    return {
        "regions": [[k, region_of[k][0], region_of[k][1]] for k in region_keys],
        "indicators": [
            [c, names.get(c, {}).get("name_en") or c, names.get(c, {}).get("name_zh") or ""] for c in indicator_codes
        ],
        "cols": ROW_COLS,
        "series": series,
        "first": first,
        "units": {u: [UNIT_ZH.get(u, u), UNIT_EN.get(u, u)] for u in units},
        "measures": {m: MEASURE_LABEL.get(m, m) for m in sorted({s["m"] for s in series})},
        "bases": {b: BASIS_LABEL.get(b, b) for b in sorted({s["b"] for s in series})},
        "levels": list(REGION_LEVELS),
        "symbols": COMPARATOR_SYMBOL,
    }

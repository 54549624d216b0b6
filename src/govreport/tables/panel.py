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

from collections import defaultdict

from govreport.contract.codelist import load_codelist

DOCUMENT_PREFERENCE = {"government_work_report": 0, "plenary_report": 1, "news_article": 2, "other": 3}
COMPARATOR_SIGNS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<", "approx": "≈", "eq": "", "range": ""}


def _region_key(row: dict) -> str | None:
    return row["region_code"] or row["region_name"]


def _whole_years(period: str) -> tuple[int, int] | None:
    """2020 -> (2020, 2020); 2021/2025 -> (2021, 2025); months, quarters and halves -> None."""
    first, _, last = period.partition("/")
    if not (len(first) == 4 and first.isdigit() and (not last or (len(last) == 4 and last.isdigit()))):
        return None
    return int(first), int(last or first)


def _bounds(row: dict) -> tuple:
    return row["comparator"], row["value_low"], row["value_high"]


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


class _Chooser:
    def __init__(self, documents: dict[str, dict]):
        self.docs = documents

    def year(self, row: dict) -> int:
        return self.docs[row["document_id"]]["report_year"]

    def _tiebreak(self, row: dict) -> tuple:
        kind = DOCUMENT_PREFERENCE.get(self.docs[row["document_id"]]["document_type"], 9)
        return kind, row["source_file"], row["value_start"]

    def target(self, rows: list[dict], first_year: int) -> dict:
        """The report of the period's first year; else the nearest report before it; else the nearest after."""

        def rank(r):
            y = self.year(r)
            return (0, 0) if y == first_year else ((1, first_year - y) if y < first_year else (2, y - first_year))

        return min(rows, key=lambda r: (rank(r), self._tiebreak(r)))

    def actual(self, rows: list[dict], last_year: int) -> tuple[dict, str, dict | None]:
        """The outcome, its status, and the first figure it revised (None unless revised)."""
        after = [r for r in rows if self.year(r) > last_year]
        if not after:  # only the year's own or earlier reports: an estimate (预计)
            return min(rows, key=lambda r: (-self.year(r), self._tiebreak(r))), "preliminary", None
        first = min(after, key=lambda r: (self.year(r), self._tiebreak(r)))
        later = [r for r in after if self.year(r) > self.year(first) and r["value"] != first["value"]]
        if later:
            latest = min(later, key=lambda r: (-self.year(r), self._tiebreak(r)))
            return latest, "revised", first
        status = (
            "preliminary"
            if self.year(first) == last_year + 1 or "预计" in (first.get("quote") or "")
            else "later_report"
        )
        return first, status, None


def targets_vs_actuals(observations: list[dict], documents: list[dict]) -> list[dict]:
    codelist = load_codelist()
    docs = {d["document_id"]: d for d in documents}
    choose = _Chooser(docs)
    groups: dict[tuple, dict[str, list[dict]]] = defaultdict(lambda: {"target": [], "actual": []})
    for o in observations:
        years = _whole_years(o["period"])
        if years is None or _region_key(o) is None or o["document_id"] not in docs:
            continue
        # a plan's yearly average (年均) and its cumulative total (累计) are different facts
        basis = o.get("basis") or "annual"
        groups[(_region_key(o), o["indicator"], o["measure"], years, basis)][o["kind"]].append(o)
    rows = []
    for (region, indicator, measure, (first_year, last_year), basis), sides in sorted(groups.items()):
        target = choose.target(sides["target"], first_year) if sides["target"] else None
        actual, status, revised = choose.actual(sides["actual"], last_year) if sides["actual"] else (None, None, None)
        anyone = target or actual
        assert anyone is not None  # a group holds a target or an actual, or it would not exist
        better = codelist[indicator].better if indicator in codelist else "higher"
        reached, rule = met(better, target, actual["value"]) if target and actual else (None, None)
        same_vintage = [r for r in sides["actual"] if actual and choose.year(r) == choose.year(actual)]
        rows.append(
            {
                "region_key": region,
                "region_code": anyone["region_code"],
                "region_name": anyone["region_name"],
                "region_level": docs[anyone["document_id"]].get("region_level"),
                "indicator": indicator,
                "measure": measure,
                "period": str(first_year) if first_year == last_year else f"{first_year}/{last_year}",
                "first_year": first_year,
                "year": last_year,
                "basis": basis,
                "unit": anyone["unit"],
                "target_comparator": target["comparator"] if target else None,
                "target_low": target["value_low"] if target else None,
                "target_high": target["value_high"] if target else None,
                "target_value": target["value"] if target else None,
                "target_observation_id": target["observation_id"] if target else None,
                "target_document_id": target["document_id"] if target else None,
                "target_source_file": target["source_file"] if target else None,
                "target_report_year": choose.year(target) if target else None,
                "target_statements": len({r["document_id"] for r in sides["target"]}),
                "target_conflicts": len(
                    {r["document_id"] for r in sides["target"] if target and _bounds(r) != _bounds(target)}
                ),
                "actual_comparator": actual["comparator"] if actual else None,
                "actual_value": actual["value"] if actual else None,
                "actual_observation_id": actual["observation_id"] if actual else None,
                "actual_document_id": actual["document_id"] if actual else None,
                "actual_source_file": actual["source_file"] if actual else None,
                "actual_report_year": choose.year(actual) if actual else None,
                "actual_status": status,
                "actual_preliminary_value": revised["value"] if revised else None,
                "actual_statements": len({r["document_id"] for r in sides["actual"]}),
                "actual_conflicts": len(
                    {r["document_id"] for r in same_vintage if actual is not None and _bounds(r) != _bounds(actual)}
                ),
                "met": reached,
                "met_rule": rule,
                "difference": round(actual["value"] - target["value"], 6) if target and actual else None,
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

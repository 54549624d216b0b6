"""Analysis-ready tables built across documents.

targets_vs_actuals puts each year's target beside its outcome, for a region,
indicator and measure, wherever the two were stated: a 2021 target in the 2021
report, its outcome in the 2022 report's review.
"""
from __future__ import annotations

from collections import defaultdict

from govreport.contract.codelist import load_codelist

DOCUMENT_PREFERENCE = {"government_work_report": 0, "plenary_report": 1, "news_article": 2, "other": 3}


def _region_key(row: dict) -> str | None:
    return row["region_code"] or row["region_name"]


def _choose(rows: list[dict], documents: dict[str, dict], latest_report: bool) -> dict:
    """One statement among several: the government's own report first, then (for outcomes) the latest report,
    then the file name, so the choice is deterministic."""
    def rank(r):
        d = documents[r["document_id"]]
        year = -(d["report_year"] or 0) if latest_report else (d["report_year"] or 0)
        return (DOCUMENT_PREFERENCE.get(d["document_type"], 9), year, r["source_file"], r["value_start"])
    return min(rows, key=rank)


def met(better: str, target: dict, actual_value: float) -> bool:
    """Was the target reached? Bounds say which side counts; for eq and approx, the indicator's better side."""
    low, high = target["value_low"], target["value_high"]
    if target["comparator"] in ("ge", "gt"):
        return actual_value >= low if target["comparator"] == "ge" else actual_value > low
    if target["comparator"] in ("le", "lt"):
        return actual_value <= high if target["comparator"] == "le" else actual_value < high
    if better == "lower":
        return actual_value <= high
    return actual_value >= low


def targets_vs_actuals(observations: list[dict], documents: list[dict]) -> list[dict]:
    codelist = load_codelist()
    docs = {d["document_id"]: d for d in documents}
    groups: dict[tuple, dict[str, list[dict]]] = defaultdict(lambda: {"target": [], "actual": []})
    for o in observations:
        if not (len(o["period"]) == 4 and o["period"].isdigit()) or _region_key(o) is None:  # whole years only
            continue
        groups[(_region_key(o), o["indicator"], int(o["period"]), o["measure"])][o["kind"]].append(o)
    rows = []
    for (region, indicator, year, measure), sides in sorted(groups.items()):
        target = _choose(sides["target"], docs, latest_report=False) if sides["target"] else None
        actual = _choose(sides["actual"], docs, latest_report=True) if sides["actual"] else None
        anyone = target or actual
        assert anyone is not None  # a group holds a target or an actual, or it would not exist
        better = codelist[indicator].better if indicator in codelist else "higher"
        rows.append({
            "region_key": region, "region_code": anyone["region_code"], "region_name": anyone["region_name"],
            "indicator": indicator, "year": year, "measure": measure, "unit": anyone["unit"],
            "target_comparator": target["comparator"] if target else None,
            "target_low": target["value_low"] if target else None,
            "target_high": target["value_high"] if target else None,
            "target_value": target["value"] if target else None,
            "target_observation_id": target["observation_id"] if target else None,
            "target_source_file": target["source_file"] if target else None,
            "actual_comparator": actual["comparator"] if actual else None,
            "actual_value": actual["value"] if actual else None,
            "actual_observation_id": actual["observation_id"] if actual else None,
            "actual_source_file": actual["source_file"] if actual else None,
            "met": met(better, target, actual["value"]) if target and actual else None,
            "difference": round(actual["value"] - target["value"], 6) if target and actual else None,
        })
    return rows

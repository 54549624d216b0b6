"""The per-row targets_vs_actuals that tables/panel.py replaced (before the columnar rewrite), kept as the
reference the columnar version is tested against: both must give the same rows, tie for tie."""

from __future__ import annotations

from collections import defaultdict

from govreport.contract.codelist import load_codelist
from govreport.tables.panel import DOCUMENT_PREFERENCE, _whole_years, met


def _region_key(row: dict) -> str | None:
    return row["region_code"] or row["region_name"]


def _bounds(row: dict) -> tuple:
    return row["comparator"], row["value_low"], row["value_high"]


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


def reference_targets_vs_actuals(observations: list[dict], documents: list[dict]) -> list[dict]:
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

"""The charts' data: series of targets and outcomes, and the geometry the SVG templates draw.

Targets and outcomes come from the release's targets_vs_actuals table, and "missed" is that table's `met`
column being false: the chart draws the data's verdict and has no rule of its own.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from govreport.site.text import UNIT_EN, UNIT_ZH, num, value_display

_YEAR = re.compile(r"^\d{4}$")

# Columns of targets_vs_actuals the charts read.
PANEL_COLUMNS = [
    "region_key",
    "region_code",
    "region_name",
    "indicator",
    "period",
    "year",
    "measure",
    "unit",
    "target_comparator",
    "target_low",
    "target_high",
    "target_value",
    "actual_comparator",
    "actual_value",
    "met",
]


def is_yearly(row: dict) -> bool:
    """A row about one whole year (not a plan's span such as 2021/2025, whose `year` is its last); rows of older
    releases, which have no period column, are yearly."""
    period = row.get("period")
    return row.get("year") is not None and (
        period is None or (bool(_YEAR.match(str(period))) and int(period) == int(row["year"]))
    )


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi == lo:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    pad = (hi - lo) * 0.05  # keep points off the frame, but do not invent negatives for counts and levels
    lo, hi = (max(0.0, lo - pad) if lo >= 0 else lo - pad), hi + pad
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if (hi - lo) / (m * mag) <= n)
    first, last = math.floor(lo / step), math.ceil(hi / step)  # ticks enclose every value
    return [round(i * step, 10) for i in range(first, max(last, first + 1) + 1)]


def chart_series(panel: list[dict]) -> list[dict]:
    """One series per region, indicator, measure and unit, over the one-year rows of targets_vs_actuals; kept
    when it has both targets and outcomes, or at least two points. An outcome is "missed" exactly when the
    row's `met` is false."""
    groups: dict[tuple, dict] = {}
    for r in panel:
        if not is_yearly(r):
            continue
        region = r.get("region_name") or r.get("region_code") or r.get("region_key") or ""
        key = (region, r["indicator"], r["measure"], r["unit"])
        g = groups.setdefault(
            key,
            {
                "region": region,
                "indicator": r["indicator"],
                "measure": r["measure"],
                "unit": r["unit"],
                "targets": [],
                "actuals": [],
            },
        )
        year = int(r["year"])
        if r.get("target_comparator") is not None and r.get("target_value") is not None:
            g["targets"].append(
                {
                    "kind": "target",
                    "year": year,
                    "comp": r["target_comparator"],
                    "low": r.get("target_low"),
                    "high": r.get("target_high"),
                    "value": r["target_value"],
                }
            )
        if r.get("actual_value") is not None:
            # An outcome is one number; its comparator says how it was stated ("more than 370").
            value = r["actual_value"]
            g["actuals"].append(
                {
                    "kind": "actual",
                    "year": year,
                    "comp": r.get("actual_comparator") or "eq",
                    "low": value,
                    "high": value,
                    "value": value,
                    "met": r.get("met"),
                    "missed": r.get("met") is False,
                }
            )
    series = []
    for g in groups.values():
        g["targets"].sort(key=lambda p: p["year"])
        g["actuals"].sort(key=lambda p: p["year"])
        points = g["targets"] + g["actuals"]
        if not ((g["targets"] and g["actuals"]) or len(points) >= 2):
            continue
        series.append({**g, "points": points})
    # Target-vs-outcome series first, then the longest.
    series.sort(
        key=lambda s: (
            s["region"],
            not (s["targets"] and s["actuals"]),
            -len(s["points"]),
            s["indicator"],
            s["measure"],
        )
    )
    return series


def point_text(p: dict, unit: str) -> str:
    return f"{p['year']} {value_display(p['comp'], p['low'], p['high'], p['value'])} {UNIT_ZH.get(unit, unit)}"


def series_figure(s: dict, names: dict[str, dict], chart_id: str) -> dict:
    """Coordinates for one small multiple: targets as bands (ranges), ticks (one number) or arrows (one
    bound); outcomes as dots, marked when the target was missed."""
    W, H, L, R, T, B = 360, 200, 52, 14, 12, 28
    years = [p["year"] for p in s["points"]]
    y0, y1 = min(years), max(years)
    span = max(1, y1 - y0)
    step_px = (W - L - R) / (span + 1)

    def x(year):
        return L + step_px * (year - y0 + 0.5)

    values = [v for p in s["points"] for v in (p["low"], p["high"], p["value"]) if v is not None]
    ticks = nice_ticks(min(values), max(values))
    lo, hi = ticks[0], ticks[-1]

    def y(v):
        return T + (H - T - B) * (1 - (v - lo) / (hi - lo))

    ind = names.get(s["indicator"], {})
    title = (
        f"{ind.get('name_en') or s['indicator']} ({ind.get('name_zh') or ''}), {s['region']}, "
        f"{s['measure']}, {UNIT_EN.get(s['unit'], s['unit'])}"
    )
    missed = [a for a in s["actuals"] if a["missed"]]
    desc = "; ".join(
        filter(
            None,
            [
                "targets: " + ", ".join(point_text(p, s["unit"]) for p in s["targets"])
                if s["targets"]
                else "no targets",
                "outcomes: " + ", ".join(point_text(p, s["unit"]) for p in s["actuals"])
                if s["actuals"]
                else "no outcomes",
                "missed target in " + ", ".join(str(a["year"]) for a in missed) if missed else "",
            ],
        )
    )
    bw = min(30.0, step_px * 0.55)
    label_every = 1 if span < 8 else 2
    targets = []
    for p in s["targets"]:
        cx, low, high = x(p["year"]), p["low"], p["high"]
        tip = f"Target 目标 {point_text(p, s['unit'])}"
        if low is not None and high is not None and high > low:
            shape = {"shape": "band", "y": y(high), "h": max(2.0, y(low) - y(high))}
        elif low is not None and high is None:
            shape = {"shape": "floor", "y": y(low)}
        elif high is not None and low is None:
            shape = {"shape": "ceiling", "y": y(high)}
        else:
            shape = {"shape": "tick", "y": y(p["value"]), "approx": p["comp"] == "approx"}
        targets.append({**shape, "cx": cx, "x0": cx - bw / 2, "x1": cx + bw / 2, "bw": bw, "tip": tip})
    actuals = [
        {
            "cx": x(p["year"]),
            "cy": y(p["value"]),
            "missed": p["missed"],
            "tip": " ".join(
                filter(
                    None, ["Outcome 实际", point_text(p, s["unit"]), "missed target 未达目标" if p["missed"] else ""]
                )
            ),
        }
        for p in s["actuals"]
    ]
    return {
        "id": chart_id,
        "W": W,
        "H": H,
        "L": L,
        "R": R,
        "title": title,
        "desc": desc,
        "indicator_en": ind.get("name_en") or s["indicator"],
        "indicator_zh": ind.get("name_zh"),
        "region": s["region"],
        "measure": s["measure"],
        "unit": s["unit"],
        "yticks": [{"y": y(t), "label": num(t)} for t in ticks],
        "zero": y(0) if lo < 0 < hi else None,
        "xticks": [{"x": x(yr), "label": yr} for yr in range(y0, y1 + 1) if (yr - y0) % label_every == 0],
        "targets": targets,
        "actuals": actuals,
    }


def coverage_figure(documents: list[dict], counts: Counter) -> dict | None:
    """Horizontal bars: observations per document (labelled with its report year), targets and outcomes stacked.
    counts: observations per (document_id, kind)."""
    docs = sorted(documents, key=lambda d: (d.get("report_year") or 0, d.get("source_file") or ""))
    if not docs:
        return None
    W, L, R, row, T = 720, 250, 48, 26, 8
    most = max([counts[(d["document_id"], "target")] + counts[(d["document_id"], "actual")] for d in docs] + [1])
    scale = (W - L - R) / most
    bars = []
    for i, d in enumerate(docs):
        nt, na = counts[(d["document_id"], "target")], counts[(d["document_id"], "actual")]
        bars.append(
            {
                "y": T + i * row,
                "targets": nt,
                "actuals": na,
                "target_w": nt * scale,
                "actual_w": na * scale,
                "actual_x": L + nt * scale,
                "n_x": L + (nt + na) * scale + 6,
                "label": f"{d.get('report_year') or '?'} · {d.get('source_file')}",
                "doc_title": d.get("title") or d.get("source_file"),
                "report_year": d.get("report_year"),
                "source_file": d.get("source_file"),
            }
        )
    summary = "; ".join(
        f"{b['report_year']} {b['source_file']}: {b['targets']} targets, {b['actuals']} outcomes" for b in bars
    )
    return {
        "W": W,
        "H": T + row * len(docs) + 26,
        "L": L,
        "T": T,
        "bottom": T + row * len(docs),
        "title": "Observations per document and report year 各文件(按报告年份)观测值数量",
        "summary": summary,
        "bars": bars,
    }


def years_figure(per_period: Counter) -> dict | None:
    """Vertical bars: observations per year the numbers are about ("YYYY" periods), targets and outcomes stacked.
    per_period: observations per (period, kind)."""
    counts: Counter = Counter()
    for (period, kind), n in per_period.items():
        if _YEAR.match(str(period or "")):
            counts[(int(period), kind)] += n
    if not counts:
        return None
    years = list(range(min(y for y, _ in counts), max(y for y, _ in counts) + 1))
    W, H, L, R, T, B = 360, 200, 36, 10, 14, 28
    most = max(counts[(y, "target")] + counts[(y, "actual")] for y in years)
    ticks = [t for t in nice_ticks(0, most) if t >= 0]
    top = ticks[-1]
    bw = (W - L - R) / len(years)

    def yv(v):
        return T + (H - T - B) * (1 - v / top)

    bars = []
    for i, yr in enumerate(years):
        nt, na = counts[(yr, "target")], counts[(yr, "actual")]
        x0, w = L + i * bw + bw * 0.18, bw * 0.64
        bars.append(
            {
                "year": yr,
                "targets": nt,
                "actuals": na,
                "x": x0,
                "w": w,
                "mid": x0 + w / 2,
                "target_y": yv(nt),
                "target_h": yv(0) - yv(nt),
                "actual_y": yv(nt + na),
                "actual_h": yv(nt) - yv(nt + na),
                "labelled": len(years) < 12 or i % 2 == 0,
            }
        )
    return {
        "W": W,
        "H": H,
        "L": L,
        "R": R,
        "title": "Observations per year the numbers are about 各年份观测值数量",
        "summary": "; ".join(f"{b['year']}: {b['targets']} targets, {b['actuals']} outcomes" for b in bars),
        "yticks": [{"y": yv(t), "label": num(t)} for t in ticks],
        "bars": bars,
    }

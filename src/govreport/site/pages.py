"""Static HTML for humans: one page per release, one per source document, and a catalog page.

    published/index.html                          every package and version (build_catalog_site)
    published/<package>/<version>/index.html      the release page (build_release_site)
    published/<package>/<version>/site/           its stylesheet, script and per-document pages

The pages make no network request of their own (no CDN, no web fonts): they work from a file
server or straight from disk. Everything shown comes from the release's own files.

Safety: quotes, titles and region names come from documents nobody here wrote. Every value put
into HTML goes through `esc` (html.escape, quote=True); the observations table's data travels as
JSON in a <script type="application/json"> element with every < > & escaped, and the script builds
the table with textContent only. No href is ever built from document text: links are made from
hex ids that are checked against their pattern first. A Content-Security-Policy forbids inline
script and any request off the page's own origin, as a second line of defence.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq

from govreport.contract.model import (LICENSE, OBSERVATIONS, PACKAGE_NAME, PACKAGE_TITLE, PACKAGE_TITLE_ZH, TABLES, UNITS,
                       Table)
from govreport.sources.decode import IngestError, read_document

__all__ = ["build_release_site", "build_catalog_site", "observation_changes"]

SITE_DIR = "site"
MAX_CHARTS = 60  # small multiples past this stop being readable; the CSV has the rest
MAX_LISTED_CHANGES = 20
# The page's table holds this many observations (in the release's sort order) and links their documents;
# a national corpus would make a page nobody can load. The downloads have every row.
MAX_TABLE_ROWS = 5000

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX16 = re.compile(r"^[0-9a-f]{16}$")
_YEAR = re.compile(r"^\d{4}$")
# Paths we link to come from our own datapackage.json, but are still checked: relative, no "..", no scheme.
_SAFE_REL = re.compile(r"^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9._/-]*$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

KIND_LABEL = {"target": "Target 目标", "actual": "Outcome 实际"}
MEASURE_LABEL = {"level": "Level 水平值", "growth": "Growth 增长率", "change": "Change 百分点变化"}
COMPARATOR_SYMBOL = {"eq": "=", "approx": "≈", "ge": "≥", "gt": ">", "le": "≤", "lt": "<", "range": "–"}
UNIT_ZH = {u.code: u.label_zh for u in UNITS}
UNIT_EN = {u.code: u.description_en for u in UNITS}

FONT_STACK = ('-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, '
              '"PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Source Han Sans SC", '
              '"Microsoft YaHei", sans-serif')


# --- small helpers ------------------------------------------------------------------------------
def esc(value) -> str:
    """Text for HTML content or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def json_script(element_id: str, obj) -> str:
    """Data for scripts, inert to the HTML parser.

    Inside <script> the parser ends the element at the first "</script" and treats "<!--" specially;
    escaping every < (and > &) as a JSON unicode escape means no string can form a tag or end the
    element ("</" can never appear). JSON.parse turns the escapes back into the characters."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{esc(element_id)}">{text}</script>'


def _clean(v):
    """JSON-safe scalar: NaN and infinities become None, dates become ISO strings."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def num(v) -> str:
    """A number as a person would write it: 6, 6.25, 2630.2 (no trailing zeros, no exponent)."""
    v = _clean(v)
    if v is None:
        return ""
    v = float(v)
    if v.is_integer():
        return str(int(v))
    return f"{v:.6f}".rstrip("0").rstrip(".")


def human_bytes(n: int | None) -> str:
    if n is None:
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return ""


def value_display(comparator: str, low, high, value) -> str:
    """6–6.5, ≥ 5, ≤ 3, ≈ 400, > 850, 384."""
    low, high, value = _clean(low), _clean(high), _clean(value)
    if comparator == "range" and low is not None and high is not None:
        return f"{num(low)}–{num(high)}"
    if comparator in ("ge", "gt") and low is not None:
        return f"{COMPARATOR_SYMBOL[comparator]} {num(low)}"
    if comparator in ("le", "lt") and high is not None:
        return f"{COMPARATOR_SYMBOL[comparator]} {num(high)}"
    if comparator == "approx":
        return f"≈ {num(value)}"
    return num(value)


def _utf16_len(s: str) -> int:
    # JavaScript strings index UTF-16 code units; Python's index code points.
    return len(s.encode("utf-16-le")) // 2


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


SUMMARY_COLUMNS = ["document_id", "region_code", "region_name", "indicator", "measure", "kind", "period",
                   "comparator", "value_low", "value_high", "value", "unit"]


def _rows(path: Path, columns: list[str] | None = None, limit: int | None = None) -> list[dict]:
    if not path.exists():
        return []
    table = pq.read_table(path, columns=columns)
    if limit is not None:
        table = table.slice(0, limit)
    return [{k: _clean(v) for k, v in r.items()} for r in table.to_pylist()]


def _csp_hash(css: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode() + "'"


def _page(title: str, body: str, *, css_href: str | None = None, inline_css: str | None = None,
          script_href: str | None = None, lang: str = "en") -> str:
    # No inline script may run (script-src 'self'); the catalog's inline stylesheet is allowed by its hash.
    style_src = "'self'" + (f" {_csp_hash(inline_css)}" if inline_css else "")
    csp = (f"default-src 'none'; style-src {style_src}; script-src 'self'; img-src 'self' data:; "
           "connect-src 'self'; base-uri 'none'; form-action 'none'")
    head = [
        "<!doctype html>",
        f'<html lang="{esc(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{esc(title)}</title>",
        '<link rel="icon" href="data:,">',  # no favicon request
    ]
    if css_href:
        head.append(f'<link rel="stylesheet" href="{esc(css_href)}">')
    if inline_css:
        head.append(f"<style>{inline_css}</style>")
    if script_href:
        head.append(f'<script src="{esc(script_href)}" defer></script>')
    return "\n".join(head + ["</head>", "<body>", body, "</body>", "</html>", ""])


def _bi(en: str, zh: str) -> str:
    """A bilingual label: English, then Chinese marked as such (so the browser picks a Chinese font)."""
    return f'{esc(en)} <span lang="zh-Hans">{esc(zh)}</span>'


# --- what changed ---------------------------------------------------------------------------
# Compared for "changed": the coded value, as govreport.release.changes does, so the page says the same whether it
# reads the release's changes.json or compares two releases itself.
_COMPARED = ("value_low", "value_high", "value", "unit")


def observation_changes(previous_release_dir: Path, release_dir: Path) -> dict:
    """Observations (and documents) added, removed and changed between two releases, matched by natural key.

    {"observations": {"added": [row], "removed": [row], "changed": [(old row, new row)]},
     "documents": {"added": [file], "removed": [file], "changed": [file]}}"""
    key = OBSERVATIONS.natural_key

    def index(release: Path, table: str, key: tuple[str, ...]) -> dict[tuple, dict]:
        return {tuple(r.get(k) for k in key): r for r in _rows(Path(release) / "data" / f"{table}.parquet")}

    old, new = index(previous_release_dir, "observations", key), index(release_dir, "observations", key)
    docs_old = index(previous_release_dir, "documents", ("source_file",))
    docs_new = index(release_dir, "documents", ("source_file",))
    return {
        "observations": {
            "added": [new[k] for k in sorted(new.keys() - old.keys(), key=repr)],
            "removed": [old[k] for k in sorted(old.keys() - new.keys(), key=repr)],
            "changed": [(old[k], new[k]) for k in sorted(old.keys() & new.keys(), key=repr)
                        if any(old[k].get(c) != new[k].get(c) for c in _COMPARED)],
        },
        "documents": {
            "added": sorted(k[0] for k in docs_new.keys() - docs_old.keys()),
            "removed": sorted(k[0] for k in docs_old.keys() - docs_new.keys()),
            "changed": sorted(k[0] for k in docs_new.keys() & docs_old.keys()
                              if docs_new[k].get("document_id") != docs_old[k].get("document_id")),
        },
    }


def _from_changes_json(changes) -> dict | None:
    """The layout govreport.release.changes writes, in observation_changes' shape; None for anything else."""
    try:
        obs, docs = changes["observations"], changes.get("documents") or {}
        natural = OBSERVATIONS.natural_key
        changed = [({**{k: c.get(k) for k in natural}, **c["old"], "reason": c.get("reason")},
                    {**{k: c.get(k) for k in natural}, **c["new"]}) for c in obs.get("changed", [])]
        out = {"observations": {"added": list(obs.get("added", [])), "removed": list(obs.get("removed", [])),
                                "changed": changed},
               "documents": {k: [str(x) for x in docs.get(k, [])] for k in ("added", "removed", "changed")}}
        if not all(isinstance(r, dict) for r in out["observations"]["added"] + out["observations"]["removed"]):
            return None
        return out
    except (KeyError, TypeError, AttributeError):
        return None


def _fact_label(r: dict) -> str:
    return " · ".join(str(r.get(k) or "") for k in ("source_file", "indicator", "measure", "kind", "period"))


def _fact_value(r: dict) -> str:
    shown = value_display(r.get("comparator"), r.get("value_low"), r.get("value_high"), r.get("value"))
    return f"{shown} {UNIT_ZH.get(r.get('unit'), r.get('unit') or '')}".strip()


def _reason(r: dict) -> str:
    return f' <span class="muted">({esc(r["reason"])})</span>' if r.get("reason") else ""


def _render_changes(diff: dict, intro: str) -> str:
    obs, docs = diff["observations"], diff["documents"]
    added, removed, changed = obs["added"], obs["removed"], obs["changed"]
    out = [f"<p>{intro}</p>", '<ul class="stats">']
    for name, n, zh in (("added", len(added), "新增"), ("removed", len(removed), "删除"),
                        ("changed", len(changed), "修改")):
        out.append(f'<li class="stat {name}"><span class="n" data-count="{name}">{n}</span> '
                   f'{_bi(name + " observations", zh + "观测值")}</li>')
    out.append("</ul>")
    doc_parts = [f"{esc(what)} {esc(zh)}: " + ", ".join(f"<code>{esc(name)}</code>" for name in docs[what])
                 for what, zh in (("added", "新增"), ("removed", "删除"), ("changed", "修改")) if docs.get(what)]
    if doc_parts:
        out.append(f'<p class="docs-changed">Documents 文件 — {" · ".join(doc_parts)}</p>')

    def listing(title, items):
        if not items:
            return ""
        shown = items[:MAX_LISTED_CHANGES]
        more = len(items) - len(shown)
        tail = f'<li class="muted">… and {more} more 另有 {more} 条</li>' if more else ""
        return f'<h3>{title}</h3><ul class="changes">{"".join(f"<li>{i}</li>" for i in shown)}{tail}</ul>'

    def fact(r, value):
        return f'<span class="key">{esc(_fact_label(r))}</span> <span class="val">{value}</span>{_reason(r)}'

    out.append(listing(_bi("Added", "新增"), [fact(r, esc(_fact_value(r))) for r in added]))
    out.append(listing(_bi("Removed", "删除"), [fact(r, esc(_fact_value(r))) for r in removed]))
    out.append(listing(_bi("Changed", "修改"),
                       [fact(a, f"{esc(_fact_value(a))} → {esc(_fact_value(b))}") for a, b in changed]))
    return "\n".join(out)


def _changes_generic(changes) -> str:
    """A changes.json of a layout this module does not know: shown as (escaped) JSON rather than dropped."""
    return ('<p>From <a class="download-link" href="changes.json">changes.json</a>:</p>'
            f'<pre class="json">{esc(json.dumps(changes, ensure_ascii=False, indent=2))}</pre>')


# --- charts ------------------------------------------------------------------------------------
def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
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


def _missed(target: dict, actual: dict) -> bool:
    """The outcome certainly falls short of the target: for a floor (eq, approx, ge, gt, range) the
    outcome's upper bound is below the target's lower one; for a ceiling (le, lt) the outcome's lower
    bound is above the target's upper one. An outcome given as "more than X" cannot miss a floor above X
    for sure, so it is not marked."""
    a_low = actual["low"] if actual["low"] is not None else (None if actual["comp"] in ("le", "lt") else actual["value"])
    a_high = actual["high"] if actual["high"] is not None else (None if actual["comp"] in ("ge", "gt") else actual["value"])
    if target["comp"] in ("le", "lt"):
        if target["high"] is None or a_low is None:
            return False
        return a_low > target["high"] or (target["comp"] == "lt" and a_low >= target["high"])
    t_low = target["low"] if target["low"] is not None else target["value"]
    if t_low is None or a_high is None:
        return False
    return a_high < t_low or (target["comp"] == "gt" and a_high <= t_low)


def chart_series(observations: list[dict]) -> list[dict]:
    """One series per region, indicator, measure and unit, over years ("YYYY" periods only); kept when it has
    both targets and outcomes, or at least two distinct points."""
    groups: dict[tuple, dict] = {}
    for o in observations:
        if not _YEAR.match(str(o.get("period") or "")) or o.get("value") is None:
            continue
        region = o.get("region_name") or o.get("region_code") or ""
        key = (region, o["indicator"], o["measure"], o["unit"])
        g = groups.setdefault(key, {"region": region, "indicator": o["indicator"], "measure": o["measure"],
                                    "unit": o["unit"], "points": {}})
        p = {"kind": o["kind"], "year": int(o["period"]), "comp": o["comparator"], "low": o.get("value_low"),
             "high": o.get("value_high"), "value": o["value"]}
        # The same fact reported by two documents (a report and a news story on it) is drawn once.
        g["points"].setdefault((p["kind"], p["year"], p["comp"], p["low"], p["high"], p["value"]), p)
    series = []
    for g in groups.values():
        pts = list(g["points"].values())
        targets = sorted((p for p in pts if p["kind"] == "target"), key=lambda p: p["year"])
        actuals = sorted((p for p in pts if p["kind"] == "actual"), key=lambda p: p["year"])
        if not ((targets and actuals) or len(pts) >= 2):
            continue
        for a in actuals:
            same_year = [t for t in targets if t["year"] == a["year"]]
            a["missed"] = bool(same_year) and all(_missed(t, a) for t in same_year)
        series.append({**g, "targets": targets, "actuals": actuals, "points": pts})
    # Target-vs-outcome series first, then the longest.
    series.sort(key=lambda s: (s["region"], not (s["targets"] and s["actuals"]), -len(s["points"]),
                               s["indicator"], s["measure"]))
    return series


def _point_text(p: dict, unit: str) -> str:
    return f"{p['year']} {value_display(p['comp'], p['low'], p['high'], p['value'])} {UNIT_ZH.get(unit, unit)}"


def series_svg(s: dict, names: dict[str, dict], chart_id: str) -> str:
    """Targets as bands (ranges), ticks (a single number) or arrows (one bound); outcomes as dots, red when a
    target was missed."""
    W, H, L, R, T, B = 360, 200, 52, 14, 12, 28
    years = [p["year"] for p in s["points"]]
    y0, y1 = min(years), max(years)
    span = max(1, y1 - y0)
    step_px = (W - L - R) / (span + 1)

    def x(year):
        return L + step_px * (year - y0 + 0.5)

    values = [v for p in s["points"] for v in (p["low"], p["high"], p["value"]) if v is not None]
    ticks = _nice_ticks(min(values), max(values))
    lo, hi = ticks[0], ticks[-1]

    def y(v):
        return T + (H - T - B) * (1 - (v - lo) / (hi - lo))

    ind = names.get(s["indicator"], {})
    title = (f"{ind.get('name_en') or s['indicator']} ({ind.get('name_zh') or ''}), {s['region']}, "
             f"{s['measure']}, {UNIT_EN.get(s['unit'], s['unit'])}")
    missed = [a for a in s["actuals"] if a["missed"]]
    desc = "; ".join(filter(None, [
        "targets: " + ", ".join(_point_text(p, s["unit"]) for p in s["targets"]) if s["targets"] else "no targets",
        "outcomes: " + ", ".join(_point_text(p, s["unit"]) for p in s["actuals"]) if s["actuals"] else "no outcomes",
        "missed target in " + ", ".join(str(a["year"]) for a in missed) if missed else "",
    ]))
    bw = min(30.0, step_px * 0.55)
    parts = [f'<svg class="chart-svg" viewBox="0 0 {W} {H}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
             f'aria-label="{esc(title + ". " + desc)}" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-t">{esc(title)}</title><desc id="{chart_id}-d">{esc(desc)}</desc>']
    for t in ticks:  # grid and y labels
        parts.append(f'<line class="grid" x1="{L}" x2="{W - R}" y1="{y(t):.1f}" y2="{y(t):.1f}"/>')
        parts.append(f'<text class="ytick" x="{L - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{esc(num(t))}</text>')
    if lo < 0 < hi:
        parts.append(f'<line class="zero" x1="{L}" x2="{W - R}" y1="{y(0):.1f}" y2="{y(0):.1f}"/>')
    label_every = 1 if span < 8 else 2
    for yr in range(y0, y1 + 1):
        if (yr - y0) % label_every == 0:
            parts.append(f'<text class="xtick" x="{x(yr):.1f}" y="{H - 8}" text-anchor="middle">{yr}</text>')
    for p in s["targets"]:
        cx, tip = x(p["year"]), esc(f"Target 目标 {_point_text(p, s['unit'])}")
        low, high = p["low"], p["high"]
        if low is not None and high is not None and high > low:  # a range: band
            parts.append(f'<rect class="t-band" x="{cx - bw / 2:.1f}" y="{y(high):.1f}" width="{bw:.1f}" '
                         f'height="{max(2.0, y(low) - y(high)):.1f}" rx="2"><title>{tip}</title></rect>')
        elif low is not None and high is None:  # a floor: tick with an arrow up
            yy = y(low)
            parts.append(f'<g class="t-bound"><title>{tip}</title>'
                         f'<line x1="{cx - bw / 2:.1f}" x2="{cx + bw / 2:.1f}" y1="{yy:.1f}" y2="{yy:.1f}"/>'
                         f'<path d="M{cx - 5:.1f},{yy - 3:.1f} L{cx:.1f},{yy - 11:.1f} L{cx + 5:.1f},{yy - 3:.1f} Z"/></g>')
        elif high is not None and low is None:  # a ceiling: tick with an arrow down
            yy = y(high)
            parts.append(f'<g class="t-bound"><title>{tip}</title>'
                         f'<line x1="{cx - bw / 2:.1f}" x2="{cx + bw / 2:.1f}" y1="{yy:.1f}" y2="{yy:.1f}"/>'
                         f'<path d="M{cx - 5:.1f},{yy + 3:.1f} L{cx:.1f},{yy + 11:.1f} L{cx + 5:.1f},{yy + 3:.1f} Z"/></g>')
        else:  # one number (eq, approx): a tick
            yy = y(p["value"])
            cls = "t-tick approx" if p["comp"] == "approx" else "t-tick"
            parts.append(f'<line class="{cls}" x1="{cx - bw / 2:.1f}" x2="{cx + bw / 2:.1f}" y1="{yy:.1f}" '
                         f'y2="{yy:.1f}"><title>{tip}</title></line>')
    for p in s["actuals"]:
        cx, cy = x(p["year"]), y(p["value"])
        state = "missed target 未达目标" if p["missed"] else ""
        tip = esc(f"Outcome 实际 {_point_text(p, s['unit'])} {state}".strip())
        cls = "actual missed" if p["missed"] else "actual"
        parts.append(f'<circle class="{cls}" cx="{cx:.1f}" cy="{cy:.1f}" r="5"><title>{tip}</title></circle>')
        if p["missed"]:
            parts.append(f'<path class="miss-x" d="M{cx - 3:.1f},{cy - 3:.1f} L{cx + 3:.1f},{cy + 3:.1f} '
                         f'M{cx + 3:.1f},{cy - 3:.1f} L{cx - 3:.1f},{cy + 3:.1f}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _legend() -> str:
    return ('<ul class="legend" aria-hidden="true">'
            '<li><svg viewBox="0 0 24 14"><rect class="t-band" x="4" y="1" width="16" height="12" rx="2"/></svg>'
            f'{_bi("target range", "目标区间")}</li>'
            '<li><svg viewBox="0 0 24 14"><line class="t-tick" x1="3" x2="21" y1="7" y2="7"/></svg>'
            f'{_bi("target", "目标值")}</li>'
            '<li><svg viewBox="0 0 24 14"><g class="t-bound"><line x1="3" x2="21" y1="11" y2="11"/>'
            '<path d="M7,9 L12,2 L17,9 Z"/></g></svg>'
            f'{_bi("at least / at most", "不低于/不高于")}</li>'
            '<li><svg viewBox="0 0 24 14"><circle class="actual" cx="12" cy="7" r="5"/></svg>'
            f'{_bi("outcome", "实际值")}</li>'
            '<li><svg viewBox="0 0 24 14"><circle class="actual missed" cx="12" cy="7" r="5"/>'
            '<path class="miss-x" d="M9,4 L15,10 M15,4 L9,10"/></svg>'
            f'{_bi("missed target", "未达目标")}</li></ul>')


def coverage_svg(documents: list[dict], observations: list[dict]) -> str:
    """Horizontal bars: observations per document (labelled with its report year), targets and outcomes stacked."""
    counts = Counter((o["document_id"], o["kind"]) for o in observations)
    docs = sorted(documents, key=lambda d: (d.get("report_year") or 0, d.get("source_file") or ""))
    if not docs:
        return ""
    W, L, R, row, T = 720, 250, 48, 26, 8
    H = T + row * len(docs) + 26
    most = max([counts[(d["document_id"], "target")] + counts[(d["document_id"], "actual")] for d in docs] + [1])
    scale = (W - L - R) / most
    summary = "; ".join(f"{d.get('report_year')} {d.get('source_file')}: "
                        f"{counts[(d['document_id'], 'target')]} targets, {counts[(d['document_id'], 'actual')]} outcomes"
                        for d in docs)
    title = "Observations per document and report year 各文件(按报告年份)观测值数量"
    parts = [f'<svg class="chart-svg coverage" viewBox="0 0 {W} {H}" role="img" aria-labelledby="cov-t cov-d" '
             f'aria-label="{esc(title + ": " + summary)}" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="cov-t">{esc(title)}</title><desc id="cov-d">{esc(summary)}</desc>']
    for i, d in enumerate(docs):
        yy = T + i * row
        nt, na = counts[(d["document_id"], "target")], counts[(d["document_id"], "actual")]
        label = f"{d.get('report_year') or '?'} · {d.get('source_file')}"
        doc_title = d.get("title") or d.get("source_file")
        parts.append(f'<text class="bar-label" x="{L - 8}" y="{yy + 17}" text-anchor="end">{esc(label)}'
                     f"<title>{esc(doc_title)}</title></text>")
        parts.append(f'<rect class="bar-target" x="{L}" y="{yy + 5}" width="{nt * scale:.1f}" height="16">'
                     f"<title>{esc(f'{doc_title}: {nt} targets 目标')}</title></rect>")
        parts.append(f'<rect class="bar-actual" x="{L + nt * scale:.1f}" y="{yy + 5}" width="{na * scale:.1f}" '
                     f'height="16"><title>{esc(f"{doc_title}: {na} outcomes 实际")}</title></rect>')
        parts.append(f'<text class="bar-n" x="{L + (nt + na) * scale + 6:.1f}" y="{yy + 17}">{nt + na}</text>')
    parts.append(f'<line class="axis" x1="{L}" x2="{L}" y1="{T}" y2="{T + row * len(docs)}"/>')
    parts.append("</svg>")
    return "".join(parts)


def years_svg(observations: list[dict]) -> str:
    """Vertical bars: observations per year the numbers are about ("YYYY" periods), targets and outcomes stacked."""
    counts = Counter((int(o["period"]), o["kind"]) for o in observations if _YEAR.match(str(o.get("period") or "")))
    if not counts:
        return ""
    years = list(range(min(y for y, _ in counts), max(y for y, _ in counts) + 1))
    W, H, L, R, T, B = 360, 200, 36, 10, 14, 28
    most = max(counts[(y, "target")] + counts[(y, "actual")] for y in years)
    ticks = _nice_ticks(0, most)
    ticks = [t for t in ticks if t >= 0]
    top = ticks[-1]
    bw = (W - L - R) / len(years)

    def yv(v):
        return T + (H - T - B) * (1 - v / top)

    summary = "; ".join(f"{y}: {counts[(y, 'target')]} targets, {counts[(y, 'actual')]} outcomes" for y in years)
    title = "Observations per year the numbers are about 各年份观测值数量"
    parts = [f'<svg class="chart-svg" viewBox="0 0 {W} {H}" role="img" aria-labelledby="yrs-t yrs-d" '
             f'aria-label="{esc(title + ": " + summary)}" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="yrs-t">{esc(title)}</title><desc id="yrs-d">{esc(summary)}</desc>']
    for t in ticks:
        parts.append(f'<line class="grid" x1="{L}" x2="{W - R}" y1="{yv(t):.1f}" y2="{yv(t):.1f}"/>')
        parts.append(f'<text class="ytick" x="{L - 6}" y="{yv(t) + 4:.1f}" text-anchor="end">{esc(num(t))}</text>')
    for i, yr in enumerate(years):
        nt, na = counts[(yr, "target")], counts[(yr, "actual")]
        x0 = L + i * bw + bw * 0.18
        w = bw * 0.64
        parts.append(f'<rect class="bar-target" x="{x0:.1f}" y="{yv(nt):.1f}" width="{w:.1f}" '
                     f'height="{yv(0) - yv(nt):.1f}"><title>{yr}: {nt} targets 目标</title></rect>')
        parts.append(f'<rect class="bar-actual" x="{x0:.1f}" y="{yv(nt + na):.1f}" width="{w:.1f}" '
                     f'height="{yv(nt) - yv(nt + na):.1f}"><title>{yr}: {na} outcomes 实际</title></rect>')
        if len(years) < 12 or i % 2 == 0:
            parts.append(f'<text class="xtick" x="{x0 + w / 2:.1f}" y="{H - 8}" text-anchor="middle">{yr}</text>')
    parts.append("</svg>")
    return "".join(parts)


# --- per-document pages ----------------------------------------------------------------------
def _valid_spans(o: dict, text: str) -> bool:
    qs, qe, vs, ve = (o.get(k) for k in ("quote_start", "quote_end", "value_start", "value_end"))
    if not all(isinstance(v, int) for v in (qs, qe, vs, ve)):
        return False
    return 0 <= qs <= vs < ve <= qe <= len(text) and text[qs:qe] == o.get("quote")


def highlighted_text(text: str, observations: list[dict]) -> str:
    """The document's text, escaped, with each quote and value marked and an anchor obs-<id> at each value."""
    bounds = {0, len(text)}
    for o in observations:
        bounds.update((o["quote_start"], o["quote_end"], o["value_start"], o["value_end"]))
    anchors = defaultdict(list)
    for o in observations:
        anchors[o["value_start"]].append(o["observation_id"])
    points = sorted(bounds)
    out = []
    for a, b in zip(points, points[1:]):
        out += [f'<span class="anchor" id="obs-{oid}"></span>' for oid in anchors.get(a, ())]
        seg = esc(text[a:b])
        if any(o["value_start"] <= a and b <= o["value_end"] for o in observations):
            seg = f'<mark class="v">{seg}</mark>'
        if any(o["quote_start"] <= a and b <= o["quote_end"] for o in observations):
            seg = f'<mark class="q">{seg}</mark>'
        out.append(seg)
    return "".join(out)


def _document_page(doc: dict, text: str, observations: list[dict], release_title: str, names: dict) -> str:
    meta = [("File 文件", doc.get("source_file")), ("Region 地区", doc.get("region_name")),
            ("Report year 报告年份", doc.get("report_year")), ("Type 类型", doc.get("document_type")),
            ("Published 发布日期", doc.get("published")), ("Issued by 发布机构", doc.get("issuing_body")),
            ("Source 来源", doc.get("source")), ("Encoding 编码", doc.get("encoding")),
            ("Characters 字符数", doc.get("n_chars")), ("SHA-256", doc.get("document_id"))]
    rows = []
    for o in sorted(observations, key=lambda o: o["value_start"]):
        ind = names.get(o["indicator"], {})
        rows.append(
            f'<tr><td><a href="#obs-{esc(o["observation_id"])}">{esc(o["value_start"])}</a></td>'
            f'<td>{esc(o["indicator"])}<div class="sub" lang="zh-Hans">{esc(ind.get("name_zh"))}</div></td>'
            f'<td>{esc(KIND_LABEL.get(o["kind"], o["kind"]))}</td><td>{esc(o["period"])}</td>'
            f'<td class="num">{esc(value_display(o["comparator"], o.get("value_low"), o.get("value_high"), o["value"]))}'
            f' {esc(UNIT_ZH.get(o["unit"], o["unit"]))}</td><td lang="zh">{esc(o["value_text"])}</td></tr>')
    body = f"""
<header class="top doc-top"><div class="wrap">
<p class="crumbs"><a href="../index.html">← {esc(release_title)}</a></p>
<h1 lang="zh">{esc(doc.get("title") or doc.get("source_file"))}</h1>
<p class="lede">{_bi("Raw text of a source document, with every quoted sentence highlighted and each extracted number marked.",
                     "原始文件全文:引文以底色标出,抽取的数值加框标出。")}</p>
</div></header>
<main class="wrap">
<section class="card"><dl class="meta">
{"".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in meta if v is not None)}
</dl></section>
<section class="card">
<h2>{_bi("Observations in this document", "本文件的观测值")} <span class="muted">({len(observations)})</span></h2>
<div class="table-wrap"><table class="data compact"><thead><tr><th>Offset 位置</th><th>Indicator 指标</th><th>Kind 类型</th>
<th>Period 时期</th><th>Value 数值</th><th>As written 原文写法</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></div></section>
<section class="card"><h2>{_bi("Text", "全文")}</h2>
<pre class="doctext" lang="zh">{highlighted_text(text, observations)}</pre></section>
</main>"""
    return _page(f"{doc.get('title') or doc.get('source_file')} — {release_title}", body, css_href="style.css")


def _doc_page_name(document_id: str) -> str:
    return f"doc-{document_id[:12]}.html"


def _write_document_pages(site: Path, raw_dir: Path, documents: list[dict], observations: list[dict],
                          release_title: str, names: dict) -> tuple[set[str], set[str]]:
    """Pages for documents whose raw file is found and matches its hash; returns (document ids with a page,
    observation ids with an anchor)."""
    by_doc = defaultdict(list)
    for o in observations:
        by_doc[o["document_id"]].append(o)
    paged, anchored = set(), set()
    for d in documents:
        doc_id = d.get("document_id") or ""
        if not _HEX64.match(doc_id) or not d.get("source_file"):
            continue
        path = Path(raw_dir) / d["source_file"]
        if path.name != d["source_file"] or not path.is_file():  # a file name, never a path out of raw_dir
            continue
        try:
            decoded = read_document(path)
        except IngestError:
            continue
        if decoded.sha256 != doc_id:  # the raw file changed since the release: its offsets would be wrong
            continue
        obs = [o for o in by_doc[doc_id] if _HEX16.match(o.get("observation_id") or "") and _valid_spans(o, decoded.text)]
        (site / _doc_page_name(doc_id)).write_text(
            _document_page(d, decoded.text, obs, release_title, names), encoding="utf-8")
        paged.add(doc_id)
        anchored.update(o["observation_id"] for o in obs)
    return paged, anchored


# --- the release page --------------------------------------------------------------------------
# Observation table columns: key in the embedded JSON, English and Chinese label, type for sorting.
COLUMNS = (
    ("indicator", "Indicator", "指标", "text"),
    ("region", "Region", "地区", "text"),
    ("kind", "Kind", "类型", "text"),
    ("measure", "Measure", "口径", "text"),
    ("period", "Period", "时期", "text"),
    ("comparator", "Comparator", "比较", "text"),
    ("value", "Value", "数值", "num"),
    ("low", "Low", "下限", "num"),
    ("high", "High", "上限", "num"),
    ("unit", "Unit", "单位", "text"),
    ("file", "Source file", "来源文件", "text"),
)  # the quote goes on its own full-width line under each row: long sentences need the room


def _table_rows(observations: list[dict], names: dict, anchored: set[str]) -> list[dict]:
    out = []
    for o in observations:
        ind = names.get(o["indicator"], {})
        quote, qs = o.get("quote") or "", o.get("quote_start")
        mark = None
        if isinstance(qs, int) and isinstance(o.get("value_start"), int) and \
                qs <= o["value_start"] < o["value_end"] <= qs + len(quote):
            a, b = o["value_start"] - qs, o["value_end"] - qs
            mark = [_utf16_len(quote[:a]), _utf16_len(quote[:b])]
        oid = o.get("observation_id") or ""
        doc_id = o.get("document_id") or ""
        href = None
        if oid in anchored and _HEX16.match(oid) and _HEX64.match(doc_id):  # built from checked hex ids only
            href = f"{SITE_DIR}/{_doc_page_name(doc_id)}#obs-{oid}"
        out.append({
            "id": oid, "indicator": o["indicator"], "indicator_zh": ind.get("name_zh") or "",
            "indicator_en": ind.get("name_en") or "",
            "region": o.get("region_name") or o.get("region_code") or "",
            "kind": KIND_LABEL.get(o["kind"], o["kind"]), "measure": MEASURE_LABEL.get(o["measure"], o["measure"]),
            "period": o["period"],
            "comparator": f'{COMPARATOR_SYMBOL.get(o["comparator"], "")} {o["comparator"]}'.strip(),
            "value": o.get("value"), "low": o.get("value_low"), "high": o.get("value_high"),
            "unit": UNIT_ZH.get(o["unit"], o["unit"]), "unit_code": o["unit"],
            "file": o.get("source_file") or "", "quote": quote, "mark": mark, "value_text": o.get("value_text") or "",
            "href": href,
        })
    return out


def _downloads(release_dir: Path, descriptor: dict) -> str:
    rows = []
    for r in descriptor.get("resources", []):
        path = str(r.get("path") or "")
        if not _SAFE_REL.match(path):
            continue
        digest = str(r.get("hash") or "").removeprefix("sha256:")
        rows.append(f'<tr><td><a class="download-link" href="{esc(path)}" download>{esc(path.rsplit("/", 1)[-1])}</a>'
                    f'<div class="sub">{esc(r.get("title"))}</div></td>'
                    f'<td><span class="fmt fmt-{esc(r.get("format"))}">{esc(str(r.get("format") or "").upper())}</span></td>'
                    f'<td class="num">{esc(human_bytes(r.get("bytes")))}</td>'
                    f'<td><code class="hash">{esc(digest)}</code></td></tr>')
    extras = [("DATA_DICTIONARY.md", "Data dictionary 数据字典"), ("datapackage.json", "Data Package descriptor 描述文件"),
              ("CHANGELOG.md", "Changelog 变更记录"), ("changes.json", "Changes since the previous release 变更明细")]
    extras += [(f"schemas/{t.name}.schema.json", f"Table schema 表结构: {t.name}") for t in TABLES]
    links = "".join(f'<li><a class="download-link" href="{esc(p)}">{esc(p)}</a> <span class="muted">{esc(label)}</span></li>'
                    for p, label in extras if (release_dir / p).exists())
    return (f'<div class="table-wrap"><table class="data downloads"><thead><tr><th>File 文件</th><th>Format 格式</th>'
            f'<th class="num">Size 大小</th><th>SHA-256</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
            f'<ul class="links">{links}</ul>')


def _validation(release_dir: Path) -> str:
    report = _read_json(release_dir / "validation" / "report.json")
    links = [("validation/report.json", "report 报告"), ("validation/frictionless.json", "Frictionless"),
             ("validation/great_expectations.json", "Great Expectations"),
             ("validation/data_docs/index.html", "Data Docs (GX)")]
    link_html = " · ".join(f'<a class="download-link" href="{esc(p)}">{esc(label)}</a>'
                           for p, label in links if (release_dir / p).exists())
    if not isinstance(report, dict):
        return f'<p class="badge warn">Not validated 未校验</p><p>{link_html}</p>'
    passed = bool(report.get("passed"))
    critical, warnings = report.get("critical") or [], report.get("warnings") or []
    badge = ('<span class="badge ok">✓ Passed 通过</span>' if passed else '<span class="badge bad">✗ Failed 未通过</span>')

    def items(failures):
        out = []
        for f in failures:
            if not isinstance(f, dict):
                out.append(f"<li>{esc(f)}</li>")
                continue
            rows = f.get("rows") or []
            shown = ", ".join(str(r) for r in rows[:10]) + (" …" if len(rows) > 10 else "")
            out.append(f'<li><code>{esc(f.get("tool"))}</code> <strong>{esc(f.get("table"))}</strong>: '
                       f'{esc(f.get("check"))} {esc(f.get("message"))}'
                       + (f' <span class="muted">rows 行: {esc(shown)}</span>' if rows else "") + "</li>")
        return "".join(out)

    parts = [f'<p class="validation-summary">{badge} <span data-checks="{esc(report.get("checks_run"))}">'
             f'{esc(report.get("checks_run"))} checks run 项检查</span> · '
             f'{len(critical)} critical 严重 · {len(warnings)} warnings 警告</p>']
    if critical:
        parts.append(f'<h3>{_bi("Critical", "严重问题")}</h3><ul class="failures critical">{items(critical)}</ul>')
    if warnings:
        parts.append(f'<h3>{_bi("Warnings", "警告")}</h3><ul class="failures warnings">{items(warnings)}</ul>')
    parts.append(f"<p>{link_html}</p>")
    return "\n".join(parts)


def data_dictionary_html(tables: tuple[Table, ...] = TABLES) -> str:
    """The data dictionary's tables of fields, from the contract (the same source as DATA_DICTIONARY.md)."""
    out = []
    for i, t in enumerate(tables):
        rows = []
        for f in t.fields:
            allowed = ", ".join(f.enum) if f.enum else (f.pattern or "")
            extra = [s for s in ("unique" if f.unique else "",
                                 f"≥ {num(f.minimum)}" if f.minimum is not None else "",
                                 f"≤ {num(f.maximum)}" if f.maximum is not None else "") if s]
            rows.append(f'<tr><td><code>{esc(f.name)}</code></td><td>{esc(f.type)}</td>'
                        f'<td>{"✓" if f.required else ""}</td><td>{esc(f.en)}</td><td lang="zh-Hans">{esc(f.zh)}</td>'
                        f'<td><code class="allowed">{esc(allowed)}</code>{esc(" " + ", ".join(extra) if extra else "")}</td></tr>')
        open_attr = " open" if i == 0 else ""
        out.append(f'<details class="dict"{open_attr}><summary><code>{esc(t.name)}</code> — {esc(t.title)} '
                   f'<span class="muted">({len(t.fields)} fields 字段)</span></summary>'
                   f'<p>{esc(t.en)} <span lang="zh-Hans">{esc(t.zh)}</span></p>'
                   f'<p class="muted">Primary key 主键: <code>{esc(", ".join(t.primary_key))}</code> · '
                   f'Natural key 自然键: <code>{esc(", ".join(t.natural_key))}</code></p>'
                   f'<div class="table-wrap"><table class="data dictionary"><thead><tr><th>Field 字段</th><th>Type 类型</th>'
                   f'<th>Required 必填</th><th>Description</th><th>说明</th><th>Allowed 取值</th></tr></thead>'
                   f'<tbody>{"".join(rows)}</tbody></table></div></details>')
    units = "".join(f"<tr><td><code>{esc(u.code)}</code></td><td lang=\"zh-Hans\">{esc(u.label_zh)}</td>"
                    f"<td>{esc(u.description_en)}</td></tr>" for u in UNITS)
    out.append(f'<details class="dict"><summary>Units 单位 <span class="muted">({len(UNITS)})</span></summary>'
               f'<div class="table-wrap"><table class="data dictionary"><thead><tr><th>Code 代码</th><th>中文</th>'
               f'<th>Meaning</th></tr></thead><tbody>{units}</tbody></table></div></details>')
    return "\n".join(out)


def _documents_table(documents: list[dict], paged: set[str]) -> str:
    rows = []
    for d in sorted(documents, key=lambda d: (d.get("report_year") or 0, d.get("source_file") or "")):
        doc_id = d.get("document_id") or ""
        link = (f'<a href="{SITE_DIR}/{_doc_page_name(doc_id)}">Read 阅读原文</a>'
                if doc_id in paged and _HEX64.match(doc_id) else '<span class="muted">—</span>')
        rows.append(f'<tr><td lang="zh">{esc(d.get("title") or d.get("source_file"))}'
                    f'<div class="sub">{esc(d.get("source_file"))}</div></td>'
                    f'<td lang="zh">{esc(d.get("region_name"))}</td><td class="num">{esc(d.get("report_year"))}</td>'
                    f'<td>{esc(d.get("document_type"))}</td><td>{esc(d.get("published"))}</td>'
                    f'<td class="num">{esc(d.get("n_observations"))}</td><td>{link}</td></tr>')
    return (f'<div class="table-wrap"><table class="data"><thead><tr><th>Title 标题</th><th>Region 地区</th>'
            f'<th class="num">Year 年份</th><th>Type 类型</th><th>Published 发布</th><th class="num">Obs. 观测值</th>'
            f'<th>Text 原文</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>')


def _citation(descriptor: dict) -> str:
    authors = ", ".join(c.get("title", "") for c in descriptor.get("contributors", []) if c.get("title")) \
        or "govreport maintainers"
    created = str(descriptor.get("created") or "")
    return (f"{authors} ({created[:4]}). {descriptor.get('title') or PACKAGE_TITLE} / {PACKAGE_TITLE_ZH}, "
            f"version {descriptor.get('version')} [data set], released {created[:10]}. "
            f"Package {descriptor.get('name') or PACKAGE_NAME}, id {descriptor.get('id')}.")


def _changes_section(release_dir: Path, previous_release_dir: Path | None, descriptor: dict) -> str:
    previous_version = (descriptor.get("govreport") or {}).get("previous_version")
    counts = (descriptor.get("govreport") or {}).get("row_counts") or {}
    if not previous_version and previous_release_dir is None:
        return (f'<p>{_bi("First release: nothing to compare with.", "首个版本,无可比较的上一版本。")} '
                f'{esc(counts.get("observations", ""))} observations 观测值 from {esc(counts.get("documents", ""))} '
                "documents 文件.</p>")
    changes_path = release_dir / "changes.json"
    if previous_version and changes_path.exists():  # written by the publisher against previous_version: it knows best
        changes = _read_json(changes_path)
        diff = _from_changes_json(changes) if changes is not None else None
        if diff is not None:
            return _render_changes(diff, f"Compared with release <strong>{esc(previous_version)}</strong> by natural "
                                         f'key, from <a class="download-link" href="changes.json">changes.json</a>. '
                                         "与上一版本按自然键比较。")
        if changes is not None:
            return _changes_generic(changes)
    if previous_release_dir is None and previous_version and _SAFE_NAME.match(str(previous_version)):
        # Not given: the sibling folder the descriptor names, when it is there.
        candidate = release_dir.parent / str(previous_version)
        previous_release_dir = candidate if (candidate / "datapackage.json").exists() else None
    if previous_release_dir is not None and (Path(previous_release_dir) / "data" / "observations.parquet").exists():
        prev = _read_json(Path(previous_release_dir) / "datapackage.json") or {}
        shown = prev.get("version") or Path(previous_release_dir).name
        return _render_changes(observation_changes(Path(previous_release_dir), release_dir),
                               f"Compared with release <strong>{esc(shown)}</strong> by natural key "
                               f'(<code>{esc(", ".join(OBSERVATIONS.natural_key))}</code>). 与上一版本按自然键比较。')
    return f"<p>Previous release 上一版本: {esc(previous_version)} — not available for comparison 无法比较.</p>"


def build_release_site(release_dir: Path, previous_release_dir: Path | None = None,
                       raw_dir: Path | None = None) -> Path:
    """Write release_dir/index.html (+ release_dir/site/ assets). Returns the index path.

    previous_release_dir: the release to list changes against (default: the previous version named in
    datapackage.json, when its folder is beside this one); a changes.json in the release wins over both.
    raw_dir: where the raw documents are; given, each document gets a page with its text and every quote
    marked, and the table links each observation to its place there."""
    release_dir = Path(release_dir)
    descriptor = json.loads((release_dir / "datapackage.json").read_text(encoding="utf-8"))
    # Charts and counts need a few columns of every row; the table and document pages need whole rows of the
    # first MAX_TABLE_ROWS only. Reading just that keeps a national release's page build small.
    observations = _rows(release_dir / "data" / "observations.parquet", columns=SUMMARY_COLUMNS)
    shown = _rows(release_dir / "data" / "observations.parquet", limit=MAX_TABLE_ROWS)
    documents = _rows(release_dir / "data" / "documents.parquet")
    names = {r["code"]: r for r in _rows(release_dir / "data" / "indicators.parquet")}
    version = str(descriptor.get("version") or release_dir.name)
    site = release_dir / SITE_DIR
    site.mkdir(exist_ok=True)
    for stale in site.glob("doc-*.html"):  # pages from an earlier build (perhaps with another raw_dir)
        stale.unlink()
    (site / "style.css").write_text(CSS, encoding="utf-8")
    (site / "release.js").write_text(JS, encoding="utf-8")
    release_title = f"{descriptor.get('title') or PACKAGE_TITLE} {version}"

    paged, anchored = set(), set()
    if raw_dir is not None:
        shown_docs = {o["document_id"] for o in shown}
        paged, anchored = _write_document_pages(site, Path(raw_dir), [d for d in documents if d["document_id"]
                                                                      in shown_docs], shown, release_title, names)

    series = chart_series(observations)
    charts = "".join(
        f'<figure class="chart"><figcaption><strong>{esc(names.get(s["indicator"], {}).get("name_en") or s["indicator"])}'
        f'</strong> <span lang="zh-Hans">{esc(names.get(s["indicator"], {}).get("name_zh"))}</span>'
        f'<span class="sub"><span lang="zh">{esc(s["region"])}</span> · {esc(MEASURE_LABEL.get(s["measure"], s["measure"]))}'
        f' · {esc(UNIT_ZH.get(s["unit"], s["unit"]))}</span></figcaption>{series_svg(s, names, f"c{i}")}</figure>'
        for i, s in enumerate(series[:MAX_CHARTS]))
    more_charts = (f'<p class="muted">Showing {MAX_CHARTS} of {len(series)} series; the data files have all.</p>'
                   if len(series) > MAX_CHARTS else "")
    if not charts:
        charts = (f'<p class="muted">{_bi("No indicator has enough yearly points to chart.", "没有足够的年度数据点可作图。")}'
                  "</p>")

    counts = (descriptor.get("govreport") or {}).get("row_counts") or {}
    created = str(descriptor.get("created") or "")
    licence = (descriptor.get("licenses") or [LICENSE])[0]
    licence_href = licence.get("path") if str(licence.get("path") or "").startswith("https://") else None
    licence_html = (f'<a href="{esc(licence_href)}" rel="license">{esc(licence.get("title") or licence.get("name"))}</a>'
                    if licence_href else esc(licence.get("title") or licence.get("name")))
    reason = (descriptor.get("govreport") or {}).get("version_reason")
    th = "".join(f'<th data-key="{k}" data-type="{ty}" aria-sort="none" class="col-{k}"><button type="button">'
                 f'<span class="en">{esc(en)}<span class="arrow" aria-hidden="true"></span></span> '
                 f'<span class="zh" lang="zh-Hans">{esc(zh)}</span></button></th>'
                 for k, en, zh, ty in COLUMNS)

    body = f"""
<header class="top"><div class="wrap">
<p class="crumbs"><a href="../../index.html">Catalog 数据目录</a> / {esc(descriptor.get("name"))}</p>
<h1>{esc(descriptor.get("title") or PACKAGE_TITLE)}<span class="zh" lang="zh-Hans">{esc(PACKAGE_TITLE_ZH)}</span></h1>
<p class="lede">{esc(str(descriptor.get("description") or "").removeprefix(PACKAGE_TITLE_ZH + ". "))}</p>
<dl class="facts">
<div><dt>Version 版本</dt><dd class="version">{esc(version)}</dd></div>
<div><dt>Created 发布日期</dt><dd><time datetime="{esc(created)}">{esc(created[:10])}</time></dd></div>
<div><dt>Licence 许可</dt><dd>{licence_html}</dd></div>
<div><dt>Observations 观测值</dt><dd>{esc(counts.get("observations", len(observations)))}</dd></div>
<div><dt>Documents 文件</dt><dd>{esc(counts.get("documents", len(documents)))}</dd></div>
<div><dt>Indicators 指标</dt><dd>{esc(counts.get("indicators", len(names)))}</dd></div>
</dl>
{f'<p class="reason">Why this version 版本说明: {esc(reason)}</p>' if reason else ""}
</div></header>
<nav class="toc" aria-label="Sections"><div class="wrap">
<a href="#downloads">Downloads 下载</a><a href="#validation">Validation 校验</a><a href="#changes">Changes 变更</a>
<a href="#charts">Charts 图表</a><a href="#observations">Observations 观测值</a><a href="#documents">Documents 文件</a>
<a href="#dictionary">Dictionary 数据字典</a><a href="#cite">Cite 引用</a>
</div></nav>
<main class="wrap">
<section id="downloads" class="card"><h2>{_bi("Downloads", "下载")}</h2>
<p class="muted">Each table as Parquet (typed) and CSV (UTF-8). 每张表均提供 Parquet 与 CSV 两种格式。</p>
{_downloads(release_dir, descriptor)}</section>

<section id="validation" class="card"><h2>{_bi("Validation", "数据校验")}</h2>
{_validation(release_dir)}</section>

<section id="changes" class="card"><h2>{_bi("What changed since the previous release", "与上一版本相比的变化")}</h2>
{_changes_section(release_dir, previous_release_dir, descriptor)}</section>

<section id="charts" class="card"><h2>{_bi("Targets and outcomes", "目标与实际")}</h2>
<p class="muted">Yearly periods only. A red dot with a cross is an outcome that certainly fell short of that year's target.
仅含年度数据;红色带叉圆点表示当年实际值未达到目标。</p>
{_legend()}
<div class="charts">{charts}</div>{more_charts}
<h3>{_bi("Coverage", "覆盖情况")}</h3>
<ul class="legend" aria-hidden="true">
<li><svg viewBox="0 0 24 14"><rect class="bar-target" x="2" y="2" width="20" height="10"/></svg>{_bi("targets", "目标")}</li>
<li><svg viewBox="0 0 24 14"><rect class="bar-actual" x="2" y="2" width="20" height="10"/></svg>{_bi("outcomes", "实际")}</li></ul>
<div class="coverage-grid"><figure class="chart wide"><figcaption><strong>Per document 按文件</strong>
<span class="sub">report year · file 报告年份 · 文件</span></figcaption>{coverage_svg(documents, observations)}</figure>
<figure class="chart"><figcaption><strong>Per year 按年份</strong><span class="sub">year the number is about 数值所属年份</span>
</figcaption>{years_svg(observations)}</figure></div>
</section>

<section id="observations" class="card"><h2>{_bi("Observations", "观测值")}</h2>
{f'<p class="muted">Showing the first {len(shown)} of {len(observations)} observations; the downloads have every row. '
 f'仅显示前 {len(shown)} 条,完整数据见下载文件。</p>' if len(shown) < len(observations) else ""}
<div class="controls"><label for="observations-search">Search 搜索</label>
<input id="observations-search" type="search" placeholder="e.g. gdp 2021 目标 罗湖" autocomplete="off">
<span id="observations-count" class="muted" aria-live="polite"></span></div>
<noscript><p>The table needs JavaScript; the same data is in the CSV and Parquet files above.
表格需要 JavaScript;数据见上方下载文件。</p></noscript>
<p class="muted small">Each observation's quote is on the line below it, the number highlighted; “原文 source ↗” opens it in the
document. Click a column header to sort. 每条观测值下方为原文引句,数值以高亮标出;点击表头排序。</p>
<div class="table-wrap tall"><table id="observations-table" class="data obs">
<thead><tr>{th}</tr></thead></table></div>
{json_script("observations-data", _table_rows(shown, names, anchored))}
</section>

<section id="documents" class="card"><h2>{_bi("Source documents", "来源文件")}</h2>
{_documents_table(documents, paged)}</section>

<section id="dictionary" class="card"><h2>{_bi("Data dictionary", "数据字典")}</h2>
<p>Also as <a class="download-link" href="DATA_DICTIONARY.md">DATA_DICTIONARY.md</a>, with units, indicators and coding rules.
另见 DATA_DICTIONARY.md。</p>
{data_dictionary_html()}</section>

<section id="cite" class="card"><h2>{_bi("How to cite", "引用方式")}</h2>
<blockquote class="citation" id="citation">{esc(_citation(descriptor))}</blockquote>
<p class="muted">Licence 许可: {licence_html}. Source documents remain with their publishers
原始文件版权归原发布者所有.</p></section>
</main>
<footer class="wrap foot">{esc(descriptor.get("name"))} {esc(version)} · content sha256
<code>{esc((descriptor.get("govreport") or {}).get("content_sha256"))}</code></footer>"""
    index = release_dir / "index.html"
    index.write_text(_page(f"{release_title} — {PACKAGE_TITLE_ZH}", body, css_href=f"{SITE_DIR}/style.css",
                           script_href=f"{SITE_DIR}/release.js"), encoding="utf-8")
    return index


# --- the catalog page --------------------------------------------------------------------------
def _semver_key(v: str) -> tuple:
    try:
        return tuple(int(x) for x in str(v).split("."))
    except ValueError:
        return (-1,)


def build_catalog_site(published_dir: Path) -> Path:
    """Write published_dir/index.html listing every package and version (newest first) from
    published/catalog.json, linking to each release's index.html."""
    published_dir = Path(published_dir)
    catalog = _read_json(published_dir / "catalog.json") or {"packages": []}
    sections = []
    for package in catalog.get("packages", []):
        name = str(package.get("name") or "")
        if not _SAFE_NAME.match(name):
            continue
        versions = sorted(package.get("versions", []), key=lambda v: _semver_key(v.get("version")), reverse=True)
        latest = str(package.get("latest") or (versions[0]["version"] if versions else ""))
        descriptor = _read_json(published_dir / name / latest / "datapackage.json") if _SAFE_NAME.match(latest) else None
        title = (descriptor or {}).get("title") or name
        rows = []
        for v in versions:
            ver = str(v.get("version") or "")
            if not _SAFE_NAME.match(ver):
                continue
            page = published_dir / name / ver / "index.html"
            target = f"{name}/{ver}/index.html" if page.exists() else f"{name}/{ver}/datapackage.json"
            counts = v.get("row_counts") or {}
            tag = ' <span class="badge ok small">latest 最新</span>' if ver == latest else ""
            rows.append(f'<tr><td><a class="release-link" href="{esc(target)}">{esc(ver)}</a>{tag}</td>'
                        f'<td><time datetime="{esc(v.get("created"))}">{esc(str(v.get("created") or "")[:10])}</time></td>'
                        f'<td class="num">{esc(counts.get("observations"))}</td><td class="num">{esc(counts.get("documents"))}</td>'
                        f'<td class="num">{esc(counts.get("indicators"))}</td><td>{esc(v.get("reason"))}</td></tr>')
        zh = PACKAGE_TITLE_ZH if name == PACKAGE_NAME else ""
        sections.append(
            f'<section class="card package"><h2>{esc(title)}'
            + (f' <span class="zh" lang="zh-Hans">{esc(zh)}</span>' if zh else "")
            + f'</h2><p class="muted"><code>{esc(name)}</code> · latest 最新版本 <strong>{esc(latest)}</strong>'
            f' · {len(versions)} version(s) 个版本</p>'
            f'<div class="table-wrap"><table class="data versions"><thead><tr><th>Version 版本</th><th>Date 日期</th>'
            f'<th class="num">Observations 观测值</th><th class="num">Documents 文件</th><th class="num">Indicators 指标</th>'
            f'<th>Reason 说明</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div></section>')
    if not sections:
        sections.append('<section class="card"><p>No packages published yet. 尚未发布数据包。</p></section>')
    body = f"""
<header class="top"><div class="wrap">
<h1>Open data catalog<span class="zh" lang="zh-Hans">开放数据目录</span></h1>
<p class="lede">Every package and version published here, newest first. Machine-readable:
<a href="catalog.json">catalog.json</a>. 本站发布的全部数据包及版本(最新在前)。</p>
</div></header>
<main class="wrap">{"".join(sections)}</main>"""
    index = published_dir / "index.html"
    index.write_text(_page("Open data catalog 开放数据目录", body, inline_css=CSS), encoding="utf-8")
    return index


# --- assets -----------------------------------------------------------------------------------
CSS = """
:root { --fg: #1b2430; --muted: #5b6776; --bg: #f5f6f8; --card: #fff; --line: #e2e6eb; --accent: #1d4ed8;
  --target: #2563eb; --target-soft: rgba(37, 99, 235, .18); --actual: #0f766e; --miss: #dc2626;
  --mark: #fff3bf; --mark-strong: #ffd43b; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font-family: FONTS; color: var(--fg); background: var(--bg); line-height: 1.6; font-size: 15px; }
a { color: var(--accent); text-decoration-thickness: 1px; text-underline-offset: 2px; }
a:hover { text-decoration-thickness: 2px; }
code, .hash, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .86em; }
.wrap { max-width: 1240px; margin: 0 auto; padding: 0 20px; }
.top { background: linear-gradient(135deg, #0f2a5c, #1d4ed8); color: #fff; padding: 28px 0 24px; }
.top a { color: #cfe0ff; }
.top h1 { margin: 4px 0 8px; font-size: 1.9rem; line-height: 1.25; font-weight: 650; }
.top h1 .zh { display: block; font-size: 1.35rem; font-weight: 500; opacity: .9; margin-top: 4px; }
.lede { max-width: 60em; margin: 0 0 14px; color: #e4ecff; }
.crumbs { margin: 0; font-size: .9rem; opacity: .9; }
.reason { margin: 12px 0 0; font-size: .9rem; color: #dbe6ff; }
.facts { display: flex; flex-wrap: wrap; gap: 10px; margin: 0; }
.facts div { background: rgba(255, 255, 255, .12); border-radius: 8px; padding: 6px 14px; }
.facts dt { font-size: .75rem; text-transform: uppercase; letter-spacing: .04em; opacity: .8; }
.facts dd { margin: 0; font-weight: 600; font-size: 1.05rem; }
.toc { position: sticky; top: 0; z-index: 5; background: rgba(255, 255, 255, .96); border-bottom: 1px solid var(--line);
  backdrop-filter: blur(6px); }
.toc .wrap { display: flex; gap: 4px 18px; flex-wrap: wrap; padding-top: 8px; padding-bottom: 8px; font-size: .9rem; }
.toc a { text-decoration: none; color: var(--fg); white-space: nowrap; }
.toc a:hover { color: var(--accent); }
main.wrap { padding-top: 18px; padding-bottom: 24px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 18px 22px; margin: 0 0 18px;
  box-shadow: 0 1px 2px rgba(16, 24, 40, .04); scroll-margin-top: 56px; }
.card h2 { margin: 0 0 10px; font-size: 1.3rem; font-weight: 650; }
.card h2 .zh, h2 [lang] { color: var(--muted); font-weight: 500; }
h3 { font-size: 1.02rem; margin: 18px 0 6px; }
.muted, .sub { color: var(--muted); }
.sub { font-size: .82rem; display: block; }
.table-wrap { overflow: auto; border: 1px solid var(--line); border-radius: 8px; }
.table-wrap.tall { max-height: 78vh; }
table.data { border-collapse: collapse; width: 100%; font-size: .88rem; }
table.data th, table.data td { padding: 7px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
table.data thead th { position: sticky; top: 0; background: #eef1f5; font-weight: 600; white-space: nowrap; z-index: 1; }
table.data tbody tr:nth-child(even) { background: #fafbfc; }
table.data tbody tr:hover { background: #f0f5ff; }
p.small { font-size: .85rem; margin: 0 0 8px; }
table.obs tbody tr:nth-child(even), table.obs tbody tr:hover { background: none; }
table.obs tbody.obs-row:nth-of-type(even) { background: #f8fafc; }
table.obs tbody.obs-row:hover { background: #f0f5ff; }
table.obs tbody.obs-row td { border-bottom: none; }
table.obs tbody.obs-row tr.quote-line td { border-bottom: 1px solid var(--line); padding-top: 0; padding-bottom: 10px; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.data th.num, table.data td.num { text-align: right; }
.hash { word-break: break-all; color: #3d4a5c; font-size: .78rem; }
table.downloads td:last-child { min-width: 17em; }
.fmt { display: inline-block; font-size: .72rem; font-weight: 700; letter-spacing: .05em; padding: 1px 7px; border-radius: 999px;
  background: #e8eefc; color: #1e3a8a; }
.fmt-csv { background: #e7f6ef; color: #065f46; }
.links { padding-left: 18px; margin: 10px 0 0; }
.badge { display: inline-block; border-radius: 999px; padding: 2px 12px; font-weight: 650; font-size: .9rem; }
.badge.small { font-size: .72rem; padding: 0 8px; vertical-align: 1px; }
.badge.ok { background: #dcfce7; color: #166534; }
.badge.bad { background: #fee2e2; color: #991b1b; }
.badge.warn { background: #fef3c7; color: #92400e; }
.failures li { margin: 3px 0; }
.failures.critical li { color: #991b1b; }
.stats { display: flex; gap: 12px; list-style: none; padding: 0; margin: 8px 0; flex-wrap: wrap; }
.stat { border: 1px solid var(--line); border-radius: 10px; padding: 6px 16px; min-width: 120px; }
.stat .n { display: block; font-size: 1.5rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.stat.added .n { color: #15803d; } .stat.removed .n { color: #b91c1c; } .stat.changed .n { color: #b45309; }
.changes { padding-left: 18px; font-size: .9rem; }
.changes .key { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .82rem; }
.changes .val { font-weight: 600; margin-left: 6px; }
pre.json { background: #f6f8fa; padding: 10px; border-radius: 8px; overflow: auto; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; list-style: none; padding: 0; margin: 6px 0 12px;
  font-size: .85rem; color: var(--muted); }
.legend li { display: flex; align-items: center; gap: 6px; }
.legend svg { width: 24px; height: 14px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 14px; }
.coverage-grid { display: grid; grid-template-columns: 2fr 1fr; gap: 14px; }
.chart { margin: 0; border: 1px solid var(--line); border-radius: 10px; padding: 10px 12px 6px; background: #fff; }
.chart figcaption { font-size: .9rem; line-height: 1.35; margin-bottom: 4px; }
.chart figcaption [lang] { color: var(--muted); }
.chart-svg { width: 100%; height: auto; display: block; overflow: visible; }
.chart-svg text { font-size: 11px; fill: #5b6776; font-family: FONTS; }
.chart-svg .bar-label { font-size: 12px; fill: #1b2430; }
.chart-svg .bar-n { font-weight: 600; fill: #1b2430; }
.grid { stroke: #edf0f3; stroke-width: 1; }
.zero, .axis { stroke: #9aa5b1; stroke-width: 1; }
.t-band { fill: var(--target-soft); stroke: var(--target); stroke-width: 1.2; }
.t-tick { stroke: var(--target); stroke-width: 3; stroke-linecap: round; }
.t-tick.approx { stroke-dasharray: 4 3; }
.t-bound line { stroke: var(--target); stroke-width: 3; stroke-linecap: round; }
.t-bound path { fill: var(--target); }
.actual { fill: var(--actual); stroke: #fff; stroke-width: 1.5; }
.actual.missed { fill: var(--miss); stroke: #7f1d1d; stroke-width: 1; }
.miss-x { stroke: #fff; stroke-width: 1.6; stroke-linecap: round; fill: none; }
.bar-target { fill: #3b82f6; } .bar-actual { fill: #14b8a6; }
.controls { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; margin-bottom: 10px; }
.controls label { font-weight: 600; }
.controls input { flex: 1 1 260px; max-width: 420px; font: inherit; padding: 7px 12px; border: 1px solid #c7cdd4; border-radius: 8px; }
.controls input:focus { outline: 2px solid #93b4f5; border-color: var(--accent); }
table.obs { font-size: .85rem; }
table.obs th button { all: unset; cursor: pointer; display: inline-flex; gap: 4px; align-items: baseline; }
table.obs th button:focus-visible { outline: 2px solid var(--accent); border-radius: 3px; }
table.obs th button { display: block; white-space: nowrap; line-height: 1.3; }
table.obs th button .zh { display: block; color: var(--muted); font-weight: 500; font-size: .8rem; }
table.obs th.col-value, table.obs th.col-low, table.obs th.col-high { text-align: right; }
table.obs th .arrow::after { content: "↕"; color: #a0aab5; font-size: .8em; margin-left: 3px; }
table.obs th[aria-sort="ascending"] .arrow::after { content: "▲"; color: var(--accent); }
table.obs th[aria-sort="descending"] .arrow::after { content: "▼"; color: var(--accent); }
table.obs td { padding: 6px 8px; }
table.obs td.quote { line-height: 1.6; color: #334155; padding-left: 18px; }
table.obs td.quote .qbox { position: sticky; left: 18px; max-width: calc(100vw - 90px); }
table.obs td.quote .qbox::before { content: "“"; color: #94a3b8; margin-left: -10px; margin-right: 2px; }
table.obs td.quote mark { background: var(--mark-strong); padding: 0 1px; border-radius: 2px; }
table.obs td.ind { min-width: 9em; max-width: 17em; }
table.obs td.ind code { font-size: .78rem; color: #334155; }
table.obs td.nowrap { white-space: nowrap; }
table.obs td.blank { color: #a0aab5; }
table.obs td.file { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .74rem;
  overflow-wrap: anywhere; min-width: 8em; max-width: 10em; color: #475569; }
.kind-target, .kind-actual { font-weight: 600; white-space: nowrap; }
.kind-target { color: var(--target); } .kind-actual { color: var(--actual); }
.src-link { white-space: nowrap; font-size: .8rem; margin-left: 4px; }
details.dict { border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; margin: 8px 0; }
details.dict summary { cursor: pointer; font-weight: 600; }
table.dictionary td:nth-child(4) { min-width: 16em; }
table.dictionary td:nth-child(5) { min-width: 10em; }
code.allowed { overflow-wrap: anywhere; font-size: .76rem; }
blockquote.citation { margin: 0; padding: 12px 16px; border-left: 4px solid var(--accent); background: #f3f6fd;
  border-radius: 0 8px 8px 0; }
.foot { color: var(--muted); font-size: .8rem; padding-bottom: 30px; word-break: break-all; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; font-size: .9rem; }
dl.meta dt { color: var(--muted); } dl.meta dd { margin: 0; word-break: break-all; }
pre.doctext { white-space: pre-wrap; word-break: break-word; font-family: FONTS; font-size: .95rem; line-height: 1.9; margin: 0; }
pre.doctext mark.q { background: var(--mark); }
pre.doctext mark.v { background: var(--mark-strong); outline: 1px solid #e0a800; border-radius: 2px; }
.anchor { scroll-margin-top: 40vh; }
.anchor:target + mark, .anchor:target + .anchor + mark { outline: 3px solid var(--miss); outline-offset: 2px; }
.anchor:target + mark mark.v { background: #ffa94d; }
.doc-top h1 { font-size: 1.5rem; }
@media (max-width: 760px) {
  body { font-size: 14px; }
  .top h1 { font-size: 1.45rem; } .top h1 .zh { font-size: 1.1rem; }
  .coverage-grid { grid-template-columns: 1fr; }
  .card { padding: 14px; border-radius: 10px; }
  .wrap { padding: 0 12px; }
  .toc .wrap { flex-wrap: nowrap; overflow-x: auto; }
  table.obs td.quote { min-width: 18em; }
}
""".replace("FONTS", FONT_STACK)

JS = r"""// The observations table: built from the JSON in #observations-data with textContent only (never
// innerHTML), filtered by the search box and sorted by clicking a column header.
(function () {
  "use strict";
  var source = document.getElementById("observations-data");
  var table = document.getElementById("observations-table");
  if (!source || !table) return;
  var rows = JSON.parse(source.textContent);
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var search = document.getElementById("observations-search");
  var count = document.getElementById("observations-count");
  // Links only ever point at our own document pages, whatever the data says.
  var DOC_HREF = /^site\/doc-[0-9a-f]{12}\.html#obs-[0-9a-f]{16}$/;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function quoteCell(r, span) {
    var td = el("td", null, "quote");
    td.colSpan = span;
    // The box stays in view and wraps to the screen when a narrow screen scrolls the table sideways.
    var box = el("div", null, "qbox");
    td.appendChild(box);
    box.lang = "zh";
    var q = r.quote || "";
    if (r.mark && r.mark[0] >= 0 && r.mark[1] > r.mark[0] && r.mark[1] <= q.length) {
      box.appendChild(document.createTextNode(q.slice(0, r.mark[0])));
      box.appendChild(el("mark", q.slice(r.mark[0], r.mark[1])));
      box.appendChild(document.createTextNode(q.slice(r.mark[1])));
    } else {
      box.appendChild(document.createTextNode(q));
    }
    if (r.href && DOC_HREF.test(r.href)) {
      var a = el("a", "原文 source ↗", "src-link");
      a.setAttribute("href", r.href);
      box.appendChild(document.createTextNode(" "));
      box.appendChild(a);
    }
    return td;
  }

  function cell(r, key) {
    var td;
    if (key === "indicator") {
      td = el("td", null, "ind");
      var code = el("code");
      String(r.indicator).split("_").forEach(function (part, i) {
        if (i > 0) { code.appendChild(document.createTextNode("_")); code.appendChild(document.createElement("wbr")); }
        code.appendChild(document.createTextNode(part));
      });
      td.appendChild(code);
      var zh = el("span", r.indicator_zh, "sub");
      zh.lang = "zh-Hans";
      td.appendChild(zh);
      td.title = r.indicator_en || "";
      return td;
    }
    var v = r[key];
    var blank = v === null || v === undefined || v === "";
    td = el("td", blank ? "—" : v);
    if (blank) { td.className = "blank"; return td; }
    if (key === "value" || key === "low" || key === "high") td.className = "num";
    if (key === "kind") td.className = r.kind.indexOf("Target") === 0 ? "kind-target" : "kind-actual";
    if (key === "file") td.className = "file";
    if (key === "region") td.lang = "zh";
    if (key === "period" || key === "comparator" || key === "unit") td.className = "nowrap";
    if (key === "unit") td.title = r.unit_code || "";
    if (key === "value") td.title = r.value_text || "";
    return td;
  }

  var keys = headers.map(function (th) { return th.getAttribute("data-key"); });
  // One <tbody> per observation: its values, then its quote on a full-width line.
  rows.forEach(function (r, i) {
    var group = el("tbody", null, "obs-row");
    var tr = document.createElement("tr");
    keys.forEach(function (k) { tr.appendChild(cell(r, k)); });
    var line = el("tr", null, "quote-line");
    line.appendChild(quoteCell(r, keys.length));
    group.appendChild(tr);
    group.appendChild(line);
    r._tr = group;
    r._i = i;
    r._hay = [r.indicator, r.indicator_zh, r.indicator_en, r.region, r.kind, r.measure, r.period, r.comparator,
              r.value, r.value_text, r.unit, r.unit_code, r.file, r.quote].join(" ").toLowerCase();
  });

  var sortKey = null, sortDir = 1;
  var collator = typeof Intl !== "undefined" ? new Intl.Collator("zh-Hans-CN", { numeric: true }) : null;

  function compare(a, b) {
    if (sortKey === null) return a._i - b._i;
    var x = a[sortKey], y = b[sortKey];
    var empty = function (v) { return v === null || v === undefined || v === ""; };
    if (empty(x) || empty(y)) return empty(x) === empty(y) ? a._i - b._i : (empty(x) ? 1 : -1); // blanks last
    var c = typeof x === "number" && typeof y === "number" ? x - y
      : (collator ? collator.compare(String(x), String(y)) : String(x).localeCompare(String(y)));
    return c !== 0 ? c * sortDir : a._i - b._i;
  }

  function render() {
    var terms = (search ? search.value : "").toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    var frag = document.createDocumentFragment();
    rows.slice().sort(compare).forEach(function (r) {
      var ok = terms.every(function (t) { return r._hay.indexOf(t) !== -1; });
      r._tr.hidden = !ok;
      if (ok) shown += 1;
      frag.appendChild(r._tr);
    });
    table.appendChild(frag);
    if (count) count.textContent = shown + " / " + rows.length + " rows 行";
  }

  headers.forEach(function (th) {
    var button = th.querySelector("button");
    if (!button) return;
    button.addEventListener("click", function () {
      var key = th.getAttribute("data-key");
      sortDir = sortKey === key ? -sortDir : 1;
      sortKey = key;
      headers.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", sortDir === 1 ? "ascending" : "descending");
      render();
    });
  });
  if (search) search.addEventListener("input", render);
  render();
})();
"""

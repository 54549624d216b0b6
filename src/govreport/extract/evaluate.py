"""Measure the extractor against a hand-made gold file (the format of the shared gold_seeds.csv).

A fact is (source_file, indicator, measure, kind, period, comparator, value_low,
value_high); both sides are sets of facts, so a fact stated twice counts once.
Only documents the gold covers are scored. A second score ignores the
comparator, to tell a wrong number from a wrong qualifier.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path


def _num(x) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    s = str(x).strip()
    return None if s.lower() in ("", "nan", "none", "null") else round(float(s), 6)


def fact(row: dict, strict: bool = True) -> tuple:
    return (
        Path(str(row["source_file"])).name,
        str(row["indicator"]).strip(),
        str(row["measure"]).strip(),
        str(row["kind"]).strip(),
        str(row["period"]).strip(),
        str(row["comparator"]).strip() if strict else "*",
        _num(row["value_low"]),
        _num(row["value_high"]),
    )


def read_gold(path: Path) -> list[dict]:
    """Gold facts of one file, or of every *.csv file in a folder (one gold file per document)."""
    rows: list[dict] = []
    for file in sorted(path.glob("*.csv")) if path.is_dir() else [path]:
        with open(file, newline="", encoding="utf-8-sig") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


# The errors a maintainer fixes first, in the order they are told apart: a spurious fact that shares all but
# one part with a missed one is that one fact gone wrong, not two errors.
ERROR_CLASSES = (
    ("wrong kind or period", (0, 1, 2, 5, 6, 7)),  # same file, indicator, measure, numbers
    ("wrong value or comparator", (0, 1, 2, 3, 4)),  # same file, indicator, measure, kind, period
    ("wrong indicator", (0, 2, 3, 4, 5, 6, 7)),  # same everything but the indicator
)


def error_classes(missed: list[tuple], spurious: list[tuple]) -> dict[str, list[tuple]]:
    """Missed and spurious facts grouped by class of error: pairs (gold, extracted) for a fact gone wrong,
    then what is only missing and what is only spurious."""
    missed, spurious = list(missed), list(spurious)
    out: dict[str, list[tuple]] = {}
    for name, parts in ERROR_CLASSES:
        pairs = []
        for g in list(missed):
            p = next((p for p in spurious if all(p[i] == g[i] for i in parts)), None)
            if p is not None:
                pairs.append((g, p))
                missed.remove(g)
                spurious.remove(p)
        out[name] = pairs
    out["missing"] = [(g, None) for g in missed]
    out["spurious"] = [(None, p) for p in spurious]
    return out


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return round(p, 4), round(r, 4), round(f, 4)


@dataclass
class Score:
    precision: float
    recall: float
    f1: float
    gold: int
    predicted: int
    matched: int
    by_document: dict[str, tuple[float, float, float, int]]
    by_indicator: dict[str, tuple[float, float, float, int]]
    missed: list[tuple]
    spurious: list[tuple]


def score(gold_rows: list[dict], predicted_rows: list[dict], strict: bool = True) -> Score:
    gold = {fact(r, strict) for r in gold_rows}
    files = {g[0] for g in gold}
    pred = {
        fact(r, strict)
        for r in predicted_rows
        if str(r.get("indicator") or "").strip() not in ("", "nan", "None", "other")
        and Path(str(r["source_file"])).name in files
    }
    tp, fp, fn = gold & pred, pred - gold, gold - pred
    p, r, f = prf(len(tp), len(fp), len(fn))
    axes = []
    for idx in (0, 1):
        groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for facts, slot in ((tp, 0), (fp, 1), (fn, 2)):
            for x in facts:
                groups[x[idx]][slot] += 1
        axes.append({k: (*prf(*v), v[0] + v[2]) for k, v in sorted(groups.items())})
    return Score(p, r, f, len(gold), len(pred), len(tp), axes[0], axes[1], sorted(fn, key=str), sorted(fp, key=str))


def report(strict: Score, loose: Score) -> str:
    lines = []
    for name, axis in (("by_document", strict.by_document), ("by_indicator", strict.by_indicator)):
        lines.append(f"\n{name}:")
        lines += [f"  {k:45s} P={p:.2f} R={r:.2f} F1={f:.2f} gold={n}" for k, (p, r, f, n) in axis.items()]
    lines.append("\nmissed (in gold, not extracted):")
    lines += [f"   {x}" for x in strict.missed]
    lines.append("spurious (extracted, not in gold):")
    lines += [f"   {x}" for x in strict.spurious]
    lines.append("\nerrors by class (gold -> extracted):")
    for name, items in error_classes(strict.missed, strict.spurious).items():
        lines.append(f"  {name}: {len(items)}")
        lines += [f"     {g} -> {p}" for g, p in items]
    lines.append(f"\nignoring comparator: P={loose.precision:.3f} R={loose.recall:.3f} F1={loose.f1:.3f}")
    lines.append(
        f"strict: P={strict.precision:.3f} R={strict.recall:.3f} F1={strict.f1:.3f} "
        f"(gold {strict.gold}, predicted {strict.predicted}, matched {strict.matched})"
    )
    return "\n".join(lines)

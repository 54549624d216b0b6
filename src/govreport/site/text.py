"""How numbers, units and labels read on the pages: plain text, escaped by the templates."""

from __future__ import annotations

import math

from govreport.contract.model import UNITS

KIND_LABEL = {"target": "Target 目标", "actual": "Outcome 实际"}
MEASURE_LABEL = {"level": "Level 水平值", "growth": "Growth 增长率", "change": "Change 百分点变化"}
COMPARATOR_SYMBOL = {"eq": "=", "approx": "≈", "ge": "≥", "gt": ">", "le": "≤", "lt": "<", "range": "–"}
UNIT_ZH = {u.code: u.label_zh for u in UNITS}
UNIT_EN = {u.code: u.description_en for u in UNITS}


def clean(v):
    """JSON-safe scalar: NaN and infinities become None, dates become ISO strings."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def num(v) -> str:
    """A number as a person would write it: 6, 6.25, 2630.2 (no trailing zeros, no exponent)."""
    v = clean(v)
    if v is None:
        return ""
    v = float(v)
    if v.is_integer():
        return str(int(v))
    return f"{v:.6f}".rstrip("0").rstrip(".")


def human_bytes(n: int | None) -> str:
    if n is None:
        return ""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def value_display(comparator: str | None, low, high, value) -> str:
    """6–6.5, ≥ 5, ≤ 3, ≈ 400, > 850, 384."""
    low, high, value = clean(low), clean(high), clean(value)
    if comparator == "range" and low is not None and high is not None:
        return f"{num(low)}–{num(high)}"
    if comparator in ("ge", "gt") and low is not None:
        return f"{COMPARATOR_SYMBOL[comparator]} {num(low)}"
    if comparator in ("le", "lt") and high is not None:
        return f"{COMPARATOR_SYMBOL[comparator]} {num(high)}"
    if comparator == "approx":
        return f"≈ {num(value)}"
    return num(value)


def with_unit(comparator: str | None, low, high, value, unit: str | None) -> str:
    """A value with its unit's Chinese label: "≤ 3 %", "6–6.5 %", "384 亿元"."""
    label = UNIT_ZH.get(unit, unit) if unit else ""
    return f"{value_display(comparator, low, high, value)} {label}".strip()


def utf16_len(s: str) -> int:
    # JavaScript strings index UTF-16 code units; Python's index code points.
    return len(s.encode("utf-16-le")) // 2

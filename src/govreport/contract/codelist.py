"""The indicator codelist (contract/data/indicators.csv) and how its names are found in text."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from govreport.contract.files import CODELIST_PATH
from govreport.contract.model import UNITS

# How a codelist unit is written: (dimension, size in the dimension's base unit), from the contract's units.
UNIT_DIMENSIONS: dict[str, tuple[str, Decimal]] = {u.code: (u.dimension, u.factor) for u in UNITS}
# Units whose quantities a report may also count with another classifier (学位5000个 / 套 / 户).
DIMENSION_ALIASES = {
    "dwellings": {"dwellings", "count", "households"},
    "count": {"count"},
    "persons": {"persons", "count"},
}  # 新增城镇就业岗位1420个: jobs counted as posts


@dataclass(frozen=True)
class Indicator:
    code: str
    name_en: str
    name_zh: str
    aliases_zh: tuple[str, ...]
    unit: str
    category: str
    better: str = "higher"  # which way is good: "higher" or "lower" (unemployment, PM2.5, energy intensity)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name_zh, *self.aliases_zh)

    def accepts(self, dimension: str | None) -> bool:
        own = UNIT_DIMENSIONS[self.unit][0]
        return dimension in DIMENSION_ALIASES.get(own, {own})


def read_codelist(path: Path = CODELIST_PATH) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=4)
def load_codelist(path: Path = CODELIST_PATH) -> dict[str, Indicator]:
    out = {}
    for row in read_codelist(path):
        aliases = tuple(a.strip() for a in (row.get("aliases_zh") or "").split("|") if a.strip())
        out[row["code"]] = Indicator(
            row["code"],
            row["name_en"],
            row["name_zh"],
            aliases,
            row["unit"],
            row["category"],
            row.get("better") or "higher",
        )
    return out


def _name_pattern(name: str) -> str:
    # Latin names must not sit inside a longer Latin token: M2 is not inside PM2.5.
    p = re.escape(name)
    if re.match(r"[A-Za-z0-9]", name):
        p = r"(?<![A-Za-z0-9.])" + p
    if re.search(r"[A-Za-z0-9]$", name):
        p += r"(?![A-Za-z0-9.])"
    return p


@lru_cache(maxsize=4)
def mention_regex(path: Path = CODELIST_PATH) -> tuple[re.Pattern, dict[str, str]]:
    """One regex for every name and alias (longest first) and the map name -> code."""
    by_name: dict[str, str] = {}
    for ind in load_codelist(path).values():
        for name in ind.names:
            # Names are matched in normalized text: half-width, Simplified (细颗粒物(PM2.5) -> 细颗粒物(PM2.5)).
            by_name.setdefault(unicodedata.normalize("NFKC", name), ind.code)
    names = sorted(by_name, key=len, reverse=True)
    # A lookahead of the names' first characters lets the regex skip most positions at once.
    first = "".join(sorted({re.escape(n[0]) for n in names}))
    return re.compile(f"(?=[{first}])(?:" + "|".join(_name_pattern(n) for n in names) + ")"), by_name

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


_LATIN = re.compile(r"[A-Za-z0-9]")
# Latin names must not sit inside a longer Latin token: M2 is not inside PM2.5.
_NO_LATIN_BEFORE = r"(?<![A-Za-z0-9.].)"  # written after a name's first character (see _trie_pattern)
_NO_LATIN_AFTER = r"(?![A-Za-z0-9.])"


def _trie_pattern(trie: dict, first: bool = True) -> str:
    """The regex of a trie of names: one branch per next character, so the engine tests each character once
    where an alternation of all names would test every name. The end of a name comes after its extensions,
    so the longest name matches, as in an alternation sorted longest first. Every branch starts with its
    character (a Latin name's look-behind comes after it), so the engine can skip to the names' first
    characters on its own."""
    branches = []
    for ch, sub in trie.items():
        if ch == "":
            continue
        guard = _NO_LATIN_BEFORE if first and _LATIN.match(ch) else ""
        branches.append(re.escape(ch) + guard + _trie_pattern(sub, first=False))
    if "" in trie:
        branches.append(_NO_LATIN_AFTER if _LATIN.match(trie[""][-1]) else "")
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


@lru_cache(maxsize=4)
def mention_regex(path: Path = CODELIST_PATH) -> tuple[re.Pattern, dict[str, str]]:
    """One regex for every name and alias (the longest that matches) and the map name -> code."""
    by_name: dict[str, str] = {}
    for ind in load_codelist(path).values():
        for name in ind.names:
            # Names are matched in normalized text: half-width, Simplified (细颗粒物(PM2.5) -> 细颗粒物(PM2.5)).
            by_name.setdefault(unicodedata.normalize("NFKC", name), ind.code)
    trie: dict = {}
    for name in by_name:
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = name
    return re.compile(_trie_pattern(trie)), by_name

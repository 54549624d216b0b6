"""Numbers as Chinese reports write them: 2630.2亿元, 近千亿元, 1.2万亿元, 5.5-6%, 700多万人, 近八成.

`VALUE` is a regex for one value expression on normalized text (half-width
digits and punctuation); `parse_value` turns a match into a `Value`: the
number(s) in a base unit, the comparator the wording implies, and the unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from govreport.extract import lexicon as lx

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_SMALL = {"十": 10, "百": 100, "千": 1000}
CN_LARGE = {"万": 10**4, "亿": 10**8}


def chinese_to_decimal(s: str) -> Decimal:
    """Parse a Chinese numeral (一千二百三十四, 千, 十四, 三点五, 二〇二三) to a Decimal."""
    if not s:
        raise ValueError("empty numeral")
    if "点" in s:
        whole, frac = s.split("点", 1)
        digits = "".join(str(CN_DIGITS[c]) for c in frac)
        return chinese_to_decimal(whole or "零") + Decimal("0." + digits)
    if all(c in CN_DIGITS for c in s) and len(s) > 1:  # digit by digit: 二〇二三
        return Decimal("".join(str(CN_DIGITS[c]) for c in s))
    total, section, digit = Decimal(0), Decimal(0), None
    for c in s:
        if c in CN_DIGITS:
            digit = CN_DIGITS[c]
        elif c in CN_SMALL:
            section += (1 if digit is None else digit) * CN_SMALL[c]
            digit = None
        elif c in CN_LARGE:
            section += digit or 0
            if section == 0:
                section = Decimal(1)
            total = (total + section) * CN_LARGE[c] if CN_LARGE[c] > 10**4 else total + section * CN_LARGE[c]
            section, digit = Decimal(0), None
        else:
            raise ValueError(f"not a Chinese numeral: {s!r}")
    return total + section + (digit or 0)


MULTIPLIERS = {
    "万亿": Decimal(10) ** 12,
    "千亿": Decimal(10) ** 11,
    "百亿": Decimal(10) ** 10,
    "亿": Decimal(10) ** 8,
    "千万": Decimal(10) ** 7,
    "百万": Decimal(10) ** 6,
    "万": Decimal(10) ** 4,
    "千": Decimal(1000),
    "百": Decimal(100),
}


@dataclass(frozen=True)
class UnitWord:
    """A unit as written, its dimension, and its size in the dimension's base unit."""

    dimension: str
    factor: Decimal


# The words are data (lexicon.yaml): the contract's units are the codelist's output units, one per indicator, and
# share their dimensions with these; the lexicon lists every way a report writes a unit, classifiers included.
UNIT_WORDS: dict[str, UnitWord] = {
    word: UnitWord(dimension, Decimal(factor)) for word, (dimension, factor) in lx.UNIT_WORDS.items()
}
# Count classifiers that, with a Chinese numeral, are mostly slogans (三个明确, 两个维护), not data.
COUNT_DIMENSIONS = {"count", "persons", "households", "dwellings", "person_times"}

_NUM_AR = r"\d+(?:,\d{3})*(?:\.\d+)?"
_NUM_CN = r"[零〇一二两三四五六七八九十百千万亿]+(?:点[零〇一二三四五六七八九]+)?"
# Word lists as tries (lexicon.alternation): the longest word matches, and each character is tested once.
_MULT = lx.alternation(list(MULTIPLIERS))
_UNIT = lx.alternation(list(UNIT_WORDS))

PREFIX_COMPARATOR = {
    "不低于": "ge",
    "不少于": "ge",
    "至少": "ge",
    "不小于": "ge",
    "超过": "gt",
    "超": "gt",
    "突破": "gt",
    "多于": "gt",
    "高于": "gt",
    "大于": "gt",
    "逾": "gt",
    "不超过": "le",
    "不高于": "le",
    "不大于": "le",
    "最多": "le",
    "低于": "lt",
    "不足": "lt",
    "少于": "lt",
    "小于": "lt",
    "约": "approx",
    "近": "approx",
    "大约": "approx",
    "接近": "approx",
    "将近": "approx",
    "约为": "approx",
}
SUFFIX_COMPARATOR = {
    "以上": "ge",
    "及以上": "ge",
    "以内": "le",
    "以下": "le",
    "之内": "le",
    "左右": "approx",
    "上下": "approx",
    "内": "le",
}
_PREFIX = lx.alternation(list(PREFIX_COMPARATOR))
_SUFFIX = lx.alternation(list(SUFFIX_COMPARATOR))
_RANGE_SEP = r"-|~|—|–|至|到"

_FIRST = "".join(
    sorted({re.escape(w[0]) for w in PREFIX_COMPARATOR} | set("0123456789零〇一二两三四五六七八九十百千万亿"))
)
# What may follow the number: every part optional, so that it matches the empty string where none starts.
_TAIL = (
    rf"(?P<more1>多|余)?(?P<mult1>{_MULT})?(?P<unit1>{_UNIT})?"
    rf"(?:(?P<sep>{_RANGE_SEP})(?P<num2>{_NUM_AR}))?"
    rf"(?P<more>多|余)?(?P<mult>{_MULT})?(?P<more2>多|余)?(?P<unit>{_UNIT})?(?P<more3>多|余)?"
    rf"(?P<post>{_SUFFIX})?"
)
# The tail goes behind a look at its first character: half the numbers (一是, 2019年) have none, and the engine
# tried its ten optional groups one by one before it found that out.
VALUE = re.compile(
    rf"(?=[{_FIRST}])"  # fail fast where no number or qualifier starts
    rf"(?P<pre>{_PREFIX})?"
    rf"(?P<num>{_NUM_AR}|{_NUM_CN})" + lx.optional_tail(_TAIL)
)


class Value(NamedTuple):
    """A parsed value expression; low/high in the dimension's base unit. A named tuple: made for every number
    in a report, so cheap to build, and immutable like the rest of the extractor's value objects."""

    comparator: str
    low: Decimal | None
    high: Decimal | None
    dimension: str | None  # None: a bare number with no unit
    unit_word: str | None  # the unit as written: 亿元, 个, %
    start: int
    end: int
    text: str
    chinese_numeral: bool

    @property
    def number(self) -> Decimal:
        """The single number to plot: the stated one, or the midpoint of a range."""
        if self.low is not None and self.high is not None:
            return (self.low + self.high) / 2
        bound = self.low if self.low is not None else self.high
        assert bound is not None, "a value has at least one bound"
        return bound


def _to_decimal(s: str) -> Decimal:
    if s[0].isdigit():
        return Decimal(s.replace(",", ""))
    return chinese_to_decimal(s)


_UNIT_LIKE_NUMERALS = frozenset("十百千万亿")


def parse_value(m: re.Match) -> Value | None:
    """Turn a VALUE match into a Value, or None when it is not a usable quantity."""
    # The rejections come first, before any arithmetic: half the matches are bare Chinese numerals (一是, 进一步).
    # One group() call for every group: a groupdict() builds a dict for each match.
    pre, num, more1, mult1, unit1, num2, more, mult, more2, unit, more3, post = m.group(
        "pre", "num", "more1", "mult1", "unit1", "num2", "more", "mult", "more2", "unit", "more3", "post"
    )
    is_cn = not num[0].isdigit()
    if is_cn and not (unit or unit1 or mult or mult1):
        return None  # a bare Chinese numeral is almost never a data value (十四五, 一是)
    unit_word = unit or unit1
    if num2 is None and unit1 and unit is None and mult is None:
        unit_word = unit1
    if is_cn and set(num) <= _UNIT_LIKE_NUMERALS and not (pre or more1 or more or more2):
        return None  # 万元GDP, 百亿企业: a unit word, not a number; 近千亿元 and 千余人 are numbers
    try:
        n1 = _to_decimal(num)
        n2 = _to_decimal(num2) if num2 else None
    except (ValueError, KeyError, ArithmeticError):
        return None
    mult_word = mult or mult1
    scale = MULTIPLIERS[mult_word] if mult_word else Decimal(1)
    unit_size = UNIT_WORDS.get(unit_word) if unit_word else None
    if mult1 and num2 is not None and mult is None:
        scale = MULTIPLIERS[mult1]
    factor = scale * (unit_size.factor if unit_size else 1)
    start = n1 * factor
    high = n2 * factor if n2 is not None else None
    low: Decimal | None = start
    more_than = more or more1 or more2 or more3
    if high is not None:
        comparator = "range"
        if high < start:
            return None  # "2020-2019"-like or a list, not a range
    elif pre:
        comparator = PREFIX_COMPARATOR[pre]
    elif post:
        comparator = SUFFIX_COMPARATOR[post]
    elif more_than:
        comparator = "gt"
    else:
        comparator = "eq"
    if comparator in ("ge", "gt"):
        low, high = low, None
    elif comparator in ("le", "lt"):
        low, high = None, low
    elif comparator in ("eq", "approx"):
        high = low
    return Value(
        comparator,
        low,
        high,
        unit_size.dimension if unit_size else None,
        unit_word,
        m.start(),
        m.end(),
        m.group(0),
        is_cn,
    )


# What parse_value makes of a value expression depends on its text alone (VALUE looks at nothing around a match),
# and most texts recur (一, 二, 5%): each is parsed once. Kept as the Value's fields before its position and the
# ones after it (None: not a quantity). Bounded, so that a long run does not grow it for ever.
_PARSED: dict[str, tuple[tuple, tuple] | None] = {}
_PARSED_MAX = 200_000
_UNSEEN: tuple[tuple, tuple] = ((), ())  # a marker for "not parsed yet", compared by identity
_make_value = tuple.__new__  # builds a Value from its fields without NamedTuple's per-call argument handling


def _parse_new(m: re.Match) -> tuple[tuple, tuple] | None:
    """A match's Value fields but its position, parsed and kept in _PARSED."""
    v = parse_value(m)
    fields = (
        None if v is None else ((v.comparator, v.low, v.high, v.dimension, v.unit_word), (v.text, v.chinese_numeral))
    )
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[m.group(0)] = fields
    return fields


def find_values(text: str, start: int = 0, end: int | None = None) -> list[Value]:
    """Every value expression in text[start:end], in order."""
    end = len(text) if end is None else end
    out = []
    known = _PARSED.get  # the memo is emptied in place when full, never replaced
    for m in VALUE.finditer(text, start, end):
        f = known(m[0], _UNSEEN)
        if f is _UNSEEN:
            f = _parse_new(m)
        if f is not None:
            out.append(_make_value(Value, f[0] + m.span() + f[1]))
    return out

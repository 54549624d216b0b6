"""What a report is about as a whole: its year, its region, its script, and which parts of it review the
past and which plan ahead.

A work report is delivered early in the year it plans for (its "report year"). It reviews last year
("2025年工作回顾", "过去一年"), often the last five-year plan too ("过去五年", "“十四五”时期", "这是…的五年"),
sets this year's targets ("今年发展主要预期目标是：…"), sometimes the next plan's goals ("“十五五”时期主要目标"),
and lists tasks. Web pages and news write-ups shuffle those parts, so the part is tracked marker by marker,
and a heading that repeats an earlier heading (a page's summary, then its full text) takes the part it had
the first time.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from govreport.extract import lexicon as lx

YEAR = lx.YEAR
_CN_DIGIT = "〇零一二三四五六七八九"
# A date as reports write it: 2026年1月26日, 二〇二六年一月二十七日 (full-width digits are half-width by now).
_DATE = rf"(?P<y>{YEAR}|[{_CN_DIGIT}]{{4}})年(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月"
# The delivery line under the title: "——2026年1月26日在河南省第十四届人民代表大会第四次会议上".
_DELIVERY = re.compile(
    rf"{_DATE}(?:[0-3]?\d|[一二三]?十?[一二三四五六七八九十])?日?\s*(?:在|于)[^。\n]{{0,40}}"
    rf"(?:人民代表大会|人大|代表大会)"
)
# The report's year in its title: "2026年河南省政府工作报告", "高阳县2019年政府工作报告".
_TITLE = re.compile(rf"({YEAR})年[^\n。]{{0,16}}政府工作报告")
# Headings that name the report's year (plans) or the previous year (reviews).
_PLAN_HEADING = re.compile(
    rf"({YEAR})年(?:工作安排|主要(?:工作|任务)|重点工作|(?:政府)?工作(?:的)?总体要求"
    rf"|(?:经济社会发展)?主要预期目标)"
)
_REVIEW_HEADING = re.compile(rf"({YEAR})年[^。\n]{{0,12}}工作回顾")
# "今年是“十五五”开局之年": this year is the first of a five-year plan.
_PLAN_START = re.compile(rf"今年是“?({lx.PLAN})”?(?:规划|计划)?(?:的)?(?:开局|起步|第一年)")
_FRONT_MATTER = 3000  # title and delivery line stand in the first few thousand characters
# A news write-up's or a web page's date line ("2021-01-20", "发文时间：2019-01-17"): reports are delivered and
# written up early in the year they plan for.
_FRONT_DATE = re.compile(rf"({YEAR})(?:-|/|\.|年)(?:0?[1-9]|1[0-2])(?:-|/|\.|月)(?:[0-3]?\d)")

TRADITIONAL_HINTS = "區產總資發這與個們來說對會還時間開門為無過進經濟業實際應當從東學動將"
SIMPLIFIED_HINTS = "区产总资发这与个们来说对会还时间开门为无过进经济业实际应当从东学动将"

REGION_PATTERNS = (
    re.compile(r"([\u4e00-\u9fff]{2,10}?(?:省|自治区|市|自治州|地区|盟|区|县|旗))人民政府"),
    re.compile(r"([\u4e00-\u9fff]{2,10}?(?:省|自治区|市|自治州|区|县|旗))第[一二三四五六七八九十]+届人民代表大会"),
    re.compile(r"([\u4e00-\u9fff]{2,8}?(?:省|市|区|县))(?:省长|市长|区长|县长)"),
)


@dataclass(frozen=True)
class Frame:
    kind: str | None  # "actual", "target" or None (unknown)
    year: int | None  # the year the frame speaks of (the last one, for a span)
    first_year: int | None = None  # set when the frame speaks of several years ("过去五年", "十五五"时期)
    section: str | None = None  # review_year, review_span, plan_year, plan_span; None before the first marker


@dataclass
class DocumentFrames:
    """Frames by position in the normalized text."""

    report_year: int
    starts: list[int]
    frames: list[Frame]

    def at(self, pos: int) -> Frame:
        i = bisect_right(self.starts, pos) - 1
        return self.frames[i] if i >= 0 else Frame(None, None)


# Each script's hint characters as one class: a pass of the text counts them all, where a str.count for each of
# them made thirty-four passes.
_TRADITIONAL = re.compile(f"[{TRADITIONAL_HINTS}]")
_SIMPLIFIED = re.compile(f"[{SIMPLIFIED_HINTS}]")


def infer_script(raw: str) -> str:
    trad = len(_TRADITIONAL.findall(raw))
    simp = len(_SIMPLIFIED.findall(raw))
    return "zh-Hant" if trad > simp else "zh-Hans"


def _year(s: str) -> int:
    return int(s) if s.isdigit() else int("".join(str(max(_CN_DIGIT.index(c) - 1, 0)) for c in s))


def five_year_plan_start(name: str) -> int:
    """九五 -> 1996, 十五 -> 2001, 十一五 -> 2006, 十二五 -> 2011 … 十五五 -> 2026."""
    if name in ("九五", "十五"):
        return 1996 if name == "九五" else 2001
    return 2006 + 5 * "一二三四五".index(name[1])


def report_year_evidence(text: str) -> tuple[int, str] | None:
    """The year a report plans for and the words that say so, strongest evidence first: the delivery line,
    the title, a heading of this year's plan or of last year's review, "今年是“十五五”开局之年"."""
    front = text[:_FRONT_MATTER]
    for m in _DELIVERY.finditer(front):
        # a congress held in November or December adopts the plan of the year that follows
        month = m.group("m")
        late = month in ("11", "12", "十一", "十二")
        return _year(m.group("y")) + late, m.group(0)
    title = _TITLE.search(front)
    if title:
        return int(title.group(1)), title.group(0)
    for pattern, offset in ((_PLAN_HEADING, 0), (_REVIEW_HEADING, 1)):
        years = Counter(int(m.group(1)) + offset for m in pattern.finditer(text))
        if years:
            year = years.most_common(1)[0][0]
            return year, next(m.group(0) for m in pattern.finditer(text) if int(m.group(1)) + offset == year)
    start = _PLAN_START.search(text)
    if start:
        return five_year_plan_start(start.group(1)), start.group(0)
    date = _FRONT_DATE.search(text, 0, 600)
    if date:
        return int(date.group(1)), date.group(0)
    return None


def infer_report_year(text: str, published_year: int | None = None) -> int | None:
    found = report_year_evidence(text)
    if found:
        return found[0]
    if published_year:
        return published_year
    years = Counter(int(y) for y in re.findall(rf"({YEAR})年", text))
    return years.most_common(1)[0][0] if years else None


def infer_region(text: str) -> str | None:
    names: Counter[str] = Counter()
    for pattern in REGION_PATTERNS:
        names.update(m.group(1) for m in pattern.finditer(text))
    return names.most_common(1)[0][0] if names else None


_HEADING = re.compile(
    r"^[ \t\u3000]*(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)"
    r"|第[一二三四五六七八九十]+[,、])"
    r"\s*([^\n]{4,40}?)\s*$",
    re.M,
)
# The same, tried only at line starts.
_HEADINGS = lx.LineScan(_HEADING)


def _section_frame(section: str, m: re.Match, report_year: int) -> Frame:
    """The frame a section marker opens."""
    return _frame(section, lx.group(m, "year"), lx.group(m, "plan"), report_year)


# By the marker's kind, year and plan: a report's markers repeat a few of them, and a frozen Frame takes a microsecond
# to build (frames are never changed, so one may stand for several markers).
@lru_cache(maxsize=1024)
def _frame(section: str, year_text: str | None, plan: str | None, report_year: int) -> Frame:
    """The frame a section marker of the kind section, naming year_text and plan (if any), opens."""
    year = int(year_text) if year_text else None
    if section == "review_year":
        if year is not None and year >= report_year:  # "2026年是“十五五”开局之年" speaks of this year
            return Frame("target", year, None, "plan_year")
        return Frame("actual", year or report_year - 1, None, section)
    if section == "review_span":
        first = five_year_plan_start(plan) if plan else report_year - 5
        if first >= report_year:  # "“十五五”时期," in a plan
            return Frame("target", first + 4, first, "plan_span")
        return Frame("actual", first + 4, first, section)
    if section == "plan_year":
        return Frame("target", year or report_year, None, section)
    first = five_year_plan_start(plan) if plan else report_year
    if first < report_year:  # goals of the plan now ending, cited in a review
        return Frame("actual", first + 4, first, "review_span")
    return Frame("target", first + 4, first, section)


def frames(text: str, report_year: int) -> DocumentFrames:
    """The part of the report each position is in, as a frame of kind and period."""
    events: list[tuple[int, Frame]] = []
    for section, m in lx.SECTION_SCAN.finditer(text):
        events.append((m.start(), _section_frame(section, m, report_year)))
    events.sort(key=lambda e: e[0])

    # Headings seen again later (a web page's summary and then its full text) keep their frame.
    doc = DocumentFrames(report_year, [0] + [p for p, _ in events], [Frame(None, None)] + [f for _, f in events])
    seen: dict[str, Frame] = {}
    repeats: list[tuple[int, Frame]] = []
    for m in _HEADINGS.finditer(text):
        key = re.sub(r"\W", "", m.group(1))
        frame = doc.at(m.start())
        if key in seen and seen[key].kind:
            repeats.append((m.start(), seen[key]))
        elif key not in seen:
            seen[key] = frame
    if repeats:
        merged = sorted(events + repeats, key=lambda e: e[0])
        doc = DocumentFrames(report_year, [0] + [p for p, _ in merged], [Frame(None, None)] + [f for _, f in merged])
    return doc

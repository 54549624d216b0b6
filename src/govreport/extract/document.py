"""What a report is about as a whole: its year, its region, its script, and which
stretches of it review the past and which plan ahead.

A work report reviews last year ("2022年工作回顾", "过去一年", "一年来") and then
plans this year ("2023年工作安排", "主要预期目标"). Web pages and news write-ups
shuffle those parts, so the frame is tracked marker by marker, and a heading
that repeats an earlier heading (a page's summary, then its full text) takes the
frame it had the first time.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass

YEAR = r"(?:19[5-9]\d|20[0-4]\d)"

# Markers that open a stretch of review (actual figures of the previous year).
REVIEW_MARKERS = re.compile(
    rf"(?=[12一过回去我上])(?:(?P<year>{YEAR})年(?:工作)?回顾|过去(?:的)?一年|一年来|回顾过去|去年以来"
    rf"|(?P<year2>{YEAR})年是[^。\n]{{0,40}}的一年|我们(?:主要)?(?:做了|抓了)以下"
    rf"|(?:上年|去年)(?:主要)?工作|过去(?P<span>五|5)年)")
# Markers that open a stretch of plans (targets for the report's year).
PLAN_MARKERS = re.compile(
    rf"(?=[12主预今总下新重])(?:(?P<year>{YEAR})年(?:工作安排|主要(?:工作|任务|目标)|重点工作|工作(?:的)?总体要求|政府工作(?:的)?总体要求)"
    rf"|(?:主要)?预期目标|今年(?:经济社会发展|政府工作|工作|的主要)|总体要求|下一阶段|下一步|新的一年"
    rf"|重点(?:做好|抓好|推进)以下|(?P<year2>{YEAR})年[^。\n]{{0,8}}将重点)")
# The report's own year, strongest evidence first.
REPORT_YEAR_PATTERNS = (
    (re.compile(rf"({YEAR})年[^\n。]{{0,12}}政府工作报告"), 0),
    (re.compile(rf"({YEAR})年(?:工作安排|政府工作(?:的)?总体要求|主要预期目标|经济社会发展主要预期目标)"), 0),
    (re.compile(rf"({YEAR})年(?:工作)?回顾"), 1),
    (re.compile(rf"({YEAR})年是[^。\n]{{0,30}}(?:开局|关键|收官|之)年"), 0),
)
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
    first_year: int | None = None  # set when the frame speaks of several years ("过去五年")


@dataclass
class DocumentFrames:
    """Frames by position in the normalized text."""
    report_year: int
    starts: list[int]
    frames: list[Frame]

    def at(self, pos: int) -> Frame:
        i = bisect_right(self.starts, pos) - 1
        return self.frames[i] if i >= 0 else Frame(None, None)


def infer_script(raw: str) -> str:
    trad = sum(raw.count(c) for c in TRADITIONAL_HINTS)
    simp = sum(raw.count(c) for c in SIMPLIFIED_HINTS)
    return "zh-Hant" if trad > simp else "zh-Hans"


def infer_report_year(text: str, published_year: int | None = None) -> int | None:
    for pattern, offset in REPORT_YEAR_PATTERNS:
        years = Counter(int(m.group(1)) + offset for m in pattern.finditer(text))
        if years:
            return years.most_common(1)[0][0]
    if published_year:
        return published_year
    years = Counter(int(y) for y in re.findall(rf"({YEAR})年", text))
    return years.most_common(1)[0][0] if years else None


def infer_region(text: str) -> str | None:
    names = Counter()
    for pattern in REGION_PATTERNS:
        names.update(m.group(1) for m in pattern.finditer(text))
    return names.most_common(1)[0][0] if names else None


_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|第[一二三四五六七八九十]+[,、])"
                      r"\s*([^\n]{4,40}?)\s*$", re.M)


def frames(text: str, report_year: int) -> DocumentFrames:
    """Review/plan frames of the text, position by position."""
    events: list[tuple[int, Frame]] = []
    for m in REVIEW_MARKERS.finditer(text):
        y = m.group("year") or m.group("year2")
        if m.group("span"):
            events.append((m.start(), Frame("actual", report_year - 1, report_year - 5)))
        else:
            events.append((m.start(), Frame("actual", int(y) if y else report_year - 1)))
    for m in PLAN_MARKERS.finditer(text):
        y = m.group("year") or m.group("year2")
        events.append((m.start(), Frame("target", int(y) if y else report_year)))
    events.sort(key=lambda e: e[0])

    # Headings seen again later (a web page's summary and then its full text) keep their frame.
    starts, out = [0], [Frame(None, None)]
    for pos, frame in events:
        starts.append(pos)
        out.append(frame)
    doc = DocumentFrames(report_year, starts, out)
    seen: dict[str, Frame] = {}
    repeats: list[tuple[int, Frame]] = []
    for m in _HEADING.finditer(text):
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

"""Extract indicator observations from a normalized report.

Value first: every number in a sentence looks back for what it is about.

- direct:      name, allowed filler words, number      固定资产投资完成400亿元左右
- chain:       a second number for the same name        地区生产总值2630.2亿元、增长3.4% / 增长5.1%,达到6.36万亿元
- restated:    a threshold crossed, then the exact level   地区生产总值突破200亿元,达到205.3亿元 (205.3 only)
- elliptic:    a short name standing for a related one  建设筹集公共住房5953套,供应2660套
- enumeration: names and numbers listed in parallel     建设用地、水耗、电耗分别下降1.5%、10.6%和6.4%
- head_noun:   count noun after the number              新增4290个学位

Then the statement is coded: measure (level, growth, change), kind (target or
actual) and period, from the words around it and the document's frames.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import NamedTuple

from govreport.contract.codelist import UNIT_DIMENSIONS, Indicator, load_codelist, mention_regex
from govreport.extract import lexicon as lx
from govreport.extract.document import DocumentFrames, Frame, five_year_plan_start
from govreport.extract.document import frames as document_frames
from govreport.extract.normalize import NormalizedText
from govreport.extract.numbers import COUNT_DIMENSIONS, UNIT_WORDS, Value, chinese_to_decimal, find_values

# Entries a memo of the extractor holds at most (values, the words before them): a long run does not grow it.
MEMO_SIZE = 100_000
SENTENCE_END = re.compile(r"[。!?;\n]")
CLAUSE_BREAK = re.compile(r"[,;:]")
SCOPE_BREAK = re.compile(r"[,;:、]")
REGION_WORDS = re.compile(r"^(?:全区|全市|全省|全国|全县|全州|全旗|今年|全年|其中|年内|辖区)")
_TOPIC_YEAR = r"\s*(?:今年|全年)?((?:19|20)\d\d)年(?![\d底末初])"
TOPIC_YEAR = re.compile(rf"(?:^|[,:]){_TOPIC_YEAR}")
# The same after a comma or colon: a pattern that starts with a character class is searched fast (see _topic_years).
TOPIC_YEAR_AFTER_MARK = re.compile(rf"[,:]{_TOPIC_YEAR}")
CONNECTOR = re.compile(r"^[,、]?\s*")


HEAD_NOUN_PATTERNS = {noun: re.compile(re.escape(noun)) for noun in lx.HEAD_NOUNS}
# Every value expression has an Arabic digit or one of these (近千亿元, 近八成, 一个百分点).
NUMBER_HINT = re.compile(r"[0-9十百千万亿成]")
LIST_SEPARATOR = re.compile(r"\s*[、和及与]\s*")
LIST_SPLIT = re.compile(r"[、和及与]")
PRIMARY_LIST_SPLIT = re.compile(r"、")
FROM_BEFORE = re.compile(r"(?:从|由)(?:(?P<year>(?:19|20)\d\d)年(?:的|底|末)?)?$")
FROM_TO_MIDDLE = re.compile(
    r"(?:增加|提高|提升|增长|上升|扩大|下降|降低|减少|缩小|回落|降|升|增)?(?:到|至)"
    r"(?:(?P<year>(?:19|20)\d\d)年(?:的|底|末)?)?"
)
CHANGE_WORDS = re.compile("|".join(lx.GROWTH_UP + lx.GROWTH_DOWN))
PAST_COMPARISON = re.compile(r"同比|比上年|较上年|去年|上年")
# In a review, a target is named as such ("年初确定的预期目标"); in a plan, an outcome is marked as one.
REVIEW_TARGET_CUE = re.compile(r"预期目标|目标(?:是|为)|计划(?:为|是)?$")
# (预计完成, or 去年/上年 heading a clause.) The head's start is matched apart, so that the search is of a pattern whose
# every branch starts with a character, which the engine skips to, where "(?:^|[,:])" had it tried at every position.
PLAN_ACTUAL_CUE = re.compile(r"预计完成|,\s*(?:去年|上年)|:\s*(?:去年|上年)")
PLAN_ACTUAL_AT_START = re.compile(r"\s*(?:去年|上年)")


def _plotted(low: float | None, high: float | None) -> float:
    """The single number a chart plots: the stated one, or the midpoint of a range."""
    if low is None or high is None:
        value = low if high is None else high
        assert value is not None, "a value has at least one bound"
        return round(value, 6)
    return round((low + high) / 2, 6)


# Where FILLER_TAIL.search finds its match, found faster (see lexicon.start_finder).
_FILLER_TAIL_START = lx.start_finder(lx.FILLER_TAIL)


def _filler_tail_start(phrase: str) -> int:
    """Where the run of filler words that ends phrase starts (len(phrase) when there is none)."""
    tail = _FILLER_TAIL_START.search(phrase)
    return tail.start() if tail else len(phrase)


# A statement's name, cues and clause stand within this many characters before its number. Looking no
# further keeps extraction linear in the input, even on a megabyte without a sentence mark.
LOOKBACK = 300


def _last_before(items: list, starts: list[int], pos: int, end=lambda x: x.end):
    """The last of items (sorted by start, their starts given) that ends at or before pos, or None."""
    i = bisect_right(starts, pos) - 1
    while i >= 0 and end(items[i]) > pos:
        i -= 1
    return items[i] if i >= 0 else None


# ".*[marks]" by the set of marks: the greedy .* runs to the end and backs off to the last mark, in one call into
# the regex engine where a str.rfind per mark took one each (this runs several times for every number).
_LAST_MARK: dict[str, re.Pattern] = {}


def _last_mark_pattern(marks: str) -> re.Pattern:
    """What _after_last matches: text up to and with the last of marks."""
    return re.compile(f".*[{re.escape(marks)}]", re.S)


# The last sentence mark of a span: for every sentence, so compiled once here and matched without _after_last's call.
_SENTENCE_END_BEFORE = _last_mark_pattern("。!?;\n")


def _after_last(text: str, marks: str, lo: int, hi: int) -> int:
    """Position just after the last of marks in text[lo:hi], or lo."""
    last = _LAST_MARK.get(marks)
    if last is None:
        last = _LAST_MARK[marks] = _last_mark_pattern(marks)
    m = last.match(text, lo, hi)
    return m.end() if m else lo


def _topic_years(sentence: str) -> list[re.Match]:
    """The matches of TOPIC_YEAR.finditer(sentence): the one at its start, if any, then those after a mark."""
    first = TOPIC_YEAR.match(sentence)
    after = TOPIC_YEAR_AFTER_MARK.finditer(sentence, first.end() if first else 1)
    return [first, *after] if first else list(after)


# The topic years of a sentence that names none (most): shared, and never changed.
_NO_YEARS: tuple[list[int], list[int]] = ([], [])


# By the words, as _measure_words: the words around a name and before its number recur (a third of them in a report).
@lru_cache(maxsize=MEMO_SIZE)
def _basis(words: str) -> str:
    """annual, average (年均增长) or cumulative (累计下降) as the words before a number say."""
    if not lx.MULTI_YEAR_CUE.search(words):  # most numbers: one pass looks for both cues
        return "annual"
    if lx.AVERAGE_CUE.search(words):
        return "average"
    if lx.CUMULATIVE_CUE.search(words):
        return "cumulative"
    return "annual"


@dataclass(slots=True, kw_only=True)
class Statement:
    """What a codelist observation and a long-tail quantity both state: a value, what it measures, for which
    period, and where it stands in the normalized text. Statements are not changed once made; they are not
    frozen dataclasses only because those take four times as long to build (one per number of a report)."""

    measure: str
    kind: str
    period: str
    comparator: str
    value_low: float | None
    value_high: float | None
    value: float
    unit: str
    value_start: int  # normalized text offsets
    value_end: int
    quote_start: int
    quote_end: int


@dataclass(slots=True, kw_only=True)
class Fact(Statement):
    """A statement of a codelist indicator."""

    indicator: str
    rule: str
    basis: str = "annual"  # annual, average (年均) or cumulative (累计) over the period

    @property
    def key(self) -> tuple:
        return (self.indicator, self.measure, self.kind, self.period, self.comparator, self.value_low, self.value_high)


@dataclass(slots=True, kw_only=True)
class Quantity(Statement):
    """A number with a unit that is not a codelist observation: the long tail."""

    subject: str

    @property
    def key(self) -> tuple:
        return (
            self.subject,
            self.measure,
            self.kind,
            self.period,
            self.comparator,
            self.value_low,
            self.value_high,
            self.unit,
        )


# A marker for "not coded yet" in Extractor._coded (where None is "not a fact"), compared by identity.
_UNCODED: tuple = ()


# Mentions and attachments are named tuples, like numbers.Value: one or more per number, so cheap to build.
class Mention(NamedTuple):
    start: int
    end: int
    code: str
    name: str


class Attachment(NamedTuple):
    value: Value
    mention: Mention
    code: str
    gap: str  # the words between name and number that say what the number is
    rule: str
    period: str | None = None  # stated with the number itself: "由2017年的76微克/立方米"


class Extractor:
    def __init__(self, codelist: dict[str, Indicator] | None = None):
        self.codelist = codelist or load_codelist()
        self.mentions_re, self.name_to_code = mention_regex()
        # code_value's answers and the value to plot, by indicator, value text and direction: they depend on nothing
        # else (a value's fields come from its text alone, see numbers.find_values), and values recur (5%, 3个).
        self._coded: dict[tuple[str, str, str | None], tuple | None] = {}

    def coded(self, att: Attachment) -> tuple[str, str, str, float | None, float | None, float] | None:
        """(measure, unit, comparator, low, high, value to plot) of the attachment, or None (see code_value)."""
        ind = self.codelist.get(att.code)
        if ind is None:
            return None
        direction = _measure_words(att.gap) or _measure_words(att.mention.name[-2:])
        key = (att.code, att.value.text, direction)
        coded = self._coded.get(key, _UNCODED)
        if coded is _UNCODED:
            fields = code_value(ind, att.value, direction)
            coded = None if fields is None else (*fields, _plotted(fields[3], fields[4]))
            _keep(self._coded, key, coded)
        return coded

    # --- finding names ---------------------------------------------------------
    def mentions(self, text: str, s: int, e: int) -> list[Mention]:
        out: list[Mention] = []
        for m in self.mentions_re.finditer(text, s, e):
            start, end, name = m.start(), m.end(), m.group(0)
            code = self.name_to_code[name]
            before = text[max(s, start - 12) : start]
            lo = max(s, start - 40)
            wide_start = _after_last(text, ",;:", lo, start)
            clause_before = text[max(wide_start, text.rfind("、", lo, start) + 1) : start]  # also cut at 、
            if lx.NARROWING_PREFIXES.search(before) or ("每" in clause_before and not name.startswith("每")):
                continue
            wide_clause = text[wide_start:start]
            if lx.PARTIAL_SCOPE.search(clause_before) or lx.PARTIAL_SCOPE.search(wide_clause):
                continue  # a part of the region or of its partners: 泸州经济总量, 对东盟进出口
            exclude = lx.EXCLUDE_BEFORE.get(code)
            if exclude and exclude.search(before):
                continue
            if out and out[-1].end == start - 1 and text[start - 1] == "(" and out[-1].code == code:
                continue  # 地区生产总值(GDP): one name, glossed
            for topic, other in lx.TOPIC_RECODING.get(code, ()):
                if topic.search(text, s, start):
                    code = other
                    break
            out.append(Mention(start, end, code, name))
        named = len(out)  # the names came in order; head nouns are put among them below
        for noun, (context, code) in lx.HEAD_NOUNS.items():
            if text.find(noun, s, e) < 0:
                continue  # most sentences: str.find rules the noun out faster than a regex pass finds nothing
            exclude = lx.EXCLUDE_BEFORE.get(code)
            for m in HEAD_NOUN_PATTERNS[noun].finditer(text, s, e):
                start = m.start()
                clause_start = _after_last(text, ",;:", max(s, start - LOOKBACK), start)
                if exclude and exclude.search(text, clause_start, start):
                    continue
                if context.search(text, clause_start, start) and not any(o.start <= start < o.end for o in out):
                    out.append(Mention(start, start + len(noun), code, noun))
        return sorted(out, key=lambda x: x.start) if len(out) > named else out

    # --- attaching numbers to names -------------------------------------------
    def attach(self, text: str, s: int, e: int) -> tuple[list[Attachment], list[Value]]:
        """Numbers of the sentence text[s:e] tied to codelist names, and all its numbers with units."""
        all_values = find_values(text, s, e)
        values = [v for v in all_values if v.dimension is not None]
        if not values:
            return [], all_values  # no number with a unit to tie to a name: not worth finding the names
        mentions = self.mentions(text, s, e)
        done: dict[int, Attachment] = {}
        starts = [m.start for m in mentions]
        self._enumerations(text, s, mentions, starts, values, done)
        if not mentions:
            if not done:  # no name, no list: nothing below can tie a number to anything
                return [], all_values
        else:  # from-to needs a name before its numbers
            self._from_to(text, s, mentions, starts, values, done)
        by_start = {m.start: m for m in mentions if m.name in lx.HEAD_NOUNS}
        prev: Attachment | None = None
        for i, v in enumerate(values):
            if id(v) in done:
                prev = done[id(v)]
                continue
            before = _last_before(mentions, starts, v.start)
            att = self._direct(text, v, before, values[i - 1] if i else None) or self._head_noun(
                text, v, by_start.get(v.end), s
            )
            if att is None and prev is not None:
                att = self._follow_on(text, v, prev)
                if att is not None and att.rule == "restated":
                    done.pop(id(prev.value), None)  # the threshold gives way to the exact level
            if att is not None:
                done[id(v)] = att
                prev = att
            elif prev is not None and not self._is_gap(text[prev.value.end : v.start]):
                prev = None  # a number about something else breaks the chain
        return sorted(done.values(), key=lambda a: a.value.start), all_values

    @staticmethod
    def _is_gap(gap: str) -> bool:
        return lx.FILLER_RUN.fullmatch(gap) is not None

    def _from_to(self, text, s, mentions, starts, values, done) -> None:
        """'name 从X提高到Y': Y is the level reached; X counts only where its year is stated (由2017年的76)."""
        for first, second in zip(values, values[1:], strict=False):
            if id(first) in done or id(second) in done:
                continue
            middle = FROM_TO_MIDDLE.fullmatch(text, first.end, second.start)
            if not middle:
                continue
            start = FROM_BEFORE.search(text, max(s, first.start - 12), first.start)
            m = _last_before(mentions, starts, start.start()) if start else None
            if start is None or m is None or not self._is_gap(text[m.end : start.start()]):
                continue
            verb = text[first.end : middle.start("year") if middle.group("year") else second.start]
            done[id(second)] = Attachment(second, m, m.code, verb, "from_to", period=middle.group("year"))
            if start.group("year"):
                done[id(first)] = Attachment(first, m, m.code, "", "from_to", period=start.group("year"))
            else:
                done[id(first)] = Attachment(first, m, "", "", "from_to")  # a start level of no stated year

    def _direct(self, text, v: Value, m: Mention | None, previous: Value | None) -> Attachment | None:
        """The name m (the last one before v) and the filler words between them."""
        if m is None:
            return None
        if previous is not None and m.end <= previous.start:
            return None  # another number stands between: see _follow_on
        gap = text[m.end : v.start]
        if self._is_gap(gap):
            return Attachment(v, m, m.code, gap, "direct")
        return None

    def _head_noun(self, text, v: Value, noun: Mention | None, s) -> Attachment | None:
        """A count noun right after the number: "新增4290个学位"."""
        if noun is None:
            return None
        clause_start = _after_last(text, ",;:", max(s, v.start - LOOKBACK), v.start)
        return Attachment(v, noun, noun.code, text[clause_start : v.start], "head_noun")

    def _follow_on(self, text, v: Value, prev: Attachment) -> Attachment | None:
        between = CONNECTOR.sub("", text[prev.value.end : v.start])
        if text[prev.value.end : v.start][:1] not in (",", "、"):
            return None
        for name, other in lx.ELLIPTIC_NAMES.get(prev.code, ()):
            m = name.match(between)
            if m and self._is_gap(between[m.end() :]):
                return Attachment(v, prev.mention, other, between[m.end() :], "elliptic")
        # Words of the gap may come in several clauses: "3005.8亿元,按可比价格计算,比上年增长7.3%".
        if not between or prev.code not in self.codelist or not all(self._is_gap(p) for p in between.split(",")):
            return None
        if _measure_words(between):
            return Attachment(v, prev.mention, prev.code, between, "chain")
        # "增长5.1%,达到6.36万亿元": the level. Not a threshold (总量突破90万亿元: a milestone), nor the first of
        # paired levels ("分别达到4.78万元和2.02万元": two indicators, which the pairs rule knows).
        if (
            v.dimension != prev.value.dimension
            and self.codelist[prev.code].accepts(v.dimension)
            and "分别" not in between
            and not lx.THRESHOLD_CROSSED.search(v.text)
        ):
            return Attachment(v, prev.mention, prev.code, between, "chain")
        if v.dimension == prev.value.dimension and lx.THRESHOLD_CROSSED.search(prev.gap + prev.value.text):
            return Attachment(v, prev.mention, prev.code, between, "restated")
        return None

    def _enumerations(self, text, s, mentions, starts, values, done) -> None:
        """Parallel lists: 'A、B(、C)[分别 verb] x、y(和z)'."""
        i = 0
        while i < len(values):
            group = [values[i]]
            while i + len(group) < len(values):
                nxt = values[i + len(group)]
                if LIST_SEPARATOR.fullmatch(text, group[-1].end, nxt.start):
                    group.append(nxt)
                else:
                    break
            if len(group) >= 2:
                atts = self._resolve_enumeration(text, s, group, mentions, starts)
                for att in atts:
                    done[id(att.value)] = att
            i += len(group)

    def _resolve_enumeration(
        self, text, s, group: list[Value], mentions: list[Mention], starts: list[int]
    ) -> list[Attachment]:
        clause_start = _after_last(text, ",;:", max(s, group[0].start - LOOKBACK), group[0].start)
        head = text[clause_start : group[0].start]
        # Split off the verb phrase: the longest filler run at the end of the head.
        cut = _filler_tail_start(head)
        subjects, gap = head[:cut], head[cut:]
        pos = clause_start + len(head) - len(gap)
        if not subjects.strip() and "分别" in gap:
            # "城镇居民人均可支配收入15000元,农民人均纯收入5500元,分别增长9%和8.5%": the subjects went before
            last = _last_before(mentions, starts, clause_start)
            if last is None or mentions.index(last) + 1 < len(group):
                return []
            named = mentions[mentions.index(last) + 1 - len(group) : mentions.index(last) + 1]
            return [Attachment(v, m, m.code, gap, "enumeration") for v, m in zip(group, named, strict=True)]
        codes = self._codes_of_subjects(subjects, len(group))
        if codes is None:
            return []
        mention = Mention(clause_start, pos, next(c for c in codes if c), subjects)
        return [Attachment(v, mention, c, gap, "enumeration") for v, c in zip(group, codes, strict=True) if c]

    def _codes_of_subjects(self, subjects: str, n: int) -> list[str | None] | None:
        """Codes of the n subjects listed before n parallel numbers: 'A、B和C', or one subject that stands for a
        pair (城乡居民人均可支配收入 -> urban, rural). None when the list does not line up with the numbers."""
        subjects = REGION_WORDS.sub("", subjects)
        for word, (first, second) in lx.PAIRS.items():
            if n == 2 and word in subjects and not LIST_SPLIT.search(subjects):
                codes = [
                    self.name_to_code.get(subjects.replace(word, first, 1)),
                    self.name_to_code.get(subjects.replace(word, second, 1)),
                ]
                return codes if all(codes) else None
        # Split on 、 first: "金融业、软件和信息服务业增加值" lists two subjects, the second with a 和 inside.
        for splitter in (PRIMARY_LIST_SPLIT, LIST_SPLIT):
            items = [REGION_WORDS.sub("", x) for x in splitter.split(subjects) if x]
            if len(items) == n:
                codes = self._resolve_items(items)
                if codes and any(codes):
                    return codes
        return None

    def _resolve_items(self, items: list[str]) -> list[str | None]:
        """Codes for listed names, sharing a head or a tail: 万元GDP建设用地、水耗; 公办园、普惠园在园儿童占比.
        A name that is no codelist indicator gets None."""

        def code(name):
            return self.name_to_code.get(name)

        codes = []
        for item in items:
            c = code(item)
            if c is None:
                c = next(
                    (code(items[0][:k] + item) for k in range(len(items[0]) - 1, 0, -1) if code(items[0][:k] + item)),
                    None,
                )
            if c is None:
                c = next(
                    (code(item + items[-1][k:]) for k in range(1, len(items[-1])) if code(item + items[-1][k:])), None
                )
            codes.append(c)
        return codes


# By the words: the few words before a number recur (增长, 下降, 新增), where finding the change words in them takes
# two regex passes.
@lru_cache(maxsize=MEMO_SIZE)
def _measure_words(gap: str) -> str | None:
    """'up' or 'down' when the words say the number is a change, else None."""
    if lx.LEVEL_AFTER_CHANGE.search(gap):
        return None
    found = CHANGE_WORDS.findall(gap)  # the last of them decides; findall lists them without a match object each
    if not found:
        return None
    return "down" if found[-1] in lx.GROWTH_DOWN else "up"


# Rounded values by the value: rounding a Decimal takes ten times a look-up, and values recur. Not zeros: 0 and -0
# are equal keys but print apart.
_FLOATS: dict[Decimal, float] = {}


def _to_float(x: Decimal | None) -> float | None:
    if x is None:
        return None
    f = _FLOATS.get(x) if x else None
    if f is None:
        f = float(round(x, 6))
        if x:
            _keep(_FLOATS, x, f)
    return f


def _keep(memo: dict, key, value) -> None:
    """value kept in memo under key, a memo never holding more than MEMO_SIZE entries (emptied when full)."""
    if len(memo) >= MEMO_SIZE:
        memo.clear()
    memo[key] = value


def _bounds_to_float(low: Decimal | None, high: Decimal | None) -> tuple[float | None, float | None]:
    """Both bounds as floats; rounded once where they are equal (a stated value: most are)."""
    low_f = _to_float(low)
    return low_f, (low_f if low is not None and high == low else _to_float(high))


def _fall(low, high, comparator: str):
    """A fall is negative growth; the bounds swap so that value_low <= value_high still holds."""
    return (
        (-high if high is not None else None),
        (-low if low is not None else None),
        {"ge": "le", "gt": "lt", "le": "ge", "lt": "gt"}.get(comparator, comparator),
    )


def code_value(
    ind: Indicator, v: Value, direction: str | None
) -> tuple[str, str, str, float | None, float | None] | None:
    """(measure, unit, comparator, low, high) in the codelist's terms of the value v of the indicator ind, the words
    before it saying it changes up, down or (None) neither; or None if they do not fit."""
    if ind.category == "prices" and v.dimension == "percent" and direction is None:
        direction = "up"  # 居民消费价格涨幅3%左右 / 控制在3%左右 is a price rise
    low, high, comparator = v.low, v.high, v.comparator
    if v.dimension == "points":
        if ind.unit != "percent":
            return None  # "地区生产总值…增速提高0.5个百分点": points of its growth rate, no change of the level
        measure, unit = "change", "percentage_points"
    elif direction and v.dimension == "percent":
        measure, unit = "growth", "percent"
    elif ind.accepts(v.dimension) and (direction is None or (direction == "up" and ind.code in lx.ACCUMULATES)):
        # a level; for new jobs, places, dwellings "增加326万个" is the number added
        measure, unit = "level", ind.unit
        factor = UNIT_DIMENSIONS[ind.unit][1]
        low = low / factor if low is not None else None
        high = high / factor if high is not None else None
    else:
        return None
    if direction == "down" and measure != "level":
        low, high, comparator = _fall(low, high, comparator)
    return measure, unit, comparator, *_bounds_to_float(low, high)


def _month(s: str) -> int:
    return int(s) if s.isdigit() else int(chinese_to_decimal(s))


def _interim(text: str, pos: int) -> re.Match | None:
    """An interim period at pos, if it names a real one: 7-1月 or 13月 is not a period."""
    head = text[pos : pos + 14]
    if "月" not in head and "半年" not in head and "季度" not in head:
        return None  # every interim period names one of these; str's `in` is faster than the regex
    m = lx.INTERIM_PERIOD.match(head.lstrip("“ "))
    if not m or not m.group(0).strip("年今"):
        return None
    if m.group("m1") and not 1 <= _month(m.group("m1")) < _month(m.group("m2")) <= 12:
        return None
    if m.group("mn") and not 1 <= _month(m.group("mn")) <= 12:
        return None
    return m


def _period_of_interim(m: re.Match, year: int) -> str:
    if m.group("h1"):
        return f"{year}-S1"
    if m.group("h2"):
        return f"{year}-S2"
    if m.group("q3"):
        return f"{year}-01/{year}-09"
    if m.group("q"):
        q = m.group("q")[-1]
        return f"{year}-Q{'一二三四'.index(q) + 1 if q in '一二三四' else q}"
    if m.group("mn"):
        return f"{year}-01/{year}-{_month(m.group('mn')):02d}"
    return f"{year}-{_month(m.group('m1')):02d}/{year}-{_month(m.group('m2')):02d}"


# Where these patterns' searches find their matches, found faster (see lexicon.start_finder).
_YEAR_TO_DATE_START = lx.start_finder(lx.YEAR_TO_DATE)
_BY_YEAR_START = lx.start_finder(lx.BY_YEAR)
_FIVE_YEAR_PLAN_START = lx.start_finder(lx.FIVE_YEAR_PLAN)


def _first_match(regex: re.Pattern, finder: re.Pattern, text: str) -> re.Match | None:
    """regex.search(text), where finder (lexicon.start_finder(regex)) finds the match's start."""
    at = finder.search(text)
    return regex.match(text, at.start()) if at is not None else None


def _last_match(regex: re.Pattern, finder: re.Pattern, text: str) -> re.Match | None:
    """The last match of regex.finditer(text) (regex matches no empty string), each found from where finder
    (lexicon.start_finder(regex)) finds its start."""
    last, pos = None, 0
    while (at := finder.search(text, pos)) is not None:
        last = regex.match(text, at.start())
        assert last is not None and last.end() > pos, "the finder finds where regex matches, not empty"
        pos = last.end()
    return last


class DocumentExtraction:
    """Extraction of one normalized document."""

    def __init__(self, doc: NormalizedText, report_year: int, extractor: Extractor | None = None):
        self.doc = doc
        self.text = doc.text
        self.report_year = report_year
        self.extractor = extractor or Extractor()
        self.frames: DocumentFrames = document_frames(self.text, report_year)
        # The frames' lists, for frames.at without a call (self._kind_period); the first starts at 0
        self._frame_starts, self._frames = self.frames.starts, self.frames.frames
        self._context_of: tuple[int, tuple] = (-1, (None, ([], [])))

    @cached_property
    def default_kind(self) -> str:
        """The kind of a number nothing else decides (see _kind): whichever the report's cues lean to. Counted where
        a number first needs it, and few do (most stand in a part of the report), as it takes two passes of the text."""
        ahead = len(lx.TARGET_CUES.findall(self.text))
        behind = len(lx.ACTUAL_CUES.findall(self.text)) + self.text.count("了")
        return "target" if ahead > behind else "actual"

    def sentences(self):
        start = 0
        for m in SENTENCE_END.finditer(self.text):
            if m.start() > start:
                yield start, m.end() if m.group(0) != "\n" else m.start()
            start = m.end()
        if start < len(self.text):
            yield start, len(self.text)

    def numbered_sentences(self):
        """The sentences of sentences() that may state a number (NUMBER_HINT), found by jumping from one hint to
        the next: most sentences state none, and are not worth cutting out one by one."""
        text, pos = self.text, 0  # pos: where a sentence starts
        hint_search, end_search, last_end = NUMBER_HINT.search, SENTENCE_END.search, _SENTENCE_END_BEFORE.match
        while (hint := hint_search(text, pos)) is not None:
            at = hint.start()
            last = last_end(text, pos, at)  # _after_last(text, "。!?;\n", pos, at)
            start = last.end() if last else pos
            end = end_search(text, at)
            if end is None:
                yield start, len(text)
                return
            yield start, end.end() if end.group(0) != "\n" else end.start()
            pos = end.end()

    def interim_at(self, s: int) -> re.Match | None:
        """An interim period (上半年, 1-7月) heading this sentence or its paragraph."""
        m = _interim(self.text, s)
        if m is not None:
            return m
        para = self.text.rfind("\n", max(0, s - LOOKBACK), s) + 1
        # Only the paragraph's first sentence can set a period for the sentences after it.
        return _interim(self.text, para) if para < s else None

    def _sentence_context(self, s: int, e: int) -> tuple[re.Match | None, tuple[list[int], list[int]]]:
        """What the sentence text[s:e] says of every number in it, worked out once: its interim period, and the
        years it names as a topic ("2025年,"): where each ends, and the year."""
        if self._context_of[0] != s:
            sentence = self.text[s:e]  # its closing mark, if any, changes no topic year
            found = _topic_years(sentence) if "年" in sentence else None  # `in` is faster
            years = ([s + m.end() for m in found], [int(m.group(1)) for m in found]) if found else _NO_YEARS
            self._context_of = (s, (self.interim_at(s), years))
        return self._context_of[1]

    def code_kind_period(self, s: int, e: int, att: Attachment, measure: str = "level") -> tuple[str, str, str]:
        """(kind, period, basis) of a number of the sentence text[s:e]: from the part of the report it sits in,
        then local cues."""
        if att.period is not None:  # "从2002年的12万亿元增加到2007年的24.66万亿元"
            return "actual", att.period, "annual"
        return self._kind_period(s, e, att.value, att.mention.start, att.mention.end, att.code, measure)

    def _kind_period(
        self, s: int, e: int, v: Value, name_start: int, name_end: int, code: str, measure: str
    ) -> tuple[str, str, str]:
        """code_kind_period of the value v of the sentence text[s:e], named at text[name_start:name_end] as code."""
        text, pos = self.text, v.start
        head_start = max(s, pos - LOOKBACK)  # of a sentence of any length, what stands near the number
        sentence_head = text[head_start:pos]
        # self.frames.at(pos) and self._sentence_context(s, e), without the calls (this runs for every number)
        frame: Frame = self._frames[bisect_right(self._frame_starts, pos) - 1]
        interim, years = self._context_of[1] if self._context_of[0] == s else self._sentence_context(s, e)
        i = bisect_right(years[0], pos) if years is not _NO_YEARS else 0
        topic_year = years[1][i - 1] if i else None
        kind = self._kind(sentence_head, head_start, pos, frame, interim, topic_year)
        # the words around the name, not the name itself: 年均 in "PM2.5年均浓度" names an annual mean
        basis = _basis(text[max(head_start, name_start - 4) : name_start] + "|" + text[max(name_end, head_start) : pos])
        # BY_YEAR names a year (年), a five-year plan has its 五: str's `in` rules most sentences out faster
        by_year = (
            _last_match(lx.BY_YEAR, _BY_YEAR_START, sentence_head)
            if kind == "target" and "年" in sentence_head
            else None
        )
        if by_year:
            return kind, by_year.group(1) or by_year.group(2), basis
        plan = _first_match(lx.FIVE_YEAR_PLAN, _FIVE_YEAR_PLAN_START, sentence_head) if "五" in sentence_head else None
        span: tuple[int, int] | None = None
        stated = lx.FROM_TO_YEARS.search(sentence_head) if basis != "annual" else None
        if stated:  # "由2015年的500亿元增加到2020年的800亿元,年均增长7%": the years of the from-to
            span = (int(stated.group(1)) + 1, int(stated.group(2)))
        elif plan:
            first = five_year_plan_start(plan.group(1))
            span = (first, first + 4)
        elif frame.first_year and frame.year and frame.kind == kind and not topic_year:
            span = (frame.first_year, frame.year)
        if span:
            if basis == "annual" and measure == "level" and code in lx.ACCUMULATES:
                basis = "cumulative"  # 城镇新增就业522万人 in a review of five years: their total
            if basis != "annual":
                return kind, f"{span[0]}/{span[1]}", basis
            if kind == "target" or plan is None:
                return kind, str(span[1]), basis  # a level to reach by the plan's end; a review's end level
        if kind == "target":
            # a target recalled in a review ("年初确定的预期目标") is the reviewed year's
            year = topic_year or (frame.year if not frame.first_year and frame.kind else None) or self.report_year
            return kind, str(year), basis
        if interim is not None:
            year = int(interim.group("year")) if interim.group("year") else (topic_year or self.report_year)
            return kind, _period_of_interim(interim, year), basis
        year = topic_year or (frame.year if frame.kind == "actual" else None) or self.report_year - 1
        return kind, str(year), basis

    def _clause(self, head_start: int, end: int) -> str:
        """The clause before a number at end: from its sentence head's last comma, semicolon or colon."""
        return self.text[_after_last(self.text, ",;:", head_start, end) : end]

    def _kind(
        self, sentence_head: str, head_start: int, end: int, frame: Frame, interim, topic_year: int | None
    ) -> str:
        """Target or actual: the part of the report decides, unless the clause itself says otherwise (the clause is
        cut out only where it is read)."""
        if "预计完成" in sentence_head or interim is not None:
            return "actual"
        if (
            topic_year is not None
            and topic_year < self.report_year
            and not lx.TARGET_CUES.search(self._clause(head_start, end))
        ):
            return "actual"
        if frame.kind == "actual":
            # Every review target cue names 目标 or 计划: str's `in` rules most heads out before the clause is cut out
            if "目标" not in sentence_head and "计划" not in sentence_head:
                return "actual"
            return "target" if REVIEW_TARGET_CUE.search(self._clause(head_start, end)) else "actual"
        if frame.kind == "target":
            # 预计完成 is ruled out above; the other plan actual cues name 去年 or 上年
            cue = ("去年" in sentence_head or "上年" in sentence_head) and (
                PLAN_ACTUAL_AT_START.match(sentence_head) or PLAN_ACTUAL_CUE.search(sentence_head)
            )
            return "actual" if cue else "target"
        if lx.TARGET_CUES.search(sentence_head):
            return "target"
        if PAST_COMPARISON.search(sentence_head):
            return "actual"
        return self.default_kind

    def run(self) -> tuple[list[Fact], list[Quantity]]:
        """Codelist observations and the other quantities, each stated fact once."""
        facts: dict[tuple, Fact] = {}
        quantities: dict[tuple, Quantity] = {}
        text, attach, fact_of, quantity_of = self.text, self.extractor.attach, self._fact, self._quantity
        for s, e in self.numbered_sentences():
            attachments, values = attach(text, s, e)
            used = set()
            for att in attachments:
                fact = fact_of(s, e, att)
                if fact is not None:
                    facts.setdefault(fact.key, fact)
                    used.add(att.value.start)
            for i, v in enumerate(values):
                if v.dimension is not None and v.start not in used:
                    q = quantity_of(s, e, values, i)
                    if q is not None:
                        quantities.setdefault(q.key, q)
        return list(facts.values()), list(quantities.values())

    def facts(self) -> list[Fact]:
        return self.run()[0]

    def _fact(self, s: int, e: int, att: Attachment) -> Fact | None:
        coded = self.extractor.coded(att)
        if coded is None:
            return None
        measure, unit, comparator, low, high, value = coded
        if self._not_a_statement(s, e, att, measure, unit):
            return None
        kind, period, basis = self.code_kind_period(s, e, att, measure)
        if basis != "annual" and "/" not in period:
            return None  # a yearly average or a total over years not named: no period can be given
        return Fact(
            indicator=att.code,
            measure=measure,
            kind=kind,
            period=period,
            comparator=comparator,
            value_low=low,
            value_high=high,
            value=value,
            unit=unit,
            value_start=att.value.start,
            value_end=att.value.end,
            quote_start=s,
            quote_end=e,
            rule=att.rule,
            basis=basis,
        )

    def _not_a_statement(self, s: int, e: int, att: Attachment, measure: str, unit: str) -> bool:
        """Someone else's figure ("专家预计…增长6%"), a figure of the year so far ("今年以来…"), a number qualifying
        a noun ("超千亿元的县域"), or a threshold crossed in a year not named ("迈上4000亿元台阶"; "突破3万元" in a
        review of five years, where in a review of one year it is that year's level)."""
        v, text = att.value, self.text
        # Of the sentence text[s:e], what stands within LOOKBACK of the number: no sentence mark stands between s
        # and the number, and one stands just before s.
        sentence_start = max(s, v.start - LOOKBACK)
        if lx.OUTSIDE_VOICE.search(text, sentence_start, v.start):
            return True  # an expert's or an institution's figure quoted in a news article
        if _YEAR_TO_DATE_START.search(text, sentence_start, v.start):
            return True  # the year so far ("今年以来"): a period without an end
        after = text[v.end : min(e, v.end + 6)]
        if lx.ATTRIBUTIVE_AFTER.search(after) or lx.MILESTONE_AFTER.search(after):
            return True
        if measure == "level" and unit.startswith(("CNY", "USD")) and self.frames.at(v.start).section == "review_span":
            return lx.MILESTONE_BEFORE.search(text[max(0, v.start - 8) : v.start] + v.text[:2]) is not None
        return False

    def _subject_start(self, s: int, values: list[Value], i: int) -> int:
        """Where the subject of the quantity values[i] of the sentence starting at s can start: after the last
        punctuation before it or the last number (not 5G, U13: web pages lose punctuation), within LOOKBACK.
        One look back from the number, where a list of every start in the sentence cost more than the few
        quantities of a sentence look up in it."""
        text, v = self.text, values[i]
        start = _after_last(text, SUBJECT_BREAKS, max(s, v.start - LOOKBACK), v.start)
        for j in range(i - 1, -1, -1):  # the numbers before v, latest (and so latest ending) first
            w = values[j]
            if w.end <= start:
                break
            if text[w.end : w.end + 1] not in LATIN_LETTERS and text[w.start - 1 : w.start] not in LATIN_LETTERS:
                return w.end
        return start

    def _quantity(self, s: int, e: int, values: list[Value], i: int) -> Quantity | None:
        """The quantity values[i] of the sentence text[s:e] states, if it is one."""
        text, v = self.text, values[i]
        if (v.start > s and text[v.start - 1] == "第") or (v.chinese_numeral and v.dimension in COUNT_DIMENSIONS):
            return None  # ordinals (第一名) and names or slogans (惠企十条, 三个明确)
        clause_start = self._subject_start(s, values, i)
        subject = _trim_subject(text[clause_start : v.start])
        if (not subject or (v.unit_word in CLASSIFIERS and len(subject) <= 4)) and (
            after := QUANTITY_NOUN_AFTER.match(text, v.end, e)
        ):
            subject = _trim_subject(after.group(0))  # 新建5所高科技预制学校: the noun follows the classifier
        if not subject:
            return None
        direction = _measure_words(text[max(clause_start, v.start - 6) : v.start])
        coded = _QUANTITY_NUMBERS.get((v.text, direction))
        if coded is None:
            coded = _quantity_numbers(v, direction)
        measure, unit, comparator, low, high, value = coded
        kind, period, _ = self._kind_period(s, e, v, clause_start, v.start, "", measure)
        return Quantity(
            subject=subject,
            measure=measure,
            kind=kind,
            period=period,
            comparator=comparator,
            value_low=low,
            value_high=high,
            value=value,
            unit=unit,
            value_start=v.start,
            value_end=v.end,
            quote_start=s,
            quote_end=e,
        )


SUBJECT_BREAKS = ",;:、。!?"  # a quantity's subject starts after one of these
SUBJECT_QUOTES = " “”\"'()()"  # characters trimmed from both ends of a subject
# The classifiers among the unit words: 个, 所, 家, 套 ...
CLASSIFIERS = {word for word, unit in UNIT_WORDS.items() if unit.dimension in ("count", "dwellings")}
# Only words of two or more characters are stripped from a subject's start: 在建项目 keeps its 在.
LEADING_FILLERS = re.compile("(?:" + lx.alternation([w for w in lx.FILLERS if len(w) > 1]) + ")+")
QUANTITY_NOUN_AFTER = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,12}")


# Latin letters, looked up by the character (or "") beside a number: a set is faster than str methods.
LATIN_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


# By the phrase: subjects recur within and across reports (a quarter of a report's), where trimming one takes three
# regex passes.
@lru_cache(maxsize=MEMO_SIZE)
def _trim_subject(phrase: str) -> str:
    """The subject phrase before a number: without its region words and the filler verbs around it."""
    phrase = phrase.strip(SUBJECT_QUOTES)
    region = REGION_WORDS.match(phrase)  # anchored at the start: one match at most, no sub() to build a copy
    phrase = phrase[region.end() :] if region else phrase
    head = LEADING_FILLERS.match(phrase)
    phrase = phrase[head.end() :] if head else phrase
    phrase = phrase[: _filler_tail_start(phrase)]
    return phrase[-20:].strip()


# A quantity's measure, unit and numbers by its value's text and the direction of the words before it: they
# depend on nothing else (the value's fields come from its text alone, see numbers.find_values), and values recur
# (5%, 1个), where coding one takes Decimal arithmetic and rounding.
_QUANTITY_NUMBERS: dict[tuple[str, str | None], tuple[str, str, str, float | None, float | None, float]] = {}


def _quantity_numbers(v: Value, direction: str | None) -> tuple[str, str, str, float | None, float | None, float]:
    """(measure, unit, comparator, low, high, value) of a quantity of the value v, kept in _QUANTITY_NUMBERS."""
    low, high, comparator = v.low, v.high, v.comparator
    unit, factor = _quantity_unit(v)
    if v.dimension == "points":
        measure = "change"
    elif v.dimension == "percent" and direction:
        measure = "growth"
    else:
        measure = "level"
    if factor is not None:
        low = low / factor if low is not None else None
        high = high / factor if high is not None else None
    if direction == "down" and measure != "level":
        low, high, comparator = _fall(low, high, comparator)
    low_f, high_f = _bounds_to_float(low, high)
    coded = (measure, unit, comparator, low_f, high_f, _plotted(low_f, high_f))
    _keep(_QUANTITY_NUMBERS, (v.text, direction), coded)
    return coded


def _quantity_unit(v: Value) -> tuple[str, Decimal | None]:
    """The unit a quantity is given in: money in 亿元 (亿美元), everything else in the unit as written; and what
    to divide the value by (None: nothing, the unit's size is 1, as for %)."""
    if v.dimension == "money_cny":
        return "亿元", Decimal(10) ** 8
    if v.dimension == "money_usd":
        return "亿美元", Decimal(10) ** 8
    word = v.unit_word or ""
    factor = UNIT_WORDS[word].factor if word in UNIT_WORDS else None
    return word, factor if factor != 1 else None


def extract_facts(doc: NormalizedText, report_year: int, extractor: Extractor | None = None) -> list[Fact]:
    return DocumentExtraction(doc, report_year, extractor).facts()


def extract_all(
    doc: NormalizedText, report_year: int, extractor: Extractor | None = None
) -> tuple[list[Fact], list[Quantity]]:
    return DocumentExtraction(doc, report_year, extractor).run()

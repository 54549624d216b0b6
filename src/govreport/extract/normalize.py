"""Normalize decoded report text for extraction, keeping a map back to the raw text.

Each step rewrites spans of the text (tags out, full-width to half-width,
Traditional to Simplified, stray pinyin out, PDF spacing repaired) and records
the rewrite, so any span of the normalized text maps back to the raw span it
came from. Extraction works on the normalized text; provenance is reported
in raw offsets.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

from govreport.extract.lexicon import LineScan
from govreport.sources.html_text import markup_edits

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"


class OffsetMap:
    """Maps positions of a rewritten text back to the text it was rewritten from.

    Kept as segments (dst_start, dst_end, src_start, src_end, copied): copied
    segments map position by position; a replaced segment maps as a whole.
    """

    __slots__ = ("_dst_starts", "_segments", "_dst_len")

    def __init__(self, segments: list[tuple[int, int, int, int, bool]], dst_len: int):
        self._segments = [s for s in segments if s[1] > s[0]]  # deletions take no room
        self._dst_starts = [s[0] for s in self._segments]
        self._dst_len = dst_len

    def start(self, pos: int) -> int:
        """Source position of the character at `pos` (or of the end, for pos == len)."""
        if not self._segments:
            return pos
        if pos >= self._dst_len:
            return self._segments[-1][3]
        d0, _d1, s0, _s1, copied = self._segments[bisect_right(self._dst_starts, pos) - 1]
        return s0 + (pos - d0) if copied else s0

    def end(self, pos: int) -> int:
        """Source position just after the character before `pos`."""
        if not self._segments:
            return pos
        if pos <= 0:
            return self._segments[0][2]
        d0, _d1, s0, s1, copied = self._segments[bisect_right(self._dst_starts, pos - 1) - 1]
        return s0 + (pos - d0) if copied else s1


def rewrite(text: str, edits: list[tuple[int, int, str]]) -> tuple[str, OffsetMap | None]:
    """Apply sorted, non-overlapping (start, end, replacement) edits to text."""
    if not edits:
        return text, None
    parts: list[str] = []
    segments: list[tuple[int, int, int, int, bool]] = []
    src = dst = 0
    copied_from = 0  # where the copied segment now open starts in text
    for start, end, repl in edits:
        parts.append(text[src:start])
        dst += start - src
        src = end
        if end - start == 1 and len(repl) == 1:
            # One character for one (，→ ,) maps as a copied character does: the copied segment goes on through
            # it, so full-width punctuation does not cut a document into thousands of segments.
            parts.append(repl)
            dst += 1
            continue
        if start > copied_from:
            segments.append((dst - (start - copied_from), dst, copied_from, start, True))
        if repl:  # a deletion takes no room in the new text: no segment (OffsetMap would drop it)
            parts.append(repl)
            segments.append((dst, dst + len(repl), start, end, False))
            dst += len(repl)
        copied_from = end
    parts.append(text[src:])
    dst += len(text) - src
    if len(text) > copied_from:
        segments.append((dst - (len(text) - copied_from), dst, copied_from, len(text), True))
    return "".join(parts), OffsetMap(segments, dst)


def delete_matches(pattern: re.Pattern | LineScan, text: str) -> tuple[str, OffsetMap | None]:
    """rewrite(text, regex_edits(pattern, text, "")), built in comprehensions rather than a loop over the edits:
    PDF spacing alone deletes thousands of spaces in a document. A regex without groups of its own cuts the text
    with split(), which lists the kept and the deleted parts without a match object for each deletion."""
    if isinstance(pattern, re.Pattern) and not pattern.groups:
        return _delete_split(_capturing(pattern), text)
    spans = [span for m in pattern.finditer(text) if (span := m.span())[1] > span[0]]
    if not spans:
        return text, None
    # The source ranges kept between the deletions, and how much was deleted before each one.
    kept = list(zip([0, *(end for _, end in spans)], [*(start for start, _ in spans), len(text)], strict=True))
    deleted = accumulate((end - start for start, end in spans), initial=0)
    segments = [(a - d, b - d, a, b, True) for (a, b), d in zip(kept, deleted, strict=True) if b > a]
    new_text = "".join([text[a:b] for a, b in kept])
    return new_text, OffsetMap(segments, len(new_text))


@lru_cache(maxsize=32)
def _capturing(pattern: re.Pattern) -> re.Pattern:
    """pattern as one group, so that split() keeps what it deletes."""
    return re.compile(f"({pattern.pattern})", pattern.flags)


def _delete_split(grouped: re.Pattern, text: str) -> tuple[str, OffsetMap | None]:
    """delete_matches of the pattern grouped wraps in one group: its split() alternates kept and deleted parts."""
    parts = grouped.split(text)
    if not any(parts[1::2]):  # nothing deleted (empty matches delete nothing)
        return text, None
    lengths = list(map(len, parts))
    ends = list(accumulate(lengths))  # where each part ends in text
    deleted = accumulate(lengths[1::2], initial=0)  # how much was deleted before each kept part
    segments = [
        (end - n - d, end - d, end - n, end, True)
        for end, n, d in zip(ends[0::2], lengths[0::2], deleted, strict=True)
        if n
    ]
    new_text = "".join(parts[0::2])
    return new_text, OffsetMap(segments, len(new_text))


def regex_edits(pattern: re.Pattern, text: str, repl) -> list[tuple[int, int, str]]:
    """Edits replacing each match of pattern by repl (a string or a function of the match)."""
    if not callable(repl):  # one comprehension, no call per match: deletions of PDF spaces are many
        return [(*m.span(), repl) for m in pattern.finditer(text) if m.group(0) != repl]
    edits = []
    for m in pattern.finditer(text):
        new = repl(m)
        if new != m.group(0):
            edits.append((m.start(), m.end(), new))
    return edits


@dataclass
class NormalizedText:
    """Normalized text plus the chain of maps back to the raw text."""

    raw: str
    text: str
    _maps: list[OffsetMap] = field(default_factory=list, repr=False)

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """Raw span that the normalized span text[start:end] came from."""
        for m in reversed(self._maps):
            start, end = m.start(start), m.end(end)
        return start, max(start, end)

    def raw_slice(self, start: int, end: int) -> str:
        rs, re_ = self.to_raw(start, end)
        return self.raw[rs:re_]


# --- the steps ---------------------------------------------------------------

_HTML_HINT = re.compile(r"<(?:html|body|div|p|br|span|table|td|meta|head|a\s)\b", re.I)


def looks_like_html(text: str) -> bool:
    return len(_HTML_HINT.findall(text[:200_000])) >= 3


def _strip_html(text: str) -> list[tuple[int, int, str]]:
    # A real tokenizer, linear in the text whatever markup it holds (govreport.sources.html_text).
    return markup_edits(text)


@lru_cache(maxsize=1)
def _nfkc_changing() -> re.Pattern:
    """A character class of every BMP character that NFKC changes."""
    ranges: list[tuple[int, int]] = []
    start: int | None = None
    prev = 0
    for cp in range(0x10000):
        ch = chr(cp)
        if 0xD800 <= cp <= 0xDFFF:
            continue
        if unicodedata.normalize("NFKC", ch) != ch:
            if start is None:
                start = cp
            prev = cp
        elif start is not None:
            ranges.append((start, prev))
            start = None
    if start is not None:
        ranges.append((start, prev))
    cls = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return re.compile(f"[{cls}]+")


def _nfkc(text: str) -> list[tuple[int, int, str]]:
    # A text NFKC leaves as it is holds no character that NFKC changes (is_normalized is a fast check).
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return []
    return [
        (*m.span(), new)
        for m in _nfkc_changing().finditer(text)
        if (new := unicodedata.normalize("NFKC", m.group(0))) != m.group(0)
    ]


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def _traditional_to_simplified(text: str) -> tuple[str | None, list[tuple[int, int, str]]]:
    """OpenCC over the whole text; when it keeps the length, positions map one to one."""
    converter = _t2s()
    converted = converter.convert(text)
    if len(converted) == len(text):
        return converted, []
    # Rare: a phrase conversion changed length. Fall back to per-character edits.
    return None, [(i, i + 1, new) for i, ch in enumerate(text) if (new := converter.convert(ch)) != ch]


# 區(qū), 產(chǎn): pinyin glosses some web pages leave after characters. A tone mark is required
# so that real parentheses such as (GDP) or (含体制结算部分) stay.
# The parenthesis comes first, its look-behind after it: a pattern starting with a character is searched fast.
_PINYIN = re.compile(rf"\((?<=[{CJK}]\()(?=[a-z{_TONED}]*[{_TONED}])[a-z{_TONED}]{{1,7}}\)")

# Spaces that PDF extraction leaves inside words and numbers: 社会消 费品, 5 .0%, 增长 6.0%, “ 十五五 ” 时期,
# 微克 /立方米, 万元 GDP 水耗 (between Chinese and Latin letters; spaces between Latin words stay).
# The first space comes first and each look-behind after it (the character before the space, then the space):
# a pattern starting with a character class is searched fast, where look-behinds would be tried everywhere.
_SPACE = r"[ \t\u00a0\u3000]"
_PDF_SPACE = re.compile(
    rf"{_SPACE}(?:(?<=[{CJK}].){_SPACE}*(?=[{CJK}\d%,。、;:!?()“”/A-Za-z])"
    rf"|(?<=[\d].){_SPACE}*(?=[{CJK}%.])"
    rf"|(?<=\d\..){_SPACE}*(?=\d)"
    rf"|(?<=[A-Za-z].){_SPACE}*(?=[{CJK}])"
    rf"|(?<=[,。、;:()“”/].){_SPACE}*(?=[{CJK}\d“A-Za-z]))"
)


# Text exported from a database cell keeps its line breaks as the literal characters \r\n.
_LITERAL_BREAK = re.compile(r"\\r\\n|\\n|\\r")

# Numbers as scrapers and typesetters leave them: 7·2% (a middle dot for the decimal point), 8 3 6 5 0 (digits
# spaced out), 6.\n5% (a line break inside), 百分之七点五 (in words).
_CN_NUM = "零〇一二两三四五六七八九十百千"
# Each form's first character comes first and the look-behinds after it check it: a pattern that starts with a
# character class is searched fast. The groups dot, spaced and broken are empty: they mark the form found.
_NUMBER_FORMS = re.compile(
    r"[·・•\d\n百]"
    r"(?:(?<=\d[·・•])(?=\d)(?P<dot>)"
    r"|(?<=\d)(?<![\d.]\d)(?:[ \u00a0\u3000]\d){2,}(?!\d)(?P<spaced>)"
    r"|(?<=[\d.]\n)(?=[\d.]*\d(?:%|亿|万|个百分点))(?P<broken>)"
    rf"|(?<=百)分之(?P<n>[{_CN_NUM}]+(?:点[{_CN_NUM[:12]}]+)?))"
)


def _number_form(m: re.Match) -> str:
    if m.group("dot") is not None:
        return "."
    if m.group("spaced") is not None:
        return re.sub(r"\s", "", m.group(0))
    if m.group("broken") is not None:
        return ""
    from govreport.extract.numbers import chinese_to_decimal

    try:
        return f"{chinese_to_decimal(m.group('n')).normalize():f}%"
    except (ValueError, KeyError, ArithmeticError):
        return m.group(0)


# Where a number form can start, found without trying _NUMBER_FORMS at every digit and without testing every
# character for a digit: a middle dot, a line break after a digit or point, 百分之, and the space after the first
# of spaced-out digits (that digit is where the form starts).
_NUMBER_FORM_STARTS = re.compile(r"[·・•\n百 \u00a0\u3000](?:(?<=[·・•])|(?<=[\d.]\n)|(?<=百)(?=分之)|(?<=\d.)(?=\d))")


def _number_form_edits(text: str) -> list[tuple[int, int, str]]:
    """regex_edits(_NUMBER_FORMS, text, _number_form), matching the pattern only where a form can start."""
    edits: list[tuple[int, int, str]] = []
    end = 0  # matches do not overlap, as finditer's do not
    for candidate in _NUMBER_FORM_STARTS.finditer(text):
        start = candidate.start() - 1 if candidate.group(0) in " \u00a0\u3000" else candidate.start()
        if start >= end and (m := _NUMBER_FORMS.match(text, start)):
            end = m.end()
            if (new := _number_form(m)) != m.group(0):
                edits.append((m.start(), m.end(), new))
    return edits


# PDF extracts: page numbers on lines of their own ("- 12 -"), and lines wrapped at a fixed width in the
# middle of sentences, which would cut a name from its number.
_PAGE_NUMBER = LineScan(re.compile(r"^[ \t\u3000]*[-—–]+[ \t\u3000]*\d{1,3}[ \t\u3000]*[-—–]+[ \t\u3000]*\n", re.M))
_SENTENCE_END = "。!?;:"
_HEADING_START = re.compile(
    r"[ \t\u3000]*(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)"
    r"|第[一二三四五六七八九十]+[章部分,、]|\d{1,2}[.、](?!\d)|——)"
)


def _hard_wraps(text: str) -> list[tuple[int, int, str]]:
    """Line breaks inside sentences of a document wrapped at a fixed width: most lines are about as long
    as the longest ones and end without a sentence mark. Other documents (one paragraph a line) keep theirs."""
    lines = [line for line in text.split("\n") if len(line.strip()) >= 8]
    if len(lines) < 10:
        return []
    width = sorted(len(line.rstrip()) for line in lines)[int(len(lines) * 0.8)]
    open_ended = [line for line in lines if line.rstrip()[-1] not in _SENTENCE_END]
    if len(open_ended) < 0.5 * len(lines) or width > 120:
        return []
    edits, pos = [], 0
    for line in text.split("\n")[:-1]:
        end = pos + len(line)
        body = line.rstrip()
        # a full-width line, or a short one whose next line goes on with a number ("城镇新增就业\n8.2万人")
        wrapped = len(body) >= 0.8 * width or text[end + 1 : end + 2].isdigit()
        if body and body[-1] not in _SENTENCE_END and wrapped and not _HEADING_START.match(text, end + 1):
            edits.append((pos + len(body), end + 1, ""))
        pos = end + 1
    return edits


# Invisible format characters: zero-width spaces and joiners, word joiners, the BOM, and bidi marks,
# embeddings, overrides and isolates. Inside a number (8\u200b3.5亿元) they would hide it from extraction.
_INVISIBLE_CHARS = "".join(
    chr(c)
    for first, last in [(0x061C, 0x061C), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x2069)]
    + [(0xFEFF, 0xFEFF)]
    for c in range(first, last + 1)
)
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]+")


def normalize(raw: str) -> NormalizedText:
    """Normalize raw decoded text; see module docstring."""
    doc = NormalizedText(raw=raw, text=raw)

    def step(edits):
        rewritten(*rewrite(doc.text, edits))

    def rewritten(new_text: str, omap: OffsetMap | None):
        if omap is not None:
            doc.text = new_text
            doc._maps.append(omap)

    if doc.text.count("\\n") >= 3 and doc.text.count("\n") < doc.text.count("\\n"):
        step(regex_edits(_LITERAL_BREAK, doc.text, "\n"))
    if looks_like_html(doc.text):
        step(_strip_html(doc.text))
    if any(ch in doc.text for ch in _INVISIBLE_CHARS):  # str's `in` is much faster than the regex
        rewritten(*delete_matches(_INVISIBLE, doc.text))
    step(_nfkc(doc.text))
    converted, edits = _traditional_to_simplified(doc.text)
    if converted is not None:
        doc.text = converted  # same length: positions unchanged, no map needed
    else:
        step(edits)
    rewritten(*delete_matches(_PAGE_NUMBER, doc.text))
    step(_hard_wraps(doc.text))
    rewritten(*delete_matches(_PINYIN, doc.text))
    rewritten(*delete_matches(_PDF_SPACE, doc.text))
    step(_number_form_edits(doc.text))
    return doc

"""The words of work reports the extractor relies on, loaded from lexicon.yaml beside this module.

The data file lists each word by the role it plays between an indicator's name and its number, around a
statement, or at the head of a part of a report; this module only compiles it. The extractor
(`govreport.extract.rules`) and the document model (`govreport.extract.document`) combine them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib.resources import files
from itertools import chain

import yaml

YEAR = r"(?:19[5-9]\d|20[0-4]\d)"
# Five-year plans by name: 九五 (1996-2000), 十五 (2001-2005), 十一五 (2006-2010) … 十五五 (2026-2030).
PLAN = r"(?:十[一二三四五]五|十五(?=”|时期|期间|计划|规划|以来|末)|九五)"


def _load() -> dict:
    return yaml.safe_load(files("govreport.extract").joinpath("lexicon.yaml").read_text(encoding="utf-8"))


_DATA = _load()


def words(role: str) -> list[str]:
    """A word list of the lexicon, longest first so that alternations prefer the longer word."""
    return sorted(_DATA[role].split(), key=len, reverse=True)


def alternation(items: list[str]) -> str:
    """A regex of any of the words items, the longest where several match (as an alternation sorted longest
    first), written as a trie: the engine tests each character once where an alternation tests every word."""
    trie: dict = {}
    for word in items:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here; after the longer words through this node, so that they come first

    def branches(node: dict) -> str:
        alts = [re.escape(ch) + branches(sub) if ch else "" for ch, sub in node.items()]
        alts.sort(key=lambda alt: alt == "")
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return branches(trie)


_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>")


def _first_chars(items: list, start: int = 0) -> tuple[set[str] | None, bool]:
    """The characters a parsed pattern can start with, and whether it can match the empty string.
    None when some start is not a plain character (a class like \\w, a lookaround): then no prefilter."""
    from re import _constants as c  # type: ignore[attr-defined]

    chars: set[str] = set()
    for op, av in items[start:]:
        if op is c.LITERAL:
            return chars | {chr(av)}, False
        if op is c.IN and all(o is c.LITERAL or (o is c.RANGE and a[1] - a[0] < 64) for o, a in av):
            for o, a in av:
                chars |= {chr(a)} if o is c.LITERAL else {chr(x) for x in range(a[0], a[1] + 1)}
            return chars, False
        if op is c.SUBPATTERN or op is c.BRANCH or op in (c.MAX_REPEAT, c.MIN_REPEAT):
            subs = (
                [list(av[-1])] if op is c.SUBPATTERN else [list(b) for b in av[1]] if op is c.BRANCH else [list(av[2])]
            )
            empty = op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] == 0
            for sub in subs:
                found, can_be_empty = _first_chars(sub)
                if found is None:
                    return None, False
                chars |= found
                empty = empty or can_be_empty
            if not empty:
                return chars, False
            continue
        return None, False
    return chars, True


def _starts_with_characters(items: list) -> bool:
    """Whether the regex engine itself skips to where a parsed pattern can start: it does when the pattern
    starts with a character or a class, or is an alternation whose every branch starts with a character."""
    from re import _constants as c  # type: ignore[attr-defined]

    while items and items[0][0] is c.SUBPATTERN:
        items = list(items[0][1][-1])
    if not items:
        return False
    op, av = items[0]
    if op is c.BRANCH:
        return all(branch and list(branch)[0][0] is c.LITERAL for branch in av[1])
    return op is c.LITERAL or op is c.IN


def prefiltered(regex: str) -> str:
    """regex behind a lookahead of the characters it can start with, so a scan skips other positions fast.
    Not where the engine does so by itself: it does that faster than it tries a lookahead at every position."""
    from re import _parser  # type: ignore[attr-defined]

    parsed = list(_parser.parse(regex))
    if _starts_with_characters(parsed):
        return regex
    chars, can_be_empty = _first_chars(parsed)
    if chars is None or can_be_empty or not chars:
        return regex
    return _lookahead(chars) + regex


def _lookahead(chars: set[str]) -> str:
    return "(?=[" + "".join(re.escape(ch) for ch in sorted(chars)) + "])"


def start_finder(regex: re.Pattern) -> re.Pattern:
    """A pattern whose search() finds a match where regex.search() does, starting at the same position, for a test
    or that start: a character of the class regex's matches start with, behind which a look-behind of it tries
    regex. The engine skips to a class fast, where a lookahead of it (prefiltered), or a pattern that starts with
    an optional part or a group, is tried at every position: about three times the time on a sentence. The match
    itself (one character) is not regex's."""
    from re import _parser  # type: ignore[attr-defined]

    body = regex.pattern
    lookahead = re.match(r"\(\?=(\[(?:\\.|[^\]\\])*\])\)", body)
    if lookahead is not None:
        first, body = lookahead.group(1), body[lookahead.end() :]
    else:
        chars, can_be_empty = _first_chars(list(_parser.parse(body, regex.flags)))
        if not chars or can_be_empty:
            raise ValueError(f"not every match of {body!r} starts with a known character")
        first = _lookahead(chars)[3:-1]
    return re.compile(f"{first}(?<=(?={body})(?s:.))", regex.flags)


def optional_tail(regex: str) -> str:
    """(?:regex)? for a regex of optional parts, behind a lookahead of the characters its non-empty matches start
    with: where none of them follows, the whole tail is passed over at once, not each optional part in turn. The
    matches are the same: where no part can start, each part matches the empty string."""
    from re import _parser  # type: ignore[attr-defined]

    chars, _ = _first_chars(list(_parser.parse(regex)))
    if chars is None:
        raise ValueError(f"not every match of {regex!r} starts with a known character")
    return f"(?:{_lookahead(chars)}{regex})?"


def _alternative_list(items: list[str] | str) -> list[str]:
    """The regexes of a pattern list ({YEAR} filled in), or of a word list. A named group may recur in several
    alternatives (year, plan): each becomes name_<i>, so readers look for the first group named name_*."""
    alternatives = items.split() if isinstance(items, str) else items
    return [
        "(?:" + _NAMED_GROUP.sub(rf"(?P<\1_{i}>", a.replace("{YEAR}", YEAR).replace("{PLAN}", PLAN)) + ")"
        for i, a in enumerate(alternatives)
    ]


def _alternatives(items: list[str] | str) -> str:
    """The regex of a pattern list or a word list: any of _alternative_list(items)."""
    return "(?:" + "|".join(_alternative_list(items)) + ")"


def pattern(items: list[str] | str, anchor: str = "") -> re.Pattern:
    """One regex of a pattern list or a word list (see _alternatives)."""
    body = prefiltered(_alternatives(items))
    return re.compile(f"{anchor}{body}" if anchor != "$" else f"{body}$")


class SectionScan:
    """Each kind's matches over a whole text, the ones its pattern's finditer(text) finds, for every kind in one
    pass of the text.

    Behind a lookahead of its first characters (prefiltered), a pattern is tried at every position, and the
    text is passed over once per kind. Here one regex is an alternation of the kinds' first characters, which the
    engine skips to fast; it takes one and tries, in a lookahead from it (look-behind one character), the
    alternatives of every kind that can start with that character (a digit: only those that start with a year).
    At the rare positions where one matches, each kind's pattern is matched there. So every position where a
    kind matches is visited; of its matches, the ones that overlap the last one kept are dropped, as finditer
    never finds them. A match's start and named groups are the pattern's; its span is group "all".
    """

    def __init__(self, alternatives: dict[str, list[str]]):
        from re import _parser  # type: ignore[attr-defined]

        # The group names recur from kind to kind: in the lookaheads they are plain groups.
        by_first: dict[str, list[str]] = {}
        kinds_by_first: dict[str, set[str]] = {}
        for kind, regexes in alternatives.items():
            for regex in regexes:
                chars, can_be_empty = _first_chars(list(_parser.parse(regex)))
                if not chars or can_be_empty:
                    raise ValueError(f"not every match of {regex!r} starts with a known character")
                for ch in chars:
                    by_first.setdefault(ch, []).append(_NAMED_GROUP.sub("(?:", regex))
                    kinds_by_first.setdefault(ch, set()).add(kind)
        self._kinds = {kind: re.compile(f"(?P<all>(?:{'|'.join(regexes)}))") for kind, regexes in alternatives.items()}
        # At a candidate, only the kinds with an alternative that starts with its character can match (in kind order)
        self._kinds_by_first = {
            ch: [(kind, regex) for kind, regex in self._kinds.items() if kind in kinds]
            for ch, kinds in kinds_by_first.items()
        }
        self._candidates = re.compile(
            "|".join(f"{re.escape(ch)}(?<=(?=(?:{'|'.join(alts)}))(?s:.))" for ch, alts in sorted(by_first.items()))
        )

    def finditer(self, text: str) -> Iterator[tuple[str, re.Match]]:
        """(kind, match) by position, and by kind at one position."""
        ends = dict.fromkeys(self._kinds, 0)
        for candidate in self._candidates.finditer(text):
            pos = candidate.start()
            for kind, regex in self._kinds_by_first[candidate.group(0)]:
                if pos >= ends[kind] and (m := regex.match(text, pos)):
                    ends[kind] = m.end()
                    yield kind, m


class LineScan:
    """pattern.finditer(text) for a multi-line pattern that starts with ^ (every match starts a line), found
    faster: such a pattern is tried at every position of the text, where this scan jumps from line break to line
    break (a regex that starts with a character is searched fast) and matches the pattern only at the line
    starts where it matches. No match of such a pattern overlaps the next line start's, except by ending after it,
    which finditer then skips, as this does."""

    def __init__(self, pattern: re.Pattern):
        if not (pattern.pattern.startswith("^") and pattern.flags & re.M):
            raise ValueError(f"{pattern.pattern!r} is not a multi-line pattern anchored with ^")
        self.pattern = pattern
        self._line_breaks = re.compile(f"\n(?={pattern.pattern[1:]})", pattern.flags)

    def finditer(self, text: str) -> Iterator[re.Match]:
        end = 0
        for start in chain((0,), (m.end() for m in self._line_breaks.finditer(text))):
            if start >= end and (m := self.pattern.match(text, start)):
                end = m.end()
                yield m


FILLERS = words("fillers")
_FILLER = r"(?:" + alternation(FILLERS) + r"|\([^()]{1,12}\)|[::\s])"  # a filler word, a gloss, a colon or space
FILLER_RUN = re.compile(_FILLER + "*")
# The longest run of fillers ending a phrase: search() finds where it starts (no match: the phrase ends without
# one), in one pass of the regex engine. Tried only where a filler can start, behind a look at the character,
# where a run that may be empty was tried at every position of the phrase.
_FILLER_FIRST = "".join(sorted({re.escape(word[0]) for word in FILLERS})) + r"(:\s"
FILLER_TAIL = re.compile(f"(?=[{_FILLER_FIRST}])" + _FILLER + r"+\Z")

# Units as reports write them: word -> (dimension, size in the dimension's base unit, as a decimal string).
UNIT_WORDS: dict[str, tuple[str, str]] = {
    word: (dimension, factor or "1")
    for word, spec in _DATA["unit_words"].items()
    for dimension, _, factor in [spec.partition(" ")]
}

GROWTH_UP = tuple(words("growth_up"))
GROWTH_DOWN = tuple(words("growth_down"))
# "提高到 5%" states the level reached, not a change.
LEVEL_AFTER_CHANGE = re.compile(r"(?:增|升|降|提高|提升|下降|降低|增长|减少|增加)(?:到|至)$")

AVERAGE_CUE = pattern(_DATA["average_cue"])
CUMULATIVE_CUE = pattern(_DATA["cumulative_cue"])
# One alternation of both lists: the engine skips to their first characters, where "AVERAGE|CUMULATIVE" (an
# alternation of two alternations) was tried at every position.
MULTI_YEAR_CUE = pattern(_DATA["average_cue"] + _DATA["cumulative_cue"])

NARROWING_PREFIXES = pattern(_DATA["narrowing_prefixes"], "$")
PARTIAL_SCOPE = pattern(_DATA["partial_scope"])
TARGET_CUES = pattern(_DATA["target_cues"])
ACTUAL_CUES = pattern(_DATA["actual_cues"])
MILESTONE_BEFORE = pattern(_DATA["milestone_before"])
MILESTONE_AFTER = pattern(_DATA["milestone_after"])
ATTRIBUTIVE_AFTER = pattern(_DATA["attributive_after"])
OUTSIDE_VOICE = pattern(_DATA["outside_voice"])
YEAR_TO_DATE = pattern(_DATA["year_to_date"])
THRESHOLD_CROSSED = pattern(_DATA["threshold_crossed"])
FROM_TO_YEARS = pattern(_DATA["from_to_years"])

# The parts of a report: review_year, review_span, plan_year, plan_span.


def group(m: re.Match, name: str) -> str | None:
    """The first group of a pattern() match named name (or name_<i>) that matched."""
    numbers = _GROUPS_NAMED.get((m.re, name))
    if numbers is None:  # once per pattern and name, where a groupdict() was built for every match
        numbers = _GROUPS_NAMED[m.re, name] = tuple(
            i for k, i in m.re.groupindex.items() if k == name or k.startswith(name + "_")
        )
    return next((v for i in numbers if (v := m.group(i))), None)


# The numbers of the groups group() reads, by pattern and name, in the order of the pattern's groups.
_GROUPS_NAMED: dict[tuple[re.Pattern, str], tuple[int, ...]] = {}


SECTION_KINDS = ("review_year", "review_span", "plan_year", "plan_span")
SECTION_PATTERNS = {kind: pattern(_DATA["sections"][kind]) for kind in SECTION_KINDS}
# The same, to find every section marker of a report fast.
SECTION_SCAN = SectionScan({kind: _alternative_list(_DATA["sections"][kind]) for kind in SECTION_KINDS})

# Periods stated at the head of a sentence or paragraph.
CN_MONTH = r"(?:1[0-2]|[1-9]|十[一二]?|[一二三四五六七八九])"
INTERIM_PERIOD = re.compile(
    rf"(?P<year>(?:19|20)\d\d)?年?(?:今年)?(?:"
    rf"(?P<h1>上半年)|(?P<h2>下半年)|(?P<q>第?[一二三四1-4])季度|(?P<q3>前三季度)"
    rf"|(?P<m1>{CN_MONTH})(?:-|—|~|至|到)(?P<m2>{CN_MONTH})月(?:份)?|前(?P<mn>{CN_MONTH})个?月)"
)
# A five-year plan as a time frame ("十四五"期间/时期/末), not a plan document named in passing (编制十四五规划).
FIVE_YEAR_PLAN = re.compile(rf"“?({PLAN})”?(?:期间|时期|以来|末)")
# "到2025年", "2025年底前": a target for that year
BY_YEAR = re.compile(r"(?:到|至|截至)((?:19|20)\d\d)年(?:底|末)?|((?:19|20)\d\d)年(?:底|末)?前")


def _indicator_rules() -> dict[str, dict]:
    return _DATA.get("indicators") or {}


# Names that stand for an indicator only right after a related one in the same sentence.
ELLIPTIC_NAMES: dict[str, list[tuple[re.Pattern, str]]] = {
    code: [(re.compile(p), target) for p, target in rules["elliptic"].items()]
    for code, rules in _indicator_rules().items()
    if rules.get("elliptic")
}
# Count nouns a report puts after the number: "新增4290个学位".
HEAD_NOUNS: dict[str, tuple[re.Pattern, str]] = {
    noun: (re.compile(context), code)
    for code, rules in _indicator_rules().items()
    for noun, context in (rules.get("head_noun") or {}).items()
}
# Sentence topics that re-code a broader indicator ("城市更新...固定资产投资160亿元").
TOPIC_RECODING: dict[str, list[tuple[re.Pattern, str]]] = {
    code: [(re.compile(p), target) for p, target in rules["topic_recoding"].items()]
    for code, rules in _indicator_rules().items()
    if rules.get("topic_recoding")
}
EXCLUDE_BEFORE: dict[str, re.Pattern] = {
    code: re.compile(rules["exclude_before"])
    for code, rules in _indicator_rules().items()
    if rules.get("exclude_before")
}
ACCUMULATES = frozenset(code for code, rules in _indicator_rules().items() if rules.get("accumulates"))
# Subjects that stand for two indicators in parallel: 城乡 -> (城镇, 农村).
PAIRS: dict[str, list[str]] = _DATA.get("pairs") or {}

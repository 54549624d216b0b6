"""The extractor's word lists are data (src/govreport/extract/lexicon.yaml): a variant is a one-line change."""

import importlib

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from govreport.extract import lexicon


def test_every_role_compiles_and_the_sections_are_named():
    assert set(lexicon.SECTION_PATTERNS) == {"review_year", "review_span", "plan_year", "plan_span"}
    assert "完成" in lexicon.FILLERS and "下降" in lexicon.GROWTH_DOWN
    assert lexicon.PAIRS["城乡"] == ["城镇", "农村"]
    assert "new_urban_jobs" in lexicon.ACCUMULATES


def test_adding_a_section_marker_is_a_data_change(tmp_path, monkeypatch):
    """A review heading the lexicon does not know yet ("回首2025年") becomes a review marker by one list item."""
    data = lexicon._load()
    assert not lexicon.SECTION_PATTERNS["review_year"].search("回首2025年")
    data["sections"]["review_year"].append("回首(?P<year>{YEAR})年")
    monkeypatch.setattr(yaml, "safe_load", lambda _text: data)  # the edited file, as the loader would read it
    try:
        reloaded = importlib.reload(lexicon)
        assert reloaded.group(reloaded.SECTION_PATTERNS["review_year"].search("回首2025年"), "year") == "2025"
    finally:
        monkeypatch.undo()
        importlib.reload(lexicon)


def test_unit_words_agree_with_the_contract_units():
    """The contract's units and the lexicon's unit words share dimensions and sizes (亿元 is 10^8 yuan in both),
    so that a number fits its indicator. Only 个百分点 differs: in text it is a change of a rate, "points"."""
    from govreport.contract.model import UNITS
    from govreport.extract.numbers import UNIT_WORDS

    shared = [u for u in UNITS if u.label_zh in UNIT_WORDS]
    assert {u.label_zh for u in shared} >= {"亿元", "元", "亿美元", "%", "人", "套", "吨", "微克/立方米"}
    for unit in shared:
        word = UNIT_WORDS[unit.label_zh]
        if unit.label_zh != "个百分点":
            assert (word.dimension, word.factor) == (unit.dimension, unit.factor), unit.code
    assert UNIT_WORDS["个百分点"].dimension == "points"


# Pieces of section markers and what stands around them, so that random texts hold markers, overlaps and near misses.
MARKER_PIECES = [
    "2025年",
    "工作回顾",
    "过去",
    "一年",
    "五年",
    "这",
    "是",
    "今年",
    "“十四五”",
    "十五五",
    "时期",
    ",",
    "。",
    "\n",
    "主要目标",
    "预期目标",
    "下一步",
    "新的一年",
    "来",
    "的",
    "去年以来",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(MARKER_PIECES), max_size=30))
def test_the_one_pass_section_scan_finds_what_each_kinds_finditer_finds(pieces):
    import re

    text = "".join(pieces)
    found = {kind: [] for kind in lexicon.SECTION_KINDS}
    for kind, m in lexicon.SECTION_SCAN.finditer(text):
        groups = {k: v for k, v in m.groupdict().items() if k != "all"}
        found[kind].append((m.start(), m.end("all"), groups))
    for kind in lexicon.SECTION_KINDS:
        alone = re.compile(lexicon._alternatives(lexicon._DATA["sections"][kind]))
        assert found[kind] == [(m.start(), m.end(), m.groupdict()) for m in alone.finditer(text)], kind


LINE_PIECES = [
    "\n",
    " ",
    "\u3000",
    "- 12 -",
    "—3—",
    "一、",
    "(二)",
    "第三,",
    "主要成绩",
    "标题文字很长",
    "。",
    "5",
    "\n\n",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(LINE_PIECES), max_size=25))
def test_a_line_scan_finds_what_finditer_finds(pieces):
    """Headings and PDF page numbers are found by jumping from line start to line start, as finditer finds them."""
    from govreport.extract.document import _HEADINGS
    from govreport.extract.normalize import _PAGE_NUMBER

    text = "".join(pieces)
    for scan in (_HEADINGS, _PAGE_NUMBER):
        expected = [(m.span(), m.groups()) for m in scan.pattern.finditer(text)]
        assert [(m.span(), m.groups()) for m in scan.finditer(text)] == expected


FINDER_PIECES = [
    "今年以来",
    "今年",
    "年初",
    "以来",
    "本年",
    "迄今",
    "到",
    "至",
    "截至",
    "2025",
    "1999",
    "年",
    "底",
    "前",
    "“",
    "”",
    "十四五",
    "十五",
    "九五",
    "时期",
    "按可比价格计算",
    "增长",
    "比上年",
    "的",
    "(说明)",
    ":",
    " ",
    "。",
    "a",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FINDER_PIECES), max_size=20), st.integers(0, 30), st.integers(0, 60))
def test_a_start_finder_finds_a_match_where_the_patterns_search_finds_one(pieces, pos, endpos):
    text = "".join(pieces)
    for regex in (lexicon.YEAR_TO_DATE, lexicon.FILLER_TAIL, lexicon.BY_YEAR, lexicon.FIVE_YEAR_PLAN):
        found, expected = lexicon.start_finder(regex).search(text, pos, endpos), regex.search(text, pos, endpos)
        assert (found is None, found and found.start()) == (expected is None, expected and expected.start())

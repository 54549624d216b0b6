"""Normalization keeps a map back to the raw text."""

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from govreport.extract.normalize import normalize

from conftest import RAW


def test_traditional_with_pinyin_glosses():
    doc = normalize("地區(qū)生產(chǎn)總值增長5.5-6%")
    assert doc.text == "地区生产总值增长5.5-6%"
    i = doc.text.index("生产总值")
    assert doc.raw_slice(i, i + 4) == "生產(chǎn)總值"


def test_pdf_spacing_inside_words_and_numbers():
    doc = normalize("社会 消费品零售总额增长5 .0%,规模以上工业增加值增长 3.0%")
    assert doc.text == "社会消费品零售总额增长5.0%,规模以上工业增加值增长3.0%"
    i = doc.text.index("5.0%")
    assert doc.raw_slice(i, i + 4) == "5 .0%"


def test_full_width_forms_become_half_width():
    doc = normalize("增长6.5%左右(GDP)")
    assert doc.text == "增长6.5%左右(GDP)"
    assert doc.raw_slice(2, 6) == "6.5%"


def test_real_parentheses_stay():
    assert normalize("地区生产总值(GDP)增长").text == "地区生产总值(GDP)增长"
    assert normalize("收入106.9亿元(含体制结算部分)").text == "收入106.9亿元(含体制结算部分)"


def test_html_saved_as_text_is_stripped_with_offsets():
    raw = (
        "<html><head><title>报告</title><script>var x='<p>';</script></head><body>"
        "<p>全区地区生产总值增长6.5%&nbsp;左右</p><div>固定资产投资</div></body></html>"
    )
    doc = normalize(raw)
    assert "var x" not in doc.text and "<p>" not in doc.text
    assert "全区地区生产总值增长6.5% 左右" in doc.text
    i = doc.text.index("6.5%")
    assert doc.raw_slice(i, i + 4) == "6.5%"


CJK = st.sampled_from(list("地区生产总值增长投资收入區產總資") + ["區(qū)", "產(chǎn)"])
PIECES = st.one_of(CJK, st.sampled_from(["5", ".", "%", "5", "0", " ", "  ", ",", "。", "\n", "3", "亿元"]))


@pytest.mark.slow
@settings(max_examples=300)
@given(st.lists(PIECES, min_size=1, max_size=60))
@example(["5", "\n", "5", "亿元"])  # a number wrapped across lines is joined only when its unit follows
def test_every_normalized_span_maps_to_raw_text_that_normalizes_to_it(pieces):
    raw = "".join(pieces)
    doc = normalize(raw)
    n = len(doc.text)

    def bare(text: str) -> str:  # whitespace is what normalization drops or keeps by context (line wraps)
        return "".join(text.split())

    for i in range(n):
        for j in range(i + 1, min(n, i + 6) + 1):
            rs, re_ = doc.to_raw(i, j)
            assert 0 <= rs <= re_ <= len(raw)
            # the raw span holds the same characters, up to the rewrites normalization makes
            back = bare(normalize(raw[rs:re_]).text)
            assert bare(doc.text[i:j]) in back or back in bare(doc.text[i:j])


def test_every_seed_maps_back_character_for_character():
    import opencc

    t2s = opencc.OpenCC("t2s")
    for path in sorted(RAW.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        doc = normalize(raw)
        for i, ch in enumerate(doc.text):
            rs, re_ = doc.to_raw(i, i + 1)
            source = t2s.convert(unicodedata.normalize("NFKC", raw[rs:re_]))
            # the raw character, after NFKC and Traditional->Simplified, gives the normalized one (Ⅳ gives IV),
            # or it is a middle dot between digits repaired into a decimal point (7·2%)
            assert ch in source or (ch == "." and source in "·・•"), (path.name, i, ch, raw[rs:re_])


def test_a_pdf_extract_wrapped_at_a_fixed_width_is_reflowed_and_loses_its_page_numbers():
    from govreport.extract.rules import extract_all

    raw = (
        "一、2020年工作回顾\n"
        "过去一年,面对严峻复杂的形势,全市上下坚持稳中求进工作总基调,地区生\n"
        "产总值增长3.5%,一般公共预算收入完成512.6亿元,增长2.1%,城镇新增就业\n"
        "8.2万人。全年完成固定资产投资1200亿元,增长5%,实际利用外资12.5亿美\n"
        "元。居民人均可支配收入达到4.2万元,增长4.1%,城镇调查失业率5.2%,各项\n"
        "工作取得了新成效,经济社会发展的主要目标任务较好完成,民生持续改善。\n"
        "- 2 -\n"
        "二、2021年工作安排\n"
        "今年经济社会发展的主要预期目标是:地区生产总值增长7%左右,一般公共预算\n"
        "收入增长6%,城镇新增就业8万人以上,居民消费价格涨幅控制在3%左右,居民\n"
        "人均可支配收入增长与经济增长基本同步,单位地区生产总值能耗下降3%以上。\n"
    )
    doc = normalize(raw)
    assert "- 2 -" not in doc.text and "二、2021年工作安排" in doc.text.splitlines()
    facts = {(f.indicator, f.measure, f.kind, f.value) for f in extract_all(doc, 2021)[0]}
    assert {
        ("gdp", "growth", "actual", 3.5),
        ("new_urban_jobs", "level", "actual", 82000.0),
        ("actual_foreign_investment", "level", "actual", 12.5),
        ("gdp", "growth", "target", 7.0),
        ("general_public_budget_revenue", "growth", "target", 6.0),
    } <= facts
    gdp = next(f for f in extract_all(doc, 2021)[0] if f.indicator == "gdp" and f.kind == "actual")
    assert doc.raw_slice(gdp.value_start, gdp.value_end) == "3.5%"


def test_a_web_page_of_one_paragraph_a_line_keeps_its_lines():
    raw = "\n".join(["生态底色更加亮丽。", "一、2025年工作回顾", "地区生产总值增长4.1%,城镇调查失业率5.4%。"] * 5)
    assert normalize(raw).text == raw


def test_zero_width_and_bidi_controls_inside_a_number_are_removed_and_offsets_stay_right():
    raw = "全年财政收入8\u200b3.5亿元,增长\u200e6\u2066.\u20695%。"
    doc = normalize(raw)
    assert doc.text == "全年财政收入83.5亿元,增长6.5%。"
    i = doc.text.index("83.5")
    assert doc.raw_slice(i, i + 4) == "8\u200b3.5"
    j = doc.text.index("6.5%")
    assert doc.raw_slice(j, j + 4) == "6\u2066.\u20695%"


def test_a_number_with_a_zero_width_space_is_still_extracted_with_its_raw_offsets(tmp_path):
    from govreport.extract.pipeline import process_file

    raw = "2024年政府工作报告\n今年主要预期目标是:地区生产总值增长5\u200b.5%左右。\n"
    (tmp_path / "r.txt").write_text(raw, encoding="utf-8")
    [obs] = [o for o in process_file(tmp_path / "r.txt", None).observations if o["indicator"] == "gdp"]
    assert obs["value"] == 5.5
    assert raw[obs["value_start"] : obs["value_end"]] == obs["value_text"] and "\u200b" in obs["value_text"]


def _rewrite_one_segment_per_edit(text, edits):
    """rewrite() as it was first written, the reference: a segment for every edit and every copied stretch."""
    from govreport.extract.normalize import OffsetMap

    parts, segments, src, dst = [], [], 0, 0
    for start, end, repl in edits:
        if start > src:
            parts.append(text[src:start])
            segments.append((dst, dst + start - src, src, start, True))
            dst += start - src
        parts.append(repl)
        segments.append((dst, dst + len(repl), start, end, False))
        dst += len(repl)
        src = end
    if src < len(text):
        parts.append(text[src:])
        segments.append((dst, dst + len(text) - src, src, len(text), True))
        dst += len(text) - src
    return "".join(parts), OffsetMap(segments, dst)


# An edit: how many characters to skip, how many to replace (0: an insertion), and the replacement. Lengths 1 and 1
# come often: a character for a character (，→ ,) is what rewrite() folds into the copied stretches around it.
EDITS = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 3), st.sampled_from(["", "x", "y", "xy", "xyz"])), max_size=25
)


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 12), EDITS)
def test_rewrite_maps_every_position_as_one_segment_per_edit_would(tail, steps):
    from govreport.extract.normalize import rewrite

    edits, pos = [], 0
    for skip, length, repl in steps:
        start = pos + skip
        if length == 0 and not repl:
            continue  # an edit that changes nothing is never made
        edits.append((start, start + length, repl))
        pos = start + length
    text = "".join(chr(0x4E00 + i) for i in range(pos + tail))
    new_text, new_map = rewrite(text, edits)
    old_text, old_map = _rewrite_one_segment_per_edit(text, edits)
    assert new_text == old_text
    if not edits:
        return
    assert new_map is not None and old_map is not None
    for p in range(len(new_text) + 1):
        assert (new_map.start(p), new_map.end(p)) == (old_map.start(p), old_map.end(p)), p


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="a b\u3000中5.%\n", max_size=40), st.sampled_from([r" +", r"\s", r"(?<=中) (?=5)", r"b*"]))
def test_deleting_a_patterns_matches_maps_as_rewrite_of_its_edits_does(text, regex):
    """delete_matches is rewrite(text, regex_edits(pattern, text, "")) built another way: same text, same map."""
    import re

    from govreport.extract.normalize import delete_matches, regex_edits, rewrite

    pattern = re.compile(regex)
    new_text, new_map = delete_matches(pattern, text)
    old_text, old_map = rewrite(text, regex_edits(pattern, text, ""))
    assert new_text == old_text
    assert (new_map is None) == (old_map is None)
    if new_map is not None and old_map is not None:
        for p in range(len(new_text) + 1):
            assert (new_map.start(p), new_map.end(p)) == (old_map.start(p), old_map.end(p)), p


NUMBER_PIECES = [
    "1",
    "2",
    "0",
    " ",
    "\u3000",
    "\u00a0",
    "·",
    "•",
    "\n",
    ".",
    "%",
    "百分之",
    "七点五",
    "亿",
    "个百分点",
    "中",
    "百",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(NUMBER_PIECES), max_size=30))
def test_number_forms_found_from_their_possible_starts_are_finditers(pieces):
    """Spaced digits, middle dots, broken lines and 百分之 are matched only where such a form can start: the same
    edits as matching the pattern at every position."""
    from govreport.extract.normalize import _NUMBER_FORMS, _number_form, _number_form_edits, regex_edits

    text = "".join(pieces)
    assert _number_form_edits(text) == regex_edits(_NUMBER_FORMS, text, _number_form)

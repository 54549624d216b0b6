"""HTML is read by a real tokenizer: linear in the page's size whatever its markup, nesting tracked only so
deep, a ">" inside a quoted attribute not ending a tag. Both readers are tried: a fetched page to text
(html_to_text) and an HTML file in raw/ stripped for extraction (normalize, offsets kept).

The time bounds are generous (a loaded shared machine): what they catch is the quadratic behaviour of the
parsers used before, which took over six minutes on 60 KB of "<a " and minutes on unclosed comments."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govreport.extract.normalize import normalize
from govreport.extract.pipeline import process_file
from govreport.sources import html_text
from govreport.sources.html_text import OTHER, START, html_to_text, markup_edits, title_of, tokens

SENTENCE = "2024年政府工作报告。全区地区生产总值增长6.5%左右。"
NESTED = 200_000
BOUND = 180  # seconds; about ten on a quiet machine


def deep_page(tag: str = "div") -> str:
    return f"<html><body>{f'<{tag}>' * NESTED}<p>{SENTENCE}</p>{f'</{tag}>' * NESTED}</body></html>"


def timed(fn, *args):
    started = time.monotonic()
    out = fn(*args)
    return out, time.monotonic() - started


def test_a_2mb_page_of_200000_nested_divs_is_read_in_linear_time(tmp_path):
    page = deep_page()
    assert len(page.encode()) > 2_000_000
    text, seconds = timed(html_to_text, page)
    assert text == SENTENCE + "\n" and seconds < BOUND
    doc, seconds = timed(normalize, page)
    assert seconds < BOUND and doc.text.strip() == SENTENCE
    i = doc.text.index("6.5%")
    assert doc.raw_slice(i, i + 4) == "6.5%"  # offsets still point into the raw page
    # And the whole per-file pipeline, as a raw/ file: the fact is found, its offsets in the page.
    (tmp_path / "nested.html").write_text(page, encoding="utf-8")
    result, seconds = timed(process_file, tmp_path / "nested.html", None)
    assert result.error is None and seconds < BOUND
    assert 6.5 in {o["value"] for o in result.observations}
    for o in result.observations:
        assert page[o["value_start"] : o["value_end"]] == o["value_text"]


def dropped_then_text(tag: str) -> str:
    return f"<html><body><div>目录</div>{f'<{tag}>菜单' * NESTED}{f'</{tag}>' * NESTED}<p>{SENTENCE}</p></body></html>"


def test_dropped_elements_nested_200000_deep_cost_no_more_than_siblings():
    # navigation is dropped with its content; its nesting is tracked only so deep, and all of it closes
    text, seconds = timed(html_to_text, dropped_then_text("nav"))
    assert seconds < BOUND and text == "目录\n" + SENTENCE + "\n"
    doc, seconds = timed(normalize, dropped_then_text("template"))  # what normalization drops
    assert seconds < BOUND and doc.text.split() == ["目录", SENTENCE]


@pytest.mark.parametrize(
    "name, junk",
    [
        ("unclosed tags", "<a " * 100_000),
        ("unclosed comments", "<!--x" * 100_000),
        ("unclosed titles", "<title " * 100_000),
        ("unclosed scripts", "<script>x" * 100_000),
        ("unclosed quoted attributes", "<a href='x>" * 100_000),
        ("lone angle brackets", "<" * 300_000),
        ("half character references", "&#" * 300_000),
    ],
)
def test_markup_left_open_costs_one_pass(name, junk):
    page = f"<html><body><p>{SENTENCE}</p>{junk}"
    text, seconds = timed(html_to_text, page)
    assert seconds < BOUND, name
    assert text.startswith(SENTENCE + "\n")  # what came before the junk is kept
    edits, seconds = timed(markup_edits, page)
    assert seconds < BOUND, name
    assert title_of(page) is None


def test_a_quoted_gt_does_not_end_a_tag():
    page = "<html><body><p title=\"a>b\" data-x='c>d'>增长6.5%</p><div>下一段</div></body></html>"
    assert html_to_text(page) == "增长6.5%\n下一段\n"
    assert normalize(page).text.strip() == "增长6.5%\n\n下一段"


def test_a_character_reference_too_long_for_any_character_is_one_replacement_character():
    digits = "1" * 5000  # html.unescape raises on it (Python refuses int() of over 4300 digits)
    assert html_to_text(f"<p>a&#{digits};b&#x{digits};c&#65;</p>") == "a\ufffdb\ufffdcA\n"
    assert "a\ufffdb" in normalize(f"<html><body><p>a&#{digits};b</p><div>x</div></body></html>").text


def test_scripts_comments_and_raw_text_are_not_read_as_markup():
    page = (
        "<!DOCTYPE html><html><head><title>报告 &amp; 附件</title><script>var s='</p><p>99%';</script>"
        "</head><body><!-- <p>88%</p> --><p>增长5%</p><script/>var t='77%';</script><nav/><p>增长6%</p>"
        "<noscript><p>66%</p></noscript></body></html>"
    )
    assert html_to_text(page) == "增长5%\n增长6%\n"
    assert title_of(page) == "报告 & 附件"
    text = normalize(page).text
    assert "增长5%" in text and "增长6%" in text and not any(n in text for n in ("99", "88", "77", "66"))


def test_the_depth_kept_is_bounded(monkeypatch):
    monkeypatch.setattr(html_text, "MAX_DEPTH", 8)
    seen = []
    original = html_text._Dropping.open

    def open_(self, name):
        original(self, name)
        seen.append(len(self.stack))

    monkeypatch.setattr(html_text._Dropping, "open", open_)
    page = "<nav>" * 1000 + "x" + "</nav>" * 1000 + "<p>增长5%</p>"
    assert html_to_text(page) == "增长5%\n" and max(seen) == 8


PIECES = st.sampled_from(
    [
        "<",
        ">",
        "/",
        "!",
        "-",
        "?",
        "=",
        "'",
        '"',
        " ",
        "\n",
        "a",
        "p",
        "div",
        "script",
        "title",
        "<p>",
        "</p>",
        "<!--",
        "-->",
        "</",
        "&",
        "#",
        ";",
        "amp",
        "x",
        "增长",
        "5%",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=40))
def test_tokens_cover_the_page_in_order_and_edits_do_not_overlap(pieces):
    page = "".join(pieces)
    pos = 0
    for tok in tokens(page):
        assert tok.start == pos and tok.end > tok.start
        assert tok.kind != START or page[tok.start] == "<"
        assert tok.kind != OTHER or tok.end == len(page) or page[tok.end - 1] == ">"
        pos = tok.end
    assert pos == len(page)
    last = 0
    for start, end, _ in markup_edits(page):
        assert last <= start < end <= len(page)
        last = end
    html_to_text(page)

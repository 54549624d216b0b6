"""The extractor's small text helpers give what their plain definitions give."""

from hypothesis import given, settings
from hypothesis import strategies as st

from govreport.extract.rules import _after_last

MARK_SETS = [",;:", ",;:、。!?", "。!?;\n"]
TEXT = st.text(alphabet=list(",;:、。!?\n增长5亿元 ") + ["\\", "]", "^", "-"], max_size=40)


def _after_last_by_rfind(text: str, marks: str, lo: int, hi: int) -> int:
    """The definition: just after the rightmost of marks found by str.rfind in text[lo:hi], or lo."""
    found = [text.rfind(mark, lo, hi) for mark in marks]
    return max([lo] + [i + 1 for i in found if i >= 0 and i + 1 > lo])


@settings(max_examples=500, deadline=None)
@given(TEXT, st.sampled_from(MARK_SETS + ["]^-\\"]), st.integers(-2, 45), st.integers(-2, 45))
def test_after_last_is_just_after_the_rightmost_mark_between_lo_and_hi(text, marks, lo, hi):
    lo, hi = max(lo, 0), max(hi, 0)  # callers pass positions in the text, never negative ones
    assert _after_last(text, marks, lo, hi) == _after_last_by_rfind(text, marks, lo, hi)


def test_after_last_finds_the_last_mark_of_any_kind():
    text = "地区生产总值,增长5%;其中:工业增长6%"
    assert _after_last(text, ",;:", 0, len(text)) == text.index(":") + 1
    assert _after_last(text, ",;:", 0, text.index(";")) == text.index(",") + 1
    assert _after_last(text, "。", 3, len(text)) == 3

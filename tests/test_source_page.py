"""A document page's text pieces: cut at every quote and value boundary, each marked as in a quote, in a value,
with the anchors of the values starting there; nested and overlapping spans included."""

import random

from govreport.site.source_page import text_segments


def observation(i: int, quote: tuple[int, int], value: tuple[int, int]) -> dict:
    return {
        "observation_id": f"{i:016x}",
        "quote_start": quote[0],
        "quote_end": quote[1],
        "value_start": value[0],
        "value_end": value[1],
    }


def test_pieces_of_a_text_with_a_shared_quote_and_overlapping_values():
    text = "前言。今年增长6%左右,投资增长8%。结语"
    one = observation(1, (3, 18), (7, 11))  # 6%左右 in the second sentence
    two = observation(2, (3, 18), (16, 18))  # 8% (the quote ends with the value)
    three = observation(3, (3, 18), (9, 11))  # 左右, inside the first value
    got = [(s.text, s.quote, s.value, s.anchors) for s in text_segments(text, [one, two, three])]
    assert got == [
        ("前言。", False, False, []),
        ("今年增长", True, False, []),
        ("6%", True, True, [one["observation_id"]]),
        ("左右", True, True, [three["observation_id"]]),
        (",投资增长", True, False, []),
        ("8%", True, True, [two["observation_id"]]),
        ("。结语", False, False, []),
    ]


def test_each_piece_is_marked_as_the_spans_covering_it_say():
    """Random spans, nested, overlapping, touching and repeated: a piece is in a quote (a value) exactly when
    some quote (value) spans it whole, the pieces rebuild the text, and every value's anchor starts its piece."""
    rng = random.Random(3)
    for _ in range(300):
        text = "".join(rng.choice("增长目标,。%0123456789") for _ in range(rng.randrange(1, 60)))
        observations = []
        for i in range(rng.randrange(0, 8)):
            qs, qe = sorted(rng.sample(range(len(text) + 1), 2))
            vs = rng.randrange(qs, qe)
            ve = rng.randrange(vs + 1, qe + 1)
            observations.append(observation(i, (qs, qe), (vs, ve)))
        segments = text_segments(text, observations)
        assert "".join(s.text for s in segments) == text
        start = 0
        for s in segments:
            end = start + len(s.text)
            assert s.text
            assert s.quote == any(o["quote_start"] <= start and end <= o["quote_end"] for o in observations)
            assert s.value == any(o["value_start"] <= start and end <= o["value_end"] for o in observations)
            assert s.anchors == [o["observation_id"] for o in observations if o["value_start"] == start]
            start = end

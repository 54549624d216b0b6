"""Reports as PDF extraction leaves them give the same facts as their clean text: lines hard-wrapped at a
fixed width with page numbers between them, and lines with a space after every character."""

from __future__ import annotations

import re

import pytest

from govreport.extract.normalize import normalize
from govreport.extract.rules import extract_all
from govreport.sources.decode import read_document
from govreport.sources.raw_folder import list_raw_files

from conftest import RAW, SHARED

CORPUS = SHARED / "corpus" / "raw"
REPORTS = list_raw_files(RAW) + (sorted(CORPUS.glob("*.txt")) if CORPUS.is_dir() else [])


def hard_wrapped(text: str, width: int = 33) -> str:
    """Every line cut at `width` characters, a page number ("— 3 —") after every 40 lines."""
    out = []
    for line in text.split("\n"):
        for chunk in [line[i : i + width] for i in range(0, len(line), width)] or [""]:
            out.append(chunk)
            if len(out) % 41 == 40:
                out.append(f"— {len(out) // 41 + 1} —")
    return "\n".join(out)


def spaced_out(text: str) -> str:
    """A space after every Chinese character and punctuation mark of every third line; numbers kept whole."""
    lines = text.split("\n")
    return "\n".join(
        re.sub(r"([\u4e00-\u9fff,。、;:()“”，。；：（）])", r"\1 ", line) if i % 3 == 0 else line
        for i, line in enumerate(lines)
    )


def facts(text: str, year: int) -> set[tuple]:
    found, _ = extract_all(normalize(text), year)
    return {(f.indicator, f.measure, f.kind, f.period, f.comparator, f.value_low, f.value_high) for f in found}


@pytest.mark.parametrize("path", REPORTS, ids=[p.name for p in REPORTS])
@pytest.mark.parametrize("distort", [hard_wrapped, spaced_out])
def test_a_pdf_extract_gives_the_facts_of_the_clean_text(path, distort):
    text = read_document(path).text
    year = int(re.search(r"(?:19|20)\d\d", path.name).group(0)) if re.search(r"(?:19|20)\d\d", path.name) else 2020
    clean = facts(text, year)
    assert clean, "a report with facts"
    assert facts(distort(text), year) == clean

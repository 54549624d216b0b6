"""bench/corpus.py: the synthetic benchmark corpus is deterministic and looks like reports."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import (  # noqa: E402
    MAX_DOC_BYTES,
    MB,
    MIN_DOC_BYTES,
    REGIONS,
    build_corpus,
    corpus_text,
)

from govreport.sources.decode import read_document  # noqa: E402
from govreport.sources.manifest import load_manifest  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]
REGION_NAMES = {r[0] for r in REGIONS}


def _contents(paths):
    return [(p.name, p.read_bytes()) for p in paths]


def test_same_arguments_give_identical_files(tmp_path):
    a = build_corpus(tmp_path / "a", n_docs=12, seed=3)
    b = build_corpus(tmp_path / "b", n_docs=12, seed=3)
    assert len(a) == 12 and _contents(a) == _contents(b)
    assert (tmp_path / "a" / "sources.yaml").read_bytes() == (tmp_path / "b" / "sources.yaml").read_bytes()
    # Another seed gives another corpus; a prefix of a bigger corpus is the smaller corpus.
    c = build_corpus(tmp_path / "c", n_docs=12, seed=4)
    assert _contents(c) != _contents(a)
    d = build_corpus(tmp_path / "d", n_docs=20, seed=3)
    assert _contents(d[:12]) == _contents(a)


def test_documents_look_like_reports(tmp_path):
    paths = build_corpus(tmp_path / "out", n_docs=15, seed=0)
    regions, years = set(), set()
    for path in paths:
        decoded = read_document(path)
        assert decoded.encoding == "utf-8" and not decoded.warnings
        text = decoded.text
        # ~5-30 KB each (a paragraph may overshoot the budget a little).
        assert MIN_DOC_BYTES <= path.stat().st_size <= MAX_DOC_BYTES + 3_000
        title = text.splitlines()[0]
        m = re.fullmatch(r"(20\d\d)年(.+)政府工作报告", title)
        assert m, title
        year, region = int(m.group(1)), m.group(2)
        assert region in REGION_NAMES and 2016 <= year <= 2024
        regions.add(region)
        years.add(year)
        review, plan = f"一、{year - 1}年工作回顾", f"二、{year}年工作安排"
        assert review in text and plan in text and text.index(review) < text.index(plan)
        assert "今年经济社会发展的主要预期目标是:" in text
        assert text.index(plan) < text.index("今年经济社会发展的主要预期目标是:")
        assert "罗湖区" not in text or region == "罗湖区"  # the seed region is replaced
        assert "\ufffd" not in text and "區" not in text  # clean zh-Hans text
    assert len(regions) > 5 and len(years) > 3


def test_manifest_describes_the_files(tmp_path):
    out = tmp_path / "out"
    paths = build_corpus(out, n_docs=5, seed=1)
    entries, problems = load_manifest(out)
    assert problems == []
    assert sorted(entries) == [p.name for p in paths]
    first = entries[paths[0].name]
    assert first.document_type == "government_work_report" and first.script == "zh-Hans"
    assert paths[0].read_text(encoding="utf-8").splitlines()[0] == first.title
    assert first.title.startswith(f"{first.report_year}年{first.region_name}")


def test_target_size(tmp_path):
    paths = build_corpus(tmp_path / "out", target_mb=0.2, seed=0)
    total = sum(p.stat().st_size for p in paths)
    assert 0.2 * MB <= total < 0.2 * MB + MAX_DOC_BYTES + 3_000
    text = corpus_text(0.2, seed=0)
    assert text == corpus_text(0.2, seed=0)
    assert len(text.encode("utf-8")) >= 0.2 * MB
    assert text.startswith(paths[0].read_text(encoding="utf-8"))
    with pytest.raises(ValueError):
        build_corpus(tmp_path / "x")
    with pytest.raises(ValueError):
        build_corpus(tmp_path / "x", n_docs=1, target_mb=1)


def test_cli(tmp_path):
    out = tmp_path / "cli"
    proc = subprocess.run(
        [sys.executable, str(PROJECT / "bench" / "corpus.py"), str(out), "--docs", "3"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "3 documents" in proc.stdout
    assert _contents(sorted(out.glob("doc_*.txt"))) == _contents(build_corpus(tmp_path / "api", n_docs=3))

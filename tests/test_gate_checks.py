"""Checks beyond one table: reviewed counts, conflicts between documents, and the previous release."""

import copy
import json

import pytest

from govreport.checks.cross_table import read_expected_counts
from govreport.release.publish import PublishBlocked, publish

from conftest import process_folder, tree_bytes


@pytest.mark.slow
def test_a_silent_change_in_a_documents_count_blocks_the_release(raw_copy, tmp_path):
    results = process_folder(raw_copy)
    reviewed = copy.deepcopy(read_expected_counts())
    reviewed["000_c6f7ee3199c6db1d.txt"]["observations"] = "9"  # the reviewed count says 9; extraction gives 8
    with pytest.raises(PublishBlocked) as blocked:
        publish(results, tmp_path / "out", raw_copy, tmp_path / "state", expected_counts=reviewed)
    message = str(blocked.value)
    assert "expect_column_pair_values_to_be_equal" in message
    assert results[0].document["document_id"] in message
    assert not (tmp_path / "out" / "catalog.json").exists()


def test_the_committed_expected_counts_match_the_extractor():
    # `govreport expect` rewrites the file; a difference here is a regression or an unreviewed change
    counts = {
        r.document["source_file"]: r.document["n_observations"] for r in process_folder(__import__("conftest").RAW)
    }
    assert {k: int(v["observations"]) for k, v in read_expected_counts().items()} == counts


@pytest.mark.slow
def test_a_number_that_changes_for_an_unchanged_document_blocks_the_release(raw_copy, tmp_path):
    out = tmp_path / "out"
    results = process_folder(raw_copy)
    publish(results, out, raw_copy, tmp_path / "state")
    before = tree_bytes(out)
    changed = copy.deepcopy(results)
    obs = changed[1].observations[0]
    obs["value_low"] = obs["value_high"] = obs["value"] = (obs["value"] or 0) + 1
    with pytest.raises(PublishBlocked) as blocked:
        publish(changed, out, raw_copy, tmp_path / "state")
    assert "changed_for_unchanged_document" in str(blocked.value) and obs["observation_id"] in str(blocked.value)
    assert tree_bytes(out) == before


@pytest.mark.slow
def test_a_table_that_shrinks_too_much_blocks_the_release(raw_copy, tmp_path):
    out = tmp_path / "out"
    results = process_folder(raw_copy)
    publish(results, out, raw_copy, tmp_path / "state")
    before = tree_bytes(out)
    with pytest.raises(PublishBlocked) as blocked:
        publish(results[:1], out, raw_copy, tmp_path / "state")
    assert "expect_table_row_count_to_be_between" in str(blocked.value)
    assert tree_bytes(out) == before


@pytest.mark.slow
def test_documents_that_disagree_are_reported_as_conflicts_but_published(raw_copy, tmp_path):
    # a news article misquoting the report: same region, indicator, kind and period, another number
    article = raw_copy / "005_misquote.txt"
    article.write_text("罗湖区2021年经济社会发展的主要预期目标是:地区生产总值增长7%。", encoding="utf-8")
    with open(raw_copy / "sources.yaml", "a", encoding="utf-8") as fh:
        fh.write(
            '  - file: 005_misquote.txt\n    region_name: 罗湖区\n    region_code: "440303"\n'
            "    document_type: news_article\n    report_year: 2021\n"
        )
    outcome = publish(process_folder(raw_copy), tmp_path / "out", raw_copy, tmp_path / "state")
    report = json.loads((outcome.path / "validation" / "report.json").read_text(encoding="utf-8"))
    assert report["passed"]
    conflict = [w for w in report["warnings"] if "conflicts_other_document" in w["message"]]
    assert conflict and len(conflict[0]["rows"]) >= 3  # the article's 7% and the 5.5-6% of 001 and 002


def test_a_documents_repeated_statements_of_one_fact_are_one_fact_for_the_gate():
    """changed_for_unchanged_document compares like with like: restating a fact with another number (the
    summary says 5%, the chapter 5.5%) is not a change when the previous release had both."""
    import pandas as pd

    from govreport.checks.cross_table import changed_since

    def frame(values):
        return pd.DataFrame(
            [
                {
                    "document_id": "d",
                    "indicator": "gdp",
                    "measure": "growth",
                    "kind": "target",
                    "period": "2024",
                    "comparator": "eq",
                    "extractor_version": "1",
                    "value_low": v,
                    "value_high": v,
                }
                for v in values
            ]
        )

    assert changed_since(frame([5.0, 5.5]), frame([5.0, 5.5])).tolist() == [False, False]
    assert changed_since(frame([5.5, 5.0]), frame([5.0, 5.5])).tolist() == [False, False]  # any order
    assert changed_since(frame([5.0, 6.0]), frame([5.0, 5.5])).tolist() == [False, True]  # a real change
    assert changed_since(frame([7.0]), frame([]).reindex(columns=frame([1.0]).columns)).tolist() == [False]


@pytest.mark.slow
def test_the_benchmark_corpus_second_release_passes_the_gate(tmp_path):
    """Most synthetic documents state some fact twice; adding documents must not trip the check."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench.corpus import build_corpus

    from govreport.checks.cross_table import FACT

    raw = tmp_path / "raw"
    build_corpus(raw, n_docs=12)
    first = process_folder(raw)
    repeated = 0
    for r in first:
        keys = [tuple(o[c] for c in FACT + ["comparator"]) for o in r.observations]
        repeated += len(keys) != len(set(keys))
    assert repeated >= 3, "the corpus no longer repeats facts; this test would prove nothing"
    assert publish(first, tmp_path / "out", raw, tmp_path / "state", expected_counts={}).version == "1.0.0"
    build_corpus(raw, n_docs=14)  # the same 12 documents and two more
    second = publish(process_folder(raw), tmp_path / "out", raw, tmp_path / "state", expected_counts={})
    assert second.version == "1.1.0"
    report = json.loads((second.path / "validation" / "report.json").read_text(encoding="utf-8"))
    assert report["passed"] and report["checks_run"] > 0


@pytest.mark.slow
def test_a_quote_that_does_not_stand_in_its_raw_file_blocks_the_release(raw_copy, tmp_path):
    # the quotes are compared with the raw files in a thread beside the CSV checks: its verdict must still
    # reach the suites, with the row
    results = process_folder(raw_copy)
    changed = copy.deepcopy(results)
    moved, wrong = changed[0].observations[0], changed[1].observations[0]
    moved["quote_start"] += 1  # the same text, read one character later in the raw file
    wrong["value_text"] = "x" + wrong["value_text"]  # not the text at the number's offsets
    with pytest.raises(PublishBlocked) as blocked:
        publish(changed, tmp_path / "out", raw_copy, tmp_path / "state")
    failures = [line for line in str(blocked.value).splitlines() if "expect_column_values_to_be_in_set" in line]
    assert any("quote_matches_raw" in line and moved["observation_id"] in line for line in failures)
    assert any("value_in_quote" in line and wrong["observation_id"] in line for line in failures)
    assert not (tmp_path / "out" / "catalog.json").exists()

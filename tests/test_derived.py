"""The gate's derived columns, computed column-wise, say what the per-row Python they replace said."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from govreport.checks.derived import with_derived_columns

RAW = {
    "d1": "2023年地区生产总值增长5.5%，🙂一般公共预算收入增长三成。",
    "d2": "工业增加值增长6%",
}


def python_reference(raw: str | None, o: dict) -> tuple[bool, bool]:
    """The gate's former per-row check (Python slices: negative and out-of-range offsets included)."""
    if raw is None:
        return False, False
    quote = raw[o["quote_start"] : o["quote_end"]] == o["quote"]
    value = (
        o["quote_start"] <= o["value_start"] < o["value_end"] <= o["quote_end"]
        and raw[o["value_start"] : o["value_end"]] == o["value_text"]
        and any(c.isdigit() or c in "零〇一二两三四五六七八九十百千万亿" for c in o["value_text"])
    )
    return quote, value


def row(doc, quote_start, quote_end, value_start, value_end, value_text=None, quote=None, **extra):
    raw = RAW.get(doc, "")
    return {
        "observation_id": f"o{len(extra)}{doc}{quote_start}{value_start}{value_text}",
        "document_id": doc,
        "indicator": extra.get("indicator", "gdp"),
        "measure": extra.get("measure", "growth"),
        "kind": "actual",
        "period": "2023",
        "period_end": dt.date(2023, 12, 31),
        "region_code": "110000",
        "region_name": None,
        "comparator": "eq",
        "extractor_version": "1",
        "unit": extra.get("unit", "percent"),
        "value_low": extra.get("value", 5.5),
        "value_high": extra.get("value", 5.5),
        "quote": raw[quote_start:quote_end] if quote is None else quote,
        "quote_start": quote_start,
        "quote_end": quote_end,
        "value_start": value_start,
        "value_end": value_end,
        "value_text": raw[value_start:value_end] if value_text is None else value_text,
    }


def test_quotes_and_values_are_judged_as_python_slices_judge_them():
    rows = [
        row("d1", 0, 15, 11, 15),  # the sentence and its 5.5%
        row("d1", 0, 15, 11, 15, quote="2023年地区生产总值增长5.6%"),  # the quote differs from the raw text
        row("d1", 0, 15, 11, 15, value_text="5.6%"),  # the number differs
        row("d1", 0, 10, 11, 15),  # the number outside its quote
        row("d1", 16, 31, 28, 30),  # after an emoji: offsets count code points
        row("d1", 17, 31, 28, 30),  # Chinese numerals: 三成
        row("d1", 0, 5, 0, 4),  # 2023: digits
        row("d1", 5, 9, 5, 9),  # 地区生产: no digit in the "number"
        row("d1", -5, -1, -4, -2),  # negative offsets: Python slices from the end
        row("d1", 30, 99, 30, 99),  # past the end: a shorter slice
        row("d2", 0, 9, 7, 9),
        row("d3", 0, 5, 1, 3, quote="abcde", value_text="bc"),  # no raw file
    ]
    table = pa.Table.from_pylist(rows)
    documents = pa.table({"document_id": ["d1", "d2", "d3"], "source_file": ["a", "b", "c"], "report_year": [2024] * 3})
    out = with_derived_columns({"observations": table, "documents": documents}, RAW.get)["observations"]
    got = list(zip(out["quote_matches_raw"].to_pylist(), out["value_in_quote"].to_pylist(), strict=True))
    assert got == [python_reference(RAW.get(r["document_id"]), r) for r in rows]
    assert got[0] == (True, True) and got[1] == (False, True) and got[4] == (True, True) and got[7] == (True, False)
    assert out["years_from_report"].to_pylist() == [-1] * len(rows)
    assert out["document_known"].to_pylist() == [True] * len(rows)


def test_units_documents_and_conflicts():
    rows = [
        row("d2", 0, 9, 7, 9, unit="percent", value=6.0),
        row("d2", 0, 9, 7, 9, measure="level", unit="percent", value=6.0),  # gdp's level is in CNY_100M
        row("d1", 0, 15, 11, 15, value=5.5),  # d1 says 5.5 where d2 says 6 for gdp growth 2023 in 110000
        row("dx", 0, 1, 0, 1, indicator="no_such_indicator"),
    ]
    documents = pa.table({"document_id": ["d1", "d2"], "source_file": ["a", "b"], "report_year": [2024, 2023]})
    out = with_derived_columns({"observations": pa.Table.from_pylist(rows), "documents": documents}, RAW.get)
    obs = out["observations"]
    assert obs["unit_fits"].to_pylist() == [True, False, True, True]
    assert obs["document_known"].to_pylist() == [True, True, True, False]
    assert obs["indicator_known"].to_pylist() == [True, True, True, False]
    assert obs["years_from_report"].to_pylist() == [0, 0, -1, None]
    assert obs["conflicts_other_document"].to_pylist() == [True, False, True, False]
    assert obs["changed_for_unchanged_document"].to_pylist() == [False] * 4
    assert out["documents"]["n_observations_expected"].to_pylist() == [None, None]


@pytest.mark.parametrize("batch", [8192, 2], ids=["one batch", "documents across batches"])
def test_rows_of_interleaved_documents_are_judged_in_the_tables_order_each_raw_file_read_once(batch, monkeypatch):
    """The quotes are compared document by document: rows of several documents in any order get their own
    verdicts back in the table's order, a missing offset or document gives False, and each raw text is read
    once however its rows are scattered."""
    from govreport.checks import derived
    from govreport.checks.derived import raw_matches

    monkeypatch.setattr(derived, "RAW_MATCH_BATCH", batch)
    rows = [
        row("d2", 0, 9, 7, 9),
        row("d1", 0, 15, 11, 15),
        row("d3", 0, 5, 1, 3, quote="abcde", value_text="bc"),  # no raw file
        row("d1", 0, 15, 11, 15, quote="2023年地区生产总值增长5.6%"),
        row("d2", 0, 9, 7, 9, value_text="7%"),
        row("d1", 17, 31, 28, 30),
        {**row("d1", 0, 15, 11, 15), "value_start": None},  # a missing offset
        {**row("d2", 0, 9, 7, 9), "document_id": None},  # a missing document
        row("d1", 5, 9, 5, 9),
    ] * 3
    reads: list[str] = []

    def reader(document_id: str) -> str | None:
        reads.append(document_id)
        return RAW.get(document_id)

    quote_ok, value_ok = raw_matches(pa.Table.from_pylist(rows), reader)
    expected = [
        (False, False)
        if r["document_id"] is None or None in (r["quote_start"], r["quote_end"], r["value_start"], r["value_end"])
        else python_reference(RAW.get(r["document_id"]), r)
        for r in rows
    ]
    assert list(zip(quote_ok.to_pylist(), value_ok.to_pylist(), strict=True)) == expected
    assert expected[:2] == [(True, True), (True, True)] and expected[3] == (False, True)  # both verdicts occur
    assert sorted(reads) == ["d1", "d2", "d3"]
    assert quote_ok.null_count == value_ok.null_count == 0

"""The columns the suites' domain checks read (never published), computed column-wise with DuckDB and Arrow.

Does each quote stand in its raw file at its offsets, is the document and indicator known, does the unit fit the
measure, does another document state the fact with other bounds, did a number change although its document did
not. Raw files are read once per document, a bounded batch of documents at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from govreport.contract.render import DERIVED_COLUMNS

# Characters that make value_text a number (besides what str.isdigit accepts): Chinese numerals.
CHINESE_DIGITS = "零〇一二两三四五六七八九十百千万亿"
# Raw text held at once while matching quotes: bounds memory on large corpora.
RAW_BATCH_CHARS = 16_000_000

# Python's slice raw[a:b] (negative and out-of-range offsets included) in SQL; DuckDB counts code points as Python does.
SLICE_MACROS = """
CREATE OR REPLACE TEMP MACRO py_index(n, i) AS CASE WHEN i < 0 THEN greatest(n + i, 0) ELSE least(i, n) END;
CREATE OR REPLACE TEMP MACRO py_slice(s, a, b) AS
    substring(s, py_index(length(s), a) + 1, greatest(py_index(length(s), b) - py_index(length(s), a), 0));
"""


def with_derived_columns(
    frames: dict,
    raw_reader: Callable[[str], str | None] | None,
    previous: dict | None = None,
    expected_counts: dict[str, dict] | None = None,
) -> dict:
    """The tables plus the columns the suites' domain checks read, appended in DERIVED_COLUMNS' order.

    frames: pyarrow Tables or pandas DataFrames (returned as the same kind). raw_reader(document_id) gives a
    document's raw text. previous: the previous release's tables, to compare numbers with."""
    from govreport.checks.cross_table import changed_since, conflicts, expected_observations
    from govreport.contract.codelist import load_codelist

    tables = {n: as_arrow(f) for n, f in frames.items()}
    documents, obs = tables["documents"], tables["observations"]
    doc_ids = documents["document_id"]
    codes = {c: ind.unit for c, ind in load_codelist().items()}
    known_codes = pa.array(list(codes), pa.string())

    con = duckdb.connect()
    con.execute(SLICE_MACROS)
    con.register("obs", obs.append_column("__row", pa.array(range(len(obs)), pa.int64())))
    con.register("docs", documents.append_column("__row", pa.array(range(len(documents)), pa.int64())))
    con.register("codes", pa.table({"code": list(codes), "unit": list(codes.values())}, schema=_CODES))
    quote_ok, value_ok = raw_matches(con, obs, raw_reader)
    rows = con.sql(
        """
        -- a document listed twice keeps its last report year, as a Python dict built from the rows would
        WITH years AS (SELECT document_id, arg_max(report_year, __row) AS report_year FROM docs GROUP BY ALL)
        SELECT
            coalesce((measure = 'growth' AND o.unit = 'percent')
                OR (measure = 'change' AND o.unit = 'percentage_points')
                OR (measure = 'level' AND o.unit = u.unit), false) AS unit_fits,
            year(CAST(period_end AS DATE)) - y.report_year AS years_from_report
        FROM obs o LEFT JOIN years y USING (document_id) LEFT JOIN codes u ON o.indicator = u.code
        ORDER BY o.__row
        """
    ).to_arrow_table()
    derived = {
        "document_known": pc.is_in(obs["document_id"], doc_ids),
        "indicator_known": pc.is_in(obs["indicator"], known_codes),
        "unit_fits": rows["unit_fits"],
        "years_from_report": rows["years_from_report"],
        "quote_matches_raw": quote_ok,
        "value_in_quote": value_ok,
        "conflicts_other_document": conflicts(obs),
        "changed_for_unchanged_document": changed_since(obs, (previous or {}).get("observations")),
    }
    out = dict(tables)
    out["observations"] = _append(obs, derived, "observations")
    out["documents"] = documents.append_column(
        "n_observations_expected", expected_observations(documents, expected_counts or {})
    )
    if "flagged_observations" in tables:
        flagged = tables["flagged_observations"]
        known = {
            "document_known": pc.is_in(flagged["document_id"], doc_ids),
            "indicator_known": pc.is_in(flagged["indicator"], known_codes),
        }
        out["flagged_observations"] = _append(flagged, known, "flagged_observations")
    if "quantities" in tables:
        q = tables["quantities"]
        out["quantities"] = _append(q, {"document_known": pc.is_in(q["document_id"], doc_ids)}, "quantities")
    if "targets_vs_actuals" in tables:
        tva = tables["targets_vs_actuals"]
        known = {"indicator_known": pc.is_in(tva["indicator"], known_codes)}
        out["targets_vs_actuals"] = _append(tva, known, "targets_vs_actuals")
    if isinstance(frames["observations"], pd.DataFrame):
        return {n: t.to_pandas() if isinstance(frames.get(n), pd.DataFrame) else t for n, t in out.items()}
    return out


_CODES = pa.schema([("code", pa.string()), ("unit", pa.string())])


def raw_matches(
    con: duckdb.DuckDBPyConnection, obs: pa.Table, raw_reader: Callable[[str], str | None] | None
) -> tuple[pa.Array, pa.Array]:
    """quote_matches_raw and value_in_quote for every row of obs (registered in con as "obs" with __row):
    the quote is the raw text at [quote_start, quote_end); the number's text is at [value_start, value_end),
    inside the quote, and holds a digit. False where the raw file is missing or changed."""
    quote_ok = np.zeros(len(obs), dtype=bool)
    value_ok = np.zeros(len(obs), dtype=bool)
    con.register("digits", pa.table({"__row": pa.array(range(len(obs)), pa.int64()), "digit": has_digit(obs)}))
    for batch in raw_batches(pc.unique(obs["document_id"]).to_pylist(), raw_reader):
        con.register("raw", batch)
        found = con.execute(
            """
            SELECT o.__row AS row,
                coalesce(py_slice(r.raw, o.quote_start, o.quote_end) = o.quote, false) AS quote,
                coalesce(o.quote_start <= o.value_start AND o.value_start < o.value_end
                    AND o.value_end <= o.quote_end
                    AND py_slice(r.raw, o.value_start, o.value_end) = o.value_text AND d.digit, false) AS value
            FROM obs o JOIN raw r USING (document_id) JOIN digits d USING (__row)
            """
        ).fetchnumpy()
        quote_ok[found["row"]] = found["quote"]
        value_ok[found["row"]] = found["value"]
        con.unregister("raw")
    return pa.array(quote_ok), pa.array(value_ok)


def has_digit(obs: pa.Table) -> pa.Array:
    """Whether each value_text holds a digit (str.isdigit: any Unicode digit) or a Chinese numeral; decided once
    per distinct text."""
    encoded = pc.dictionary_encode(obs["value_text"]).combine_chunks()
    verdicts = [
        text is not None and any(c.isdigit() or c in CHINESE_DIGITS for c in text)
        for text in encoded.dictionary.to_pylist()
    ]
    return pc.fill_null(pc.take(pa.array(verdicts, pa.bool_()), encoded.indices), False)


def raw_batches(document_ids: list, raw_reader: Callable[[str], str | None] | None) -> Iterator[pa.Table]:
    """(document_id, raw) tables of up to RAW_BATCH_CHARS characters, each document read once."""
    ids: list[str] = []
    texts: list[str] = []
    size = 0
    for doc_id in document_ids:
        raw = raw_reader(doc_id) if raw_reader and doc_id is not None else None
        if raw is None:
            continue
        ids.append(doc_id)
        texts.append(raw)
        size += len(raw)
        if size >= RAW_BATCH_CHARS:
            yield pa.table({"document_id": ids, "raw": texts})
            ids, texts, size = [], [], 0
    if ids:
        yield pa.table({"document_id": ids, "raw": texts})


def as_arrow(frame) -> pa.Table:
    if isinstance(frame, pa.Table):
        return frame
    return pa.Table.from_pandas(frame, preserve_index=False)


def _append(table: pa.Table, columns: dict, name: str) -> pa.Table:
    assert tuple(columns) == DERIVED_COLUMNS[name], (name, tuple(columns))
    for column, values in columns.items():
        table = table.append_column(column, values)
    return table

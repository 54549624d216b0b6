"""CSV cells as OWASP's CSV-injection guidance wants them: every cell holding a separator, quote, LF or CR is
quoted, and text that a spreadsheet would run as a formula is prefixed with '. Four readers must agree."""

import csv

import duckdb
import pandas as pd
import polars as pl

from govreport.contract.model import DOCUMENTS
from govreport.tables.arrow import FORMULA_START, to_arrow, write_csv

HOSTILE = [
    "plain 文本",
    "bare\rcarriage return",
    "line\nfeed",
    "crlf\r\ninside",
    'a "quoted" word',
    "comma, separated",
    '=HYPERLINK("http://x","y")',
    "+1+2",
    "-3",
    "@SUM(A1)",
    "\t=tab first",
    "\r=cr first",
    "ends in CR\r",
    "trailing space ",
]


def expected(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def hostile_csv(tmp_path):
    rows = [
        {"document_id": f"{i:064x}", "source_file": f"{i}.txt", "title": cell, "report_year": 2024}
        for i, cell in enumerate(HOSTILE)
    ]
    path = tmp_path / "documents.csv"
    with open(path, "wb") as out:
        write_csv(DOCUMENTS, to_arrow(DOCUMENTS, rows, sort=False), out)
    return path, path.read_bytes()


def test_every_reader_gets_each_hostile_cell_back_in_its_own_row(tmp_path):
    path, data = hostile_csv(tmp_path)
    want = [expected(c) for c in HOSTILE]

    with open(path, newline="", encoding="utf-8") as fh:
        by_csv = [r["title"] for r in csv.DictReader(fh)]
    by_pandas = pd.read_csv(path, dtype=str, keep_default_na=False)["title"].tolist()
    by_polars = pl.read_csv(path, infer_schema=False)["title"].to_list()
    by_duckdb = [
        r[0]
        for r in duckdb.sql(
            f"select title from read_csv('{path}', header=true, all_varchar=true, quote='\"', escape='\"')"
        ).fetchall()
    ]
    assert by_csv == want
    assert by_pandas == want
    assert by_polars == want
    assert by_duckdb == want


def test_no_cr_or_lf_outside_quotes_except_the_row_ends(tmp_path):
    _, data = hostile_csv(tmp_path)
    text = data.decode("utf-8")
    inside, outside = False, []
    for ch in text:
        if ch == '"':
            inside = not inside
        elif not inside:
            outside.append(ch)
    unquoted = "".join(outside)
    assert "\r" not in unquoted
    assert unquoted.count("\n") == len(HOSTILE) + 1  # the header and one line per row
    # rows without CR or LF keep the usual minimal quoting, so files of ordinary data keep their bytes
    assert ",plain 文本," in text

"""Rows to typed tables, and tables to Parquet and CSV files with fixed writer settings."""
from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .codelist import read_codelist
from .contract import Table
from .schemas_gen import arrow_schema, frictionless_schema

# Cells a spreadsheet would run as a formula (OWASP CSV injection guidance).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _sort_key(table: Table):
    def key(row: dict):
        # None sorts first, and never compares with a value of another type.
        return tuple((row[c] is not None, row[c] if row[c] is not None else "") for c in table.sort_by)
    return key


def to_arrow(table: Table, rows: list[dict]) -> pa.Table:
    rows = sorted(rows, key=_sort_key(table))
    schema = arrow_schema(table)
    return pa.Table.from_pylist([{f: r.get(f) for f in table.field_names} for r in rows], schema=schema)


def indicator_rows() -> list[dict]:
    return [{k: (v or None) for k, v in row.items()} for row in read_codelist()]


def write_parquet(table: Table, data: pa.Table, path: Path, package_version: str) -> None:
    metadata = {
        b"govreport.table": table.name.encode(),
        b"govreport.package_version": package_version.encode(),
        b"frictionless.schema": json.dumps(frictionless_schema(table), ensure_ascii=False,
                                           sort_keys=True).encode("utf-8"),
    }
    data = data.replace_schema_metadata(metadata)
    pq.write_table(data, path, compression="zstd", compression_level=9, use_dictionary=True,
                   write_statistics=True, row_group_size=1_000_000, data_page_version="2.0")


def _csv_cell(value, is_text: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    s = str(value)
    if is_text and s.startswith(FORMULA_START):
        return "'" + s
    return s


def csv_bytes(table: Table, data: pa.Table) -> bytes:
    text_fields = {f.name for f in table.fields if f.type == "string"}
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.field_names)
    for row in data.to_pylist():
        writer.writerow([_csv_cell(row[name], name in text_fields) for name in table.field_names])
    return buf.getvalue().encode("utf-8")


def write_csv(table: Table, data: pa.Table, path: Path) -> None:
    path.write_bytes(csv_bytes(table, data))

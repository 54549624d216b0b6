"""Rows to typed tables, and tables to Parquet and CSV files with fixed writer settings."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from govreport.contract.codelist import read_codelist
from govreport.contract.model import Table
from govreport.tables.table_file import TableFile

CSV_CHUNK_ROWS = 10_000  # rows turned into Python strings at a time
# Cells a spreadsheet would run as a formula (OWASP CSV injection guidance).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# UTF-8 with a byte-order mark: Excel (Windows, Chinese locale) opens such a file by double-click as UTF-8
# instead of the local code page; pandas, Polars, DuckDB and Frictionless read past the mark.
CSV_BOM = b"\xef\xbb\xbf"


def sort_rows(table: Table, data: pa.Table) -> pa.Table:
    """Rows in the table's order (missing values first); the sort is stable, so ties keep input order."""
    return data.sort_by([(c, "ascending", "at_start") for c in table.sort_by])


def to_arrow(table: Table, rows: list[dict], sort: bool = True) -> pa.Table:
    # Column by column: a list per field rather than a copy of every row as a dict.
    data = pa.Table.from_pydict({f: [r.get(f) for r in rows] for f in table.field_names}, schema=table.to_pyarrow())
    return sort_rows(table, data) if sort else data


def combine(table: Table, parts: Sequence[pa.Table], keep_files: pa.Array | None = None) -> pa.Table:
    """One sorted table from the per-batch tables extraction produced in memory (part files on disk are sorted by
    tables/table_file.py); keep_files: only these documents' rows (None: every row)."""
    in_memory = [p for p in parts if p.num_rows] or [to_arrow(table, [], sort=False)]
    combined = sort_rows(table, pa.concat_tables(in_memory))
    if keep_files is None:
        return combined
    keep = pc.is_in(combined["source_file"], value_set=keep_files)
    # Filtering copies the table: only when a duplicate document's rows are really there.
    return combined if pc.all(keep).as_py() is not False else combined.filter(keep)


def indicator_rows() -> list[dict]:
    return [{k: (v or None) for k, v in row.items()} for row in read_codelist()]


ROW_GROUP_ROWS = 131_072  # rows per Parquet row group: what the writer holds at a time, whatever the table's size


def write_parquet(table: Table, data: pa.Table | TableFile, path: Path, package_version: str) -> None:
    """The table as Parquet, in row groups of ROW_GROUP_ROWS rows written as they come: a table in a file (TableFile)
    is never held whole, and a table in memory gives the same bytes."""
    metadata = {
        b"govreport.table": table.name.encode(),
        b"govreport.package_version": package_version.encode(),
        b"frictionless.schema": json.dumps(table.to_frictionless(), ensure_ascii=False, sort_keys=True).encode("utf-8"),
    }
    schema = data.schema.with_metadata(metadata)
    with pq.ParquetWriter(
        path,
        schema,
        compression="zstd",
        compression_level=9,
        use_dictionary=True,
        write_statistics=True,
        data_page_version="2.0",
    ) as writer:
        for group in _row_groups(data.to_batches(max_chunksize=ROW_GROUP_ROWS), schema):
            writer.write_table(group, row_group_size=ROW_GROUP_ROWS)


def _row_groups(batches: Iterable[pa.RecordBatch], schema: pa.Schema) -> Iterator[pa.Table]:
    """The rows as tables of ROW_GROUP_ROWS rows (the last one fewer), each column in one chunk: a column's pages
    then fall where they fall for the whole table in one piece, however the rows came in."""
    held: list[pa.RecordBatch] = []
    count = 0
    wrote = False
    for batch in batches:
        while batch.num_rows:
            take = min(batch.num_rows, ROW_GROUP_ROWS - count)
            held.append(batch.slice(0, take))
            count += take
            batch = batch.slice(take)
            if count == ROW_GROUP_ROWS:
                yield pa.Table.from_batches(held, schema=schema).combine_chunks()
                held, count, wrote = [], 0, True
    if held or not wrote:
        yield pa.Table.from_batches(held, schema=schema).combine_chunks()


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


def _csv_column(column: pa.Array, is_text: bool) -> list[str]:
    """A column's CSV cells, as _csv_cell writes them, converted a column at a time (one type test per column,
    not per cell)."""
    values = column.to_pylist()
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        if is_text:
            return ["" if v is None else "'" + v if v.startswith(FORMULA_START) else v for v in values]
        return ["" if v is None else v for v in values]
    if pa.types.is_floating(kind):
        return ["" if v is None else repr(v) for v in values]
    if pa.types.is_integer(kind):
        return ["" if v is None else str(v) for v in values]
    return [_csv_cell(v, is_text) for v in values]


def _has_cr(batch: pa.RecordBatch) -> bool | None:
    """Whether a text cell of the batch holds a CR (found by Arrow, not cell by cell); None: other columns could
    (dates, numbers never do), let csv_lines look."""
    found = False
    for column in batch.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            found = found or bool(pc.any(pc.match_substring(column, "\r")).as_py())
        elif not (
            pa.types.is_integer(column.type)
            or pa.types.is_floating(column.type)
            or pa.types.is_boolean(column.type)
            or pa.types.is_date(column.type)
            or pa.types.is_null(column.type)
        ):
            return None
    return found


def csv_lines(rows: Sequence[Sequence[str]], has_cr: bool | None = None) -> str:
    """Rows as RFC 4180 lines ending in LF, with every cell holding a separator, quote, LF or CR quoted.

    Python's csv module quotes only the characters of its line terminator, so with "\n" a bare CR would go
    out unquoted and readers would split the row there. Rows with a CR (rare) are written with a CRLF
    terminator, which makes the writer quote CRs too, and the row's own terminator is cut back to LF."""
    buf = io.StringIO(newline="")
    plain = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    crlf = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    if has_cr is False or (has_cr is None and not any("\r" in cell for row in rows for cell in row)):
        plain.writerows(rows)
        return buf.getvalue()
    for row in rows:
        if any("\r" in cell for cell in row):
            crlf.writerow(row)
            buf.seek(buf.tell() - 2)
            buf.write("\n")
            buf.truncate()
        else:
            plain.writerow(row)
    return buf.getvalue()


def write_csv(table: Table, data: pa.Table, out: BinaryIO) -> str:
    """Write the table as UTF-8 CSV with a BOM to a binary stream, a chunk of rows at a time; return the sha256
    of the text after the BOM (the data's fingerprint: how the file is marked for Excel is not data)."""
    text_fields = {f.name for f in table.fields if f.type == "string"}
    digest = hashlib.sha256()
    out.write(CSV_BOM)

    def emit(rows: Sequence[Sequence[str]], has_cr: bool | None = None) -> None:
        data_bytes = csv_lines(rows, has_cr).encode("utf-8")
        digest.update(data_bytes)
        out.write(data_bytes)

    emit([table.field_names])
    for batch in data.to_batches(max_chunksize=CSV_CHUNK_ROWS):
        columns = [_csv_column(batch.column(name), name in text_fields) for name in table.field_names]
        emit(list(zip(*columns, strict=True)), _has_cr(batch))
    return digest.hexdigest()

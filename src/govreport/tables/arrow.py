"""Rows to typed tables, and tables to Parquet and CSV files with fixed writer settings."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from govreport.contract.codelist import read_codelist
from govreport.contract.model import Table
from govreport.tables.table_file import TableFile

CSV_CHUNK_ROWS = 10_000  # rows turned into CSV text at a time
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
    """One cell as CSV text, before quoting: the rule every column follows, written out for one value. Columns of
    the contract's types take the vectorised path of _csv_cells, which gives the same text."""
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


# Python's repr writes a float in positional notation from 1e-4 up to 1e16; there Arrow's shortest round-trip
# digits are the same, written without the ".0" of a whole number. Arrow writes some of them with an exponent
# (1e+15), and repr others (1e-05, 1e+16, nan): those few cells are written by repr itself.
_REPR_FIXED = (1e-4, 1e16)


def _float_cells(column: pa.Array) -> pa.Array:
    """A float column's cells as repr writes them (nulls empty)."""
    text = pc.cast(column, pa.string())
    size = pc.abs(column)
    fixed = pc.or_(
        pc.equal(column, 0.0), pc.and_(pc.greater_equal(size, _REPR_FIXED[0]), pc.less(size, _REPR_FIXED[1]))
    )
    agrees = pc.and_(fixed, pc.invert(pc.match_substring(text, "e"))).fill_null(True)  # nulls: written empty
    whole = pc.and_(agrees, pc.invert(pc.match_substring(text, ".")))
    text = pc.if_else(whole, pc.binary_join_element_wise(text, ".0", ""), text)
    if not pc.all(agrees).as_py():
        odd = pc.invert(agrees)
        text = pc.replace_with_mask(text, odd, pa.array([repr(v) for v in column.filter(odd).to_pylist()], pa.string()))
    return text.fill_null("")


def _csv_cells(column: pa.Array, is_text: bool) -> pa.Array:
    """A column's cells as CSV text (quoted where needed, nulls empty), computed by Arrow a column at a time."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column, kind = column.dictionary_decode(), kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        cells = column.fill_null("")
        if is_text:  # a spreadsheet would run it as a formula: the ' makes it text
            formula = functools.reduce(pc.or_, (pc.starts_with(cells, p) for p in FORMULA_START))
            if pc.any(formula).as_py():
                cells = pc.if_else(formula, pc.binary_join_element_wise("'", cells, ""), cells)
        return _quoted(cells)
    if pa.types.is_floating(kind):
        return _float_cells(column)
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind) or pa.types.is_date32(kind):
        # Arrow writes these as str(), "true"/"false" and date.isoformat() do: no cell needs quotes.
        return pc.cast(column, pa.string()).fill_null("")
    return _quoted(pa.array([_csv_cell(v, is_text) for v in column.to_pylist()], pa.string()))


def _quoted(cells: pa.Array) -> pa.Array:
    """RFC 4180 quoting of the cells that hold a separator, quote, LF or CR (the csv module's minimal quoting,
    with CR quoted too: a reader would split the row at a bare CR)."""
    text = _text_bytes(cells).tobytes()  # one scan of the cells' bytes finds none in most columns
    if not any(c in text for c in (b",", b'"', b"\r", b"\n")):
        return cells
    needs = pc.match_substring_regex(cells, '[,"\r\n]')
    if not pc.any(needs).as_py():
        return cells
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(cells, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, cells)


def _csv_text(batch: pa.RecordBatch, table: Table, text_fields: set[str]) -> memoryview:
    """The batch's rows as CSV lines ending in LF, UTF-8: the bytes of one Arrow string array, never a Python
    string per cell."""
    cells = [_csv_cells(batch.column(name), name in text_fields) for name in table.field_names]
    cells[-1] = pc.binary_join_element_wise(cells[-1], "", "\n")  # the line's end, on the (narrower) last cell
    return _text_bytes(pc.binary_join_element_wise(*cells, ",") if len(cells) > 1 else cells[0])


def _text_bytes(strings: pa.Array) -> memoryview:
    """The UTF-8 bytes of a string array's values, one after the other: a view of its data buffer, cut to the
    array's own values (a slice of a larger array shares the larger array's buffer)."""
    offsets, data = strings.buffers()[1:3]
    if data is None:
        return memoryview(b"")
    at = np.frombuffer(offsets, np.int64 if pa.types.is_large_string(strings.type) else np.int32)
    return memoryview(data)[at[strings.offset] : at[strings.offset + len(strings)]]


def write_csv(table: Table, data: pa.Table | TableFile, out: BinaryIO) -> str:
    """Write the table as UTF-8 CSV with a BOM to a binary stream, a chunk of rows at a time; return the sha256
    of the text after the BOM (the data's fingerprint: how the file is marked for Excel is not data)."""
    text_fields = {f.name for f in table.fields if f.type == "string"}
    digest = hashlib.sha256()
    out.write(CSV_BOM)

    def emit(data_bytes: bytes | memoryview) -> None:
        digest.update(data_bytes)
        out.write(data_bytes)

    header = pa.RecordBatch.from_arrays([pa.array([n], pa.string()) for n in table.field_names], table.field_names)
    emit(_csv_text(header, table, set()))  # names are never formulas
    for batch in data.to_batches(max_chunksize=CSV_CHUNK_ROWS):
        if batch.num_rows:
            emit(_csv_text(batch, table, text_fields))
    return digest.hexdigest()

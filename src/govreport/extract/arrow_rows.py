"""A document's rows as Arrow, made in the helper process that extracted the document.

A helper hands its parent (and the cache) each document's rows as Arrow IPC streams rather than as one Python
dict per row: the parent then only joins a batch's streams into the tables of its part file, instead of
unpickling every row, pickling it again for the cache and converting it to Arrow itself.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pyarrow as pa

from govreport.contract.model import OBSERVATIONS, QUANTITIES
from govreport.extract.pipeline import DocumentResult

ROW_TABLES = (OBSERVATIONS, QUANTITIES)
FULL_SCHEMAS = {t.name: t.to_pyarrow() for t in ROW_TABLES}
# The same columns without their descriptions: a table built with the described schema costs about four times as
# much per document (pyarrow goes through the fields' metadata on every call); a batch gets them back once.
BARE_SCHEMAS = {name: pa.schema([f.remove_metadata() for f in schema]) for name, schema in FULL_SCHEMAS.items()}


@dataclass
class ExtractedDocument:
    result: DocumentResult  # without its rows
    rows: dict[str, bytes] = field(default_factory=dict)  # table name: its rows as an Arrow IPC stream; {}: none


def split_rows(result: DocumentResult) -> ExtractedDocument:
    """The result without its rows, and its rows as Arrow IPC streams, in their order (a failed document has none)."""
    if result.document is None:
        return ExtractedDocument(result)
    rows = {
        OBSERVATIONS.name: _stream(OBSERVATIONS.name, result.observations),
        QUANTITIES.name: _stream(QUANTITIES.name, result.quantities),
    }
    return ExtractedDocument(dataclasses.replace(result, observations=[], quantities=[]), rows)


def with_rows(document: ExtractedDocument) -> DocumentResult:
    """The result with its rows as dicts again (column order), for callers that want rows."""
    if not document.rows:
        return document.result
    return dataclasses.replace(
        document.result,
        observations=_table(document.rows[OBSERVATIONS.name]).to_pylist(),
        quantities=_table(document.rows[QUANTITIES.name]).to_pylist(),
    )


def batch_tables(documents: list[ExtractedDocument]) -> dict[str, pa.Table]:
    """A batch's rows as release.publish.extracted_tables makes them of its results: the same (unsorted) tables,
    documents in the order given, each one's rows in theirs, one chunk per column."""
    tables = {}
    for name, schema in FULL_SCHEMAS.items():
        batches = [b for d in documents if d.rows for b in _table(d.rows[name]).to_batches()]
        joined = pa.Table.from_batches(batches, schema=BARE_SCHEMAS[name]).combine_chunks()
        tables[name] = pa.Table.from_arrays(joined.columns, schema=schema)  # the descriptions back: no copy
    return tables


def _stream(name: str, rows: list[dict]) -> bytes:
    schema = BARE_SCHEMAS[name]
    data = pa.Table.from_pydict({f: [r.get(f) for r in rows] for f in schema.names}, schema=schema)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, schema) as writer:
        writer.write_table(data)
    return sink.getvalue().to_pybytes()


def _table(stream: bytes) -> pa.Table:
    return pa.ipc.open_stream(stream).read_all()

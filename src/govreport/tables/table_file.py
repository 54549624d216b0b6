"""A release table kept in a file on disk rather than in memory, and read back a batch or a few columns at a time.

At 30 000 documents the release's tables are about 750 MB in Arrow (quantities alone 565 MB): held whole while
they were sorted, the run peaked at 2.2 GB. The large tables are now sorted by DuckDB, which spills to disk past
its memory limit, into an Arrow IPC file; the CSV and Parquet writers, the version bump and the changes read it
back in batches, and the panel and the changes read only the columns they need.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa

from govreport.contract.model import Table
from govreport.tables.engine import duckdb_connect

BATCH_ROWS = 10_000  # rows per record batch in the file: what a reader holds at a time
SORT_MEMORY = "256MB"  # DuckDB's limit while sorting: past it, it spills to its temp folder
PART, ROW = "_part", "_row"  # where a row came from: ties in the sort keys keep this order


class TableFile:
    """A table in an Arrow IPC file, with the parts of pa.Table's interface the release's writers use."""

    def __init__(self, path: Path):
        self.path = Path(path)
        with pa.OSFile(str(self.path)) as source:
            self.schema = pa.ipc.open_file(source).schema

    @cached_property
    def num_rows(self) -> int:
        # Mapped, so only the batches' headers are read, not their rows.
        with pa.memory_map(str(self.path)) as source:
            reader = pa.ipc.open_file(source)
            return sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))

    def to_batches(self, max_chunksize: int | None = None) -> Iterator[pa.RecordBatch]:
        """The rows in order, a record batch at a time (read from the file, not mapped: what was read is freed)."""
        with pa.OSFile(str(self.path)) as source:
            reader = pa.ipc.open_file(source)
            for i in range(reader.num_record_batches):
                batch = reader.get_batch(i)
                if max_chunksize is None or batch.num_rows <= max_chunksize:
                    yield batch
                    continue
                for start in range(0, batch.num_rows, max_chunksize):
                    yield batch.slice(start, max_chunksize)

    def select(self, columns: list[str]) -> pa.Table:
        """These columns of every row, in memory (a few columns of a large table are small)."""
        pieces = [batch.select(columns) for batch in self.to_batches()]
        schema = pa.schema([self.schema.field(c) for c in columns])
        return pa.Table.from_batches(pieces, schema=schema) if pieces else schema.empty_table()


def numbered(part: int, data: pa.Table) -> Iterator[pa.RecordBatch]:
    """data's batches with their part and row numbers appended (the sort's tie-breakers)."""
    schema, row = _with_numbers(data.schema), 0
    for batch in data.to_batches():
        n = batch.num_rows
        numbers = [pa.array(np.full(n, part, np.int32)), pa.array(np.arange(row, row + n, dtype=np.int64))]
        yield pa.RecordBatch.from_arrays([*batch.columns, *numbers], schema=schema)
        row += n


def sort_into_file(
    table: Table,
    batches: Iterable[pa.RecordBatch],
    path: Path,
    extra_keys: tuple[str, ...] = (),
) -> TableFile:
    """The rows of batches (the table's fields plus _part and _row), sorted by the table's sort keys (missing values
    first), then extra_keys, then _part and _row, written to an Arrow IPC file at path in batches of BATCH_ROWS.

    DuckDB sorts (strings by their bytes, as Arrow does): under SORT_MEMORY, spilling to a folder beside path.
    With _part and _row last the order is total, so it is the stable sort's order and the same at every run."""
    schema = table.to_pyarrow()
    source_schema = _with_numbers(schema)
    reader = pa.RecordBatchReader.from_batches(source_schema, batches)
    keys = ", ".join(f'"{c}" ASC NULLS FIRST' for c in (*table.sort_by, *extra_keys, PART, ROW))
    spill = Path(path).with_suffix(".spill")
    con = duckdb_connect(memory_limit=SORT_MEMORY, temp_directory=str(spill), preserve_insertion_order=True)
    try:
        con.register("source_rows", reader)
        result = con.sql(f"SELECT * EXCLUDE ({PART}, {ROW}) FROM source_rows ORDER BY {keys}")
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
            for batch in result.to_arrow_reader(BATCH_ROWS):
                writer.write_batch(_typed(batch, schema))
    finally:
        con.close()
    return TableFile(path)


def _typed(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """DuckDB's batch with the table's exact types and metadata."""
    return pa.RecordBatch.from_arrays([batch.column(f.name).cast(f.type) for f in schema], schema=schema)


def in_order(
    paths: Iterable[Path],
    schema: pa.Schema,
    keep: Callable[[pa.Table], pa.Table] | None = None,
) -> Iterator[tuple[int, pa.Table]]:
    """Each part file's rows as one table (cast to schema), with its place in the list; keep: what of it to use."""
    for index, path in enumerate(paths):
        with pa.OSFile(str(path)) as source:
            piece = pa.ipc.open_file(source).read_all().cast(schema)
        yield index, (keep(piece) if keep is not None else piece)


def sort_parts(
    table: Table,
    paths: list[Path],
    folder: Path,
    keep_files: pa.Array | None = None,
) -> TableFile:
    """The parts' rows (only those whose source_file is in keep_files, when given) sorted into a file in folder:
    the table sort_rows makes of them in memory, ties in the order of the parts and of their rows."""
    schema = table.to_pyarrow()
    batches = (b for i, piece in in_order(paths, schema, _kept(keep_files)) for b in numbered(i, piece))
    return sort_into_file(table, batches, Path(folder) / f"{table.name}.sorted.arrow")


def sort_observation_parts(
    table: Table,
    flagged_table: Table,
    paths: list[Path],
    folder: Path,
    split: Callable[[pa.Table], tuple[pa.Table, pa.Table]],
    keep_files: pa.Array | None = None,
) -> tuple[TableFile, TableFile]:
    """sort_parts for the observations, each part split (row checks) into the rows kept and the rows flagged first.

    The checks read a row and its own document's rows, and a document's rows are in one part, so splitting part by
    part flags the rows that splitting the whole table flags. Each part's flagged rows come sorted by the flagged
    table's keys (ties in row order); sorted again by those keys, then the observations' keys, then part and place,
    they are in the order the whole table's split gives (its ties follow the sorted observations' order)."""
    schema = table.to_pyarrow()
    folder = Path(folder)
    flagged_path = folder / f"{flagged_table.name}.unsorted.arrow"
    flagged_schema = _with_numbers(flagged_table.to_pyarrow())

    with pa.OSFile(str(flagged_path), "wb") as sink, pa.ipc.new_file(sink, flagged_schema) as flagged_out:

        def kept_rows() -> Iterator[pa.RecordBatch]:
            for i, piece in in_order(paths, schema, _kept(keep_files)):
                numbered_piece = pa.Table.from_batches(list(numbered(i, piece)), schema=_with_numbers(schema))
                kept, flagged = split(numbered_piece)
                for batch in numbered(i, flagged.cast(flagged_table.to_pyarrow())):
                    flagged_out.write_batch(batch)
                yield from kept.select([*schema.names, PART, ROW]).to_batches()

        observations = sort_into_file(table, kept_rows(), folder / f"{table.name}.sorted.arrow")
    flagged = sort_into_file(
        flagged_table,
        TableFile(flagged_path).to_batches(),
        folder / f"{flagged_table.name}.sorted.arrow",
        extra_keys=table.sort_by,
    )
    flagged_path.unlink()
    return observations, flagged


def _with_numbers(schema: pa.Schema) -> pa.Schema:
    return pa.schema([*schema, pa.field(PART, pa.int32()), pa.field(ROW, pa.int64())])


def _kept(keep_files: pa.Array | None) -> Callable[[pa.Table], pa.Table] | None:
    if keep_files is None:
        return None

    def keep(piece: pa.Table) -> pa.Table:
        import pyarrow.compute as pc

        wanted = pc.is_in(piece["source_file"], value_set=keep_files)
        # Filtering copies the part: only when a duplicate document's rows are really there.
        return piece if pc.all(wanted).as_py() is not False else piece.filter(wanted)

    return keep


class ParquetFileTable:
    """A release's Parquet file with the parts of pa.Table's interface a comparison reads: its schema and row count
    from the footer, and only the columns asked for."""

    def __init__(self, path: Path):
        import pyarrow.parquet as pq

        self.path = Path(path)
        self.schema = pq.read_schema(self.path)
        self.num_rows = pq.ParquetFile(self.path).metadata.num_rows

    def select(self, columns: list[str]) -> pa.Table:
        import pyarrow.parquet as pq

        return pq.read_table(self.path, columns=list(columns))

    def to_batches(self, max_chunksize: int | None = None) -> Iterator[pa.RecordBatch]:
        import pyarrow.parquet as pq

        yield from pq.ParquetFile(self.path).iter_batches(batch_size=max_chunksize or 65_536)

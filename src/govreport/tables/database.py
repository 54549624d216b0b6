"""Every table of a release in one DuckDB database file, described as the data package describes it.

One file to open for SQL, BI tools and notebooks: `duckdb.connect("govreport.duckdb", read_only=True)`.
Table and column COMMENTs carry the Frictionless titles and descriptions (EN / 中文), so
`duckdb_columns()` documents the data.

The same tables give the same bytes (the release's byte-identity promise covers this file too). Measured with
DuckDB 2.0, two builds of one release differed in two ways, and each is avoided with a documented setting:
- the v1.4 storage format and later write a random 16-byte database identifier into the main header (bytes
  124-139) and a copy into a database header (bytes 8316-8331), plus their checksums: the file is written in the
  v1.3.0 storage format (ATTACH ... STORAGE_VERSION), which has no identifier and which DuckDB 1.3 and later read;
- compressed column segments (dictionary, FSST) leave unused bytes of their blocks uninitialised, so freed
  memory (strings of other tables, pointers) landed in the file: the columns are stored uncompressed
  (SET force_compression), at a cost in size (10 000 documents: 278 MB, against 58 MB compressed, whose bytes
  differed between fresh processes).
- buffers DuckDB reuses within a process keep earlier bytes, which also reached unused block tails once a
  table spans a few blocks: blocks are taken from a region reserved up front (SET block_allocator_memory).
One thread, tables in the contract's order, each read from its Parquet file, and a CHECKPOINT before closing fix
the rest (the catalog names the database after its alias, never the file's name).

Memory: DuckDB holds a table's rows, uncompressed, until a checkpoint writes them, and the written blocks until it
closes the file. The tables come from the release's Parquet files, read by DuckDB itself after the run let its
tables in memory go. Each table is written by a DuckDB instance of its own, so the largest table's blocks are held
at once, not every table's beside the tables in memory (10 000 documents, sampled each second: the write peaked at
884 MB instead of 1 262 MB); and CHUNK_ROWS rows at a time, each chunk checkpointed before the next is read, so a
table's rows are not held whole beside its blocks until one final checkpoint. Writing alone, in a fresh process
(three pairs): 10 000 documents 604 -> 441 MB at most, 30 000 documents 1 024 -> 834 MB, in about the same CPU
time (1.8 s, 3.7-3.9 s); the file is 0.2 % and 0.4 % larger (each checkpoint leaves its last data blocks partly
filled), and its bytes were identical in 12 of 12 and 5 of 5 fresh processes and after a process's heap was
dirtied. A chunk is one DuckDB row group (122 880 rows): shorter chunks were merged with the next one's rows and
written again (50 000 rows: the 10 000-document file 35 % larger, the peak higher, twice the CPU), longer ones hold
more rows at once.
Measured and not used, because the file's bytes then varied between identical runs (evicted or reloaded buffers
reused with their old bytes in unused block tails): a memory_limit (one of three 10 000-document writes differed,
one of five at a 32 MB cap) and appending one table in slices, each by its own instance (three of three differed;
the file 16 % larger, twice the CPU).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from govreport.contract.model import Table
from govreport.tables.engine import duckdb_connect

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

DATABASE_NAME = "govreport.duckdb"
ALIAS = "govreport"
# The newest storage format without a random database identifier in its header (v1.4.0 added one).
STORAGE_VERSION = "v1.3.0"
# Rows of a table written to the file at a time (see "Memory" above): one DuckDB row group. Each checkpoint then
# writes whole row groups, which later checkpoints leave alone; a chunk ending inside one lets DuckDB merge it with
# the next chunk's rows and write it again, leaving the old blocks free in the file (50 000 rows: file +35 %).
CHUNK_ROWS = 122_880


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_database(
    parquet_files: Mapping[str, Path], contract: Sequence[Table], path: Path, chunk_rows: int = CHUNK_ROWS
) -> Path:
    """Write the tables of parquet_files (name: file, in the contract's order) to a new DuckDB file at path, with
    the contract's comments, each table chunk_rows rows at a time."""
    path = Path(path)
    path.unlink(missing_ok=True)
    for t in contract:
        if t.name in parquet_files:
            _add_table(path, t, Path(parquet_files[t.name]), chunk_rows)
    return path


def _add_table(path: Path, t: Table, parquet_file: Path, chunk_rows: int) -> None:
    """One table into the file, by a DuckDB instance of its own: DuckDB holds a table's blocks until it closes,
    so the largest table, not all of them, is held at once."""
    con = duckdb_connect(threads=1)
    try:
        con.execute("SET force_compression = 'uncompressed'")
        # Blocks come from one region mapped at start (fresh, zeroed pages), not from buffers freed earlier in
        # this process, whose old bytes otherwise reach the unused tails of blocks: past a few blocks two
        # builds differed. Mapped memory costs nothing until used; the cap only has to exceed the data, which
        # DuckDB stores uncompressed: about 13 times the zstd Parquet file at 10 000 documents.
        reserved = max(1 << 30, 64 * parquet_file.stat().st_size)
        con.execute(f"SET block_allocator_memory = '{reserved}B'")
        con.execute(f"ATTACH {_quoted(str(path))} AS {ALIAS} (STORAGE_VERSION {_quoted(STORAGE_VERSION)})")
        con.execute(f"USE {ALIAS}")
        _copy_rows(con, t.name, parquet_file, chunk_rows)
        con.execute(f'COMMENT ON TABLE "{t.name}" IS {_quoted(f"{t.title}: {t.en} {t.zh}")}')
        for f in t.to_frictionless()["fields"]:
            if f.get("description"):
                con.execute(f'COMMENT ON COLUMN "{t.name}"."{f["name"]}" IS {_quoted(f["description"])}')
        con.execute(f"CHECKPOINT {ALIAS}")
        con.execute("USE memory")
        con.execute(f"DETACH {ALIAS}")
    finally:
        con.close()


def _copy_rows(con: DuckDBPyConnection, name: str, parquet_file: Path, chunk_rows: int) -> None:
    """The Parquet file's rows into a new table `name`, in the file's order, chunk_rows at a time, each chunk
    written to the file (CHECKPOINT) before the next is read: a table inserted in one statement is held whole,
    uncompressed, until its checkpoint."""
    # file_row_number gives each chunk by its rows' place in the file; DuckDB reads only the row groups a range
    # touches, and with one thread keeps the rows in the file's order (preserve_insertion_order).
    rows = f"SELECT * EXCLUDE (file_row_number) FROM read_parquet({_quoted(str(parquet_file))}, file_row_number = true)"
    (total,) = con.execute(f"SELECT count(*) FROM read_parquet({_quoted(str(parquet_file))})").fetchone() or (0,)
    # The first chunk creates the table (its types are the file's), possibly empty.
    con.execute(f'CREATE TABLE "{name}" AS {rows} WHERE file_row_number < {chunk_rows}')
    con.execute(f"CHECKPOINT {ALIAS}")
    for start in range(chunk_rows, total, chunk_rows):
        con.execute(
            f'INSERT INTO "{name}" {rows} WHERE file_row_number >= {start} AND file_row_number < {start + chunk_rows}'
        )
        con.execute(f"CHECKPOINT {ALIAS}")

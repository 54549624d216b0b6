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
  (SET force_compression), which at this size costs nothing (the file is a few 256 KiB blocks either way).
- buffers DuckDB reuses within a process keep earlier bytes, which also reached unused block tails once a
  table spans a few blocks: blocks are taken from a region reserved up front (SET block_allocator_memory).
One thread, tables in the contract's order and a CHECKPOINT after each fix the rest (the catalog names the
database after its alias, never the file's name).

The tables are read from the release's Parquet files by DuckDB itself, under a fixed memory limit: the
process never holds the tables for the database (the uncompressed file is about as large as the tables in
memory, and DuckDB kept all of it until the end without a limit). Under the limit, blocks written before
the end leave DuckDB's memory. A limit alone gave one of two files at random (10 000 documents); with a
CHECKPOINT after each table, every build gave the same bytes (tests/test_database.py).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from govreport.contract.model import Table

DATABASE_NAME = "govreport.duckdb"
ALIAS = "govreport"
# The newest storage format without a random database identifier in its header (v1.4.0 added one).
STORAGE_VERSION = "v1.3.0"
# DuckDB's memory while writing, whatever the release's size; fixed, as the file's bytes depend on it.
MEMORY_LIMIT = "128MB"
MAX_MEMORY_MB = 1 << 16  # past 64 GB, a limit too small is a machine too small
# Blocks come from one region mapped at start (fresh, zeroed pages), not from buffers freed earlier in this
# process, whose old bytes otherwise reach the unused tails of blocks. Mapped memory costs nothing until
# used; it only has to exceed what DuckDB holds at once, which the memory limit caps.
BLOCK_REGION = 1 << 30


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_database(
    parquet_files: Mapping[str, Path], contract: Sequence[Table], path: Path, memory_limit: str = MEMORY_LIMIT
) -> Path:
    """Write the tables (in the contract's order; parquet_files: table name -> its Parquet file) to a new
    DuckDB file at path, with comments. memory_limit: another limit gives other bytes (tests use a small one).
    DuckDB needs a table's unfinished row group (up to 122 880 rows) in memory: when its rows are so wide that
    the limit is too small, the file is written again under twice the limit, which the same data does each time."""
    import duckdb

    megabytes = int(memory_limit.removesuffix("MB"))
    while True:
        try:
            return _write(parquet_files, contract, Path(path), f"{megabytes}MB")
        except (duckdb.OutOfMemoryException, duckdb.TransactionException) as err:
            # (a commit that cannot pin its blocks is a TransactionException: "failed to pin block")
            if megabytes >= MAX_MEMORY_MB or not isinstance(err, duckdb.OutOfMemoryException) and "pin" not in str(err):
                raise
            megabytes *= 2


def _write(parquet_files: Mapping[str, Path], contract: Sequence[Table], path: Path, memory_limit: str) -> Path:
    import duckdb

    path.unlink(missing_ok=True)
    con = duckdb.connect(config={"threads": 1})
    try:
        with tempfile.TemporaryDirectory(prefix="govreport-duckdb-") as spill:  # never beside the release
            con.execute("SET force_compression = 'uncompressed'")
            region = max(BLOCK_REGION, 2 * int(memory_limit.removesuffix("MB")) << 20)
            con.execute(f"SET block_allocator_memory = '{region}B'")
            con.execute(f"SET memory_limit = {_quoted(memory_limit)}")
            con.execute(f"SET temp_directory = {_quoted(spill)}")
            con.execute(f"ATTACH {_quoted(str(path))} AS {ALIAS} (STORAGE_VERSION {_quoted(STORAGE_VERSION)})")
            con.execute(f"USE {ALIAS}")
            for t in contract:
                if t.name not in parquet_files:
                    continue
                source = _quoted(str(parquet_files[t.name]))
                con.execute(f'CREATE TABLE "{t.name}" AS SELECT * FROM read_parquet({source})')
                con.execute(f'COMMENT ON TABLE "{t.name}" IS {_quoted(f"{t.title}: {t.en} {t.zh}")}')
                for f in t.to_frictionless()["fields"]:
                    if f.get("description"):
                        con.execute(f'COMMENT ON COLUMN "{t.name}"."{f["name"]}" IS {_quoted(f["description"])}')
                con.execute(f"CHECKPOINT {ALIAS}")  # each table on disk before the next: the same bytes each time
            con.execute("USE memory")
            con.execute(f"DETACH {ALIAS}")
    finally:
        con.close()
    return path

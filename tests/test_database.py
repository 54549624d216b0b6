"""The release's DuckDB file, written from the release's Parquet files: the same tables give the same bytes,
whatever else the process did before."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from govreport.contract.model import TABLES
from govreport.tables.arrow import to_arrow, write_parquet
from govreport.tables.database import CHUNK_ROWS, write_database

from conftest import RAW, process_folder


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    """The seeds' observations and documents, as the release writes them."""
    results = process_folder(RAW)
    by_name = {t.name: t for t in TABLES}
    return {
        "observations": to_arrow(by_name["observations"], [o for r in results for o in r.observations]),
        "documents": to_arrow(by_name["documents"], [r.document for r in results]),
    }


def as_parquet(tables: dict[str, pa.Table], folder: Path) -> dict[str, Path]:
    """The tables as the release writes them: one Parquet file each."""
    folder.mkdir(parents=True, exist_ok=True)
    by_name = {t.name: t for t in TABLES}
    files = {name: folder / f"{name}.parquet" for name in tables}
    for name, data in tables.items():
        write_parquet(by_name[name], data, files[name], "1.0.0")
    return files


def varied_rows(seeds: pa.Table, count: int) -> pa.Table:
    """count observation rows, the seeds' repeated, each with a value of its own: a row out of place, repeated or
    missing changes the table."""
    import pyarrow.compute as pc

    rows = pa.concat_tables([seeds] * (count // len(seeds) + 1)).slice(0, count)
    varied = pc.add(rows["value"].combine_chunks(), pa.array(range(count), pa.float64()))
    return rows.set_column(rows.schema.get_field_index("value"), "value", varied.cast(rows.schema.field("value").type))


def rows_in_database(path: Path, name: str) -> pa.Table:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(f"select * from {name}").to_arrow_table()


def same_rows(written: pa.Table, rows: pa.Table) -> bool:
    """The same columns with the same values in the same order (a table read back from DuckDB has no NOT NULL
    flags in its schema)."""
    return written.column_names == rows.column_names and all(
        a.equals(b) for a, b in zip(written.columns, rows.columns, strict=True)
    )


def test_the_same_tables_give_a_byte_identical_database(tables, tmp_path):
    for folder in ("a", "noise", "b"):
        (tmp_path / folder).mkdir()
    first = write_database(as_parquet(tables, tmp_path / "in"), TABLES, tmp_path / "a" / "govreport.duckdb")
    # Another build in between, with other strings in DuckDB's memory: freed buffers must not reach the file
    # (compressed segments left such bytes uninitialised), nor may the random identifier DuckDB's
    # v1.4+ storage format writes into every new file's header.
    noise = {
        "observations": tables["observations"].set_column(
            tables["observations"].schema.get_field_index("quote"),
            "quote",
            pa.array(["噪声" * 40] * len(tables["observations"])),
        )
    }
    write_database(as_parquet(noise, tmp_path / "noise-in"), TABLES, tmp_path / "noise" / "govreport.duckdb")
    # the same rows from another folder, under another file name
    second = write_database(as_parquet(tables, tmp_path / "again"), TABLES, tmp_path / "b" / "elsewhere.duckdb")
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != (tmp_path / "noise" / "govreport.duckdb").read_bytes()
    assert sorted(p.name for p in first.parent.iterdir()) == ["govreport.duckdb"]  # no WAL left beside it


def test_the_database_holds_the_tables_with_their_descriptions(tables, tmp_path):
    # in chunks of 7 rows: the comments are written after the table's last chunk
    path = write_database(as_parquet(tables, tmp_path / "in"), TABLES, tmp_path / "govreport.duckdb", chunk_rows=7)
    assert len(tables["observations"]) > 2 * 7
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.sql("select count(*) from observations").fetchall() == [(len(tables["observations"]),)]
        assert (
            con.sql("select * from documents order by document_id").to_arrow_table().to_pylist()
            == tables["documents"].sort_by("document_id").to_pylist()
        )
        [(comment,)] = con.sql(
            "select comment from duckdb_columns() where table_name = 'observations' and column_name = 'quote'"
        ).fetchall()
        assert "原文" in comment
        [(table_comment,)] = con.sql("select comment from duckdb_tables() where table_name = 'documents'").fetchall()
        assert table_comment.startswith(next(t.title for t in TABLES if t.name == "documents") + ": ")


@pytest.mark.parametrize(
    "count",
    [0, 1, 99, 100, 101, 200, 1_050],
    ids=["empty", "one-row", "under-a-chunk", "one-chunk", "a-chunk-and-a-row", "two-chunks", "eleven-chunks"],
)
def test_a_table_written_in_chunks_keeps_every_row_in_the_files_order(tables, tmp_path, count):
    """A table goes into the file chunk_rows rows at a time: a table ending at, just past or inside a chunk's end
    keeps every row once, in the Parquet file's order."""
    rows = varied_rows(tables["observations"], count)
    files = as_parquet({"observations": rows}, tmp_path / "in")
    path = write_database(files, TABLES, tmp_path / "govreport.duckdb", chunk_rows=100)
    assert same_rows(rows_in_database(path, "observations"), rows)


WRITE_IN_A_NEW_PROCESS = """
import sys
from pathlib import Path
from govreport.contract.model import TABLES
from govreport.tables.database import write_database
write_database({"observations": Path(sys.argv[1])}, TABLES, Path(sys.argv[2]), chunk_rows=int(sys.argv[3]))
"""


@pytest.mark.parametrize(
    ("count", "chunk_rows", "whole_row_groups"),
    [(100_000, 100_001, True), (100_000, 30_000, False), (2 * CHUNK_ROWS + 1_000, CHUNK_ROWS, True)],
    ids=["one-chunk", "chunks-ending-inside-row-groups", "chunks-of-the-release"],
)
def test_a_large_table_gives_the_same_bytes_in_every_process(tables, tmp_path, count, chunk_rows, whole_row_groups):
    """Past a few blocks, DuckDB reuses buffers whose earlier contents (which differ from process to process)
    reached the unused tails of the file's blocks: a 1 000-document release's database differed between two
    builds. Rows of varied values, written by two fresh processes in one chunk or in several (each checkpointed;
    a chunk ending inside a DuckDB row group is merged with the next one's rows and written again), must give one
    file, holding the Parquet file's rows in its order."""
    import subprocess
    import sys

    import pyarrow.parquet as pq

    rows = varied_rows(tables["observations"], count)
    pq.write_table(rows, tmp_path / "rows.parquet")
    built = []
    for name in ("a.duckdb", "b.duckdb"):
        subprocess.run(
            [sys.executable, "-c", WRITE_IN_A_NEW_PROCESS, tmp_path / "rows.parquet", tmp_path / name, str(chunk_rows)],
            check=True,
        )
        built.append((tmp_path / name).read_bytes())
    assert len(built[0]) > 4 * 262_144  # many blocks
    assert built[0] == built[1]
    assert same_rows(rows_in_database(tmp_path / "a.duckdb", "observations"), rows)
    # The release's chunks land as whole DuckDB row groups (122 880 rows, DuckDB's documented size), which no later
    # checkpoint merges and writes again; shorter chunks are merged.
    with duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True) as con:
        sizes = con.sql(
            "select max(count) from pragma_storage_info('observations') where column_id = 0"
            " group by row_group_id order by row_group_id"
        ).fetchall()
    assert all(size == 122_880 for (size,) in sizes[:-1]) == whole_row_groups

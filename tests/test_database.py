"""The release's DuckDB file, written from the release's Parquet files: the same tables give the same bytes,
whatever else the process did before."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from govreport.contract.model import TABLES
from govreport.tables.arrow import to_arrow, write_parquet
from govreport.tables.database import write_database

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
    path = write_database(as_parquet(tables, tmp_path / "in"), TABLES, tmp_path / "govreport.duckdb")
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


WRITE_IN_A_NEW_PROCESS = """
import sys
from pathlib import Path
from govreport.contract.model import TABLES
from govreport.tables.database import write_database
write_database({"observations": Path(sys.argv[1])}, TABLES, Path(sys.argv[2]))
"""


def test_a_large_table_gives_the_same_bytes_in_every_process(tables, tmp_path):
    """Past a few blocks, DuckDB reuses buffers whose earlier contents (which differ from process to process)
    reached the unused tails of the file's blocks: a 1 000-document release's database differed between two
    builds. 100 000 rows of varied values, written by two fresh processes, must give one file."""
    import subprocess
    import sys

    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    seeds = tables["observations"]
    big = pa.concat_tables([seeds] * (100_000 // len(seeds) + 1))
    varied = pc.add(big["value"].combine_chunks(), pa.array(range(len(big)), pa.float64()))
    big = big.set_column(big.schema.get_field_index("value"), "value", varied.cast(big.schema.field("value").type))
    pq.write_table(big, tmp_path / "rows.parquet")
    built = []
    for name in ("a.duckdb", "b.duckdb"):
        subprocess.run(
            [sys.executable, "-c", WRITE_IN_A_NEW_PROCESS, tmp_path / "rows.parquet", tmp_path / name], check=True
        )
        built.append((tmp_path / name).read_bytes())
    assert len(built[0]) > 4 * 262_144  # many blocks
    assert built[0] == built[1]

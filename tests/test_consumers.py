"""Data that is easy to take: CSV that Excel opens as UTF-8 and that readers type as the Parquet is typed,
a stable latest/ path, one DuckDB file with the data package's descriptions, and govreport.data.load."""

import json
import os
import re
import subprocess
import sys

import duckdb
import fsspec
import pandas as pd
import polars as pl
import pytest

from govreport.contract.model import TABLES
from govreport.data import load, text_columns
from govreport.release.publish import PACKAGE_NAME
from govreport.tables.arrow import CSV_BOM
from govreport.tables.database import DATABASE_NAME

from conftest import RAW

pytestmark = [pytest.mark.slow]

PROJECT = RAW.parent
README = (PROJECT / "README.md").read_text(encoding="utf-8")
TABLE_NAMES = [t.name for t in TABLES]


@pytest.fixture(scope="module")
def root(release):
    """The published/ folder of the session's release."""
    return release.parent.parent


def date_fields(release, table):
    schema = json.loads((release / "schemas" / f"{table}.schema.json").read_text(encoding="utf-8"))
    return [f["name"] for f in schema["fields"] if f["type"] == "date"]


def test_every_csv_is_utf8_with_a_bom_that_readers_skip(release):
    assert "UTF-8 with a byte-order mark" in README
    for name in TABLE_NAMES:
        data = (release / "data" / f"{name}.csv").read_bytes()
        assert data.startswith(CSV_BOM) and not data[3:].startswith(CSV_BOM)
        data[3:].decode("utf-8")
        header = data[3:].split(b"\n", 1)[0].decode()
        assert list(pd.read_csv(release / "data" / f"{name}.csv", nrows=0).columns) == header.split(",")
        assert pl.read_csv(release / "data" / f"{name}.csv", n_rows=0).columns == header.split(",")


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_csv_and_parquet_read_with_the_same_column_types(release, root, name):
    """With the text columns the release's schema names (govreport.data.text_columns), pandas, Polars and DuckDB
    type every CSV column as they type the Parquet column; without them, codes would come back as numbers."""
    csv, parquet = release / "data" / f"{name}.csv", release / "data" / f"{name}.parquet"
    text = text_columns(name, "1.0.0", root)
    dates = date_fields(release, name)

    by_pandas = pd.read_csv(csv, dtype=dict.fromkeys(text, str), parse_dates=dates)
    from_parquet = pd.read_parquet(parquet)
    if from_parquet.empty:  # a header row carries no types (the seeds flag no rows): the columns at least agree
        assert list(by_pandas.columns) == list(from_parquet.columns)
        assert pl.read_csv(csv).columns == pl.read_parquet(parquet).columns
        return
    for col in from_parquet.columns:
        if col in dates:  # Parquet dates come to pandas as Python dates, parsed CSV dates as datetime64
            assert (
                from_parquet[col].map(lambda d: None if pd.isna(d) else str(d)).tolist()
                == by_pandas[col].map(lambda d: None if pd.isna(d) else str(d.date())).tolist()
            )
        else:
            assert by_pandas[col].dtype == from_parquet[col].dtype, col

    # A column with no value at all in this release carries no type in a CSV: it must be empty there too.
    typed = [c for c in from_parquet.columns if from_parquet[c].notna().any()]
    assert all(by_pandas[c].isna().all() for c in from_parquet.columns if c not in typed)

    by_polars = pl.read_csv(csv, schema_overrides=dict.fromkeys(text, pl.String), try_parse_dates=True)
    assert by_polars.select(typed).schema == pl.read_parquet(parquet).select(typed).schema

    types = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in text) + "}"
    csv_types = duckdb.sql(f"describe select * from read_csv('{csv}', types={types})").fetchall()
    parquet_types = duckdb.sql(f"describe select * from read_parquet('{parquet}')").fetchall()
    assert [r[:2] for r in csv_types if r[0] in typed] == [r[:2] for r in parquet_types if r[0] in typed]
    assert [r[0] for r in csv_types] == [r[0] for r in parquet_types]


def test_without_hints_codes_would_be_numbers(release):
    """Why text_columns() exists: the region code 440303 is a number to a CSV reader that guesses."""
    guessed = pd.read_csv(release / "data" / "documents.csv")
    assert guessed["region_code"].dtype.kind == "i"
    assert pd.read_parquet(release / "data" / "documents.parquet")["region_code"].dtype.kind != "i"


def test_latest_is_a_stable_path_to_the_newest_release(release):
    latest = release.parent / "latest"
    assert latest.is_symlink() and os.readlink(latest) == release.name
    assert (latest / "data" / "observations.csv").read_bytes() == (release / "data" / "observations.csv").read_bytes()
    catalog = json.loads((release.parent.parent / "catalog.json").read_text(encoding="utf-8"))
    assert [v["version"] for v in catalog["packages"][0]["versions"]] == [release.name]  # not listed twice


def test_the_database_holds_every_table_with_the_descriptions(release):
    with duckdb.connect(str(release / "data" / DATABASE_NAME), read_only=True) as con:
        tables = dict(con.execute("select table_name, comment from duckdb_tables()").fetchall())
        assert sorted(tables) == sorted(TABLE_NAMES)
        assert all(tables[n] for n in TABLE_NAMES)
        comments = dict(
            con.execute(
                "select column_name, comment from duckdb_columns() where table_name = 'observations'"
            ).fetchall()
        )
        schema = json.loads((release / "schemas" / "observations.schema.json").read_text(encoding="utf-8"))
        assert comments == {f["name"]: f["description"] for f in schema["fields"]}
        for name in TABLE_NAMES:
            from_db = con.execute(f'select * from "{name}"').df()
            from_parquet = pd.read_parquet(release / "data" / f"{name}.parquet")
            assert list(from_db.columns) == list(from_parquet.columns)
            assert len(from_db) == len(from_parquet)


def readme_queries() -> list[str]:
    return [q for q in re.findall(r"```sql\n(.*?)```", README, re.S) if "read_parquet(" in q]


def test_the_database_answers_the_readme_queries(release):
    queries = readme_queries()
    assert len(queries) >= 2
    release_path = re.compile(rf"'published/{PACKAGE_NAME}/[^/]+/data/(\w+)\.parquet'")
    with duckdb.connect(str(release / "data" / DATABASE_NAME), read_only=True) as con:
        for query in queries:
            on_files = release_path.sub(lambda m: f"'{release}/data/{m.group(1)}.parquet'", query)
            on_database = re.sub(r"read_parquet\((.*?)\)", lambda m: release_path.search(m.group(1)).group(1), query)
            expected = duckdb.sql(on_files).fetchall()
            assert expected, query  # the query finds rows in the seeds' release
            assert con.execute(on_database).fetchall() == expected


def test_load_reads_a_folder_or_an_fsspec_url(release, root):
    latest = load("observations", root=root)
    pd.testing.assert_frame_equal(latest, pd.read_parquet(release / "data" / "observations.parquet"))
    assert (
        latest["region_code"].dtype == pd.read_parquet(release / "data" / "observations.parquet")["region_code"].dtype
    )
    by_url = load("documents", version="1.0.0", root=f"file://{root}", columns=["source_file", "region_code"])
    assert list(by_url.columns) == ["source_file", "region_code"] and len(by_url) == 5
    memory = fsspec.filesystem("memory")
    package = root / PACKAGE_NAME
    memory.pipe(
        {
            f"/mirror/{PACKAGE_NAME}/latest.json": (package / "latest.json").read_bytes(),
            f"/mirror/{PACKAGE_NAME}/1.0.0/data/indicators.parquet": (
                release / "data" / "indicators.parquet"
            ).read_bytes(),
        }
    )
    assert len(load("indicators", root="memory://mirror")) == len(
        pd.read_parquet(release / "data" / "indicators.parquet")
    )
    with pytest.raises(FileNotFoundError, match="no such table"):
        load("nope", root=root)


def test_the_readme_python_snippet_runs():
    [snippet] = [s for s in re.findall(r"```python\n(.*?)```", README, re.S) if "from govreport.data import load" in s]
    done = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, cwd=PROJECT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "observation_id" not in done.stderr and done.stdout.strip()

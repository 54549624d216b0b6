"""Every table of a release in one DuckDB database file, described as the data package describes it.

One file to open for SQL, BI tools and notebooks: `duckdb.connect("govreport.duckdb", read_only=True)`.
Table and column COMMENTs carry the Frictionless titles and descriptions (EN / 中文), so
`duckdb_columns()` documents the data. DuckDB writes a random header into every new file, so
the database's bytes differ between two builds of the same release; its tables do not.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from govreport.contract.model import Table

DATABASE_NAME = "govreport.duckdb"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_database(tables: dict[str, pa.Table], contract: Sequence[Table], path: Path) -> Path:
    """Write the tables (in the contract's order) to a new DuckDB file at path, with comments."""
    import duckdb

    path = Path(path)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path), config={"threads": 1})
    try:
        for t in contract:
            if t.name not in tables:
                continue
            con.register("incoming", tables[t.name])
            con.execute(f'CREATE TABLE "{t.name}" AS SELECT * FROM incoming')
            con.unregister("incoming")
            con.execute(f'COMMENT ON TABLE "{t.name}" IS {_quoted(f"{t.title}: {t.en} {t.zh}")}')
            for f in t.to_frictionless()["fields"]:
                if f.get("description"):
                    con.execute(f'COMMENT ON COLUMN "{t.name}"."{f["name"]}" IS {_quoted(f["description"])}')
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path

"""DuckDB as the product opens it: no progress bar, which DuckDB draws on standard output, piped or not."""

from __future__ import annotations

import subprocess
import sys

from govreport.tables.engine import duckdb_connect

SHOWN = "SELECT current_setting('enable_progress_bar'), current_setting('threads')"
# In a fresh process, as a command runs (under pytest DuckDB starts with the bar off, which proves nothing).
FRESH = f"""
import sys, duckdb
from govreport.tables.engine import duckdb_connect
con = duckdb_connect(threads=1) if sys.argv[1] == "product" else duckdb.connect(config={{"threads": 1}})
print(con.sql("{SHOWN}").fetchall())
"""


def shown_in_a_fresh_process(kind: str) -> str:
    return subprocess.run([sys.executable, "-c", FRESH, kind], capture_output=True, text=True, check=True).stdout


def test_the_products_connections_draw_no_progress_bar():
    assert shown_in_a_fresh_process("duckdb").strip() == "[(True, 1)]"  # DuckDB's default: the bar is on
    assert shown_in_a_fresh_process("product").strip() == "[(False, 1)]"


def test_a_database_file_is_opened_with_the_same_setting(tmp_path):
    with duckdb_connect(str(tmp_path / "x.duckdb")) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS one")
        assert con.sql(SHOWN).fetchall()[0][0] is False
    assert (tmp_path / "x.duckdb").exists()

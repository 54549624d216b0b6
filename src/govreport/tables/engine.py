"""An in-process DuckDB as every step of the product opens it.

DuckDB draws a progress bar on standard output (piped or not) for any query that runs longer than two
seconds, which a busy machine reaches at 10 000 documents: it landed in users' terminals and in the
benchmark's parsed output. Every connection the product opens comes from here, with the bar off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb


def duckdb_connect(database: str = ":memory:", **config: Any) -> duckdb.DuckDBPyConnection:
    """A connection to database (in memory by default) with config's settings (one given as None keeps DuckDB's
    default), without the progress bar."""
    import duckdb

    con = duckdb.connect(database, config={name: value for name, value in config.items() if value is not None})
    con.execute("SET enable_progress_bar = false")  # a setting of the connection, not of the database
    return con

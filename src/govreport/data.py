"""Read a published table into pandas, from a local folder or any fsspec URL.

    from govreport.data import load
    obs = load("observations")                                   # the latest release in published/
    obs = load("observations", version="1.2.0", root="s3://bucket/govreport")

The Parquet files are read, so codes stay text and numbers keep their types. For the CSV files,
text_columns() names the columns to read as text, from the release's own table schema.
"""

from __future__ import annotations

import json
from pathlib import Path

import fsspec
import pandas as pd

from govreport.contract.model import PACKAGE_NAME
from govreport.paths import PUBLISHED_DIR


def _package(root: str | Path):
    fs, base = fsspec.core.url_to_fs(str(root))
    return fs, f"{base.rstrip('/')}/{PACKAGE_NAME}"


def resolve_version(version: str = "latest", root: str | Path = PUBLISHED_DIR) -> str:
    """The version a name stands for: `latest` is read from the package's latest.json."""
    if version != "latest":
        return version
    fs, package = _package(root)
    with fs.open(f"{package}/latest.json", "rb") as fh:
        return json.load(fh)["version"]


def load(
    table: str, version: str = "latest", root: str | Path = PUBLISHED_DIR, columns: list[str] | None = None
) -> pd.DataFrame:
    """One table of one release as a DataFrame. root: the folder or URL releases are published to."""
    fs, package = _package(root)
    version = resolve_version(version, root)
    path = f"{package}/{version}/data/{table}.parquet"
    if not fs.exists(path):
        found = sorted(Path(p).name.removesuffix(".parquet") for p in fs.glob(f"{package}/{version}/data/*.parquet"))
        raise FileNotFoundError(
            f"{path}: no such table in release {version}"
            + (f" (it has {', '.join(found)})" if found else " (no such release)")
        )
    with fs.open(path, "rb") as fh:
        return pd.read_parquet(fh, columns=columns)


def text_columns(table: str, version: str = "latest", root: str | Path = PUBLISHED_DIR) -> list[str]:
    """The table's text fields, from the release's own table schema. A CSV reader guesses the type of a
    column from its values, so codes that look like numbers (region_code 440305, extractor_version 1.0)
    come back as numbers unless these columns are read as text:

        pandas.read_csv(f, dtype=dict.fromkeys(cols, str))
        polars.read_csv(f, schema_overrides=dict.fromkeys(cols, polars.String), try_parse_dates=True)
        duckdb: read_csv(f, types = {'region_code': 'VARCHAR', ...})
    """
    fs, package = _package(root)
    version = resolve_version(version, root)
    with fs.open(f"{package}/{version}/schemas/{table}.schema.json", "rb") as fh:
        schema = json.load(fh)
    return [f["name"] for f in schema["fields"] if f["type"] == "string"]

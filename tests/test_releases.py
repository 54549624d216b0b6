"""Releases consumers can build on: atomic, locked, reproducible, with changelogs and diffs."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from govreport.contract.model import TABLES
from govreport.release.lock import PublishLocked
from govreport.release.publish import (
    PACKAGE_NAME,
    build_tables,
    content_hash,
    read_latest,
    table_digests,
)
from govreport.tables.database import DATABASE_NAME

from conftest import RAW, REPO, process_folder, publish_folder, tree_bytes

TESTS = Path(__file__).resolve().parent
PUBLISH_SCRIPT = (
    "import sys; sys.path.insert(0, {tests!r}); from pathlib import Path; "
    "from conftest import publish_folder; publish_folder(Path({raw!r}), Path({out!r}))"
)


def start_publish(raw, out):
    code = PUBLISH_SCRIPT.format(tests=str(TESTS), raw=str(raw), out=str(out))
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_staging(out, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if list((out / PACKAGE_NAME).glob(".staging-*")) if (out / PACKAGE_NAME).exists() else []:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError("the publisher never started writing")


def add_report(raw):
    (raw / "020_new.txt").write_text(
        "2024年政府工作报告\n今年主要预期目标是:地区生产总值增长5%左右。", encoding="utf-8"
    )


@pytest.mark.slow
def test_a_publish_killed_mid_write_leaves_the_previous_release_and_latest_untouched(raw_copy, tmp_path):
    out = tmp_path / "out"
    publish_folder(raw_copy, out)
    before = tree_bytes(out)
    add_report(raw_copy)
    proc = start_publish(raw_copy, out)
    wait_for_staging(out, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    visible = {p.relative_to(out) for p in out.rglob("*") if not any(part.startswith(".") for part in p.parts)}
    assert {str(p) for p in visible if p.parts[1:2] == ("1.1.0",)} == set()

    def visible_files(tree):
        return {k: v for k, v in tree.items() if "/." not in "/" + k}

    assert visible_files(tree_bytes(out)) == visible_files(before)
    # the next run cleans the dead run's staging folder and publishes whole
    assert publish_folder(raw_copy, out).version == "1.1.0"
    assert not list((out / PACKAGE_NAME).glob(".staging-*"))


@pytest.mark.slow
def test_two_publishers_at_once_cannot_both_write(raw_copy, tmp_path):
    out = tmp_path / "out"
    publish_folder(raw_copy, out)
    add_report(raw_copy)
    proc = start_publish(raw_copy, out)
    wait_for_staging(out, proc)  # the first holds the lock while it writes
    with pytest.raises(PublishLocked, match="another publish run"):
        publish_folder(raw_copy, out)
    _, stderr = proc.communicate(timeout=900)  # read while waiting: a full pipe would stall the publisher
    assert proc.returncode == 0, stderr
    assert json.loads((out / PACKAGE_NAME / "latest.json").read_text())["version"] == "1.1.0"
    assert sorted(p.name for p in (out / PACKAGE_NAME).iterdir() if p.is_dir() and not p.is_symlink()) == [
        "1.0.0",
        "1.1.0",
    ]


@pytest.mark.slow
def test_the_same_inputs_and_code_give_byte_identical_files(raw_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    a = publish_folder(raw_copy, tmp_path / "a").path
    b = publish_folder(raw_copy, tmp_path / "b").path

    files_a, files_b = tree_bytes(a), tree_bytes(b)
    assert f"data/{DATABASE_NAME}" in files_a  # the DuckDB file too (govreport.tables.database)
    assert "validation/great_expectations.json" in files_a and "validation/frictionless.json" in files_a
    assert files_a == files_b  # the validation reports too: no run's times in them
    descriptor = json.loads((a / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["created"] == "2023-11-14T22:13:20Z"


@pytest.mark.slow
def test_changelog_changes_releases_and_diff(raw_copy, tmp_path):
    out = tmp_path / "out"
    publish_folder(raw_copy, out)
    seed = raw_copy / "000_c6f7ee3199c6db1d.txt"
    seed.write_text(seed.read_text(encoding="utf-8").replace("新增学位2700个", "新增学位2800个"), encoding="utf-8")
    add_report(raw_copy)
    second = publish_folder(raw_copy, out)
    assert second.version == "1.1.0"
    changes = json.loads((second.path / "changes.json").read_text(encoding="utf-8"))
    assert changes["documents"]["added"] == ["020_new.txt"]
    assert changes["documents"]["changed"] == ["000_c6f7ee3199c6db1d.txt"]
    [changed] = changes["observations"]["changed"]
    assert (changed["indicator"], changed["old"]["value"], changed["new"]["value"], changed["reason"]) == (
        "new_school_places",
        2700.0,
        2800.0,
        "raw document changed",
    )
    log = (second.path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert log.index("## 1.1.0") < log.index("## 1.0.0") and "2700.0 places → 2800.0 places" in log
    cli = [sys.executable, "-m", "govreport.cli"]
    releases = subprocess.run(cli + ["releases", "--out", str(out)], capture_output=True, text=True)
    assert releases.returncode == 0 and releases.stdout.index("1.1.0") < releases.stdout.index("1.0.0")
    diff = subprocess.run(cli + ["diff", "1.0.0", "1.1.0", "--out", str(out), "--json"], capture_output=True, text=True)
    assert diff.returncode == 0, diff.stderr
    assert json.loads(diff.stdout)["observations"]["changed"] == changes["observations"]["changed"]


@pytest.mark.slow
def test_polars_duckdb_and_pandas_agree_on_every_table(release):
    import duckdb

    for t in TABLES:
        path = release / "data" / f"{t.name}.parquet"
        by_pandas = pd.read_parquet(path)
        by_polars = pl.read_parquet(path).to_pandas()
        by_duckdb = duckdb.sql(f"select * from read_parquet('{path}')").df()
        assert list(by_polars.columns) == list(by_duckdb.columns) == t.field_names
        for other in (by_polars, by_duckdb):
            for col in t.field_names:
                left = [
                    None if pd.isna(x) else str(x)[:10] if "period_" in col or col == "published" else x
                    for x in by_pandas[col].astype(object)
                ]
                right = [
                    None if pd.isna(x) else str(x)[:10] if "period_" in col or col == "published" else x
                    for x in other[col].astype(object)
                ]
                assert left == right, (t.name, col)


@pytest.mark.slow
def test_parquet_files_carry_types_compression_statistics_and_metadata(release):
    import pyarrow.parquet as pq

    meta = pq.read_metadata(release / "data" / "observations.parquet")
    column = meta.row_group(0).column(meta.schema.names.index("indicator"))
    assert column.compression == "ZSTD" and column.statistics.has_min_max
    assert "RLE_DICTIONARY" in str(column.encodings) or "PLAIN_DICTIONARY" in str(column.encodings)
    schema = pq.read_schema(release / "data" / "observations.parquet")
    assert str(schema.field("period_start").type) == "date32[day]" and str(schema.field("value").type) == "double"
    assert schema.metadata[b"govreport.package_version"] == b"1.0.0"
    assert b"description" in schema.field("indicator").metadata


def test_the_repository_release_is_up_to_date_with_raw_and_the_code():
    """Data changes are reviewed like code changes: publish and commit when this fails."""
    latest = read_latest(REPO / "published" / PACKAGE_NAME)
    assert latest is not None, "nothing published in published/: run `python3 run.py publish`"
    tables = build_tables(process_folder(RAW))
    digest = content_hash(table_digests(tables))
    assert digest == latest["govreport"]["content_sha256"], (
        "published/ is stale: publishing raw/ with the current code would change the data. "
        "Run `python3 run.py publish`, review the diff (govreport diff), and commit the new release."
    )

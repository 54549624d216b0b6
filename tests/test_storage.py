"""Publishing to an S3-compatible server on loopback (moto's server mode) gives the files a folder gets."""

import json

import fsspec
import pytest

from govreport.release.publish import PACKAGE_NAME
from govreport.release.storage import publish_to
from govreport.tables.database import DATABASE_NAME

from conftest import process_folder, publish_folder, tree_bytes

pytestmark = [pytest.mark.slow]


def remote_tree(url):
    fs, root = fsspec.core.url_to_fs(url)
    fs.invalidate_cache()
    return {p[len(root) + 1 :]: fs.cat_file(p) for p in fs.find(root)}


def test_s3_gets_the_same_files_as_a_folder(raw_copy, tmp_path, s3, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    results = process_folder(raw_copy)
    local = publish_folder(raw_copy, tmp_path / "local")
    remote = publish_to(results, s3, raw_copy, tmp_path / "state")
    assert remote.version == local.version == "1.0.0"

    def product(tree):
        return {k: v for k, v in tree.items() if "/validation/" not in k and not k.startswith(".")}

    assert f"{PACKAGE_NAME}/1.0.0/data/{DATABASE_NAME}" in product(remote_tree(s3))  # the DuckDB file too
    assert product(remote_tree(s3)) == product(tree_bytes(tmp_path / "local"))

    # a second run with nothing new publishes nothing; a new report publishes 1.1.0 next to 1.0.0
    assert publish_to(results, s3, raw_copy, tmp_path / "state").version is None
    (raw_copy / "020_new.txt").write_text(
        "2024年政府工作报告\n今年主要预期目标是:地区生产总值增长5%左右。", encoding="utf-8"
    )
    assert publish_to(process_folder(raw_copy), s3, raw_copy, tmp_path / "state").version == "1.1.0"
    tree = remote_tree(s3)
    assert json.loads(tree[f"{PACKAGE_NAME}/latest.json"])["version"] == "1.1.0"
    assert [v["version"] for v in json.loads(tree["catalog.json"])["packages"][0]["versions"]] == ["1.1.0", "1.0.0"]
    assert (
        tree[f"{PACKAGE_NAME}/1.0.0/data/observations.parquet"]
        == tree_bytes(tmp_path / "local")[f"{PACKAGE_NAME}/1.0.0/data/observations.parquet"]
    )

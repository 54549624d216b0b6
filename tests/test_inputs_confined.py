"""Inputs stay inside raw/: a symlink out of it is refused with a message naming it, and what it points at
appears nowhere in the release; only regular files are read."""

import os
import shutil

import pytest

from govreport.extract.cache import ExtractionCache
from govreport.extract.pipeline import process_file

from conftest import RAW, process_folder, publish_folder, tree_bytes

pytestmark = [pytest.mark.slow]

SEED = "000_c6f7ee3199c6db1d.txt"
SECRET = "2024年政府工作报告\n绝密口令 hunter2。今年主要预期目标是:地区生产总值增长5%左右。\n"


def small_raw(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW / SEED, raw / SEED)
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET, encoding="utf-8")
    os.symlink(secret, raw / "leak.txt")
    return raw


def test_a_symlink_out_of_raw_is_refused_by_name_and_nothing_of_it_is_published(tmp_path):
    raw = small_raw(tmp_path)
    results = {r.file: r for r in process_folder(raw)}
    leak = results["leak.txt"]
    assert leak.document is None and not leak.observations
    assert "leak.txt" in leak.error and "outside" in leak.error and "refused" in leak.error
    assert results[SEED].document is not None  # the rest of the run goes on
    outcome = publish_folder(raw, tmp_path / "published", tmp_path / "state")
    assert outcome.version == "1.0.0"
    for name, data in tree_bytes(tmp_path / "published").items():
        assert b"hunter2" not in data, name
        assert "绝密口令".encode() not in data, name


def test_the_extraction_cache_refuses_it_too(tmp_path):
    raw = small_raw(tmp_path)
    result = ExtractionCache(tmp_path / "state").process(raw / "leak.txt", None)
    assert result.document is None and "outside" in result.error
    assert not (tmp_path / "state" / "cache").exists() or not any((tmp_path / "state" / "cache").rglob("*.pickle"))


def test_a_symlink_between_files_inside_raw_is_read(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(SECRET, encoding="utf-8")
    os.symlink("a.txt", raw / "b.txt")
    assert process_file(raw / "b.txt", None).document is not None


def test_a_fifo_is_not_read(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    os.mkfifo(raw / "pipe.txt")  # opening it would block the run forever
    result = process_file(raw / "pipe.txt", None)
    assert result.document is None and "not a regular file" in result.error and "pipe.txt" in result.error

"""The gate reads each raw file as the extractor does (read_document), and only a file with the extracted bytes."""

from __future__ import annotations

import os

import pyarrow as pa
import pytest

from govreport.checks.gate import raw_reader
from govreport.sources.decode import IngestError, decode_bytes, read_document

TEXTS = {
    "utf8.txt": "2023年地区生产总值增长5.5%。\r\n🙂 一般公共预算收入增长三成。\n".encode(),
    "bom.txt": b"\xef\xbb\xbf" + "工业增加值增长6%".encode(),
    "gb.txt": "城镇新增就业1.2万人，居民人均可支配收入增长7%。".encode("gb18030"),
    "utf16.txt": "社会消费品零售总额增长8%".encode("utf-16"),
}


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_a_raw_file_is_read_whole_at_its_own_size(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(TEXTS[name])
    assert read_document(path) == decode_bytes(TEXTS[name], str(path))


@pytest.mark.parametrize("problem", ["missing", "directory", "fifo", "empty", "binary"])
def test_a_raw_file_the_extractor_refuses_is_refused(tmp_path, problem):
    path = tmp_path / "doc.txt"
    if problem == "directory":
        path.mkdir()
    elif problem == "fifo":
        os.mkfifo(path)  # opening it would block: refused from stat, before open
    elif problem == "empty":
        path.write_bytes(b"")
    elif problem == "binary":
        path.write_bytes(b"%PDF-1.7\n")
    with pytest.raises(IngestError):
        read_document(path)


def test_a_changed_or_missing_raw_file_gives_no_text(tmp_path):
    (tmp_path / "a.txt").write_bytes(TEXTS["utf8.txt"])
    (tmp_path / "b.txt").write_bytes(TEXTS["gb.txt"])
    a, b = read_document(tmp_path / "a.txt"), read_document(tmp_path / "b.txt")
    documents = {"document_id": [a.sha256, b.sha256, "c" * 64], "source_file": ["a.txt", "b.txt", "c.txt"]}

    read = raw_reader(tmp_path, pa.table(documents))
    assert read(a.sha256) == a.text
    (tmp_path / "b.txt").write_bytes(TEXTS["gb.txt"] + b" ")  # changed since it was extracted
    assert read(b.sha256) is None
    assert read("c" * 64) is None  # no such file
    assert read("d" * 64) is None  # no such document

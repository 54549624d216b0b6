"""Raw files' hashes remembered by their metadata: a file unchanged on disk is not read again, and no change
to a file's bytes goes unseen."""

import hashlib
import os
import time

import pytest

from govreport import fingerprint
from govreport.sources import remembered_hashes
from govreport.sources.remembered_hashes import RECORD, SETTLED_NS

SETTLED_S = SETTLED_NS / 1e9


@pytest.fixture
def reads(monkeypatch):
    """The names of the files whose bytes were read to hash them."""
    names: list[str] = []
    real = remembered_hashes.file_sha256

    def reading(path):
        names.append(os.path.basename(path))
        return real(path)

    monkeypatch.setattr(remembered_hashes, "file_sha256", reading)
    return names


@pytest.fixture
def later(monkeypatch):
    """The clock moved on past SETTLED_NS: every file written by the test counts as settled."""
    real = time.time_ns
    monkeypatch.setattr(remembered_hashes.time, "time_ns", lambda: real() + 2 * SETTLED_NS)


def raw_folder(tmp_path, n=3):
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(n):
        (raw / f"{i:03d}.txt").write_text(f"二〇二五年报告 {i}", encoding="utf-8")
    return raw


def digests_on_disk(raw):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in raw.iterdir()}


def test_settled_files_are_read_once_then_known_by_their_metadata(tmp_path, reads, later):
    raw, state = raw_folder(tmp_path), tmp_path / "state"
    first = fingerprint.folder_fingerprint(raw, state)
    assert sorted(reads) == ["000.txt", "001.txt", "002.txt"] and first[1] == digests_on_disk(raw)
    reads.clear()
    assert fingerprint.folder_fingerprint(raw, state) == first
    assert reads == []


def test_a_file_rewritten_in_place_with_its_old_size_and_times_is_read_again(tmp_path, reads, later):
    raw, state = raw_folder(tmp_path), tmp_path / "state"
    before = fingerprint.folder_fingerprint(raw, state)
    target = raw / "001.txt"
    old = target.stat()
    time.sleep(0.05)  # past the filesystem clock's tick: the rewrite's change time is another one
    target.write_text("二〇二五年报告 9", encoding="utf-8")  # same length, other bytes
    os.utime(target, ns=(old.st_atime_ns, old.st_mtime_ns))  # modification time set back
    assert target.stat().st_size == old.st_size and target.stat().st_mtime_ns == old.st_mtime_ns
    reads.clear()
    after = fingerprint.folder_fingerprint(raw, state)
    assert reads == ["001.txt"]
    assert after[0] != before[0] and after[1] == digests_on_disk(raw)


def test_a_file_replaced_by_another_is_read_again(tmp_path, reads, later):
    raw, state = raw_folder(tmp_path), tmp_path / "state"
    fingerprint.folder_fingerprint(raw, state)
    replacement = tmp_path / "new.txt"
    replacement.write_text("二〇二五年报告 8", encoding="utf-8")
    old = (raw / "002.txt").stat()
    os.utime(replacement, ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(replacement, raw / "002.txt")  # as editors save: a new file under the old name
    reads.clear()
    assert fingerprint.folder_fingerprint(raw, state)[1] == digests_on_disk(raw)
    assert reads == ["002.txt"]


def test_a_file_changed_moments_before_it_was_read_is_not_remembered(tmp_path, reads):
    """Without the clock moved on: every file is young, so each run reads them all."""
    raw, state = raw_folder(tmp_path), tmp_path / "state"
    fingerprint.folder_fingerprint(raw, state)
    reads.clear()
    fingerprint.folder_fingerprint(raw, state)
    assert sorted(reads) == ["000.txt", "001.txt", "002.txt"]


def test_another_folder_with_the_same_names_is_read(tmp_path, reads, later):
    raw, state = raw_folder(tmp_path), tmp_path / "state"
    fingerprint.folder_fingerprint(raw, state)
    other = tmp_path / "other"
    other.mkdir()
    for p in raw.iterdir():
        (other / p.name).write_text(p.read_text(encoding="utf-8") + "!", encoding="utf-8")
    reads.clear()
    assert fingerprint.folder_fingerprint(other, state)[1] == digests_on_disk(other)
    assert len(reads) == 3


@pytest.mark.parametrize("record", ["{", "[]", '{"folder": 1, "files": []}', ""])
def test_a_torn_or_foreign_record_costs_a_reading_and_nothing_else(tmp_path, reads, later, record):
    raw, state = raw_folder(tmp_path), tmp_path / "state"
    state.mkdir()
    (state / RECORD).write_text(record, encoding="utf-8")
    assert fingerprint.folder_fingerprint(raw, state)[1] == digests_on_disk(raw)
    assert len(reads) == 3
    reads.clear()
    fingerprint.folder_fingerprint(raw, state)  # the record was written afresh
    assert reads == []


def test_an_unchanged_folder_leaves_the_record_untouched(tmp_path, later):
    raw, state = raw_folder(tmp_path), tmp_path / "state"
    fingerprint.folder_fingerprint(raw, state)
    written = (state / RECORD).stat()
    fingerprint.folder_fingerprint(raw, state)
    assert (state / RECORD).stat().st_mtime_ns == written.st_mtime_ns
    assert (state / RECORD).stat().st_ino == written.st_ino


def test_a_deleted_file_leaves_the_record(tmp_path, later):
    raw, state = raw_folder(tmp_path), tmp_path / "state"
    fingerprint.folder_fingerprint(raw, state)
    (raw / "000.txt").unlink()
    fingerprint.folder_fingerprint(raw, state)
    assert "000.txt" not in (state / RECORD).read_text(encoding="utf-8")


def test_a_state_folder_that_cannot_be_written_still_gives_the_hashes(tmp_path, later):
    raw, state = raw_folder(tmp_path), tmp_path / "state"
    state.write_text("a file where the state folder should be", encoding="utf-8")
    assert fingerprint.folder_fingerprint(raw, state)[1] == digests_on_disk(raw)
    assert fingerprint.folder_fingerprint(raw, state)[1] == digests_on_disk(raw)

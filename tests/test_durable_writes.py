"""Files that must survive a crash are written whole and durably: a temporary file fsynced, renamed over the
old one, and the folder fsynced after the rename (without it, a power cut can lose the rename itself)."""

import os

import pytest

from govreport.release.commit import atomic_write, fsync_tree
from govreport.sources import fetch


@pytest.fixture
def syscalls(monkeypatch):
    """The fsyncs (by path) and renames made, in order."""
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    def replace(src, dst, **kw):
        events.append(("replace", os.fspath(src), os.fspath(dst)))
        return real_replace(src, dst, **kw)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events


@pytest.mark.parametrize("write", [atomic_write, fetch._atomic_write], ids=["release", "fetch"])
def test_the_file_is_fsynced_before_the_rename_and_the_folder_after(tmp_path, syscalls, write):
    target = tmp_path / "latest.json"
    target.write_bytes(b"old")
    write(target, b"new")
    assert target.read_bytes() == b"new"
    renames = [i for i, e in enumerate(syscalls) if e[0] == "replace"]
    assert len(renames) == 1
    tmp = syscalls[renames[0]][1]
    assert syscalls[renames[0]][2] == str(target)
    assert ("fsync", tmp) in syscalls[: renames[0]]  # the data is on disk before it gets the name
    assert ("fsync", str(tmp_path)) in syscalls[renames[0] :]  # and the name is on disk after
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.json"]  # no temporary file left


def test_a_staged_tree_has_every_file_and_every_folder_fsynced(tmp_path, syscalls):
    stage = tmp_path / "1.0.0"
    paths = [stage / "data" / f"t{i}.csv" for i in range(40)] + [stage / "site" / "docs" / "a.html"]
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    fsync_tree(stage)
    synced = [path for kind, path in syscalls if kind == "fsync"]
    folders = [stage, stage / "data", stage / "site", stage / "site" / "docs"]
    assert sorted(synced) == sorted(str(p) for p in paths + folders)  # each once, none missed
    # a folder's own fsync comes after every file of the tree has been made durable
    assert set(synced[len(paths) :]) == {str(f) for f in folders}


def test_a_file_that_cannot_be_fsynced_fails_the_tree(tmp_path):
    stage = tmp_path / "1.0.0"
    stage.mkdir()
    (stage / "gone").symlink_to(tmp_path / "missing")  # opening it fails, as a vanished file would
    with pytest.raises(FileNotFoundError):
        fsync_tree(stage)

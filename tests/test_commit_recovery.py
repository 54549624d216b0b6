"""The commit protocol recovers: a run killed (SIGKILL) or out of disk (ENOSPC) at any step of a commit,
locally or on an S3-compatible server, leaves a state the next run completes: one pointer naming a
release whose files match their hashes, a catalog listing every release, no leftovers."""

import errno
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import fsspec
import pytest

from govreport.release.commit import CRASH_AT, ENOSPC_AT, PAUSE_AT, ReleaseDamaged, verify_release
from govreport.release.publish import PACKAGE_NAME, publish
from govreport.release.storage import publish_to
from test_storage import remote_tree

from conftest import RAW, process_folder, publish_folder

pytestmark = [pytest.mark.slow]

TESTS = Path(__file__).resolve().parent
NEW_REPORT = "2024年政府工作报告\n今年主要预期目标是:地区生产总值增长5%左右。"
RUN = (
    "import sys; sys.path.insert(0, {tests!r}); from pathlib import Path; "
    "from conftest import process_folder; from govreport.release.storage import publish_to; "
    "publish_to(process_folder(Path({raw!r})), {out!r}, Path({raw!r}), Path({state!r}))"
)


@pytest.fixture(scope="module")
def first_release(tmp_path_factory):
    """raw/ published as 1.0.0 once; tests copy it."""
    base = tmp_path_factory.mktemp("first")
    shutil.copytree(RAW, base / "raw")
    assert publish_folder(base / "raw", base / "published", base / "state").version == "1.0.0"
    return base


@pytest.fixture
def world(first_release, tmp_path):
    shutil.copytree(first_release / "raw", tmp_path / "raw")
    shutil.copytree(first_release / "published", tmp_path / "published")
    (tmp_path / "raw" / "020_new.txt").write_text(NEW_REPORT, encoding="utf-8")
    return tmp_path


def run_in_subprocess(world, out, env):
    code = RUN.format(tests=str(TESTS), raw=str(world / "raw"), out=str(out), state=str(world / "state"))
    return subprocess.run(
        [sys.executable, "-c", code], env=os.environ | env, capture_output=True, text=True, timeout=900
    )


def assert_consistent_local(out: Path, versions: list[str]):
    package = out / PACKAGE_NAME
    latest = json.loads((package / "latest.json").read_text(encoding="utf-8"))["version"]
    assert latest == versions[0]
    catalog = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    assert [v["version"] for v in catalog["packages"][0]["versions"]] == versions
    folders = [p for p in package.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")]
    assert sorted(p.name for p in folders) == sorted(versions)
    assert os.readlink(package / "latest") == versions[0]  # latest/ follows the commit point
    for v in versions:
        assert verify_release(package / v) == []
    leftovers = [p for p in out.rglob("*") if p.name.startswith(".staging-") or p.name.endswith(".tmp")]
    assert leftovers == []
    assert versions[0] in (out / "index.html").read_text(encoding="utf-8")


# --- a local folder ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "at", ["staged", "renamed", "write latest.json", "committed", "write catalog.json", "catalogued"]
)
def test_a_run_killed_at_each_commit_step_is_completed_by_the_next(world, at):
    out = world / "published"
    killed = run_in_subprocess(world, out, {CRASH_AT: at})
    assert killed.returncode == -9, killed.stderr[-2000:]
    outcome = publish_folder(world / "raw", out, world / "state")
    # before the rename the next run publishes 1.1.0 itself; after it, it adopts the dead run's 1.1.0
    assert outcome.version == ("1.1.0" if at == "staged" else None)
    assert_consistent_local(out, ["1.1.0", "1.0.0"])


@pytest.mark.parametrize("at", ["staged", "renamed", "write latest.json", "committed", "write catalog.json"])
def test_a_full_disk_at_each_commit_step_is_completed_by_the_next_run(world, at, monkeypatch):
    out = world / "published"
    results = process_folder(world / "raw")
    monkeypatch.setenv(ENOSPC_AT, at)
    with pytest.raises(OSError) as full:
        publish(results, out, world / "raw", world / "state")
    assert full.value.errno == errno.ENOSPC
    monkeypatch.delenv(ENOSPC_AT)
    publish(results, out, world / "raw", world / "state")
    assert_consistent_local(out, ["1.1.0", "1.0.0"])


@pytest.mark.parametrize("damage", ["truncated", "dangling", "missing"])
def test_a_damaged_latest_json_is_rebuilt_from_the_version_folders(world, damage):
    out = world / "published"
    pointer = out / PACKAGE_NAME / "latest.json"
    {
        "truncated": lambda: pointer.write_bytes(pointer.read_bytes()[:9]),
        "dangling": lambda: pointer.write_text('{"version": "9.9.9"}'),
        "missing": pointer.unlink,
    }[damage]()
    outcome = publish_folder(world / "raw", out, world / "state")
    assert outcome.version == "1.1.0" and outcome.recovered
    assert_consistent_local(out, ["1.1.0", "1.0.0"])


def test_a_corrupt_catalog_is_rebuilt_and_releases_still_lists(world):
    out = world / "published"
    (out / "catalog.json").write_bytes(b'{"packages": [{"na')
    listing = subprocess.run(
        [sys.executable, "-m", "govreport.cli", "releases", "--out", str(out)], capture_output=True, text=True
    )
    assert listing.returncode == 0 and "1.0.0" in listing.stdout and "Traceback" not in listing.stderr
    assert publish_folder(world / "raw", out, world / "state").version == "1.1.0"
    assert_consistent_local(out, ["1.1.0", "1.0.0"])


def test_an_incomplete_uncommitted_folder_is_moved_aside_not_adopted(world):
    out = world / "published"
    shutil.copytree(out / PACKAGE_NAME / "1.0.0", out / PACKAGE_NAME / "1.1.0")
    (out / PACKAGE_NAME / "1.1.0" / "data" / "observations.parquet").unlink()  # a power cut's half
    outcome = publish_folder(world / "raw", out, world / "state")
    assert outcome.version == "1.1.0"
    assert any("moved aside" in n for n in outcome.recovered)
    assert_consistent_local(out, ["1.1.0", "1.0.0"])
    [aside] = (out / ".aside").iterdir()
    assert "observations.parquet is missing" in (aside / "WHY.txt").read_text(encoding="utf-8")


def test_a_torn_state_file_costs_a_shortcut_not_the_run(tmp_path):
    from govreport.release import unchanged

    state = tmp_path / "state"
    unchanged.remember_inputs(str(state), "abc", "1.0.0")
    assert unchanged.known_inputs(str(state), {"version": "1.0.0", "govreport": {}}) == {"abc"}
    (state / "inputs.json").write_bytes(b'{"inputs": "ab')
    assert unchanged.known_inputs(str(state), {"version": "1.0.0", "govreport": {}}) == set()
    assert not list(state.glob(".*.tmp"))


# --- verify before building on a release --------------------------------------------------------------------
def test_a_changed_byte_in_the_latest_release_stops_the_next_and_validate_says_so(world):
    out = world / "published"
    parquet = out / PACKAGE_NAME / "1.0.0" / "data" / "observations.parquet"
    data = bytearray(parquet.read_bytes())
    data[len(data) // 2] ^= 0xFF
    parquet.write_bytes(bytes(data))
    with pytest.raises(ReleaseDamaged, match=r"1\.0\.0.*observations\.parquet does not match its recorded sha256"):
        publish_folder(world / "raw", out, world / "state")
    assert not (out / PACKAGE_NAME / "1.1.0").exists()
    cli = [sys.executable, "-m", "govreport.cli"]
    publish_cmd = subprocess.run(
        cli + ["publish", "--raw", str(world / "raw"), "--out", str(out), "--state", str(world / "state")],
        capture_output=True,
        text=True,
    )
    assert publish_cmd.returncode == 1
    assert "observations.parquet does not match its recorded sha256" in publish_cmd.stderr
    validate = subprocess.run(
        cli + ["validate", str(out / PACKAGE_NAME / "1.0.0"), "--raw", str(world / "raw")],
        capture_output=True,
        text=True,
    )
    assert validate.returncode == 1
    assert "observations.parquet does not match its recorded sha256" in validate.stdout + validate.stderr


# --- an S3-compatible server ---------------------------------------------------------------------------------
def run_held_after_claim(world, s3, gate):
    """A publishing run to s3 in a process of its own, held after it claimed its version until gate exists."""
    code = RUN.format(tests=str(TESTS), raw=str(world / "raw"), out=s3, state=str(world / "state"))
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=os.environ | {PAUSE_AT: f"remote claimed={gate}"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def s3_first_release(world, s3):
    results = process_folder(world / "raw")
    (world / "raw" / "020_new.txt").rename(world / "020_new.txt.hold")
    assert publish_to(process_folder(world / "raw"), s3, world / "raw", world / "state").version == "1.0.0"
    (world / "020_new.txt.hold").rename(world / "raw" / "020_new.txt")
    return results


def assert_consistent_remote(url: str, versions: list[str]):
    fs, root = fsspec.core.url_to_fs(url)
    fs.invalidate_cache()
    tree = remote_tree(url)
    assert json.loads(tree[f"{PACKAGE_NAME}/latest.json"])["version"] == versions[0]
    assert [v["version"] for v in json.loads(tree["catalog.json"])["packages"][0]["versions"]] == versions
    published = sorted({k.split("/")[1] for k in tree if k.startswith(PACKAGE_NAME + "/") and k.count("/") > 1})
    assert published == sorted(versions)
    for v in versions:
        prefix = f"{PACKAGE_NAME}/{v}/"
        assert verify_release(prefix, read=lambda rel, p=prefix: tree.get(p + rel)) == []
    assert versions[0] in tree["index.html"].decode("utf-8")


@pytest.mark.parametrize("at", ["staged", "remote claimed", "remote pushed", "remote committed", "remote catalog.json"])
def test_on_s3_a_run_killed_at_each_step_is_completed_by_the_next(world, s3, at, monkeypatch):
    results = s3_first_release(world, s3)
    monkeypatch.setenv("GOVREPORT_CLAIM_TTL", "0")  # the killed run is dead: its claim may be taken over
    killed = run_in_subprocess(world, s3, {CRASH_AT: at})
    assert killed.returncode == -9, killed.stderr[-2000:]
    outcome = publish_to(results, s3, world / "raw", world / "state")
    assert outcome.version in ("1.1.0", None)
    assert_consistent_remote(s3, ["1.1.0", "1.0.0"])


def test_on_s3_a_full_disk_mid_push_is_completed_by_the_next_run(world, s3, monkeypatch):
    results = s3_first_release(world, s3)
    monkeypatch.setenv(ENOSPC_AT, "remote pushed")
    with pytest.raises(OSError):
        publish_to(results, s3, world / "raw", world / "state")
    monkeypatch.delenv(ENOSPC_AT)
    assert publish_to(results, s3, world / "raw", world / "state").version is None  # adopted
    assert_consistent_remote(s3, ["1.1.0", "1.0.0"])


def test_on_s3_two_publishers_cannot_both_publish_one_version(world, s3, tmp_path):
    """The first claims 1.1.0 and is held there; the second loses the claim, waits for the first's commit,
    and publishes its own extra document as 1.2.0 on top of it. No document is lost."""
    s3_first_release(world, s3)
    other = tmp_path / "other"
    shutil.copytree(world / "raw", other / "raw")
    (other / "raw" / "021_more.txt").write_text(
        NEW_REPORT.replace("5%", "6%").replace("2024", "2025"), encoding="utf-8"
    )
    gate = tmp_path / "go"
    first = run_held_after_claim(world, s3, gate)
    waiting = tmp_path / "go.waiting"
    second: dict = {}
    try:
        while not waiting.exists():
            assert first.poll() is None, first.communicate()
            time.sleep(0.1)
        second_results = process_folder(other / "raw")
        thread = threading.Thread(
            target=lambda: second.update(outcome=publish_to(second_results, s3, other / "raw", other / "state"))
        )
        thread.start()
        thread.join(timeout=5)
        assert thread.is_alive(), "the second publisher did not wait for the first's claim"
    finally:
        gate.touch()
    _, first_stderr = first.communicate(timeout=900)  # read while waiting: a full pipe would stall it
    assert first.returncode == 0, first_stderr
    thread.join(timeout=600)
    assert second["outcome"].version == "1.2.0"
    assert_consistent_remote(s3, ["1.2.0", "1.1.0", "1.0.0"])
    tree = remote_tree(s3)
    sources = json.loads(tree[f"{PACKAGE_NAME}/1.2.0/datapackage.json"])["sources"]
    assert {"raw/020_new.txt", "raw/021_more.txt"} <= {s["path"] for s in sources}


def test_on_s3_two_publishers_sharing_a_state_folder_do_not_empty_each_others_mirror(world, s3, tmp_path):
    """Both runs would build in the same local mirror of the bucket, which each run empties first. The first
    is held after claiming 1.1.0, its release still in the mirror; the second is refused at once, naming the
    state folder, and the mirror is left alone, so the first pushes its whole release and commits."""
    from govreport.release.lock import PublishLocked

    results = s3_first_release(world, s3)
    gate = tmp_path / "go"
    first = run_held_after_claim(world, s3, gate)
    try:
        while not (tmp_path / "go.waiting").exists():
            assert first.poll() is None, first.communicate()
            time.sleep(0.1)
        with pytest.raises(PublishLocked) as locked:
            publish_to(results, s3, world / "raw", world / "state")
        assert str(locked.value).startswith(f"{world / 'state'}: another publish run to {s3} uses this state folder")
    finally:
        gate.touch()
    _, first_stderr = first.communicate(timeout=900)  # read while waiting: a full pipe would stall it
    assert first.returncode == 0, first_stderr
    assert_consistent_remote(s3, ["1.1.0", "1.0.0"])
    assert publish_to(results, s3, world / "raw", world / "state").version is None  # the next run: nothing new

"""The release's checks in their own process: the same reports as checks run here, and a publisher that is never
left waiting on a process that is gone."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from govreport.checks.gate import validate_package
from govreport.checks.gate_process import ChecksProcess, ChecksProcessDied
from govreport.extract.budget import STOP

from conftest import tree_bytes

REPORTS = ("report.json", "frictionless.json", "great_expectations.json")


def _raw_of(release: Path) -> Path:
    return release.parents[2] / "raw"  # conftest: base/raw beside base/published/<package>/<version>


def _both_ways(release: Path, raw: Path, tmp_path: Path) -> tuple[dict, dict, Path, Path]:
    here, there = tmp_path / "here", tmp_path / "there"
    expected = validate_package(release, raw, here)
    with ChecksProcess() as process:
        process.submit(release, raw, there)
        got = process.report()
    return expected.to_json(), got.to_json(), here, there


def test_a_good_release_gets_the_same_reports_in_the_checks_process(release, tmp_path):
    expected, got, here, there = _both_ways(release, _raw_of(release), tmp_path)
    assert got["passed"] and got["checks_run"] > 100
    assert got == expected
    for name in REPORTS:
        assert (there / name).read_bytes() == (here / name).read_bytes(), name


def test_a_damaged_release_gets_the_same_failures_in_the_checks_process(release, tmp_path):
    damaged = tmp_path / "release"
    shutil.copytree(release, damaged)
    csv = damaged / "data" / "observations.csv"
    lines = csv.read_text(encoding="utf-8").splitlines(keepends=True)
    csv.write_text("".join(lines[:-1]), encoding="utf-8")  # a row gone: the file no longer has its hash
    expected, got, _, _ = _both_ways(damaged, _raw_of(release), tmp_path)
    assert not got["passed"]
    assert got == expected
    assert any("observations.csv" in json.dumps(f, ensure_ascii=False) for f in got["critical"])


def test_an_error_of_the_checks_is_raised_in_the_publisher_as_it_is_here(tmp_path):
    missing = tmp_path / "no-such-release"
    with pytest.raises(Exception) as here:
        validate_package(missing, tmp_path, tmp_path / "here")
    with ChecksProcess() as process:
        process.submit(missing, tmp_path, tmp_path / "there")
        with pytest.raises(type(here.value)) as there:
            process.report()
    assert str(there.value) == str(here.value)


def test_a_checks_process_killed_while_checking_is_reported_not_waited_for(release, tmp_path):
    with ChecksProcess() as process:
        process.submit(release, _raw_of(release), tmp_path / "validation")
        assert process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        with pytest.raises(ChecksProcessDied, match="code -9"):
            process.report()


def test_a_checks_process_gone_before_its_work_is_reported(release, tmp_path):
    with ChecksProcess() as process:
        assert process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until the kill has landed: then the pipe has no reader
            try:
                os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                break
            time.sleep(0.05)
        with pytest.raises(ChecksProcessDied):
            process.submit(release, _raw_of(release), tmp_path / "validation")
            process.report()


def test_a_stopped_run_stops_waiting_and_ends_the_checks_process(release, tmp_path):
    process = ChecksProcess()
    try:
        process.submit(release, _raw_of(release), tmp_path / "validation")
        STOP.set()
        with pytest.raises(KeyboardInterrupt):
            process.report()
    finally:
        STOP.clear()
        process.close()
    pid = process.pid
    assert pid is not None
    with pytest.raises(ProcessLookupError):  # ended and reaped
        os.kill(pid, 0)


def test_a_release_with_nothing_to_check_ends_the_checks_process(tmp_path):
    with ChecksProcess() as process:
        pid = process.pid
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


PUBLISH_HERE = """
import sys
from pathlib import Path
from govreport.extract.pipeline import process_all
from govreport.release.publish import publish
from govreport.sources.raw_folder import read_inputs
raw, out = Path(sys.argv[1]), Path(sys.argv[2])
files, entries, _ = read_inputs(raw)
outcome = publish(process_all(files, entries), out, raw, out.parent / "state")
print(outcome.version, outcome.report.passed, "great_expectations" in sys.modules)
"""


def test_a_fresh_publisher_checks_in_the_checks_process_and_publishes_the_same_release(release, tmp_path):
    """publish() in a process without GX (a script, a served flow run) checks in the checks' process; what it
    publishes is what a process that checks in itself publishes (the session's release)."""
    raw = tmp_path / "raw"
    shutil.copytree(_raw_of(release), raw)
    env = os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", PUBLISH_HERE, str(raw), str(tmp_path / "published")],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["1.0.0", "True", "False"]  # published, checks passed, GX never imported here
    assert tree_bytes(tmp_path / "published" / release.relative_to(release.parents[2] / "published")) == tree_bytes(
        release
    )

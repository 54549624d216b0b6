"""The Prefect flow and the CLI, end to end on Prefect's embedded local API."""

import json
import os
import sqlite3
import subprocess
import sys

import psutil
import pytest

from govreport.extract.budget import helpers_for_run
from govreport.release.publish import PACKAGE_NAME

from conftest import tree_bytes


def is_helper(process: psutil.Process) -> bool:
    """An extraction helper (a spawned multiprocessing child), not multiprocessing's shared resource tracker."""
    try:
        command = " ".join(process.cmdline())
    except psutil.NoSuchProcess:  # ended while being looked at
        return False
    return "multiprocessing" in command and "resource_tracker" not in command


@pytest.mark.slow
@pytest.mark.prefect
def test_flow_runs_end_to_end_and_publishes_once(raw_copy, tmp_path):
    from govreport.flows.publish import publish_flow  # Prefect: imported by the tests that run a flow only

    out = tmp_path / "published"
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    with helpers_for_run() as early:  # as the command line runs it: helpers started before the flow
        early.start_helpers()
        outcome = publish_flow(raw_dir=str(raw_copy), out_dir=str(out), state_dir=str(tmp_path / "state"), batch_size=2)
        # The flow ended the helpers after its last batch, not at the end of the command's block.
        assert [p for p in psutil.Process().children(recursive=True) if p.pid not in before and is_helper(p)] == []
    assert outcome.version == "1.0.0"
    assert outcome.row_counts["documents"] == 5 and outcome.row_counts["observations"] >= 70
    # The three batches' rows went to part files, removed once published.
    assert list((tmp_path / "state" / "parts").iterdir()) == []
    before = tree_bytes(out)
    again = publish_flow(raw_dir=str(raw_copy), out_dir=str(out), state_dir=str(tmp_path / "state"))
    assert again.version is None
    assert tree_bytes(out) == before


@pytest.mark.slow
@pytest.mark.prefect
def test_a_first_cli_publish_in_a_new_prefect_home_is_quiet(raw_copy, tmp_path):
    """What a new user sees: no traceback, no warning, no telemetry error, no server banner, one summary.
    Run with the CLI's own defaults: none of the Prefect settings this test session makes."""
    out = tmp_path / "published"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PYTHONWARNINGS", "DASK_"))}
    env.update(PREFECT_HOME=str(tmp_path / "new-prefect-home"), COLUMNS="200")
    cli = [sys.executable, "-m", "govreport.cli"]
    args = ["publish", "--raw", str(raw_copy), "--out", str(out), "--state", str(tmp_path / "state")]
    done = subprocess.run(cli + args, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr == ""  # no traceback, warning, telemetry error or banner
    lines = done.stdout.splitlines()
    assert [line for line in lines if line.startswith("run summary")] == [lines[0]]
    assert lines[-1].startswith("Published 1.0.0") and len(lines) == 2, done.stdout
    latest = json.loads((out / PACKAGE_NAME / "latest.json").read_text(encoding="utf-8"))
    assert latest["version"] == "1.0.0"
    again = subprocess.run(cli + ["--quiet"] + args, capture_output=True, text=True, env=env)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")


@pytest.mark.slow
@pytest.mark.prefect
def test_a_cli_runs_log_reaches_the_api_to_its_last_line_before_the_server_stops(raw_copy, tmp_path):
    """The temporary server's database stays in the Prefect home (a later `prefect server start` shows the run):
    the log workers send what they hold before this run's server is stopped, not at a shutdown it never sees."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PYTHONWARNINGS", "DASK_"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"))
    args = ["-v", "publish", "--raw", str(raw_copy), "--out", str(tmp_path / "out"), "--state", str(tmp_path / "st")]
    done = subprocess.run([sys.executable, "-m", "govreport.cli", *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    with sqlite3.connect(tmp_path / "prefect-home" / "prefect.db") as db:
        logged = [message for (message,) in db.execute("SELECT message FROM log ORDER BY timestamp")]
    assert any(message.startswith("run summary") for message in logged), logged
    assert logged[-1] == "Finished in state Completed()"
    # And the run sent no heartbeats to a server that ends with it (the flow's end waited up to a second for them).
    with sqlite3.connect(tmp_path / "prefect-home" / "prefect.db") as db:
        events = {event for (event,) in db.execute("SELECT event FROM events")}
    assert "prefect.flow-run.Completed" in events and "prefect.flow-run.heartbeat" not in events, events


@pytest.mark.slow  # starts the CLI in a new process
def test_cli_rejects_a_missing_raw_folder(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "govreport.cli",
            "publish",
            "--raw",
            str(tmp_path / "nope"),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "does not exist" in done.stderr

"""The Prefect flow and the CLI, end to end on Prefect's embedded local API."""
import json
import os
import subprocess
import sys

import pytest

from govreport.flows.publish import publish_flow
from govreport.release.publish import PACKAGE_NAME

from conftest import tree_bytes


@pytest.mark.slow
@pytest.mark.prefect
def test_flow_runs_end_to_end_and_publishes_once(raw_copy, tmp_path):
    out = tmp_path / "published"
    outcome = publish_flow(raw_dir=str(raw_copy), out_dir=str(out), state_dir=str(tmp_path / "state"),
                                 batch_size=2)
    assert outcome.version == "1.0.0"
    assert outcome.row_counts["documents"] == 5 and outcome.row_counts["observations"] >= 70
    before = tree_bytes(out)
    again = publish_flow(raw_dir=str(raw_copy), out_dir=str(out), state_dir=str(tmp_path / "state"))
    assert again.version is None
    assert tree_bytes(out) == before


@pytest.mark.slow
@pytest.mark.prefect
def test_cli_publish_reports_and_exits_zero(raw_copy, tmp_path):
    out = tmp_path / "published"
    done = subprocess.run([sys.executable, "-m", "govreport.cli", "publish", "--raw", str(raw_copy),
                           "--out", str(out), "--state", str(tmp_path / "state")],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Published 1.0.0" in done.stdout
    latest = json.loads((out / PACKAGE_NAME / "latest.json").read_text(encoding="utf-8"))
    assert latest["version"] == "1.0.0"


def test_cli_rejects_a_missing_raw_folder(tmp_path):
    done = subprocess.run([sys.executable, "-m", "govreport.cli", "publish", "--raw", str(tmp_path / "nope"),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert done.returncode == 2 and "does not exist" in done.stderr

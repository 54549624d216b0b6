"""A blocked or failed `govreport publish` says what went wrong in a few lines and exits non-zero;
Prefect's and Python's tracebacks only with --debug."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from govreport.release.publish import PACKAGE_NAME
from report_series import write_local_series

# Each test runs `govreport publish` in a new process: Prefect's embedded server, a whole release (minutes under load).
pytestmark = [pytest.mark.slow, pytest.mark.prefect]


def publish_cli(tmp_path, raw, out, *extra):
    # Prefect's INFO logs on, as a user has them: the point is what reaches the terminal.
    env = {**os.environ, "COLUMNS": "200", "PREFECT_LOGGING_LEVEL": "INFO"}
    # --debug is an option of govreport itself: govreport --debug publish ...
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "govreport.cli",
            *extra,
            "publish",
            "--raw",
            str(raw),
            "--out",
            str(out),
            "--state",
            str(tmp_path / "state"),
        ],
        capture_output=True,
        text=True,
        env=env,
    )


def test_a_blocked_release_stops_in_a_few_lines_naming_the_check_and_the_report(tmp_path):
    years = range(2018, 2022)
    write_local_series(
        tmp_path / "raw",
        years,
        absurd={y: {"gdp_actual": 95, "gdp_target": 90, "unemployment_actual": 32} for y in years},
    )
    done = publish_cli(tmp_path, tmp_path / "raw", tmp_path / "published")
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Traceback" not in done.stderr + done.stdout and "╭" not in done.stderr
    assert "release blocked by" in done.stderr
    assert "flagged_observations: expect_table_row_count_to_be_between" in done.stderr
    rejected = tmp_path / "state" / "rejected"
    report = next(rejected.glob("*/validation/report.json"))
    assert str(report) in done.stderr.replace("\n", "")
    blocked_lines = done.stderr[done.stderr.index("release blocked by") :].strip().splitlines()
    assert len(blocked_lines) <= 8, blocked_lines
    assert "observations flagged (" in done.stderr and "plausibility" in done.stderr  # why, with an example row
    assert "Finished in state Failed" not in done.stderr and "ERROR" not in done.stderr  # Prefect's stay quiet
    assert "Warning" not in done.stderr  # library warnings are for --debug
    assert not (tmp_path / "published" / PACKAGE_NAME / "latest.json").exists()


def test_a_failed_run_stops_in_two_lines_and_debug_shows_the_traceback(tmp_path):
    (tmp_path / "raw").mkdir()
    write_local_series(tmp_path / "raw", range(2020, 2022))
    (tmp_path / "a_file").write_text("not a folder")
    out = tmp_path / "a_file" / "published"  # cannot be created: the run fails after extraction
    done = publish_cli(tmp_path, tmp_path / "raw", out)
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Traceback" not in done.stderr + done.stdout and "╭" not in done.stderr
    assert "publish failed: NotADirectoryError" in done.stderr and "--debug" in done.stderr
    assert "nothing was published" in done.stderr

    debug = publish_cli(tmp_path, tmp_path / "raw", out, "--debug")
    assert debug.returncode != 0
    assert "NotADirectoryError" in debug.stderr and ("Traceback" in debug.stderr or "╭" in debug.stderr)

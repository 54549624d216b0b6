"""The command line's one error path: a user mistake or an OS error is one `error:` line naming the file and
the problem, a non-zero exit, no traceback (unless --debug), and nothing written when every input failed."""

import os
import subprocess
import sys

import pytest

from govreport.errors import UserError, is_transient

from conftest import RAW

pytestmark = [pytest.mark.slow]

PROJECT = RAW.parent


def govreport(*args, cwd=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "govreport.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


def assert_one_error_line(done, *must_say):
    assert done.returncode != 0, done
    lines = done.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr
    for text in must_say:
        assert text in errors[0], errors[0]
    assert "Traceback" not in done.stderr + done.stdout
    return errors[0]


def test_publish_to_a_file_is_one_line_and_nothing_runs(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("hello\n")
    done = govreport("publish", "--raw", RAW, "--out", readme, "--state", tmp_path / "state")
    assert_one_error_line(done, str(readme), "must be a folder")
    assert readme.read_text() == "hello\n"
    assert not (tmp_path / "state").exists()


def test_evaluate_a_missing_gold_file(tmp_path):
    assert_one_error_line(govreport("evaluate", tmp_path / "nope.csv"), "nope.csv", "no such file or folder")


def test_evaluate_a_folder_without_gold_files():
    assert_one_error_line(govreport("evaluate", "raw", cwd=PROJECT), "raw", "without gold CSV files")


def test_schemas_into_a_file(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("hello\n")
    assert_one_error_line(govreport("schemas", "--out", readme), str(readme), "must be a folder")
    assert readme.read_text() == "hello\n"


def test_extract_of_only_missing_files_writes_nothing(tmp_path):
    out = tmp_path / "o.csv"
    done = govreport("extract", tmp_path / "nope.txt", "--out", out)
    assert_one_error_line(done, "nope.txt")
    assert not out.exists()


def test_extract_goes_on_past_a_missing_file(tmp_path):
    out = tmp_path / "o.csv"
    seed = sorted(RAW.glob("*.txt"))[0]
    done = govreport("extract", tmp_path / "nope.txt", seed, "--out", out)
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("error: ")] == [
        f"error: {tmp_path / 'nope.txt'}: cannot read file: No such file or directory"
    ]
    assert out.exists() and len(out.read_text(encoding="utf-8-sig").splitlines()) > 1


def test_candidates_of_a_missing_file(tmp_path):
    assert_one_error_line(govreport("candidates", tmp_path / "nope.txt"), "nope.txt")


def test_validate_and_diff_name_a_release_that_is_not_there(tmp_path):
    assert_one_error_line(govreport("validate", "9.9.9", "--out", PROJECT / "published"), "9.9.9", "no such release")
    assert_one_error_line(
        govreport("diff", "latest", "1.0.0", "--out", tmp_path), "latest.json", "nothing is published"
    )


def test_usage_mistakes_are_one_line_too():
    assert_one_error_line(govreport("publish", "--workers", "many"), "--workers")
    assert_one_error_line(govreport("no-such-command"), "no-such-command")


def test_debug_shows_the_traceback(tmp_path):
    done = govreport("--debug", "evaluate", tmp_path / "nope.csv")
    assert done.returncode != 0
    assert "Traceback" in done.stderr and "UserError" in done.stderr


def test_version_and_short_help():
    version = govreport("--version")
    assert version.returncode == 0 and version.stdout.startswith("govreport ")
    for args in (["-h"], ["diff", "-h"], ["publish", "-h"]):
        done = govreport(*args)
        assert done.returncode == 0, done
        assert "Usage:" in done.stdout
        assert "<bool>" not in done.stdout


@pytest.mark.parametrize(
    "exc, transient",
    [
        (UserError("x: bad"), False),
        (FileNotFoundError(2, "No such file or directory", "x"), False),
        (IsADirectoryError(21, "Is a directory", "x"), False),
        (ValueError("bad data"), False),
        (ConnectionResetError(104, "Connection reset by peer"), True),
        (TimeoutError("timed out"), True),
    ],
)
def test_only_transient_errors_are_retried(exc, transient):
    assert is_transient(exc) is transient


def test_prefect_does_not_retry_a_user_error_but_retries_a_dropped_connection():
    from prefect import flow, task

    from govreport.errors import retry_if_transient

    calls = []

    @task(retries=2, retry_delay_seconds=0, retry_condition_fn=retry_if_transient, persist_result=False)
    def step(error: Exception):
        calls.append(type(error).__name__)
        raise error

    @flow(persist_result=False)
    def run(error: Exception):
        return step(error, return_state=True)

    assert run(UserError("raw: not a folder"), return_state=True).is_failed()
    assert calls == ["UserError"]
    calls.clear()
    assert run(ConnectionResetError(104, "reset"), return_state=True).is_failed()
    assert calls == ["ConnectionResetError"] * 3

"""Prefect's embedded API server ends with the run, whatever way the run ends (counted by process)."""
import os
import shutil
import signal
import subprocess
import sys
import time

import psutil
import pytest

from conftest import RAW

pytestmark = [pytest.mark.slow, pytest.mark.prefect]

SEED = "000_c6f7ee3199c6db1d.txt"


def servers_of(prefect_home):
    """uvicorn processes serving Prefect's API for this PREFECT_HOME."""
    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if "prefect.server.api.server:create_app" in " ".join(p.info["cmdline"] or []) and \
                    p.environ().get("PREFECT_HOME") == str(prefect_home):
                found.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def start_publish(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW / SEED, raw / SEED)
    home = tmp_path / "prefect-home"
    env = os.environ | {"PREFECT_HOME": str(home), "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "govreport.cli", "publish", "--raw", str(raw),
                             "--out", str(tmp_path / "published"), "--state", str(tmp_path / "state")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, home


def wait_for_server(proc, home, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if servers_of(home):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    raise AssertionError("the run never started Prefect's server")


def gone_within(home, seconds):
    deadline = time.monotonic() + seconds
    while servers_of(home) and time.monotonic() < deadline:
        time.sleep(0.2)
    return servers_of(home) == []


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_run_leaves_no_server_behind(tmp_path, how):
    proc, home = start_publish(tmp_path)
    try:
        wait_for_server(proc, home)
        proc.send_signal(how)
        proc.wait(timeout=60)
        assert gone_within(home, 120), [p.pid for p in servers_of(home)]
    finally:
        for p in servers_of(home):
            p.kill()
        if proc.poll() is None:
            proc.kill()


def test_a_finished_run_leaves_no_server_behind(tmp_path):
    proc, home = start_publish(tmp_path)
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err[-3000:]
    assert "Published 1.0.0" in out
    assert gone_within(home, 120)

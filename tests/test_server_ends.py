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
            if "prefect.server.api.server:create_app" in " ".join(p.info["cmdline"] or []) and p.environ().get(
                "PREFECT_HOME"
            ) == str(prefect_home):
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
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "govreport.cli",
            "publish",
            "--raw",
            str(raw),
            "--out",
            str(tmp_path / "published"),
            "--state",
            str(tmp_path / "state"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
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


def test_two_runs_set_up_a_fresh_prefect_home_at_once(tmp_path):
    """Two runs starting together on one fresh PREFECT_HOME: the embedded database is created and migrated
    once, under the lock, and both runs publish (no "duplicate column name", no "database is locked")."""
    home = tmp_path / "prefect-home"  # does not exist yet: both runs find it fresh
    runs = []
    for name in ("a", "b"):
        folder = tmp_path / name
        (folder / "raw").mkdir(parents=True)
        shutil.copy(RAW / SEED, folder / "raw" / SEED)
        env = os.environ | {"PREFECT_HOME": str(home), "PYTHONPATH": os.pathsep.join(sys.path)}
        env.pop("PREFECT_API_URL", None)
        runs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "govreport.cli",
                    "publish",
                    "--raw",
                    str(folder / "raw"),
                    "--out",
                    str(folder / "published"),
                    "--state",
                    str(folder / "state"),
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    try:
        outputs = [proc.communicate(timeout=1200) for proc in runs]
    finally:
        for proc in runs:
            if proc.poll() is None:
                proc.kill()
        for p in servers_of(home):
            p.kill()
    for proc, (out, err) in zip(runs, outputs, strict=True):
        assert proc.returncode == 0, err[-3000:]
        assert "Published 1.0.0" in out
        assert "duplicate column" not in err and "database is locked" not in err, err[-3000:]
    assert (home / ".govreport-server-start.lock").exists()  # the setup went through the lock


def test_the_embedded_server_starts_under_the_prefect_home_lock(tmp_path, monkeypatch):
    """Deterministic half of the test above: while the server starts (and migrates its database), the lock
    in PREFECT_HOME is held, so a second run's start waits for it."""
    import fcntl

    import prefect.server.api.server as prefect_server
    from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

    from govreport import server_watch

    held = []

    class FakeServer:
        server_process = None

        def start(self):
            with open(tmp_path / "home" / ".govreport-server-start.lock", "a+") as other:
                try:
                    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    held.append(False)
                except BlockingIOError:
                    held.append(True)

    monkeypatch.setattr(prefect_server, "SubprocessASGIServer", FakeServer)
    with temporary_settings(updates={PREFECT_HOME: str(tmp_path / "home")}, restore_defaults={PREFECT_API_URL}):
        server_watch.start_embedded_server()
    assert held == [True]


def test_a_run_on_a_local_dask_cluster_starts_one_server_and_leaves_none(tmp_path):
    """The cluster's workers report to the run's own API server: left to themselves, each started a temporary
    server of its own, which outlived the worker when the cluster killed it at the end of the run."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    home = tmp_path / "prefect-home"
    env = os.environ | {"PREFECT_HOME": str(home), "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("PREFECT_API_URL", None)
    args = ["publish", "--workers", "2", "--raw", str(raw), "--out", str(tmp_path / "out"), "--state", str(tmp_path)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "govreport.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    most = 0
    while proc.poll() is None:
        most = max(most, len(servers_of(home)))
        time.sleep(0.5)
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    assert "Published 1.0.0" in out
    assert most <= 1  # the run's own server only
    assert gone_within(home, 60), [p.pid for p in servers_of(home)]


def test_a_run_launches_its_server_before_prefect_and_never_imports_the_server_stack(tmp_path):
    """The server boots on another core while the run imports Prefect; the run's own process only talks to it
    (the server stack is seconds of imports that Prefect's temporary server would have cost it first)."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    env = os.environ | {"PREFECT_HOME": str(tmp_path / "home"), "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("PREFECT_API_URL", None)
    args = ["publish", "--raw", str(raw), "--out", str(tmp_path / "out"), "--state", str(tmp_path / "state")]
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "govreport.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Published 1.0.0" in done.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert "prefect.flows" in imported  # the run did import Prefect itself
    assert "prefect.server.api.server" not in imported
    assert gone_within(tmp_path / "home", 120)


def test_a_prefect_profile_with_a_server_of_its_own_is_used_as_it_is(tmp_path, monkeypatch):
    from govreport.server_watch import launch_api_server

    home = tmp_path / "home"
    home.mkdir()
    (home / "profiles.toml").write_text(
        'active = "team"\n[profiles.team]\nPREFECT_API_URL = "http://prefect.example:4200/api"\n', encoding="utf-8"
    )
    monkeypatch.setenv("PREFECT_HOME", str(home))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PREFECT_PROFILES_PATH", raising=False)
    monkeypatch.delenv("PREFECT_PROFILE", raising=False)
    assert launch_api_server() is None
    assert "PREFECT_API_URL" not in os.environ
    assert servers_of(home) == []


def test_the_api_server_boots_in_a_folder_whose_packages_shadow_prefects(tmp_path, monkeypatch):
    """A run started in a project folder with its own `prefect` or `uvicorn` package still gets Prefect's server:
    the server process does not put the working folder on its import path."""
    from govreport.server_watch import ApiServer

    for shadow in ("prefect", "uvicorn"):
        (tmp_path / shadow).mkdir()
        (tmp_path / shadow / "__init__.py").write_text("raise ImportError('the working folder was imported')\n")
    monkeypatch.chdir(tmp_path)
    server = ApiServer(tmp_path / "home")
    try:
        server.wait(timeout=600)  # raises, naming what the server said, if it ended
    finally:
        server.stop()
    assert server.process.poll() is not None


def test_the_api_server_boots_without_importing_prefects_collections(tmp_path, monkeypatch):
    """The run's server answers without loading installed Prefect collections (prefect-dask brings Dask's
    `distributed`, a fifth of the boot): a publish run registers no block types."""
    from govreport.server_watch import ApiServer

    monkeypatch.setenv("PYTHONPROFILEIMPORTTIME", "1")  # the server lists every module it imports on stderr
    server = ApiServer(tmp_path / "home")
    try:
        server.wait(timeout=600)
    finally:
        server.stop()
    imported = {line.rsplit("|", 1)[-1].strip() for line in server.stderr_text().splitlines()}
    assert "prefect.server.api.server" in imported  # the listing is the server's
    assert not {"prefect_dask", "distributed"} & imported

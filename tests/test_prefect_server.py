"""The schedules against a real Prefect server on 127.0.0.1: prefect.yaml deployed to a process work pool
and run by a worker, and `govreport serve` registering its own schedule.

Every process started here runs in its own session with its own PREFECT_HOME and is stopped (its whole
process group) at the end; every wait is bounded. The pytest process itself never gets PREFECT_API_URL:
it talks to the server inside `temporary_settings`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from govreport.release.publish import PACKAGE_NAME

from conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.prefect]

FLOW = "govreport-publish"
# Upper bounds, reached only when something is wrong, or on a loaded shared 2-core machine (where a server's
# start took over 90 s and a publish run over 150 s).
SERVER_START_TIMEOUT = 300
RUN_TIMEOUT = 600
CLI_TIMEOUT = 90


# ---------------------------------------------------------------- processes


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _prefect_env(home: Path, api_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of a subprocess: a private PREFECT_HOME, a server's URL (or none), no prompts, no
    telemetry leaving the machine, and INFO logs in the log files."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PREFECT_") and k not in ("GOVREPORT_HOME", "PYTEST_CURRENT_TEST")
    }
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_CLI_PROMPT="false",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
        COLUMNS="200",
    )
    if api_url:
        env["PREFECT_API_URL"] = api_url
    env.update(extra)
    return env


def _bin(name: str) -> str:
    """A console script of the interpreter running the tests (the project's .venv)."""
    path = Path(sys.executable).with_name(name)
    return str(path) if path.exists() else name


def _start(args: list[str], env: dict, log: Path, cwd: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(
            args,
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
    """Stop a process started by _start, and everything in its process group."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    try:  # whatever is left of the group, and the process itself if it outlived the wait
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover
        return -9


def _tail(log: Path, n: int = 60) -> str:
    if not log.exists():
        return f"({log} missing)"
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])


def _cli(args: list[str], env: dict, cwd: Path = REPO) -> subprocess.CompletedProcess:
    done = subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=CLI_TIMEOUT, stdin=subprocess.DEVNULL
    )
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


@contextmanager
def _client(api_url: str):
    """A Prefect client for api_url, without touching the test process's environment."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        yield client


def _wait_for(what: str, probe, timeout: float, interval: float = 1.0, on_timeout=lambda: ""):
    """Call probe() until it returns something truthy; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{on_timeout()}")
        time.sleep(interval)


def _deployment(api_url: str, name: str):
    from prefect.exceptions import ObjectNotFound

    with _client(api_url) as client:
        try:
            return client.read_deployment_by_name(name)
        except ObjectNotFound:
            return None


def _assert_daily_schedule(deployment, cron: str = "0 6 * * *", timezone: str = "Asia/Shanghai") -> None:
    schedules = [s.schedule for s in deployment.schedules if s.active]
    assert [(getattr(s, "cron", None), getattr(s, "timezone", None)) for s in schedules] == [(cron, timezone)]


# ---------------------------------------------------------------- a server, and prefect.yaml deployed to it


class Server:
    def __init__(self, home: Path, port: int, log: Path):
        self.home, self.port, self.log = home, port, log
        self.api_url = f"http://127.0.0.1:{port}/api"

    def env(self, **extra: str) -> dict[str, str]:
        return _prefect_env(self.home, self.api_url, **extra)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`prefect server start` on 127.0.0.1 with its own PREFECT_HOME (and so its own SQLite database)."""
    base = tmp_path_factory.mktemp("prefect-server")
    srv = Server(base / "home", _free_port(), base / "server.log")
    srv.home.mkdir()
    proc = _start(
        [_bin("prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(srv.port), "--no-ui"],
        _prefect_env(srv.home, None),
        srv.log,
        base,
    )
    try:

        def up():
            if proc.poll() is not None:
                pytest.fail(f"prefect server exited with {proc.returncode}:\n{_tail(srv.log)}")
            return _healthy(srv.api_url)

        _wait_for("the server's /api/health", up, SERVER_START_TIMEOUT, 0.5, lambda: _tail(srv.log))
        listening = [
            line
            for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
            if line.split()[1].endswith(f":{srv.port:04X}") and line.split()[3] == "0A"
        ]
        assert listening and all(line.split()[1].startswith("0100007F:") for line in listening), (
            "the server must listen on 127.0.0.1 only"
        )
        yield srv
    finally:
        _stop(proc)


class Deployed:
    def __init__(self, home: Path, at: float):
        self.home, self.at = home, at


@pytest.fixture(scope="module")
def deployed(server, tmp_path_factory):
    """The work pool, and both deployments of prefect.yaml deployed the way the README says.

    GOVREPORT_HOME (the pull step's working directory) is an empty scratch folder: the flow is imported from
    the installed package, and a run that the schedule might start here reads and writes nothing in the
    repository."""
    home = tmp_path_factory.mktemp("govreport-home")
    _cli([_bin("prefect"), "work-pool", "create", "govreport", "--type", "process"], server.env())
    done = _cli(
        [_bin("prefect"), "--no-prompt", "deploy", "--all", "--prefect-file", str(REPO / "prefect.yaml")],
        server.env(GOVREPORT_HOME=str(home)),
    )
    assert f"'{FLOW}/daily-publish'" in done.stdout and f"'{FLOW}/rebuild'" in done.stdout, done.stdout
    return Deployed(home, time.monotonic())


def test_prefect_yaml_deploys_and_a_process_worker_runs_it(server, deployed, tmp_path):
    daily = _deployment(server.api_url, f"{FLOW}/daily-publish")
    rebuild = _deployment(server.api_url, f"{FLOW}/rebuild")
    assert daily is not None and rebuild is not None
    _assert_daily_schedule(daily)
    assert rebuild.schedules == []
    for d in (daily, rebuild):
        assert d.work_pool_name == "govreport"
        assert d.entrypoint == "govreport.flows.publish.publish_flow"
        assert {k: d.parameters[k] for k in ("raw_dir", "out_dir", "state_dir")} == {
            "raw_dir": "raw",
            "out_dir": "published",
            "state_dir": "state",
        }
        # {{ $GOVREPORT_HOME }} was filled in by `prefect deploy` from its environment.
        assert d.pull_steps == [{"prefect.deployments.steps.set_working_directory": {"directory": str(deployed.home)}}]

    raw = tmp_path / "raw"
    shutil.copytree(REPO / "raw", raw)
    parameters = {"raw_dir": str(raw), "out_dir": str(tmp_path / "out"), "state_dir": str(tmp_path / "state")}
    with _client(server.api_url) as client:
        run_id = client.create_flow_run_from_deployment(rebuild.id, parameters=parameters).id

    log = tmp_path / "worker.log"
    worker = _start(
        [_bin("prefect"), "worker", "start", "--pool", "govreport", "--run-once"], server.env(), log, tmp_path
    )
    try:
        worker_exited_at = []

        def finished():
            with _client(server.api_url) as client:
                state = client.read_flow_run(run_id).state
            if state is not None and state.is_final():
                return state
            if worker.poll() is not None:
                # --run-once exits once the runs it took have finished: allow the API a few seconds to agree.
                worker_exited_at.append(time.monotonic())
                if worker_exited_at[-1] - worker_exited_at[0] > 10:
                    pytest.fail(f"the worker exited ({worker.returncode}), the run is {state}:\n{_tail(log)}")
            return None

        state = _wait_for("the flow run to finish", finished, RUN_TIMEOUT, 1.0, lambda: _tail(log))
        assert state.is_completed(), f"flow run ended {state.type}: {state.message}\n{_tail(log)}"
    finally:
        _stop(worker)
    assert (tmp_path / "out" / PACKAGE_NAME / "latest.json").exists(), _tail(log)
    assert not any(deployed.home.glob("published/**/latest.json")), "the run must use the given parameters"


def test_sqlalchemy_is_one_prefects_scheduler_works_with():
    """Prefect 3.8.8's scheduler service fails on SQLAlchemy >= 2.1 (`Can't evaluate bulk DML statement`
    in schedule_deployments): no scheduled run is ever created. pyproject.toml pins sqlalchemy<2.1."""
    import sqlalchemy

    assert tuple(int(p) for p in sqlalchemy.__version__.split(".")[:2]) < (2, 1)


def test_the_server_schedules_daily_publish_at_six_in_shanghai(server, deployed):
    """The server's scheduler turns the deployment's cron into runs at 06:00 Asia/Shanghai (22:00 UTC)."""
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    daily = _deployment(server.api_url, f"{FLOW}/daily-publish")

    def scheduled():
        with _client(server.api_url) as client:
            return client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[daily.id])),
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
                ),
            )

    # The scheduler looks at recently changed deployments every 5 s: allow 30 s from the deployment.
    runs = _wait_for(
        "scheduled runs of daily-publish",
        scheduled,
        max(deployed.at + 30 - time.monotonic(), 1),
        1.0,
        lambda: _tail(server.log, 30),
    )
    shanghai = [r.expected_start_time.astimezone(ZoneInfo("Asia/Shanghai")) for r in runs]
    assert all((t.hour, t.minute) == (6, 0) for t in shanghai), shanghai


# ---------------------------------------------------------------- govreport serve


def _govreport() -> list[str]:
    script = Path(sys.executable).with_name("govreport")
    return [str(script)] if script.exists() else [sys.executable, "-m", "govreport.cli"]


def test_govreport_serve_registers_its_schedule_and_runs_it(server, tmp_path):
    """`govreport serve` against the server at PREFECT_API_URL: the deployment, its schedule, a run, a stop."""
    raw = tmp_path / "raw"
    shutil.copytree(REPO / "raw", raw)
    log = tmp_path / "serve.log"
    serve = _start(
        _govreport()
        + [
            "serve",
            "--cron",
            "30 7 * * 1-5",
            "--timezone",
            "Asia/Shanghai",
            "--raw",
            str(raw),
            "--out",
            str(tmp_path / "out"),
            "--state",
            str(tmp_path / "state"),
        ],
        server.env(),
        log,
        tmp_path,
    )
    try:

        def registered():
            if serve.poll() is not None:
                pytest.fail(f"govreport serve exited with {serve.returncode}:\n{_tail(log)}")
            d = _deployment(server.api_url, f"{FLOW}/daily-publish")
            # prefect.yaml's daily-publish may be there already: wait for serve's own (no work pool).
            return d if d is not None and d.work_pool_name is None and d.parameters.get("raw_dir") == str(raw) else None

        daily = _wait_for("govreport serve's deployment", registered, 60, 1.0, lambda: _tail(log))
        _assert_daily_schedule(daily, "30 7 * * 1-5", "Asia/Shanghai")
        assert not daily.paused
        assert daily.entrypoint == "govreport.flows.publish.publish_flow"  # imported by name, from any folder

        # A run of the deployment is picked up and run by the serving process itself.
        with _client(server.api_url) as client:
            run_id = client.create_flow_run_from_deployment(daily.id).id

        def finished():
            with _client(server.api_url) as client:
                state = client.read_flow_run(run_id).state
            return state if state is not None and state.is_final() else None

        state = _wait_for("the served run to finish", finished, RUN_TIMEOUT, 1.0, lambda: _tail(log))
        assert state.is_completed(), f"{state.type}: {state.message}\n{_tail(log)}"
        assert (tmp_path / "out" / PACKAGE_NAME / "latest.json").exists()
    finally:
        code = _stop(serve)
    assert code == 0, _tail(log)
    # On the way out it paused its deployment, so nothing runs while no process serves it.
    assert _deployment(server.api_url, f"{FLOW}/daily-publish").paused


def test_govreport_serve_without_a_server_starts_one_on_loopback(tmp_path):
    """No PREFECT_API_URL: serve starts a local server (Prefect's embedded API has no scheduler) and stops it."""
    home = tmp_path / "prefect-home"
    home.mkdir()
    log = tmp_path / "serve.log"
    serve = _start(
        _govreport()
        + ["serve", "--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "out"), "--state", str(tmp_path / "state")],
        _prefect_env(home, None, PREFECT_SERVER_API_PORT=str(_free_port())),
        log,
        tmp_path,
    )
    server_pid = None
    try:

        def started():
            if serve.poll() is not None:
                pytest.fail(f"govreport serve exited with {serve.returncode}:\n{_tail(log)}")
            m = re.search(
                r"local Prefect server at (http://127\.0\.0\.1:\d+/api) \(pid (\d+)\)",
                log.read_text(encoding="utf-8", errors="replace"),
            )
            return m

        m = _wait_for("serve to start its server", started, SERVER_START_TIMEOUT, 0.5, lambda: _tail(log))
        api_url, server_pid = m.group(1), int(m.group(2))

        def registered():
            if serve.poll() is not None:
                pytest.fail(f"govreport serve exited with {serve.returncode}:\n{_tail(log)}")
            return _deployment(api_url, f"{FLOW}/daily-publish")

        daily = _wait_for("govreport serve's deployment", registered, 60, 1.0, lambda: _tail(log))
        _assert_daily_schedule(daily)
        assert daily.parameters["raw_dir"] == str(tmp_path / "raw")
    finally:
        code = _stop(serve)
        if server_pid is not None:  # serve stops its server; make sure, whatever happened above
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and _pid_alive(server_pid):
                time.sleep(0.5)
            server_was_left = _pid_alive(server_pid)
            if server_was_left:
                os.kill(server_pid, signal.SIGKILL)
    assert code == 0, _tail(log)
    assert server_pid is not None and not server_was_left, "serve must stop the server it started"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) is not alive.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


# The main thread of `govreport serve`, most of the time inside a finalizer: every 0.6 s a timer drops an object
# whose __del__ takes 0.5 s. A SIGTERM then lands in a __del__, where Python drops an exception raised by a
# signal handler (Prefect's runner stops by raising SystemExit).
SERVE_IN_FINALIZERS = """
import signal, sys, time
from govreport.flows.serve import serve

class Slow:
    def __del__(self):
        time.sleep(0.5)

signal.signal(signal.SIGALRM, lambda *_: Slow())
signal.setitimer(signal.ITIMER_REAL, 0.6, 0.6)
serve(raw_dir=sys.argv[1], out_dir=sys.argv[2], state_dir=sys.argv[3])
signal.setitimer(signal.ITIMER_REAL, 0)
print("serve returned", flush=True)
"""


def test_govreport_serve_stops_on_sigterm_that_lands_in_a_finalizer(tmp_path):
    """SIGTERM stops `serve` wherever its main thread is: also inside a __del__, where a SystemExit raised by the
    signal's handler is dropped (the serving went on, and the schedule with it)."""
    home = tmp_path / "prefect-home"
    home.mkdir()
    log = tmp_path / "serve.log"
    args = [str(tmp_path / "raw"), str(tmp_path / "out"), str(tmp_path / "state")]
    env = _prefect_env(home, None, PREFECT_SERVER_API_PORT=str(_free_port()))
    serve = _start([sys.executable, "-c", SERVE_IN_FINALIZERS, *args], env, log, tmp_path)
    try:

        def serving():
            if serve.poll() is not None:
                pytest.fail(f"serve exited with {serve.returncode}:\n{_tail(log)}")
            return "is being served" in log.read_text(encoding="utf-8", errors="replace")

        _wait_for("serve to register its deployment", serving, SERVER_START_TIMEOUT, 0.5, lambda: _tail(log))
        time.sleep(1.0)  # a few timer ticks: the main thread is in a __del__ most of the time
    finally:
        code = _stop(serve)
    said = log.read_text(encoding="utf-8", errors="replace")
    assert code == 0, _tail(log)
    assert "serve returned" in said
    assert "Exception ignored" not in said, _tail(log)

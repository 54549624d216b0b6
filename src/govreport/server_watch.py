"""Prefect's embedded API server ends with the run that started it, however the run ends.

Prefect starts its embedded server (uvicorn) as a child process and stops it from an atexit hook,
which never runs when the run is killed: the server (about 250 MB) would live on as an orphan. A
small watchdog process holds the read end of a pipe whose write end only this process has; when
this process ends, by any path, the pipe closes and the watchdog stops the server.

The embedded database is created and migrated on the server's first start in a PREFECT_HOME; two
runs doing that at once race each other's schema changes, so that first start holds a lock there.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

_WATCHDOG = """
import os, signal, sys, time
pid = int(sys.argv[1])
sys.stdin.buffer.read()  # returns when the run's process ends and the pipe closes
try:
    os.kill(pid, signal.SIGTERM)
    for _ in range(50):
        time.sleep(0.1)
        os.kill(pid, 0)
    os.kill(pid, signal.SIGKILL)
except ProcessLookupError:
    pass
"""

# Prefect's API server, as `python -m uvicorn` runs it, with the collector paused while Prefect's server stack is
# imported (as govreport.collector pauses it for this process's imports: about 0.7 of its 3.9 CPU s, on a core the
# run's extraction needs). The modules it leaves are then frozen out of the collections the server makes while it
# answers the run, once the import's garbage is collected (none of it is frozen).
_SERVER_BOOT = """
import gc, sys
gc.disable()
import prefect.server.api.server
gc.collect()
gc.freeze()
gc.enable()
from uvicorn.main import main
sys.argv[0] = "uvicorn"
main()
"""

SETUP_LOCK = ".govreport-server-start.lock"  # in PREFECT_HOME: held while a server creates its database
_watchdogs: list[subprocess.Popen] = []  # kept referenced: their pipes must stay open while we live


def watch(server_pid: int) -> subprocess.Popen:
    """Start a watchdog that stops `server_pid` when this process ends."""
    dog = subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(server_pid)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    _watchdogs.append(dog)
    return dog


@contextmanager
def database_setup_lock():
    """Held around the embedded server's start: only one run at a time creates or migrates its database."""
    from prefect.settings import PREFECT_HOME

    home = Path(PREFECT_HOME.value()).expanduser()
    home.mkdir(parents=True, exist_ok=True)
    with open(home / SETUP_LOCK, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def start_embedded_server() -> None:
    """Start Prefect's embedded API server (when no PREFECT_API_URL is set), watched and set up safely."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the same instance the flow's client will use
    starting = threading.Event()

    def watch_each_server_process():
        # From the moment the process exists (start() can take minutes on a loaded machine, and may
        # restart it on another port), not from when start() returns.
        watched = set()
        while True:
            done = not starting.is_set()  # read first: a process set before start() returned is still seen
            process = server.server_process
            if process is not None and process.pid not in watched and process.poll() is None:
                watch(process.pid)
                watched.add(process.pid)
            if done:
                return
            time.sleep(0.05)

    starting.set()
    watcher = threading.Thread(target=watch_each_server_process, daemon=True)
    watcher.start()
    try:
        with database_setup_lock():
            server.start()
    finally:
        starting.clear()
        watcher.join()


# --- a command-line run's server, launched before Prefect is imported --------------------------------------
# Prefect's temporary server is started only once Prefect and its server stack are imported in this process
# (about 5 s of CPU), and then boots for as long again. Launching the same server (Prefect's own app, with
# the settings Prefect gives its temporary server) first lets it boot on another core while this process
# imports, and this process never imports the server stack at all: its client talks to the URL.
TEMPORARY_SERVER_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
    # Block types are for the UI and for deployments' storage; a publish run uses none. Registering them at start
    # (even to find them registered already) first imports every installed Prefect collection: prefect-dask and
    # with it Dask's `distributed`, about a fifth of the boot's CPU.
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
    "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}


class ApiServer:
    """Prefect's API server for this run: a child process, watched, stopped when this process ends."""

    def __init__(self, home: Path):
        import atexit
        import importlib.util
        import socket
        import tempfile

        spec = importlib.util.find_spec("prefect")  # finds the package without importing it
        assert spec is not None and spec.submodule_search_locations
        with socket.socket() as sock:  # a free port, chosen by the system
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/api"
        home.mkdir(parents=True, exist_ok=True)
        # Held until the server answers: its first start creates and migrates the database in this home.
        self._lock = open(home / SETUP_LOCK, "a+")  # noqa: SIM115 - released in wait()
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        self._errors = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-P",  # no working folder on sys.path: Prefect and uvicorn come from the environment
                "-c",
                _SERVER_BOOT,
                "--app-dir",
                str(Path(spec.submodule_search_locations[0]).parent),
                "--factory",
                "prefect.server.api.server:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],
            env=os.environ | TEMPORARY_SERVER_ENV,
            stdout=subprocess.DEVNULL,
            stderr=self._errors,
        )
        watch(self.process.pid)  # ends with this process, however this process ends
        atexit.register(self.stop)

    def wait(self, timeout: float) -> None:
        """Until the server answers; a RuntimeError naming what it said if it ends or does not answer."""
        import urllib.request

        deadline = time.monotonic() + timeout
        try:
            while self.process.poll() is None and time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"{self.url}/health", timeout=5) as answer:
                        if answer.status == 200:
                            return
                except OSError:
                    pass
                time.sleep(0.1)
            said = self.stderr_text().strip().splitlines()[-1:]
            state = "ended" if self.process.poll() is not None else f"did not answer within {timeout:g} s"
            raise RuntimeError(f"Prefect's API server {state}{': ' + said[0] if said else ''}")
        finally:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()

    def stderr_text(self) -> str:
        """What the server has written to its stderr so far."""
        self._errors.seek(0)
        return self._errors.read().decode("utf-8", "replace")

    @staticmethod
    @contextmanager
    def flow_run_settings():
        """Prefect's settings for a flow run on this server: no heartbeats. They let a server tell a crashed run from
        a long one, and this server ends with the run. And the heartbeat thread sleeps in whole seconds, which the
        flow's end waits out: half a second a run on average (0.82 s measured at 1 000 documents)."""
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield

    def stop(self) -> None:
        if self.process.poll() is None:
            send_prefect_backlog()  # while the server still answers
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def send_prefect_backlog(timeout: float = 5.0) -> None:
    """Let Prefect's log and event workers send what they still hold to the API. They are drained at interpreter
    shutdown, which comes after the exit handlers (this run's server already stopped) or not at all (the command
    line skips it): logging's exit handler would then wait its full 5 s for logs no server can take."""
    for module, worker in (("prefect.logging.handlers", "APILogWorker"), ("prefect.events.worker", "EventsWorker")):
        if module in sys.modules:  # never imported: nothing was queued
            getattr(sys.modules[module], worker).drain_all(timeout=timeout)


def launch_api_server() -> ApiServer | None:
    """Launch this run's Prefect API server and point Prefect at it (PREFECT_API_URL), before Prefect is
    imported; None when the user points Prefect at a server of their own (environment or active profile)."""
    if os.environ.get("PREFECT_API_URL") or _profile_api_url():
        return None
    server = ApiServer(_prefect_home())
    os.environ["PREFECT_API_URL"] = server.url
    return server


def _prefect_home() -> Path:
    return Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()


def _profile_api_url() -> str | None:
    """PREFECT_API_URL of the active Prefect profile, read from its file as Prefect would (without Prefect)."""
    import tomllib

    path = Path(os.environ.get("PREFECT_PROFILES_PATH") or _prefect_home() / "profiles.toml").expanduser()
    try:
        profiles = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active", "ephemeral")
    return profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL")

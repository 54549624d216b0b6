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
    with open(home / ".govreport-server-start.lock", "a+") as fh:
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

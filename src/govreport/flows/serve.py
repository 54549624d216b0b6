"""Serve the publish flow on its daily schedule: one command, no work pool, no worker, no prefect.yaml.

    govreport serve [--cron ... --timezone ...]      # or: python -m govreport.flows.serve

Registers the deployment "govreport-publish/daily-publish" with a cron schedule in the
given time zone, then polls the Prefect API for due runs and runs each in a subprocess,
until stopped (Ctrl-C or SIGTERM; the schedule is paused on the way out).

Schedules need a Prefect server: its scheduler service is what turns a cron into runs, and
Prefect's embedded (ephemeral) API does not run it. So with PREFECT_API_URL set (or a
profile that sets it), the deployment goes to that server; without it, this starts a
local server on 127.0.0.1 for as long as it serves (port 4200, or PREFECT_SERVER_API_PORT,
if free; with its UI), and stops it afterwards. For a server with a work pool and workers,
deploy prefect.yaml instead (see the README).
"""

from __future__ import annotations

import asyncio
import contextvars
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager

from prefect.deployments.runner import EntrypointType
from prefect.runner import Runner
from prefect.schedules import Cron
from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

from govreport.flows.publish import publish_flow

DEPLOYMENT_NAME = "daily-publish"
SERVER_HOST = "127.0.0.1"
SERVER_START_TIMEOUT = 120.0


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((SERVER_HOST, port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((SERVER_HOST, 0))
        return s.getsockname()[1]


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the server gets SIGTERM if this process is killed outright (no orphaned server)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@contextmanager
def local_server():
    """Yield the API URL of a Prefect server on 127.0.0.1, started here and stopped on exit."""
    # Prefect's server port setting (PREFECT_SERVER_API_PORT, 4200 by default) if it is free, so that
    # `prefect` commands in another shell find the server at PREFECT_API_URL=http://127.0.0.1:4200/api.
    wanted = get_current_settings().server.api.port
    port = wanted if _port_is_free(wanted) else _free_port()
    api_url = f"http://{SERVER_HOST}:{port}/api"
    # Its own session: a Ctrl-C meant for `serve` must not stop the server before serve has paused its
    # schedule; serve stops it afterwards.
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", SERVER_HOST, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(api_url):
            if process.poll() is not None:
                raise RuntimeError(
                    f"the local Prefect server exited with code {process.returncode} before answering at {api_url}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the local Prefect server did not answer at {api_url} within {SERVER_START_TIMEOUT:.0f} s"
                )
            time.sleep(0.5)
        print(
            f"Started a local Prefect server at {api_url} (pid {process.pid}); "
            f"UI at http://{SERVER_HOST}:{port}. It stops when this command does.",
            flush=True,
        )
        yield api_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _pause(name: str) -> None:
    """Pause the deployment: nothing runs it once this process stops.

    Prefect's runner tries too, but on SIGTERM (3.8.8) its pause races the event loop's shutdown and is
    sometimes cut off half way."""
    from prefect.client.orchestration import get_client

    try:
        with get_client(sync_client=True) as client:
            client.pause_deployment(client.read_deployment_by_name(name).id)
    except Exception as error:  # the server may be gone already: nothing more to do
        print(f"could not pause {name}: {error}", file=sys.stderr)


def serve(
    cron: str = "0 6 * * *",
    timezone: str = "Asia/Shanghai",
    raw_dir: str = "raw",
    out_dir: str = "published",
    state_dir: str = "state",
) -> None:
    """Register the daily-publish deployment with its schedule and run due runs until stopped."""

    def run() -> None:
        runner = Runner(name=DEPLOYMENT_NAME, pause_on_shutdown=True)
        _serve_until_stopped(
            runner,
            lambda: runner.add_flow(
                publish_flow,
                name=DEPLOYMENT_NAME,
                schedules=[Cron(cron, timezone=timezone)],
                parameters={"raw_dir": str(raw_dir), "out_dir": str(out_dir), "state_dir": str(state_dir)},
                description="Every day, pick up new or changed reports in raw/ and publish a release "
                "if the data changed.",
                # The runs it starts import the flow by module name (govreport.flows.publish.publish_flow),
                # not by a file path relative to this process's folder: served from any folder.
                entrypoint_type=EntrypointType.MODULE_PATH,
            ),
        )
        # Prefect's runner pauses it too on its way out, but that can be cut off half way.
        _pause(f"{publish_flow.name}/{DEPLOYMENT_NAME}")

    if PREFECT_API_URL.value():
        run()
        return
    with local_server() as api_url, temporary_settings(updates={PREFECT_API_URL: api_url}):
        run()


def _serve_until_stopped(runner: Runner, register: Callable[[], object]) -> None:
    """Register the deployment and poll for its due runs until SIGTERM or Ctrl-C, which stop both at once.

    The runner's event loop runs on a thread of its own and is stopped through that loop. Prefect's own stop
    (Runner.handle_sigterm) raises SystemExit wherever the main thread happens to be: in a finalizer (__del__)
    Python drops it, and the runner, cancelled from another thread without waking its loop, served on forever.
    Here a signal only sets an Event, which a handler can always do."""
    stop = threading.Event()
    loop = asyncio.new_event_loop()
    polling: list[asyncio.Task] = []
    failed: list[BaseException] = []

    def poll() -> None:
        try:
            register()  # a stop meanwhile is seen once it is done: registration is a few API calls
            if stop.is_set():
                return
            print(
                f"Your flow {publish_flow.name!r} is being served as {publish_flow.name}/{DEPLOYMENT_NAME}: "
                "due runs start here until this command stops (Ctrl-C).",
                flush=True,
            )
            # Started off the main thread, the runner leaves the process's signal handlers alone.
            polling.append(loop.create_task(runner.start()))
            if stop.is_set():  # stopped before the task was there to cancel
                polling[0].cancel()
            loop.run_until_complete(polling[0])
        except asyncio.CancelledError:
            pass
        except BaseException as error:  # the command fails with it, as if it had been raised here
            failed.append(error)
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
    # With this thread's context: Prefect's settings (the local server's API URL) are context variables.
    poller = threading.Thread(target=contextvars.copy_context().run, args=(poll,), name="govreport-serve-runner")
    poller.start()
    try:
        while poller.is_alive() and not stop.wait(0.5):
            pass
    finally:
        stop.set()
        if polling:
            try:
                loop.call_soon_threadsafe(polling[0].cancel)
            except RuntimeError:  # its loop has ended already
                pass
        poller.join()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if failed:
        raise failed[0]


if __name__ == "__main__":
    serve()

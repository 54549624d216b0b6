"""The release's checks in a process of their own, started before the release's files are written.

Importing Great Expectations takes seconds of one core (6 s here), every run. The publisher writes the
release's files on one core meanwhile, so the checks' process imports GX on the other, and validates the
release as soon as its files are there. The verdict comes back as the same ValidationReport, with the same
reports written under the release: what is checked, and how, does not change.

Where no process may be started (a Dask worker is a daemon process), or GX is imported already, the checks run
in the caller's process. `govreport publish` is such a caller: it imports GX while it waits for Prefect's API
server to boot, which costs it nothing, so only library callers (scripts, the benchmark's plain path) use this.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import pickle
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from govreport.checks.gate import ValidationReport, import_gx, validate_package
from govreport.extract.budget import STOP, WAIT_SLICE

EXIT_WAIT = 10.0  # seconds a process that answered has to end by itself


class ChecksProcessDied(RuntimeError):
    def __init__(self, exitcode: int | None):
        super().__init__(f"the release's checks stopped unexpectedly (their process ended with code {exitcode})")


class ChecksProcess:
    """One validation in a spawned process that imports GX as soon as it starts. Use as a context manager: the
    process ends with the block, also when the release is not validated after all (nothing changed)."""

    def __init__(self) -> None:
        # spawn, not fork: the caller may have threads (Prefect's), which fork does not copy safely.
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(theirs,), name="govreport-checks", daemon=True)
        self._process.start()
        theirs.close()
        self._answered = False

    def __enter__(self) -> ChecksProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def close(self) -> None:
        """End the process: at once if it has not answered (nothing to validate, or a stop), else it is ending
        by itself and is given the time to (ended mid-exit, its semaphores would be reported as leaked)."""
        self._process.join(EXIT_WAIT if self._answered else 0)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()
        self._conn.close()

    def submit(
        self,
        release_dir: Path,
        raw_dir: Path,
        out_dir: Path,
        previous_dir: Path | None = None,
        expected_counts: dict | None = None,
    ) -> None:
        """Start validate_package(...) there; `report` waits for it."""
        try:
            self._conn.send((release_dir, raw_dir, out_dir, previous_dir, expected_counts))
        except OSError:  # it is gone already
            raise self._died() from None

    def report(self) -> ValidationReport:
        """The submitted validation's report, or the exception it raised."""
        # Waited for in short slices: this may be a worker thread, which no signal reaches (STOP: see budget.py).
        while not self._conn.poll(WAIT_SLICE):
            if STOP.is_set():
                raise KeyboardInterrupt("run stopped")
            if not self._process.is_alive() and not self._conn.poll():
                raise self._died()
        try:
            passed, value = self._conn.recv()
        except (EOFError, OSError):  # it ended before it answered, or as it did
            raise self._died() from None
        self._answered = True
        if not passed:
            raise value
        return value

    def _died(self) -> ChecksProcessDied:
        """The error for a process that ended without answering, with its exit code: its end can be seen through
        the pipe before the process is reaped, so it is waited for first."""
        self._process.join(EXIT_WAIT)
        return ChecksProcessDied(self._process.exitcode)


@contextmanager
def checks_beside() -> Iterator[ChecksProcess | None]:
    """A ChecksProcess, or None: where this process may not start one (a daemon process: a Dask worker), and
    where GX is imported here already (a long-lived process that checked a release before), which is the one
    cost the checks' process saves."""
    if multiprocessing.current_process().daemon or "great_expectations" in sys.modules:
        yield None
        return
    with ChecksProcess() as process:
        yield process


def start_validation(
    process: ChecksProcess | None,
    release_dir: Path,
    raw_dir: Path,
    out_dir: Path,
    previous_dir: Path | None = None,
    expected_counts: dict | None = None,
) -> Callable[[], ValidationReport]:
    """validate_package, started in `process`; what to call for its report. Without a process the checks run
    here and now: one core at a time in one process, the caller's other work can only come after."""
    if process is None:
        report = validate_package(release_dir, raw_dir, out_dir, previous_dir, expected_counts)
        return lambda: report
    process.submit(release_dir, raw_dir, out_dir, previous_dir, expected_counts)
    return process.report


def _serve(conn: multiprocessing.connection.Connection) -> None:
    # Ctrl-C goes to the whole process group: the publisher decides, and ends this process itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import_gx()
    try:
        release_dir, raw_dir, out_dir, previous_dir, expected_counts = conn.recv()
    except EOFError:  # the publisher needed no checks (nothing changed), or stopped
        return
    answer: tuple[bool, ValidationReport | Exception]
    try:
        answer = (True, validate_package(release_dir, raw_dir, out_dir, previous_dir, expected_counts))
    except Exception as err:  # the publisher raises it, as if the checks had run in its own process
        answer = (False, err)
    try:
        conn.send(answer)
    except (pickle.PicklingError, TypeError, AttributeError):  # an exception that cannot cross: its words can
        conn.send((False, RuntimeError(f"{type(answer[1]).__name__}: {answer[1]}")))

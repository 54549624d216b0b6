"""A time budget per file: documents are processed in a helper process that is stopped when one overruns.

A regular expression that goes quadratic on hostile input runs inside one C call: no signal or
timer inside the process can stop it. A helper process can be killed, so an overrunning file costs
its budget, is reported by name and skipped, and the run goes on with a fresh helper. The parent only
waits, so SIGTERM and Ctrl-C reach it at once, and leaving the `with` block ends the helper.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from govreport.extract.pipeline import DocumentResult, process_file
from govreport.sources.manifest import SourceEntry

FILE_BUDGET = "GOVREPORT_FILE_BUDGET_SECONDS"
DEFAULT_FILE_BUDGET = 300.0
STOP = threading.Event()  # set when the run is stopped (SIGTERM, Ctrl-C): every helper is ended


def file_budget() -> float:
    return float(os.environ.get(FILE_BUDGET, DEFAULT_FILE_BUDGET))


class BudgetedProcessor:
    """process_file with a time limit per file. Use as a context manager: the helper ends with it."""

    def __init__(self, seconds: float | None = None):
        self.seconds = file_budget() if seconds is None else seconds
        self._pool: multiprocessing.pool.Pool | None = None

    def __enter__(self) -> BudgetedProcessor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def process(self, path: Path, entry: SourceEntry | None) -> DocumentResult:
        if multiprocessing.current_process().daemon:  # a Dask worker, say: it may not start processes
            return process_file(Path(path), entry)
        if self._pool is None:
            # spawn, not fork: the caller may have threads (Prefect's), which fork does not copy safely
            self._pool = multiprocessing.get_context("spawn").Pool(1, initializer=_ignore_sigint)
        job = self._pool.apply_async(process_file, (Path(path), entry))
        deadline = time.monotonic() + self.seconds
        # Waited for in short slices: this may be a worker thread, which no signal reaches, told to stop
        # through STOP by the main thread's handler.
        while not job.ready():
            if STOP.is_set():
                self.close()
                raise KeyboardInterrupt("run stopped")
            if time.monotonic() >= deadline:
                self.close()  # the helper is stuck in this file: end it; the next file gets a new one
                return DocumentResult(
                    file=Path(path).name,
                    error=(
                        f"{path}: not processed within the per-file budget of {self.seconds:g} s ({FILE_BUDGET}); "
                        "skipped, the rest of the run goes on"
                    ),
                )
            job.wait(0.2)
        return job.get()


def _ignore_sigint() -> None:
    # Ctrl-C goes to the whole process group: the parent decides, and ends the helper itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def stop_cleanly():
    """SIGTERM and Ctrl-C stop the run: every helper is told to stop (STOP) at once, from the handler,
    before anything waits for worker threads, and the main thread gets a KeyboardInterrupt."""

    def interrupt(signum, frame):
        STOP.set()
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {}
    try:
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, interrupt)
    except ValueError:  # not the main thread: signals are not ours to handle here
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

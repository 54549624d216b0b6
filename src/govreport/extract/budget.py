"""A time budget per file: documents are processed in helper processes, and one that overruns is stopped.

A regular expression that goes quadratic on hostile input runs inside one C call: no signal or
timer inside the process can stop it. A helper process can be killed, so an overrunning file costs
its budget, is reported by name and skipped, and the run goes on with a fresh helper. The parent only
waits, so SIGTERM and Ctrl-C reach it at once, and leaving the `with` block ends the helpers.

There is one helper per core (GOVREPORT_EXTRACT_PROCESSES to choose), each working on one file at a
time with its own deadline, so a batch is extracted on every core. A run keeps its helpers for all of
its batches (`helpers_for_run`): starting one costs about a second of imports; `end_run_helpers` ends them once
the last batch is in. A helper runs process_file, or the work its caller names (the cache's: the document's rows as
Arrow, and its cache entry written).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from govreport.extract.pipeline import DocumentResult, process_file
from govreport.sources.manifest import SourceEntry

FILE_BUDGET = "GOVREPORT_FILE_BUDGET_SECONDS"
DEFAULT_FILE_BUDGET = 300.0
PROCESSES = "GOVREPORT_EXTRACT_PROCESSES"
STOP = threading.Event()  # set when the run is stopped (SIGTERM, Ctrl-C): every helper is ended
WAIT_SLICE = 0.2  # seconds: how often a waiting parent looks at STOP and the deadlines


def file_budget() -> float:
    return float(os.environ.get(FILE_BUDGET, DEFAULT_FILE_BUDGET))


def helper_count() -> int:
    return max(1, int(os.environ.get(PROCESSES) or os.cpu_count() or 1))


class _Lane:
    """One helper process and the file it is working on."""

    def __init__(self) -> None:
        self.pool: multiprocessing.pool.Pool | None = None
        self.index: int | None = None  # position of its file in the caller's list
        self.deadline = 0.0

    def open(self) -> multiprocessing.pool.Pool:
        if self.pool is None:
            # spawn, not fork: the caller may have threads (Prefect's), which fork does not copy safely.
            # The new process imports the extractor (this module's imports) as it starts.
            self.pool = multiprocessing.get_context("spawn").Pool(1, initializer=_start_helper)
        return self.pool

    def start(self, index: int, work: Callable, args: tuple, seconds: float, done: queue.Queue) -> None:
        pool = self.open()
        self.index, self.deadline = index, time.monotonic() + seconds

        def answered(result) -> None:
            done.put((self, index, result, None))

        def failed(error: BaseException) -> None:
            done.put((self, index, None, error))

        pool.apply_async(work, args, callback=answered, error_callback=failed)

    def end(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
        self.index = None


class BudgetedProcessor:
    """process_file with a time limit per file. Use as a context manager: the helpers end with it."""

    def __init__(self, seconds: float | None = None, processes: int | None = None):
        self.seconds = file_budget() if seconds is None else seconds
        self._lanes = [_Lane() for _ in range(processes or helper_count())]

    def __enter__(self) -> BudgetedProcessor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for lane in self._lanes:
            lane.end()

    def start_helpers(self) -> None:
        """Start every helper now rather than at its first file: they import while the caller does other work."""
        if not multiprocessing.current_process().daemon:
            for lane in self._lanes:
                lane.open()

    def process(self, path: Path, entry: SourceEntry | None) -> DocumentResult:
        return self.process_many([(Path(path), entry)])[0]

    def process_many(self, items: Sequence[tuple], work: Callable = process_file) -> list:
        """work(path, entry, ...) for each item (path, entry, ...), in the order given; the files are shared out among
        the helpers. work must be a module-level function (it is sent to them by name). A file over its budget is
        answered with a DocumentResult naming the problem, whatever work returns."""
        if multiprocessing.current_process().daemon:  # a Dask worker, say: it may not start processes
            return [work(Path(item[0]), *item[1:]) for item in items]
        results: list = [None] * len(items)
        done: queue.Queue = queue.Queue()
        waiting = iter(range(len(items)))
        idle = list(self._lanes[: len(items)])
        busy: set[_Lane] = set()
        try:
            while True:
                while idle and (i := next(waiting, None)) is not None:
                    lane = idle.pop()
                    lane.start(i, work, (Path(items[i][0]), *items[i][1:]), self.seconds, done)
                    busy.add(lane)
                if not busy:
                    break
                for lane, i, result, error in self._finished(done, busy):
                    if error is not None:
                        raise error
                    results[i] = result
                    busy.discard(lane)
                    idle.append(lane)
                for lane in [lane for lane in busy if time.monotonic() >= lane.deadline]:
                    i = lane.index
                    assert i is not None
                    lane.end()  # the helper is stuck in this file: end it; its next file gets a new one
                    results[i] = self._overrun(items[i][0])
                    busy.discard(lane)
                    idle.append(lane)
        except BaseException:
            self.close()  # a stop or an error: no helper outlives it, nor finishes a file nobody awaits
            raise
        assert all(r is not None for r in results)
        return results

    def _finished(self, done: queue.Queue, busy: set[_Lane]) -> Iterator[tuple]:
        """What the busy helpers finished within one wait slice. Waited for in short slices: this may be a
        worker thread, which no signal reaches, told to stop through STOP by the main thread's handler."""
        if STOP.is_set():
            raise KeyboardInterrupt("run stopped")
        nearest = min(lane.deadline for lane in busy)
        try:
            first = done.get(timeout=max(0.0, min(WAIT_SLICE, nearest - time.monotonic())))
        except queue.Empty:
            return
        for lane, i, result, error in [first, *_drain(done)]:
            if lane.index == i:  # not a late answer from a helper already ended for overrunning
                yield lane, i, result, error

    def _overrun(self, path: Path) -> DocumentResult:
        return DocumentResult(
            file=Path(path).name,
            error=(
                f"{path}: not processed within the per-file budget of {self.seconds:g} s ({FILE_BUDGET}); "
                "skipped, the rest of the run goes on"
            ),
        )


def _drain(done: queue.Queue) -> list:
    out = []
    while True:
        try:
            out.append(done.get_nowait())
        except queue.Empty:
            return out


_run_helpers: BudgetedProcessor | None = None


@contextmanager
def helpers_for_run() -> Iterator[BudgetedProcessor]:
    """One set of helpers for a whole run: the batches of an in-process run share them (see `helpers`). Inside
    another `helpers_for_run` block (the command line starts the helpers early), that block's helpers."""
    global _run_helpers
    if _run_helpers is not None:
        yield _run_helpers
        return
    with BudgetedProcessor() as processor:
        _run_helpers = processor
        try:
            yield processor
        finally:
            _run_helpers = None


def end_run_helpers() -> None:
    """The run's extraction is over: its helpers end now, so that their memory (about 150 MB each) is free while
    the release is written and checked. Should the run extract again, its lanes start new helpers."""
    if _run_helpers is not None:
        _run_helpers.close()


@contextmanager
def helpers() -> Iterator[BudgetedProcessor]:
    """The run's helpers if a run in this process holds them (one batch at a time: batches of an in-process
    run are extracted one after another), else helpers for this block only."""
    if _run_helpers is not None:
        yield _run_helpers
        return
    with BudgetedProcessor() as processor:
        yield processor


def _start_helper() -> None:
    # Ctrl-C goes to the whole process group: the parent decides, and ends the helper itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The work a run's batches give their helpers (extract/cache.py, with pyarrow): imported as the helper starts,
    # while the caller does other work, rather than with its first file.
    import govreport.extract.cache  # noqa: F401


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

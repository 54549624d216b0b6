"""A per-file time budget: a file that overruns is reported by name and skipped, the rest goes on, and
SIGTERM or Ctrl-C stop a run at once, taking the helper process with them."""

import os
import shutil
import signal
import subprocess
import sys
import time

import psutil
import pytest

from govreport.extract.budget import BudgetedProcessor

from conftest import RAW

pytestmark = [pytest.mark.slow]

SEED = "000_c6f7ee3199c6db1d.txt"


def slow_file(folder):
    """40 MB of real report text, under the size limit: though extraction is linear, tens of seconds of work."""
    text = (RAW / SEED).read_text(encoding="utf-8")
    path = folder / "blank_lines.txt"
    path.write_text(text * (40_000_000 // len(text.encode("utf-8"))), encoding="utf-8")
    return path


def helpers(process, before=frozenset()):
    """Helper processes doing work, other than those already running before (`before`: pids), such as a
    server or browser another test of the session left to its fixtures; multiprocessing's resource
    tracker is shared and stays."""
    found = []
    for child in process.children(recursive=True):
        try:
            if child.pid not in before and "resource_tracker" not in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:  # ended while being looked at
            pass
    return found


def describe(proc, parent) -> str:
    """What a run that should have started a helper was doing instead: for a failure's message."""
    if proc.poll() is not None:
        return f"ended with code {proc.returncode}, saying {proc.stdout.read()!r}"
    try:
        children = [" ".join(c.cmdline())[:120] for c in parent.children(recursive=True)]
        return f"alive ({parent.status()}, {parent.num_threads()} threads), children {children}"
    except psutil.Error as gone:
        return f"gone while looked at: {gone}"


def test_a_file_over_its_budget_is_named_and_skipped_and_the_next_file_is_processed(tmp_path):
    slow = slow_file(tmp_path)
    shutil.copy(RAW / SEED, tmp_path / SEED)
    before = frozenset(p.pid for p in psutil.Process().children(recursive=True))
    started = time.monotonic()
    with BudgetedProcessor(seconds=20) as budgeted:
        over = budgeted.process(slow, None)
        helpers_after_overrun = len(helpers(psutil.Process(), before))
        fine = budgeted.process(tmp_path / SEED, None)
    elapsed = time.monotonic() - started
    assert over.document is None and "blank_lines.txt" in over.error and "per-file budget of 20 s" in over.error
    assert fine.error is None and fine.observations
    assert helpers_after_overrun == 0  # the stuck helper was ended, not left running
    assert elapsed < 20 + 120  # the budget, and a fresh helper's start-up on a loaded machine
    assert helpers(psutil.Process(), before) == []


SCRIPT = """
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from govreport.extract.budget import BudgetedProcessor, stop_cleanly

def work():
    with BudgetedProcessor(seconds=3600) as budgeted:
        return budgeted.process(Path(sys.argv[1]), None)

try:
    with stop_cleanly(), ThreadPoolExecutor(1) as pool:  # in a worker thread, as a Prefect task runs
        job = pool.submit(work)
        print("started", flush=True)
        job.result()
except KeyboardInterrupt:
    print("stopped", flush=True)
    sys.exit(130)
"""


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_sigterm_stops_a_run_promptly_and_leaves_no_helper(tmp_path, how):
    slow = slow_file(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(slow)],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert proc.stdout.readline().strip() == "started"
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 120
    while not helpers(parent) and time.monotonic() < deadline:
        time.sleep(0.2)
    workers = helpers(parent)
    assert workers, f"the helper process never started; the run: {describe(proc, parent)}"
    time.sleep(5)  # let the helper get stuck in the file
    sent = time.monotonic()
    proc.send_signal(how)
    assert proc.wait(timeout=30) == 130
    assert time.monotonic() - sent < 30
    assert proc.stdout.read().strip() == "stopped"
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == []


def test_a_batch_is_shared_among_helpers_and_an_overrun_holds_up_only_its_own_file(tmp_path):
    slow = slow_file(tmp_path)
    seeds = sorted(RAW.glob("*.txt"))
    for seed in seeds:
        shutil.copy(seed, tmp_path / seed.name)
    items = [(slow, None)] + [(tmp_path / s.name, None) for s in seeds]
    before = frozenset(p.pid for p in psutil.Process().children(recursive=True))
    with BudgetedProcessor(seconds=20, processes=2) as budgeted:
        results = budgeted.process_many(items)
    assert [r.file for r in results] == [p.name for p, _ in items]  # in the order given
    assert "per-file budget of 20 s" in results[0].error
    # The other helper went on with the seeds while the first was stuck in the slow file.
    assert all(r.error is None and r.observations for r in results[1:])
    assert helpers(psutil.Process(), before) == []


def test_the_batches_of_a_run_share_its_helpers(tmp_path):
    from govreport.extract.batch import extract_files
    from govreport.extract.budget import helpers_for_run

    seeds = [str(s) for s in sorted(RAW.glob("*.txt"))]
    before = frozenset(p.pid for p in psutil.Process().children(recursive=True))
    seen = []
    with helpers_for_run():
        for batch in (seeds[:2], seeds[2:]):
            results, hits = extract_files(batch, {}, tmp_path / "state")
            assert hits == 0 and all(r.observations for r in results)
            seen.append({p.pid for p in helpers(psutil.Process(), before)})
    assert seen[0] and seen[0] == seen[1]  # the second batch started no helper of its own
    assert helpers(psutil.Process(), before) == []  # and they end with the run


def test_helpers_started_before_the_run_are_the_ones_its_batches_use(tmp_path):
    """The command line starts the helpers while Prefect's server boots; the flow's own `helpers_for_run`
    inside that block uses them rather than starting others."""
    from govreport.extract.batch import extract_files
    from govreport.extract.budget import helpers_for_run

    seeds = [str(s) for s in sorted(RAW.glob("*.txt"))]
    before = frozenset(p.pid for p in psutil.Process().children(recursive=True))
    with helpers_for_run() as early:  # the command line's block
        early.start_helpers()
        started = {p.pid for p in helpers(psutil.Process(), before)}
        assert len(started) == len(early._lanes)  # running before any file was given to them
        with helpers_for_run():  # the flow's block
            results, _ = extract_files(seeds, {}, tmp_path / "state")
        assert all(r.observations for r in results)
        assert {p.pid for p in helpers(psutil.Process(), before)} == started
    assert helpers(psutil.Process(), before) == []


def test_a_runs_helpers_end_once_its_extraction_is_over_and_start_again_if_it_extracts_more(tmp_path):
    """The flow ends its helpers after the last batch, so their memory is free while the release is written and
    checked (the command line's block would otherwise keep them to the end of the run)."""
    from govreport.extract.batch import extract_files
    from govreport.extract.budget import end_run_helpers, helpers_for_run

    seeds = [str(s) for s in sorted(RAW.glob("*.txt"))]
    before = frozenset(p.pid for p in psutil.Process().children(recursive=True))
    with helpers_for_run() as run:
        run.start_helpers()
        first = helpers(psutil.Process(), before)
        assert len(first) == len(run._lanes)
        extract_files(seeds[:2], {}, tmp_path / "state")
        end_run_helpers()
        gone, alive = psutil.wait_procs(first, timeout=10)
        assert alive == [] and helpers(psutil.Process(), before) == []  # ended inside the run's block
        results, hits = extract_files(seeds[2:], {}, tmp_path / "state")  # more work: new helpers do it
        assert hits == 0 and len(results) == len(seeds[2:]) and all(r.observations for r in results)
        again = {p.pid for p in helpers(psutil.Process(), before)}
        assert again and again.isdisjoint(p.pid for p in first)
    assert helpers(psutil.Process(), before) == []
    end_run_helpers()  # outside a run: nothing to end, no error

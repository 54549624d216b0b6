#!/usr/bin/env python3
"""End-to-end pipeline benchmark on synthetic corpora of 1 000 and 10 000 reports (30 000 when asked).

    .venv/bin/python bench/pipeline_bench.py [--sizes 1000 10000 30000] [--work /tmp/govreport-bench] [--server]
                                             [--repeat N]

Runs on a fresh machine (it makes its own folders and Prefect homes). For each size, each command in a fresh
process (CPU seconds and "peak MB" are from wait4: the process and the descendants it waited for, the peak being
the largest single process's; "tree MB" is the highest sum over the process and its descendants alive at once,
sampled every 0.1 s: the extraction helpers, the checks' process and Prefect's server included):
  prefect      `govreport publish` (the Prefect flow on the embedded API), fresh state: wall and CPU seconds
  plain        the same work without Prefect (library calls): the orchestration overhead is the difference
               (CPU seconds of both are printed: on a machine whose cores are busy, Prefect's CPU is its cost)
  no-change    `govreport publish` again with nothing new, against `python -c pass`
  validate     Frictionless + GX on the release, after imports (GX's import time apart)
  server       (--server) `govreport publish` against a long-running Prefect server (a deployment's case)
Then the boot of Prefect's API server, the fixed part of the overhead, and Dask's cost per task: a flow of trivial
tasks on a local two-process Dask cluster, 20 tasks against 220.
--repeat N runs `prefect` and `plain` N times each, in alternating order (prefect first, then plain first, ...), each
from a fresh state, and prints the medians of their seconds, the median of the pairs' overheads and the highest of
their peaks, then every pair: on a shared machine one run's wall and CPU seconds vary by a fifth or more.
Targets (issue #15, 2-core machine): 1 000 documents end to end <= 20 s; overhead < 15 %; no-change <= 1.5 s;
peak RSS < 1 GB at 10 000 documents; validation of 10 000 documents < 5 s of checks.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.corpus import build_corpus  # noqa: E402

PY = sys.executable
GOVREPORT = [PY, "-m", "govreport.cli"]
# The flow's library calls, batch by batch on the same helper processes, without Prefect: each batch's rows
# become a part file as the batch finishes, as the flow writes them for publishing.
PLAIN = """
import sys
from pathlib import Path
from govreport.tables.batch_part import extract_batch_to_part
from govreport.extract.budget import end_run_helpers, helpers_for_run
from govreport.extract.pipeline import drop_duplicate_documents
from govreport.sources.raw_folder import read_inputs
from govreport.release.publish import publish
from govreport.tables.parts import run_parts
raw, out, state = map(Path, sys.argv[1:4])
files, entries, _ = read_inputs(raw)
batches = [[str(f) for f in files[i : i + 250]] for i in range(0, len(files), 250)]
results, parts = [], []
with helpers_for_run(), run_parts(state) as folder:
    for i, batch in enumerate(batches):
        done, part, _ = extract_batch_to_part(batch, entries, state, folder, i)
        parts.append(part)
        results += done
    end_run_helpers()  # as the flow does once its last batch is in
    print(publish(drop_duplicate_documents(results), out, raw, state, extracted=parts).version)
import atexit, os
atexit._run_exitfuncs()  # and ends as the govreport command does: exit handlers, no interpreter teardown
sys.stdout.flush()
os._exit(0)
"""
DASK_TASKS = """
import sys, time
from prefect import flow, task
from govreport.flows.publish import task_runner

@task
def nothing(i):
    return i

@flow
def many(n):
    t = time.perf_counter()
    [f.result() for f in [nothing.submit(i) for i in range(n)]]
    return time.perf_counter() - t

# the runner `govreport publish --workers 2` uses: a local cluster whose workers report to this run's server
print(many.with_options(task_runner=task_runner(workers=2))(int(sys.argv[1])))
"""
VALIDATE = """
import sys, time
from pathlib import Path
t = time.perf_counter()
import great_expectations  # noqa: F401  (imported once per process)
imported = time.perf_counter() - t
from govreport.checks.gate import validate_package
t = time.perf_counter()
report = validate_package(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
print(f"{imported:.2f} {time.perf_counter() - t:.2f} {report.passed}")
"""
# Prefect's fixed cost per `govreport publish`: its API server's boot (its home migrated already), wall and CPU s.
SERVER_BOOT = """
import sys, time
from pathlib import Path
import psutil
from govreport.server_watch import ApiServer
t = time.perf_counter()
server = ApiServer(Path(sys.argv[1]))
server.wait(600)
seconds = time.perf_counter() - t
cpu = psutil.Process(server.process.pid).cpu_times()
server.stop()
print(f"{seconds:.2f} {cpu.user + cpu.system:.2f}")
"""

TREE_SAMPLE_SECONDS = 0.1


def tree_rss_peak(pid: int, done: threading.Event, peak: list[float]) -> None:
    """The highest sum of the resident memory of the process and all its descendants at once (the extraction
    helpers, the checks' process, Prefect's server), sampled until done: what the machine must hold, where
    wait4's figure is the largest single process."""
    import psutil

    try:
        root = psutil.Process(pid)
    except psutil.Error:  # a short command ended before its first sample
        return
    while not done.is_set():
        total = 0
        try:
            for p in [root, *root.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:  # ended while being looked at
                    pass
        except psutil.Error:
            return
        peak[0] = max(peak[0], total / 2**20)
        done.wait(TREE_SAMPLE_SECONDS)


def run(cmd: list[str], env: dict) -> tuple[float, float, float, str, float]:
    """Wall seconds, CPU seconds, peak RSS in MB (of the largest process), stdout, and the peak of the
    process tree's summed RSS in MB (sampled) of one command in its own process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True)
    streams: dict[str, str] = {}
    readers = [
        threading.Thread(target=lambda name=name, pipe=pipe: streams.__setitem__(name, pipe.read()))
        for name, pipe in (("out", proc.stdout), ("err", proc.stderr))
    ]
    for reader in readers:
        reader.start()
    sampled, tree_peak = threading.Event(), [0.0]
    sampler = threading.Thread(target=tree_rss_peak, args=(proc.pid, sampled, tree_peak))
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)  # this process's own peak memory and CPU time
    seconds = time.perf_counter() - t
    sampled.set()
    sampler.join()
    for reader in readers:
        reader.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(str(c) for c in cmd[:4])} failed:\n{streams['err'][-3000:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, streams["out"], tree_peak[0]


def alternating_pair(
    publish: list[str], plain: list[str], work: Path, n: int, env: dict, plain_first: bool
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """One `govreport publish` and one plain run of the same corpus, each from a fresh state, in the order given:
    (wall s, CPU s, peak MB, tree MB) of each."""
    figures = {}
    runs = [("prefect", publish), ("plain", plain)]
    for name, cmd in reversed(runs) if plain_first else runs:
        for sub in ("out", "state") if name == "prefect" else ("out-plain", "state-plain"):
            shutil.rmtree(work / f"{sub}-{n}", ignore_errors=True)
        seconds, cpu, peak, _, tree = run(cmd, env)
        figures[name] = (seconds, cpu, peak, tree)
    return figures["prefect"], figures["plain"]


def start_server(work: Path, env: dict) -> tuple[subprocess.Popen, str]:
    """A Prefect server on loopback for the 'server' measurement."""
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [PY, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=dict(env, PREFECT_HOME=str(work / "prefect-server-home")),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    for _ in range(600):
        try:
            urllib.request.urlopen(f"{url}/health", timeout=1)
            return server, url
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the Prefect server did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--work", type=Path, default=Path("/tmp/govreport-bench"))
    ap.add_argument("--server", action="store_true", help="also publish against a long-running Prefect server")
    ap.add_argument("--repeat", type=int, default=1, help="prefect and plain runs per size, alternating (medians)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    # Analytics off as the CLI sets it: the telemetry heartbeat locks a new database ("database is locked").
    env = dict(
        os.environ,
        PREFECT_HOME=str(args.work / "prefect-home"),
        COLUMNS="200",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    server = api_url = None
    if args.server:
        (args.work / "prefect-server-home").mkdir(exist_ok=True)
        server, api_url = start_server(args.work, env)
    print(
        f"{'docs':>6} {'MB':>5} {'prefect s':>9} {'cpu s':>6} {'docs/s':>6} {'plain s':>7} {'cpu s':>6} "
        f"{'overhead':>8} {'no-change s':>11} {'pass s':>6} {'validate s':>10} {'GX import':>9} "
        f"{'peak MB':>7} {'tree MB':>7}" + (f" {'server s':>8}" if server else ""),
        flush=True,
    )
    for n in args.sizes:
        corpus = args.work / f"corpus-{n}"
        if not corpus.exists():
            build_corpus(corpus, n_docs=n, seed=0)
        mb = sum(p.stat().st_size for p in corpus.glob("*.txt")) / 1e6
        for sub in ("validation", "out-server", "state-server"):
            shutil.rmtree(args.work / f"{sub}-{n}", ignore_errors=True)
        out, state = args.work / f"out-{n}", args.work / f"state-{n}"
        publish = GOVREPORT + ["publish", "--raw", str(corpus), "--out", str(out), "--state", str(state)]
        plain = [PY, "-c", PLAIN, str(corpus), str(args.work / f"out-plain-{n}"), str(args.work / f"state-plain-{n}")]
        pairs = [alternating_pair(publish, plain, args.work, n, env, i % 2 == 1) for i in range(args.repeat)]
        # Seconds: the medians. Memory: the highest peak of any run, as the target is a limit.
        t_prefect, cpu_prefect = (median(p[0][k] for p in pairs) for k in (0, 1))
        t_plain, cpu_plain = (median(p[1][k] for p in pairs) for k in (0, 1))
        mem_prefect, tree_prefect = (max(p[0][k] for p in pairs) for k in (2, 3))
        mem_plain, tree_plain = (max(p[1][k] for p in pairs) for k in (2, 3))
        overheads = [(prefect[0] - alone[0]) / prefect[0] for prefect, alone in pairs]
        t_rerun, _, _, rerun_out, _ = run(publish, env)
        assert "Nothing changed" in rerun_out, rerun_out
        t_pass = run([PY, "-c", "pass"], env)[0]
        release = out / "china-local-government-report-indicators" / "1.0.0"
        _, _, mem_validate, validated, _ = run(
            [PY, "-c", VALIDATE, str(release), str(corpus), str(args.work / f"validation-{n}")], env
        )
        gx_import, t_validate, _passed = validated.split()
        overhead = median(overheads)
        row = (
            f"{n:>6} {mb:>5.0f} {t_prefect:>9.1f} {cpu_prefect:>6.1f} {n / t_prefect:>6.0f} {t_plain:>7.1f} "
            f"{cpu_plain:>6.1f} {overhead:>8.0%} {t_rerun:>11.2f} {t_pass:>6.2f} {float(t_validate):>10.1f} "
            f"{float(gx_import):>9.1f} {max(mem_prefect, mem_plain, mem_validate):>7.0f} "
            f"{max(tree_prefect, tree_plain):>7.0f}"
        )
        if server:
            t_server = run(
                GOVREPORT
                + [
                    "publish",
                    "--raw",
                    str(corpus),
                    "--out",
                    str(args.work / f"out-server-{n}"),
                    "--state",
                    str(args.work / f"state-server-{n}"),
                ],
                dict(env, PREFECT_API_URL=api_url),
            )[0]
            row += f" {t_server:>8.1f}"
        print(row, flush=True)
        print(
            f"       (peak MB: prefect run {mem_prefect:.0f}, plain {mem_plain:.0f}, validate {mem_validate:.0f}; "
            f"process tree, sampled: prefect run {tree_prefect:.0f}, plain {tree_plain:.0f})",
            flush=True,
        )
        if args.repeat > 1:
            print(f"       (medians of {args.repeat} alternating pairs; each: prefect / plain s, CPU s, overhead)")
            for i, ((prefect, alone), each) in enumerate(zip(pairs, overheads, strict=True)):
                print(
                    f"         {prefect[0]:5.1f} / {alone[0]:5.1f} s, {prefect[1]:5.1f} / {alone[1]:5.1f} CPU s, "
                    f"{each:4.0%} ({'plain' if i % 2 else 'prefect'} first)",
                    flush=True,
                )
    boot_s, boot_cpu = run([PY, "-c", SERVER_BOOT, env["PREFECT_HOME"]], env)[3].split()
    print(f"Prefect's API server boot, once per `govreport publish`: {boot_s} s, {boot_cpu} CPU s", flush=True)
    few, many = (float(run([PY, "-c", DASK_TASKS, str(k)], env)[3]) for k in (20, 220))
    print(f"Dask (2 local worker processes): {(many - few) / 200 * 1000:.1f} ms per task", flush=True)
    if server:
        os.killpg(server.pid, 9)


if __name__ == "__main__":
    main()

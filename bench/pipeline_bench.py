#!/usr/bin/env python3
"""End-to-end pipeline benchmark on synthetic corpora of 100, 1 000 and 10 000 reports.

    .venv/bin/python bench/pipeline_bench.py [--sizes 100 1000 10000] [--work /tmp/govreport-bench]

For each size, each in a fresh process (peak memory is that process's, from wait4):
  prefect      `govreport publish` (the Prefect flow on the embedded API), fresh state: end-to-end time
  plain        the same work without Prefect (library calls): the orchestration overhead is the difference
  rerun        `govreport publish` again with nothing new (extraction cache, nothing published)
  empty flow   an empty Prefect flow started the same way: Prefect's own start-up, the floor for a rerun
  validate     Frictionless + GX on the release, after imports (and the import time of GX)
  server       `govreport publish` against a long-running Prefect server (a deployment's case): no start-up
Targets on the 2-core machine: 1 000 documents under 60 s; overhead under 25%; rerun within 1.5x the empty
flow; validation of 1 000 documents under 10 s; peak memory under 1 GB at 10 000 documents.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.corpus import build_corpus  # noqa: E402

PY = sys.executable
GOVREPORT = [PY, "-m", "govreport.cli"]
PLAIN = """
import sys
from pathlib import Path
from govreport.extract.pipeline import process_all, read_inputs
from govreport.release.publish import publish
raw, out, state = map(Path, sys.argv[1:4])
files, entries, _ = read_inputs(raw)
print(publish(process_all(files, entries), out, raw, state).version)
"""
EMPTY_FLOW = """
from prefect import flow
@flow
def empty():
    return 0
empty()
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


def run(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """Seconds, peak RSS in MB, and stdout of one command in its own process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True)
    out_text = proc.stdout.read()
    err_text = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed:\n{err_text[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, out_text


def start_server(work: Path, env: dict) -> tuple[subprocess.Popen, str]:
    """A Prefect server on loopback for the 'server' measurement."""
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([PY, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=dict(env, PREFECT_HOME=str(work / "prefect-server-home")),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
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
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--work", type=Path, default=Path("/tmp/govreport-bench"))
    args = ap.parse_args()
    env = dict(os.environ, PREFECT_HOME=str(args.work / "prefect-home"), PREFECT_LOGGING_LEVEL="WARNING",
               COLUMNS="200")
    server, api_url = start_server(args.work, env)
    server_env = dict(env, PREFECT_API_URL=api_url)
    print(f"{'docs':>6} {'MB':>6} {'prefect s':>9} {'docs/s':>7} {'plain s':>8} {'overhead':>8} {'rerun s':>8} "
          f"{'empty s':>8} {'rerun/empty':>11} {'validate s':>10} {'peak MB':>8} {'server s':>8} {'overhead':>8}")
    for n in args.sizes:
        corpus = args.work / f"corpus-{n}"
        if not corpus.exists():
            build_corpus(corpus, n_docs=n, seed=0)
        mb = sum(p.stat().st_size for p in corpus.glob("*.txt")) / 1e6
        for sub in ("out", "state", "out-plain", "state-plain", "validation"):
            shutil.rmtree(args.work / f"{sub}-{n}", ignore_errors=True)
        out, state = args.work / f"out-{n}", args.work / f"state-{n}"
        publish = GOVREPORT + ["publish", "--raw", str(corpus), "--out", str(out), "--state", str(state)]
        t_prefect, mem_prefect, _ = run(publish, env)
        t_plain, mem_plain, _ = run([PY, "-c", PLAIN, str(corpus), str(args.work / f"out-plain-{n}"),
                                     str(args.work / f"state-plain-{n}")], env)
        t_rerun, _, rerun_out = run(publish, env)
        assert "Nothing changed" in rerun_out, rerun_out
        t_empty, _, _ = run([PY, "-c", EMPTY_FLOW], env)
        release = next((out / "china-local-government-report-indicators").glob("1.0.0"))
        _, mem_validate, validated = run([PY, "-c", VALIDATE, str(release), str(corpus),
                                          str(args.work / f"validation-{n}")], env)
        gx_import, t_validate, _passed = validated.split()
        overhead = (t_prefect - t_plain) / t_prefect
        shutil.rmtree(args.work / f"out-server-{n}", ignore_errors=True)
        shutil.rmtree(args.work / f"state-server-{n}", ignore_errors=True)
        t_server, _, _ = run(GOVREPORT + ["publish", "--raw", str(corpus), "--out", str(args.work / f"out-server-{n}"),
                                          "--state", str(args.work / f"state-server-{n}")], server_env)
        print(f"{n:>6} {mb:>6.1f} {t_prefect:>9.1f} {n / t_prefect:>7.1f} {t_plain:>8.1f} {overhead:>8.0%} "
              f"{t_rerun:>8.1f} {t_empty:>8.1f} {t_rerun / t_empty:>11.2f} {float(t_validate):>10.1f} "
              f"{max(mem_prefect, mem_plain, mem_validate):>8.0f} {t_server:>8.1f} "
              f"{(t_server - t_plain) / t_server:>8.0%}",
              flush=True)
        print(f"       (peak MB: prefect run {mem_prefect:.0f}, plain {mem_plain:.0f}, validate {mem_validate:.0f}; "
              f"GX import {gx_import} s, not in 'validate s')", flush=True)
    os.killpg(server.pid, 9)


if __name__ == "__main__":
    main()

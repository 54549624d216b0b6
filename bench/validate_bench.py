#!/usr/bin/env python3
"""The validation gate's cost on published releases: checks seconds (after imports) and peak memory.

    .venv/bin/python bench/validate_bench.py RELEASE_DIR RAW_DIR [RELEASE_DIR RAW_DIR ...]

Each release is validated in a fresh process (validate_package, as `govreport validate` runs it), after
GX, Frictionless and DuckDB are imported. Printed per release: rows of observations, seconds and CPU seconds
of the checks, the share (wall/CPU seconds) of Frictionless' sample, of the every-row check of the CSV files
and of the quotes compared with the raw files (CPU seconds of their own thread: the every-row check runs in
one beside the others), of reading the Parquet tables, of the other derived columns, of the suites (in this
thread) and of the suites' SQL (CPU seconds of the threads running it: the tables other than observations in one
beside the quotes), and the process's peak RSS (from wait4). A stage called more than once shows its sum.
The stages overlap: their wall seconds add up to more than the checks', and the other stages' CPU seconds
(the process's) include the threads' while they run.
Target (issue #15, 2-core machine): < 5 s of checks for 10 000 documents.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.pipeline_bench import run  # noqa: E402  (a process's wall, CPU seconds and peak RSS, from wait4)

CHILD = """
import json, sys, time
from pathlib import Path
t = time.perf_counter()
import duckdb, frictionless, great_expectations  # noqa: F401  (imported once per process)
imported = time.perf_counter() - t
from govreport.checks import gate

stages = {}
def timed(name, f, clock=time.process_time):
    def run(*args, **kwargs):
        t, c = time.perf_counter(), clock()
        try:
            return f(*args, **kwargs)
        finally:  # summed over the calls
            total = stages.setdefault(name, [0, 0])
            total[0] += time.perf_counter() - t
            total[1] += clock() - c
    return run

from govreport.checks import csv_schema
# Frictionless' own sample (an older gate ran the every-row check inside it, and shows it in this column too)
if hasattr(gate, "frictionless_sample"):
    gate.frictionless_sample = timed("frictionless", gate.frictionless_sample)
else:
    gate.run_frictionless = timed("frictionless", gate.run_frictionless)
# The every-row check of the CSV files runs in a thread: its CPU seconds, and the quotes', are their own
# thread's (thread_time: DuckDB's worker threads count only in the total).
csv_schema.check_package = timed("every row", csv_schema.check_package, time.thread_time)
if hasattr(gate, "raw_matches"):  # an older gate compares them inside the derived columns
    gate.raw_matches = timed("quotes", gate.raw_matches, time.thread_time)
# an older gate read the whole tables and appended the derived columns; this one reads the columns they need
if hasattr(gate, "read_columns"):
    gate.read_columns = timed("tables", gate.read_columns)
    if hasattr(gate, "observations_beside_quotes"):  # in a thread beside the quotes (its reads show in "tables")
        gate.observations_beside_quotes = timed("derived", gate.observations_beside_quotes)
    elif hasattr(gate, "observations_columns"):  # those of the other tables are computed before the quotes
        gate.observations_columns = timed("derived", gate.observations_columns)
    else:
        gate.derived_columns = timed("derived", gate.derived_columns)
else:
    gate.read_tables = timed("tables", gate.read_tables)
    gate.with_derived_columns = timed("derived", gate.with_derived_columns)
gate.run_expectations = timed("suites", gate.run_expectations)
if hasattr(gate, "sql_parts"):  # the suites' SQL: other tables' in a thread beside the quotes, observations' after
    gate.sql_parts = timed("suites sql", gate.sql_parts, time.thread_time)
t, c = time.perf_counter(), time.process_time()
report = gate.validate_package(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
stages = {k: [round(v, 2) for v in s] for k, s in stages.items()}
print(json.dumps({"imports": imported, "seconds": time.perf_counter() - t, "cpu": time.process_time() - c,
                  "stages": stages, "passed": report.passed, "checks": report.checks_run}))
"""


def measure(release: Path, raw: Path) -> dict:
    with tempfile.TemporaryDirectory() as out:
        _, _, peak_mb, stdout, _ = run([sys.executable, "-c", CHILD, str(release), str(raw), out], dict(os.environ))
    return {**json.loads(stdout.strip().splitlines()[-1]), "peak_mb": peak_mb}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pairs", nargs="+", type=Path, help="RELEASE_DIR RAW_DIR, repeated")
    args = ap.parse_args()
    if len(args.pairs) % 2:
        ap.error("give a raw folder for every release")
    import pyarrow.parquet as pq

    print(
        f"{'observations':>12} {'checks s':>8} {'cpu s':>6} {'frictionless':>12} {'every row':>10} {'quotes':>9} "
        f"{'tables':>9} "
        f"{'derived':>9} {'suites':>9} {'suites sql':>10} {'peak MB':>7} {'passed':>6}"
    )
    for release, raw in zip(args.pairs[::2], args.pairs[1::2], strict=True):
        rows = pq.read_metadata(release / "data" / "observations.parquet").num_rows
        r = measure(release, raw)
        s = {k: "/".join(map(str, v)) for k, v in r["stages"].items()}  # a stage an older gate lacks shows "-"
        print(
            f"{rows:>12} {r['seconds']:>8.2f} {r['cpu']:>6.2f} {s.get('frictionless', '-'):>12} "
            f"{s.get('every row', '-'):>10} {s.get('quotes', '-'):>9} {s.get('tables', '-'):>9} "
            f"{s.get('derived', '-'):>9} {s.get('suites', '-'):>9} {s.get('suites sql', '-'):>10} "
            f"{r['peak_mb']:>7.0f} {str(r['passed']):>6}",
            flush=True,
        )


if __name__ == "__main__":
    main()

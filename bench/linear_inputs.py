#!/usr/bin/env python3
"""Is extraction linear in input size? Times decode + normalize + extract of two shapes of hostile input:

  single-line   report text with every line break removed: one line of SIZE MB
  blank-line    a real report with SIZE MB of blank lines in the middle

    .venv/bin/python bench/linear_inputs.py [--sizes 1 10 50] [--cap 120]

Each case runs in its own process, stopped after --cap seconds (reported as "> cap"), so a quadratic
case cannot hang the benchmark. Prints seconds per phase and MB/s; linear means MB/s stays flat.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "src"))


def make_input(shape: str, mb: float) -> bytes:
    from bench.corpus import corpus_text

    if shape == "single-line":
        return corpus_text(mb).replace("\n", "").encode("utf-8")[: int(mb * 1e6)]
    seed = corpus_text(0.02)
    half = seed.index("\n", len(seed) // 2)
    return (seed[:half] + "\n" * int(mb * 1e6) + seed[half:]).encode("utf-8")


def run_case(shape: str, mb: float) -> dict:
    """In this process: the phases' seconds for one input."""
    from govreport.extract.normalize import normalize
    from govreport.extract.rules import extract_all
    from govreport.sources.decode import decode_bytes

    data = make_input(shape, mb)
    t0 = time.perf_counter()
    decoded = decode_bytes(data, f"{shape}.txt")
    t1 = time.perf_counter()
    doc = normalize(decoded.text)
    t2 = time.perf_counter()
    facts, quantities = extract_all(doc, 2024)
    t3 = time.perf_counter()
    return {"bytes": len(data), "decode": t1 - t0, "normalize": t2 - t1, "extract": t3 - t2, "facts": len(facts)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[1, 10, 50], help="input sizes in MB")
    ap.add_argument("--shapes", nargs="+", default=["single-line", "blank-line"])
    ap.add_argument("--cap", type=float, default=120.0, help="seconds before a case is stopped")
    ap.add_argument("--case", nargs=2, help=argparse.SUPPRESS)  # internal: run one case, print JSON
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case[0], float(args.case[1]))))
        return
    print(f"{'shape':<12} {'MB':>6} {'decode s':>9} {'normalize s':>12} {'extract s':>10} {'total s':>9} {'MB/s':>7}")
    for shape in args.shapes:
        for mb in args.sizes:
            cmd = [sys.executable, __file__, "--case", shape, str(mb)]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.cap, check=True)
            except subprocess.TimeoutExpired:
                print(
                    f"{shape:<12} {mb:>6g} {'':>9} {'':>12} {'':>10} {'> ' + format(args.cap, 'g'):>9} "
                    f"{'< ' + format(mb / args.cap, '.3f'):>7}",
                    flush=True,
                )
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            total = r["decode"] + r["normalize"] + r["extract"]
            print(
                f"{shape:<12} {mb:>6g} {r['decode']:>9.2f} {r['normalize']:>12.2f} {r['extract']:>10.2f} "
                f"{total:>9.2f} {r['bytes'] / 1e6 / total:>7.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()

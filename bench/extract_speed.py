#!/usr/bin/env python3
"""Extraction throughput: normalization + extraction of ~20 MB of report text, against a bare number scan.

    .venv/bin/python bench/extract_speed.py [--mb 20] [--texts 'DIR/*.txt']

Prints MB/s of raw UTF-8 text for extraction (one core; by wall clock and by CPU time, which holds on a
busy machine) and for `re.finditer` over the same text, and their ratio. The corpus is built
deterministically from the seeds (bench/corpus.py); --texts measures real reports instead (decoded as a run
decodes them). The synthetic corpus recombines a few seed reports, so its phrases recur far more than real
reports' do: give both figures.
"""

from __future__ import annotations

import argparse
import glob
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import build_corpus  # noqa: E402
from govreport.extract.normalize import normalize  # noqa: E402
from govreport.extract.rules import Extractor, extract_all  # noqa: E402
from govreport.sources.decode import read_document  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=20.0)
    ap.add_argument("--corpus", type=Path, default=Path("/tmp/govreport-bench-corpus"))
    ap.add_argument("--texts", help="a glob of report files to measure instead of the synthetic corpus")
    args = ap.parse_args()
    if args.texts:
        texts = [read_document(p).text for p in sorted(glob.glob(args.texts))]
        if not texts:
            ap.error(f"--texts {args.texts!r} names no file")
    else:
        paths = build_corpus(args.corpus, target_mb=args.mb, seed=0, write_manifest=False)
        texts = [p.read_text(encoding="utf-8") for p in paths]
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    mb = n_bytes / 1e6

    number = re.compile(r"\d+(?:\.\d+)?")
    t0 = time.perf_counter()
    found = sum(1 for t in texts for _ in number.finditer(t))
    scan = time.perf_counter() - t0

    extractor = Extractor()
    normalize(texts[0])  # build the one-time tables outside the timing
    t0, c0 = time.perf_counter(), time.process_time()
    facts = quantities = 0
    for t in texts:
        f, q = extract_all(normalize(t), 2021, extractor)
        facts += len(f)
        quantities += len(q)
    run, cpu = time.perf_counter() - t0, time.process_time() - c0

    print(f"corpus: {len(texts)} documents, {mb:.1f} MB of UTF-8 text")
    print(f"bare number scan (re.finditer): {mb / scan:8.1f} MB/s  ({found} numbers, {scan:.2f} s)")
    print(
        f"normalize + extract (1 core):   {mb / run:8.1f} MB/s  ({facts} observations, {quantities} quantities, "
        f"{run:.2f} s)"
    )
    print(f"normalize + extract per CPU second: {mb / cpu:5.1f} MB/s  ({cpu:.2f} CPU s; holds on a busy machine)")
    print(f"extraction takes {run / scan:.1f}x the time of the bare scan")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Extraction throughput: normalization + extraction of ~20 MB of report text, against a bare number scan.

    .venv/bin/python bench/extract_speed.py [--mb 20] [--texts 'DIR/*.txt'] [--stages]

Prints MB/s of raw UTF-8 text for extraction (one core; by wall clock and by CPU time, which holds on a
busy machine) and for `re.finditer` over the same text, and their ratio. The corpus is built
deterministically from the seeds (bench/corpus.py); --texts measures real reports instead (decoded as a run
decodes them). The synthetic corpus recombines a few seed reports, so its phrases recur far more than real
reports' do: give both figures.

--stages adds the CPU seconds of each stage (normalize; section frames and the document's cue counts; sentence
split; number finding; names and tying numbers to them; coding and the output objects), each measured by a pass
that stops after it. The first four are whole-text passes that any extraction makes: their sum is the floor under
the per-number work.
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
from govreport.extract.numbers import find_values  # noqa: E402
from govreport.extract.rules import DocumentExtraction, Extractor, extract_all  # noqa: E402
from govreport.sources.decode import read_document  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=20.0)
    ap.add_argument("--corpus", type=Path, default=Path("/tmp/govreport-bench-corpus"))
    ap.add_argument("--texts", help="a glob of report files to measure instead of the synthetic corpus")
    ap.add_argument("--stages", action="store_true", help="also print the CPU seconds of each stage")
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
    if args.stages:
        print_stages(texts, mb, extractor)


def print_stages(texts: list[str], mb: float, extractor: Extractor) -> None:
    """CPU seconds per stage: a pass per stage that stops after it, less the pass that stops before it. The passes
    run document by document (holding every document at once would make the collector's work part of the figures),
    after the timed run above, so that each finds the value-text tables as warm as the others do."""
    spent = dict.fromkeys(("normalize", "frames", "sentences", "values", "attach", "run"), 0.0)

    def each_sentence(x: DocumentExtraction, work) -> None:
        for s, e in x.numbered_sentences():
            work(x.text, s, e)

    for t in texts:
        c0 = time.process_time()
        doc = normalize(t)
        c1 = time.process_time()
        x = DocumentExtraction(doc, 2021, extractor)
        c2 = time.process_time()
        each_sentence(x, lambda text, s, e: None)
        c3 = time.process_time()
        each_sentence(x, find_values)
        c4 = time.process_time()
        each_sentence(x, extractor.attach)
        c5 = time.process_time()
        x.run()
        c6 = time.process_time()
        for stage, seconds in zip(spent, (c1 - c0, c2 - c1, c3 - c2, c4 - c3, c5 - c4, c6 - c5), strict=True):
            spent[stage] += seconds
    rows = [
        ("normalize", spent["normalize"]),
        ("section frames, document cue counts", spent["frames"]),
        ("sentence split", spent["sentences"]),
        ("number finding", spent["values"] - spent["sentences"]),
        ("names, tying numbers to them", spent["attach"] - spent["values"]),
        ("coding, output objects", spent["run"] - spent["attach"]),
    ]
    total = spent["normalize"] + spent["frames"] + spent["run"]
    print(f"stage (a pass each; {mb / total:.1f} MB/s in all)     CPU s   share")
    for name, seconds in rows:
        print(f"{name:37s} {seconds:6.2f}  {100 * seconds / total:5.1f} %")
    floor = spent["normalize"] + spent["frames"] + spent["values"]
    print(f"whole-text passes alone (the first four): {mb / floor:5.1f} MB/s per CPU second")


if __name__ == "__main__":
    main()

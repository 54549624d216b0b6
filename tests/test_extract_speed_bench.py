"""bench/extract_speed.py --stages: the stage table accounts for the whole run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_stages_cover_every_stage_and_add_up_to_the_whole():
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "bench/extract_speed.py", "--texts", "raw/*.txt", "--stages"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    shares = {
        m.group(1).strip(): float(m.group(3))
        for m in re.finditer(r"^([^\d-]+?)\s+(-?\d+\.\d+)\s+(-?\d+\.\d+) %$", out, re.M)
    }
    assert list(shares) == [
        "normalize",
        "section frames, document cue counts",
        "sentence split",
        "number finding",
        "names, tying numbers to them",
        "coding, output objects",
    ]
    # Each stage is one pass less the one before it: on a few files a difference can come out a hair below zero.
    assert abs(sum(shares.values()) - 100) < 1
    assert re.search(r"whole-text passes alone \(the first four\):\s+\d+\.\d MB/s", out)

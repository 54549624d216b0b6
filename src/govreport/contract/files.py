"""Where the contract's data files are: govreport/contract/data/, shipped inside the package.

Found through importlib.resources, so an installed govreport finds them wherever it runs, never in a source
checkout. The codelist, plausibility bounds and reviewed counts are edited by hand; the table schemas,
expectation suites and data dictionary are generated from the contract (`govreport schemas`)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _data_dir() -> Path:
    root = files("govreport.contract") / "data"
    if not isinstance(root, Path):  # pragma: no cover - a zipped import, which a wheel install never is
        raise RuntimeError(f"govreport's contract data must be files on disk, not {root}")
    return root


DATA_DIR = _data_dir()
CODELIST_PATH = DATA_DIR / "indicators.csv"
PLAUSIBILITY_PATH = DATA_DIR / "plausibility.csv"
EXPECTED_COUNTS_PATH = DATA_DIR / "expected_counts.csv"
EXPECTATIONS_DIR = DATA_DIR / "expectations"

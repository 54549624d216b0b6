"""A non-editable install works from any folder: the wheel carries the code, the flows and the contract's data.

The wheel is installed with no dependencies into a fresh, plain venv; the third-party dependencies come from the
test interpreter's site-packages, named in a .pth file (a folder named there is only put on sys.path: its own
.pth files, among them the project's editable install, are not run). So govreport itself can only come from the
wheel, and a file the wheel lacks makes `govreport extract` or `govreport publish` fail here.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pandas as pd
import pytest

from govreport.release.publish import PACKAGE_NAME

from conftest import RAW, REPO

pytestmark = [pytest.mark.slow, pytest.mark.prefect]


def _run(args: list, cwd: Path, env: dict, timeout: float = 900) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"{' '.join(map(str, args))} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv holding only pip and the govreport wheel built from this checkout; returns its bin/ folder."""
    base = tmp_path_factory.mktemp("install")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GOVREPORT_HOME")}
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", base / "wheel", REPO], base, env)
    [wheel] = (base / "wheel").glob("govreport-*.whl")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", venv], base, env)
    bin_dir = venv / "bin"
    _run([bin_dir / "python", "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel], base, env)
    site = Path(
        _run(
            [bin_dir / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base, env
        ).stdout.strip()
    )
    (site / "third_party_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return bin_dir


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A folder holding only a copy of raw/: no source checkout, no contract files beside it."""
    shutil.copytree(RAW, tmp_path / "raw")
    return tmp_path


def _env(workdir: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "GOVREPORT_HOME") and not k.startswith("PREFECT_")
    }
    env.update(
        PREFECT_HOME=str(workdir / ".prefect"),
        PREFECT_LOGGING_LEVEL="WARNING",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="600",
        COLUMNS="200",
    )
    return env


def test_govreport_comes_from_the_wheel_not_the_checkout(installed, workdir):
    where = _run(
        [installed / "python", "-c", "import govreport.contract.files as f; print(f.DATA_DIR)"], workdir, _env(workdir)
    ).stdout.strip()
    assert Path(where).is_relative_to(installed.parent), where
    assert (Path(where) / "indicators.csv").is_file() and (Path(where) / "expectations" / "observations.json").is_file()


def test_extract_and_publish_from_another_folder(installed, workdir):
    env = _env(workdir)
    raw_files = sorted(p.name for p in (workdir / "raw").glob("*.txt"))
    done = _run(
        [installed / "govreport", "extract", *[f"raw/{n}" for n in raw_files], "--out", "obs.csv"], workdir, env
    )
    with open(workdir / "obs.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 70, done.stderr
    assert {r["source_file"] for r in rows} == set(raw_files)
    assert {"indicator", "measure", "kind", "period", "value", "quote"} <= set(rows[0])

    done = _run([installed / "govreport", "publish"], workdir, env)  # the default folders: ./raw, ./published
    assert "Published 1.0.0" in done.stdout, done.stdout + done.stderr
    release = workdir / "published" / PACKAGE_NAME / "1.0.0"
    assert json.loads((release.parent / "latest.json").read_text(encoding="utf-8"))["version"] == "1.0.0"
    assert json.loads((release / "validation" / "report.json").read_text(encoding="utf-8"))["passed"] is True
    observations = pd.read_parquet(release / "data" / "observations.parquet")
    assert len(observations) == len(rows)
    assert sorted(observations["source_file"].unique()) == raw_files
    # The contract's files travelled in the wheel: the release carries the package's data dictionary.
    assert (release / "DATA_DICTIONARY.md").read_text(encoding="utf-8").startswith("#")
    assert sorted(p.name for p in workdir.iterdir()) == [".prefect", "obs.csv", "published", "raw", "state"]

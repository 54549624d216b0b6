"""A run's extracted rows as per-batch parts on disk (Arrow IPC files), and the one sorted table they make.

Each batch's rows are written to a part as soon as the batch is extracted, so neither the orchestrator (whose
task results live until the run ends) nor the publisher holds every batch in memory until publishing. The parts
are then sorted into a file on disk (tables/table_file.py), so a release's large tables are never held whole: the
same rows in the same order as sorting the batches' tables in memory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

PARTS_DIR = "parts"  # under the state folder: one folder per run, removed when the run ends


@contextmanager
def run_parts(state_dir: Path) -> Iterator[Path]:
    """A fresh folder for one run's parts, removed afterwards (also when the run fails). A run that was killed
    outright (SIGKILL, a power cut) could not remove its folder: the next run does."""
    root = Path(state_dir) / PARTS_DIR
    root.mkdir(parents=True, exist_ok=True)
    remove_dead_runs_parts(root)
    folder = Path(tempfile.mkdtemp(prefix=f"run-{os.getpid()}-", dir=root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_dead_runs_parts(root: Path) -> None:
    """Remove the part folders of runs whose process is gone. A folder's name holds its run's process id; a
    live process keeps its folder (another run on this state folder, or a reused id: removed later)."""
    for folder in root.glob("run-*-*"):
        pid = folder.name.split("-")[1]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:  # a live process of another user
            pass


def write_part(folder: Path, index: int, tables: dict[str, pa.Table]) -> dict[str, Path]:
    """Batch `index`'s tables as Arrow IPC files in folder; their paths, by table name. Uncompressed: read back,
    they take the memory of their data and no more (Parquet's decoding left twice that behind)."""
    paths = {}
    for name, data in tables.items():
        paths[name] = Path(folder) / f"{name}-{index:06d}.arrow"
        with pa.ipc.new_file(paths[name], data.schema) as writer:
            writer.write_table(data)
    return paths

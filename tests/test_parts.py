"""Per-batch part files on disk, read back and sorted, give the table the in-memory sort gives."""

import random
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from govreport.contract.model import OBSERVATIONS, QUANTITIES
from govreport.tables.arrow import combine, to_arrow, write_csv, write_parquet
from govreport.tables.parts import run_parts, write_part


def random_rows(table, n, seed):
    """Rows with few distinct sort values (many full ties, broken only by input order), missing values among them,
    (where a field may be missing), and a unique id in every row, so any reordering of ties shows."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        row = {}
        for f in table.fields:
            missing = [] if f.required else [None]
            if f.type == "integer":
                row[f.name] = rng.choice(missing + [0, 7, 7, 30])
            elif f.type == "number":
                row[f.name] = rng.choice(missing + [1.5, -2.0, 6.0])
            elif f.type == "date":
                row[f.name] = rng.choice(missing + [date(2021, 1, 1), date(2020, 12, 31)])
            elif f.type == "string":
                row[f.name] = rng.choice(missing + ["", "a", "b", "湖南", "Ab", "a b"])
        row["source_file"] = rng.choice(["d1.txt", "d2.txt", "d3.txt"])
        row[table.field_names[0]] = f"row-{i:05d}"  # the id: which row is which
        rows.append(row)
    return rows


def batches_of(table, seed, sizes=(0, 37, 1, 120, 0, 55)):
    rows, out, start = random_rows(table, sum(sizes), seed), [], 0
    for size in sizes:
        out.append(to_arrow(table, rows[start : start + size], sort=False))
        start += size
    return out


def test_a_runs_parts_folder_is_removed_also_when_the_run_fails(tmp_path):
    with pytest.raises(RuntimeError), run_parts(tmp_path) as folder:
        write_part(folder, 0, {"observations": to_arrow(OBSERVATIONS, [], sort=False)})
        assert any(folder.iterdir())
        raise RuntimeError("extraction failed")
    assert not folder.exists()
    assert list((tmp_path / "parts").iterdir()) == []


def test_a_killed_runs_parts_are_removed_by_the_next_run_and_a_live_runs_are_kept(tmp_path):
    import os
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    root = tmp_path / "state" / "parts"
    killed = root / f"run-{int(dead.stdout)}-x1y2"  # its process ended without removing it
    live = root / f"run-{os.getppid()}-a1b2"  # another run's, still going
    for folder in (killed, live):
        folder.mkdir(parents=True)
        (folder / "observations-000000.arrow").write_bytes(b"rows")
    with run_parts(tmp_path / "state") as folder:
        assert folder.exists() and not killed.exists() and live.exists()
    assert sorted(p.name for p in root.iterdir()) == [live.name]


# --- the large tables sorted on disk (tables/table_file.py) -------------------------------------------------------
@pytest.mark.parametrize("table", [OBSERVATIONS, QUANTITIES], ids=lambda t: t.name)
@pytest.mark.parametrize("keep", [None, ["d1.txt", "d3.txt"]])
def test_parts_sorted_into_a_file_give_the_rows_order_and_files_of_the_in_memory_sort(table, keep, tmp_path):
    from govreport.tables.table_file import sort_parts

    batches = batches_of(table, seed=len(table.name) + 1)
    keep_files = None if keep is None else pa.array(keep, pa.string())
    expected = combine(table, batches, keep_files)
    with run_parts(tmp_path / "state") as folder:
        parts = [write_part(folder, i, {table.name: b})[table.name] for i, b in enumerate(batches)]
        got = sort_parts(table, parts, folder, keep_files)
        assert got.num_rows == expected.num_rows > 0
        assert got.schema.equals(table.to_pyarrow(), check_metadata=True)
        assert got.select(table.field_names).equals(expected), "rows or order differ"
        for data, name in ((got, "got"), (expected, "expected")):
            write_parquet(table, data, tmp_path / f"{name}.parquet", "1.0.0")
            with open(tmp_path / f"{name}.csv", "wb") as fh:
                write_csv(table, data, fh)
    assert (tmp_path / "got.csv").read_bytes() == (tmp_path / "expected.csv").read_bytes()
    assert (tmp_path / "got.parquet").read_bytes() == (tmp_path / "expected.parquet").read_bytes()


def test_ties_in_a_file_sort_follow_the_order_of_the_parts_in_the_list(tmp_path):
    from govreport.tables.table_file import sort_parts

    rows = random_rows(OBSERVATIONS, 11, seed=1)
    for row in rows:
        row.update({c: rows[0][c] for c in OBSERVATIONS.sort_by})
    batches = [to_arrow(OBSERVATIONS, [r, r | {"observation_id": r["observation_id"] + "b"}], sort=False) for r in rows]
    with run_parts(tmp_path) as folder:
        parts = [write_part(folder, 10 - i, {"observations": b})["observations"] for i, b in enumerate(batches)]
        got = sort_parts(OBSERVATIONS, parts, folder).select(["observation_id"])
    assert got["observation_id"].to_pylist() == [f"row-{i:05d}{b}" for i in range(11) for b in ("", "b")]


def checkable_parts(n_parts=7, per_part=60, seed=5):
    """Observations the row checks flag some of (implausible values, wrong units, conflicting statements of one
    fact in one document), each document's rows in one part, as a flow's batches put them; and the documents."""
    from govreport.contract.codelist import load_codelist

    rng = random.Random(seed)
    codes = list(load_codelist())[:3]
    rows, parts, documents = random_rows(OBSERVATIONS, n_parts * per_part, seed), [], []
    for i in range(n_parts):
        names = [f"d{i}-{k}.txt" for k in range(3)]
        documents += [{"document_id": f"id-{n}", "source_file": n, "report_year": 2021} for n in names]
        for row in rows[i * per_part : (i + 1) * per_part]:
            value = rng.choice([5.0, 6.0, 6.0, 1e9])
            row.update(
                source_file=(name := rng.choice(names)),
                document_id=f"id-{name}",
                indicator=rng.choice(codes),
                measure="growth",
                kind=rng.choice(["target", "actual"]),
                period="2021",
                period_start=date(2021, 1, 1),
                period_end=date(2021, 12, 31),
                basis="",
                unit=rng.choice(["percent", "percent", "CNY"]),
                value=value,
                value_low=value,
                value_high=value,
                value_start=rng.choice([0, 7]),
            )
        parts.append(to_arrow(OBSERVATIONS, rows[i * per_part : (i + 1) * per_part], sort=False))
    return parts, documents


def test_observations_split_part_by_part_give_the_tables_of_the_whole_tables_split(tmp_path):
    from govreport.checks.row_checks import quarantine
    from govreport.contract.model import FLAGGED_OBSERVATIONS
    from govreport.tables.table_file import sort_observation_parts

    batches, documents = checkable_parts()
    keep_files = pa.array(sorted(d["source_file"] for d in documents if not d["source_file"].startswith("d2-")))
    kept, flagged = quarantine(combine(OBSERVATIONS, batches, keep_files), documents)
    assert flagged.num_rows > 0 and kept.num_rows > 0
    assert len(set(flagged["check"].to_pylist())) >= 2
    with run_parts(tmp_path) as folder:
        parts = [write_part(folder, i, {"observations": b})["observations"] for i, b in enumerate(batches)]
        got_kept, got_flagged = sort_observation_parts(
            OBSERVATIONS, FLAGGED_OBSERVATIONS, parts, folder, lambda part: quarantine(part, documents), keep_files
        )
        assert got_kept.select(OBSERVATIONS.field_names).equals(kept)
        assert got_flagged.select(FLAGGED_OBSERVATIONS.field_names).equals(flagged), "flagged rows or order differ"
        assert sorted(p.name for p in folder.iterdir() if "flagged" in p.name) == ["flagged_observations.sorted.arrow"]


def test_a_table_in_a_file_is_written_in_row_groups_with_the_bytes_of_the_table_in_memory(tmp_path, monkeypatch):
    from govreport.tables import arrow
    from govreport.tables.table_file import TableFile

    monkeypatch.setattr(arrow, "ROW_GROUP_ROWS", 100)
    data = to_arrow(QUANTITIES, random_rows(QUANTITIES, 250, seed=9))
    with pa.OSFile(str(tmp_path / "q.arrow"), "wb") as sink, pa.ipc.new_file(sink, data.schema) as writer:
        for start in (0, 33, 150, 151):  # batches that do not line up with the row groups
            writer.write_table(data.slice(start, {0: 33, 33: 117, 150: 1, 151: 99}[start]))
    arrow.write_parquet(QUANTITIES, TableFile(tmp_path / "q.arrow"), tmp_path / "from-file.parquet", "1.0.0")
    arrow.write_parquet(QUANTITIES, data, tmp_path / "in-memory.parquet", "1.0.0")
    written = pq.ParquetFile(tmp_path / "from-file.parquet")
    assert [written.metadata.row_group(i).num_rows for i in range(written.num_row_groups)] == [100, 100, 50]
    assert written.read().equals(data.replace_schema_metadata(written.schema_arrow.metadata))
    assert written.schema_arrow.metadata[b"govreport.package_version"] == b"1.0.0"
    assert (tmp_path / "from-file.parquet").read_bytes() == (tmp_path / "in-memory.parquet").read_bytes()

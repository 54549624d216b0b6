"""A run's batches: the helpers send each document's rows as Arrow and write its cache entry, the parent joins them
into the batch's part. The parts hold what extract_files' rows made of them before: the same rows, in the same
order, with the same schema, byte for byte; from the helpers, from the cache, and in a daemon process."""

from __future__ import annotations

import dataclasses
import multiprocessing
import pickle
import shutil
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from govreport.extract.arrow_rows import ExtractedDocument, batch_tables
from govreport.extract.batch import extract_files
from govreport.extract.budget import helpers_for_run
from govreport.extract.cache import ExtractionCache
from govreport.extract.pipeline import DocumentResult, process_file
from govreport.release.publish import extracted_tables
from govreport.sources.raw_folder import read_inputs
from govreport.tables.batch_part import extract_batch_to_part
from govreport.tables.parts import write_part

from conftest import RAW

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.corpus import build_corpus  # noqa: E402

SEED = "000_c6f7ee3199c6db1d.txt"
NO_YEAR = "报告\n今年地区生产总值增长百分之五左右。\n"  # no year in the text or the manifest: the document fails


def seeds_raw(folder: Path) -> Path:
    shutil.copytree(RAW, folder)
    return folder


def synthetic_raw(folder: Path) -> Path:
    build_corpus(folder, n_docs=9, seed=5)
    return folder


def with_oddities(raw: Path) -> Path:
    """A failing document and a duplicate among the others: neither may shift the rows of the rest."""
    (raw / "0000_no_year.txt").write_text(NO_YEAR, encoding="utf-8")
    first = sorted(p for p in raw.iterdir() if p.suffix == ".txt" and p.name != "0000_no_year.txt")[0]
    shutil.copy(first, raw / f"zz_copy_of_{first.name}")
    return raw


def reference(raw: Path) -> tuple[list[str], dict, list[DocumentResult]]:
    """The files, manifest entries, and each file's result with rows, extracted here without cache or helpers."""
    files, entries, _ = read_inputs(raw)
    return [str(f) for f in files], entries, [process_file(Path(f), entries.get(Path(f).name)) for f in files]


def batches(items: list, size: int = 4) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def part_tables(part: dict[str, Path]) -> dict[str, pa.Table]:
    return {name: pa.ipc.open_file(path).read_all() for name, path in part.items()}


def assert_same_part(part: dict[str, Path], expected: dict[str, pa.Table], folder: Path) -> None:
    """The part's tables are the expected ones (values, order, schema with its descriptions, one chunk a column),
    and its files the bytes write_part gives them."""
    got = part_tables(part)
    assert set(got) == set(expected) == {"observations", "quantities"}
    for name, table in expected.items():
        assert got[name].equals(table, check_metadata=True), name
        assert all(column.num_chunks == 1 for column in got[name].columns)
    classic = write_part(folder, 999, expected)
    for name in expected:
        assert Path(part[name]).read_bytes() == classic[name].read_bytes(), name


def without_rows(result: DocumentResult) -> DocumentResult:
    return dataclasses.replace(result, observations=[], quantities=[])


# --- in this process: the conversion and the cache, without helpers ---------------------------------------------
@pytest.mark.parametrize("make_raw", [seeds_raw, synthetic_raw], ids=["seeds", "synthetic"])
def test_rows_as_arrow_make_the_tables_the_rows_made(tmp_path, make_raw):
    raw = with_oddities(make_raw(tmp_path / "raw"))
    files, entries, expected = reference(raw)
    assert any(r.error for r in expected) and sum(bool(r.observations) for r in expected) > 3
    cache = ExtractionCache(tmp_path / "state")
    for run in ("extracted", "from the cache"):
        for i, (batch, want) in enumerate(zip(batches(files), batches(expected), strict=True)):
            documents = cache.extract_many([(Path(f), entries.get(Path(f).name)) for f in batch])
            assert [d.result for d in documents] == [without_rows(r) for r in want], run
            tables = batch_tables(documents)
            classic = extracted_tables(want)
            for name in classic:
                assert tables[name].equals(classic[name], check_metadata=True), (run, i, name)
    ok, failed = sum(r.document is not None for r in expected), sum(r.error is not None for r in expected)
    assert (cache.misses, cache.hits) == (ok + 2 * failed, ok)  # a failed document is extracted again, never stored


def test_an_empty_batch_or_one_of_failures_makes_empty_tables_with_the_schema(tmp_path):
    (tmp_path / "bad.txt").write_text(NO_YEAR, encoding="utf-8")
    failed = ExtractionCache(tmp_path / "state").extract_many([(tmp_path / "bad.txt", None)])
    assert failed[0].result.error and not failed[0].rows
    for documents in ([], failed):
        tables, classic = batch_tables(documents), extracted_tables([d.result for d in documents])
        for name in classic:
            assert tables[name].num_rows == 0 and tables[name].equals(classic[name], check_metadata=True)


def test_rows_from_the_cache_are_the_rows_extraction_gave(tmp_path):
    raw = synthetic_raw(tmp_path / "raw")
    files, entries, expected = reference(raw)
    for run in range(2):
        cache = ExtractionCache(tmp_path / "state")
        got = cache.process_many([(Path(f), entries.get(Path(f).name)) for f in files])
        assert cache.hits == (0 if run == 0 else len(files))
        assert got == expected  # rows as dicts again: same keys, same values, same order


def test_an_entry_of_the_former_format_or_a_damaged_one_is_a_miss_and_is_replaced(tmp_path):
    shutil.copy(RAW / SEED, tmp_path / SEED)
    path, state = tmp_path / SEED, tmp_path / "state"
    expected = process_file(path, None)
    ExtractionCache(state).process(path, None)
    [entry] = (ExtractionCache(state).dir).glob("*.pickle")
    former = pickle.dumps(expected, protocol=pickle.HIGHEST_PROTOCOL)  # a whole DocumentResult, rows and all
    for stored in (former, b"not a pickle", entry.read_bytes()[:100]):
        entry.write_bytes(stored)
        cache = ExtractionCache(state)
        assert cache.process(path, None) == expected
        assert (cache.hits, cache.misses) == (0, 1)
        assert isinstance(pickle.loads(entry.read_bytes()), ExtractedDocument)  # written again, in this format
        again = ExtractionCache(state)
        assert again.process(path, None) == expected and again.hits == 1


# --- on the helpers, as a run does --------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("make_raw", [seeds_raw, synthetic_raw], ids=["seeds", "synthetic"])
def test_a_batchs_part_holds_the_rows_extract_files_gave_and_so_does_a_second_run(tmp_path, make_raw):
    raw = with_oddities(make_raw(tmp_path / "raw"))
    files, entries, expected = reference(raw)
    state, parts = tmp_path / "state", tmp_path / "parts"
    parts.mkdir()
    ok = sum(r.document is not None for r in expected)
    with helpers_for_run():
        for run in range(2):
            cached = 0
            for i, (batch, want) in enumerate(zip(batches(files), batches(expected), strict=True)):
                results, part, hits = extract_batch_to_part(batch, entries, state, parts, i)
                assert results == [without_rows(r) for r in want]  # in file order, failures and all
                assert_same_part(part, extracted_tables(want), tmp_path)
                cached += hits
            assert cached == (0 if run == 0 else ok)
            # The classic call still gives rows, the same from the helpers' entries as from extraction.
            classic, hits = extract_files(files, entries, state)
            assert classic == expected and hits == ok
    assert len(list(ExtractionCache(state).dir.glob("*.pickle"))) == ok  # written by the helpers


def _batch_in_daemon(files, entries, state, folder):
    extract_batch_to_part(files, entries, state, folder, 0)


@pytest.mark.slow
def test_in_a_daemon_process_a_batch_is_extracted_in_that_process_to_the_same_part(tmp_path):
    """A Dask worker is a daemon process, which may not start helpers: the batch is extracted where it is."""
    raw = with_oddities(seeds_raw(tmp_path / "raw"))
    files, entries, expected = reference(raw)
    folder = tmp_path / "parts"
    folder.mkdir()
    worker = multiprocessing.get_context("spawn").Process(
        target=_batch_in_daemon, args=(files, entries, tmp_path / "state", folder), daemon=True
    )
    worker.start()
    worker.join(timeout=300)
    assert worker.exitcode == 0
    part = {name: folder / f"{name}-000000.arrow" for name in ("observations", "quantities")}
    assert_same_part(part, extracted_tables(expected), tmp_path)


@pytest.mark.slow
def test_a_file_over_its_budget_in_a_batch_is_named_and_skipped_and_not_cached(tmp_path, monkeypatch):
    from test_file_budget import slow_file

    raw = seeds_raw(tmp_path / "raw")
    files, entries, expected = reference(raw)
    slow = slow_file(raw)  # tens of seconds of work
    state, parts = tmp_path / "state", tmp_path / "parts"
    parts.mkdir()
    monkeypatch.setenv("GOVREPORT_FILE_BUDGET_SECONDS", "10")
    with helpers_for_run():
        extract_batch_to_part(files[:2], entries, tmp_path / "warm-up", parts, 0)  # the helpers started, imported
        batch = [files[0], str(slow), *files[1:]]
        results, part, hits = extract_batch_to_part(batch, entries, state, parts, 1)
    assert [r.file for r in results] == [Path(f).name for f in batch] and hits == 0
    assert "blank_lines.txt" in results[1].error and "per-file budget of 10 s" in results[1].error
    assert [without_rows(r) for r in expected] == [results[0], *results[2:]]
    assert_same_part(part, extracted_tables(expected), tmp_path)
    assert len(list(ExtractionCache(state).dir.glob("*.pickle"))) == len(expected)  # not the slow file

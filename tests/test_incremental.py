"""Incremental and distributed runs: only changed documents are extracted; Dask gives the same release."""
import shutil

import pytest

from govreport.extract.cache import ExtractionCache
from govreport.extract.pipeline import read_inputs

from conftest import tree_bytes


def extract_all(raw, state):
    files, entries, _ = read_inputs(raw)
    cache = ExtractionCache(state)
    results = [cache.process(p, entries.get(p.name)) for p in files]
    return cache, results


def test_only_new_or_changed_documents_are_extracted(raw_copy, tmp_path):
    state = tmp_path / "state"
    first, results = extract_all(raw_copy, state)
    assert (first.hits, first.misses) == (0, 5)
    again, same = extract_all(raw_copy, state)
    assert (again.hits, again.misses) == (5, 0)
    assert [r.observations for r in same] == [r.observations for r in results]
    seed = raw_copy / "003_289cf3d100bc3f5f.txt"
    seed.write_text(seed.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    touched, _ = extract_all(raw_copy, state)
    assert (touched.hits, touched.misses) == (4, 1)


def test_a_new_extractor_re_extracts_everything(raw_copy, tmp_path, monkeypatch):
    state = tmp_path / "state"
    extract_all(raw_copy, state)
    import govreport.extract.cache as cache_module

    monkeypatch.setattr(cache_module, "extractor_checksum", lambda: "0" * 64)  # as if the code had changed
    changed, _ = extract_all(raw_copy, state)
    assert (changed.hits, changed.misses) == (0, 5)


def test_deleting_the_cache_is_safe(raw_copy, tmp_path):
    state = tmp_path / "state"
    _, before = extract_all(raw_copy, state)
    shutil.rmtree(state / "cache")
    cache, after = extract_all(raw_copy, state)
    assert cache.misses == 5 and [r.observations for r in after] == [r.observations for r in before]


@pytest.mark.slow
@pytest.mark.prefect
def test_flow_second_run_with_nothing_new_does_nothing(raw_copy, tmp_path):
    from govreport.flows.publish import run  # Prefect: imported by the tests that run a flow only

    params = dict(raw_dir=str(raw_copy), out_dir=str(tmp_path / "out"), state_dir=str(tmp_path / "state"))
    assert run(**params).version == "1.0.0"
    before = tree_bytes(tmp_path / "out")
    second = run(**params)
    assert second.version is None and second.summary.unchanged == 5
    assert tree_bytes(tmp_path / "out") == before
    (raw_copy / "003_289cf3d100bc3f5f.txt").write_text(
        (raw_copy / "003_289cf3d100bc3f5f.txt").read_text(encoding="utf-8").replace("增长 6.0%", "增长 6.1%"),
        encoding="utf-8")
    third = run(**params)
    assert third.version == "1.0.1" and third.summary.unchanged == 4



@pytest.mark.slow
@pytest.mark.prefect
def test_a_dask_cluster_of_two_workers_publishes_the_same_release(raw_copy, tmp_path, monkeypatch):
    from govreport.flows.publish import run

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    default = run(raw_dir=str(raw_copy), out_dir=str(tmp_path / "default"), state_dir=str(tmp_path / "s1"))
    on_dask = run(workers=2, raw_dir=str(raw_copy), out_dir=str(tmp_path / "dask"),
                        state_dir=str(tmp_path / "s2"), batch_size=2)
    assert default.version == on_dask.version == "1.0.0"

    def product(root):  # the DuckDB file included: its bytes depend on its tables only
        return {k: v for k, v in tree_bytes(root).items() if "/validation/" not in k and not k.startswith(".")}
    assert product(tmp_path / "default") == product(tmp_path / "dask")

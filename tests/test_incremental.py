"""Incremental and distributed runs: only changed documents are extracted; Dask gives the same release."""

import shutil
import subprocess
import sys

import pytest

from govreport import fingerprint
from govreport.extract.cache import ExtractionCache
from govreport.fingerprint import inputs_fingerprint
from govreport.release.unchanged import unchanged_release
from govreport.sources.raw_folder import read_inputs

from conftest import publish_folder, tree_bytes


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
        encoding="utf-8",
    )
    third = run(**params)
    assert third.version == "1.0.1" and third.summary.unchanged == 4


@pytest.mark.slow
@pytest.mark.prefect
def test_a_dask_cluster_of_two_workers_publishes_the_same_release(raw_copy, tmp_path, monkeypatch):
    from govreport.flows.publish import run

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    default = run(raw_dir=str(raw_copy), out_dir=str(tmp_path / "default"), state_dir=str(tmp_path / "s1"))
    on_dask = run(
        workers=2, raw_dir=str(raw_copy), out_dir=str(tmp_path / "dask"), state_dir=str(tmp_path / "s2"), batch_size=2
    )
    assert default.version == on_dask.version == "1.0.0"

    def product(root):  # the DuckDB file included: its bytes depend on its tables only
        return {k: v for k, v in tree_bytes(root).items() if "/validation/" not in k and not k.startswith(".")}

    assert product(tmp_path / "default") == product(tmp_path / "dask")


# --- a run with nothing new stops before Prefect, pyarrow or the extractor is loaded ----------------------------
HEAVY = ("prefect", "pyarrow", "great_expectations", "govreport.extract.rules")
CLI_THEN_LIST_HEAVY = (
    "import sys; from govreport.cli import app; app(sys.argv[1:], standalone_mode=False); "
    f"print('loaded:', sorted(m for m in {HEAVY!r} if m in sys.modules))"
)


def published_with_inputs(raw, out, state):
    files, entries, _ = read_inputs(raw)
    publish_folder(raw, out, state, inputs=inputs_fingerprint(files, entries))


@pytest.mark.slow
def test_a_cli_run_with_nothing_new_stops_before_anything_heavy_is_loaded(raw_copy, tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    published_with_inputs(raw_copy, out, state)
    before = tree_bytes(out)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CLI_THEN_LIST_HEAVY,
            "publish",
            "--raw",
            str(raw_copy),
            "--out",
            str(out),
            "--state",
            str(state),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "Nothing changed since 1.0.0" in done.stdout and "loaded: []" in done.stdout, done.stdout
    assert tree_bytes(out) == before

    seed = raw_copy / "003_289cf3d100bc3f5f.txt"  # any changed input: the full run decides
    seed.write_bytes(seed.read_bytes() + b"\n")
    assert unchanged_release(raw_copy, out, state) is None
    seed.write_bytes(seed.read_bytes()[:-1])
    assert unchanged_release(raw_copy, out, state) is not None
    with (raw_copy / "sources.yaml").open("a", encoding="utf-8") as manifest:  # a URL: to be fetched first
        manifest.write("  - file: fetched.txt\n    url: http://127.0.0.1:9/report.txt\n")
    assert unchanged_release(raw_copy, out, state) is None


def test_raw_files_byte_for_byte_the_same_are_known_without_reading_the_manifest_again(raw_copy, tmp_path, monkeypatch):
    from govreport.release import unchanged

    with (raw_copy / "sources.yaml").open("a", encoding="utf-8") as manifest:  # a problem worth repeating
        manifest.write("remarks: kept by hand\n")
    out, state = tmp_path / "out", tmp_path / "state"
    published_with_inputs(raw_copy, out, state)
    first = unchanged_release(raw_copy, out, state)  # reads the manifest, and records raw/ as it lies
    assert first is not None and any("unknown top-level key 'remarks'" in n for n in first.notes)

    def no_reading(raw_dir):
        raise AssertionError("the manifest was read again")

    monkeypatch.setattr(unchanged, "read_inputs", no_reading)
    again = unchanged_release(raw_copy, out, state)
    assert again == first  # the same release, documents and manifest notes

    # Anything different on disk goes to the full check: a byte, or a file swapped for a link to a copy.
    seed = raw_copy / "003_289cf3d100bc3f5f.txt"
    seed.write_bytes(seed.read_bytes() + b"\n")
    with pytest.raises(AssertionError, match="read again"):
        unchanged_release(raw_copy, out, state)
    seed.write_bytes(seed.read_bytes()[:-1])
    assert unchanged_release(raw_copy, out, state) == first
    outside = tmp_path / "elsewhere.txt"
    shutil.copy(seed, outside)
    seed.unlink()
    seed.symlink_to(outside)
    with pytest.raises(AssertionError, match="read again"):
        unchanged_release(raw_copy, out, state)


def test_no_release_yet_means_a_full_run(raw_copy, tmp_path):
    assert unchanged_release(raw_copy, tmp_path / "out", tmp_path / "state") is None


def test_the_code_checksum_covers_word_lists_and_templates(tmp_path, monkeypatch):
    """A change to a word list (lexicon.yaml) or a page template changes what a release holds: it must
    change the fingerprint, or the next run would wrongly find nothing to do."""
    copy = tmp_path / "govreport"
    shutil.copytree(fingerprint.PACKAGE_ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fingerprint, "PACKAGE_ROOT", copy)
    checksums = set()
    for changed in [None, copy / "extract" / "lexicon.yaml", *sorted((copy / "site" / "templates").glob("*.j2"))[:1]]:
        if changed is not None:
            changed.write_bytes(changed.read_bytes() + b"\n")
        checksums.add(fingerprint.code_checksum.__wrapped__())
    assert len(checksums) == 3

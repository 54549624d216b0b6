"""Bad input: a clear message naming the file and the problem, the rest of the run goes on,
and the release already published stays byte for byte as it was."""

import csv
import shutil

import pyarrow.parquet as pq
import pytest

from govreport.extract.pipeline import ManifestUnusable
from govreport.release.publish import PACKAGE_NAME
from govreport.sources.decode import MAX_BYTES

from conftest import RAW, process_folder, publish_folder, tree_bytes

pytestmark = [pytest.mark.slow]

SEED = "000_c6f7ee3199c6db1d.txt"


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The seeds published once; each test starts from a copy."""
    base = tmp_path_factory.mktemp("baseline")
    shutil.copytree(RAW, base / "raw")
    assert publish_folder(base / "raw", base / "published").version == "1.0.0"
    return base


@pytest.fixture
def world(baseline, tmp_path):
    shutil.copytree(baseline / "raw", tmp_path / "raw")
    shutil.copytree(baseline / "published", tmp_path / "published")
    return tmp_path


def run(world):
    """Publish the world's raw folder; return the outcome, the messages, and whether 1.0.0 stayed as it was."""
    release = world / "published" / PACKAGE_NAME / "1.0.0"
    before = tree_bytes(release)
    results = process_folder(world / "raw")
    messages = [m for r in results for m in r.warnings + ([r.error] if r.error else [])]
    outcome = publish_folder(world / "raw", world / "published")
    return outcome, messages, tree_bytes(release) == before, results


def by_file(results, name):
    return next(r for r in results if r.file == name)


@pytest.mark.parametrize(
    "name, data, problem",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", "  \n\u3000\n".encode(), "empty file"),
        ("scan.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "PDF"),
        ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "PNG"),
    ],
)
def test_unusable_files_are_named_and_skipped(world, name, data, problem):
    (world / "raw" / name).write_bytes(data)
    outcome, messages, unchanged, _ = run(world)
    assert any(name in m and problem in m for m in messages), messages
    assert outcome.version is None  # nothing else changed: nothing published
    assert unchanged


def test_a_file_over_the_size_limit_is_refused_with_the_limit_stated(world):
    with open(world / "raw" / "huge.txt", "wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: the size is what is checked, before anything is read
    outcome, messages, unchanged, _ = run(world)
    assert any("huge.txt" in m and str(MAX_BYTES) in m.replace(",", "") for m in messages), messages
    assert outcome.version is None and unchanged


def test_a_gb18030_report_is_decoded_not_rejected(world):
    text = (RAW / SEED).read_text(encoding="utf-8")
    (world / "raw" / "010_gbk.txt").write_bytes(text.encode("gb18030"))
    outcome, messages, unchanged, results = run(world)
    gbk, utf8 = by_file(results, "010_gbk.txt"), by_file(results, SEED)
    assert gbk.document["encoding"] == "gb18030"
    fact = lambda o: (o["indicator"], o["measure"], o["value"], o["quote"])  # noqa: E731
    assert sorted(map(fact, gbk.observations)) == sorted(map(fact, utf8.observations))
    assert outcome.version == "1.1.0" and unchanged


def test_mixed_encodings_are_decoded_with_a_warning(world):
    good = "2021年政府工作报告:全区地区生产总值增长6.5%左右。\n".encode()
    (world / "raw" / "011_mixed.txt").write_bytes(good + "固定资产投资增长10%。".encode("gbk") + b"\xff\xfe\xfa" + good)
    outcome, messages, unchanged, results = run(world)
    assert any("011_mixed.txt" in m and "replaced" in m for m in messages), messages
    assert by_file(results, "011_mixed.txt").observations
    assert unchanged


def test_an_html_page_saved_as_text_is_read_as_text(world):
    html = (
        "<!DOCTYPE html><html><head><title>2017年罗湖区委全会</title><script>var a='地区生产总值增长99%';</script>"
        "</head><body><div class=nav>首页 &gt; 新闻</div><p>上半年,罗湖区地区生产总值完成957.1亿元,增长8.6%。</p>"
        "</body></html>"
    )
    (world / "raw" / "012_page.txt").write_text(html, encoding="utf-8")
    outcome, messages, unchanged, results = run(world)
    obs = by_file(results, "012_page.txt").observations
    assert {o["value"] for o in obs} == {957.1, 8.6}  # not the 99% inside the script
    for o in obs:
        assert html[o["value_start"] : o["value_end"]] == o["value_text"]
    assert unchanged


def test_a_document_with_no_indicators_is_listed_with_a_warning(world):
    (world / "raw" / "013_weather.txt").write_text("2021年1月29日,今天天气晴朗,市民出行顺利。", encoding="utf-8")
    outcome, messages, unchanged, results = run(world)
    assert any("013_weather.txt" in m and "no indicator observations" in m for m in messages)
    assert by_file(results, "013_weather.txt").document["n_observations"] == 0
    assert outcome.version == "1.1.0" and unchanged


def test_two_files_with_the_same_content_are_one_document(world):
    shutil.copy(world / "raw" / SEED, world / "raw" / "zz_copy.txt")
    outcome, messages, unchanged, _ = run(world)
    assert any("zz_copy.txt" in m and "same content" in m and SEED in m for m in messages)
    assert outcome.version is None and unchanged


@pytest.mark.parametrize(
    "entry, problem",
    [
        ("  - file: 000_c6f7ee3199c6db1d.txt\n    regoin_name: 罗湖区\n", "unknown field"),
        ("  - file: not_here.txt\n", "missing"),
        ("  - file: ../../etc/passwd\n", "escapes raw/"),
    ],
)
def test_manifest_defects_are_reported_and_the_run_goes_on(world, entry, problem):
    with open(world / "raw" / "sources.yaml", "a", encoding="utf-8") as fh:
        fh.write(entry)
    from govreport.sources.manifest import load_manifest

    problems = [str(p) for p in load_manifest(world / "raw")[1]]
    assert any("sources.yaml" in p and problem in p for p in problems), problems
    outcome, _, unchanged, _ = run(world)
    assert unchanged


def test_a_manifest_that_cannot_be_parsed_publishes_nothing(world):
    (world / "raw" / "sources.yaml").write_text("documents:\n  - file: [unclosed\n", encoding="utf-8")
    (world / "raw" / "014_new.txt").write_text("今年全区地区生产总值增长6%左右。", encoding="utf-8")
    before = tree_bytes(world / "published")
    with pytest.raises(ManifestUnusable, match="sources.yaml"):
        publish_folder(world / "raw", world / "published")
    assert tree_bytes(world / "published") == before


def test_quoted_text_is_data_stored_faithfully_and_neutralised_in_csv(world):
    sentence = '=HYPERLINK("http://example.invalid")全区地区生产总值增长6%左右<script>alert(1)</script>\x07'
    (world / "raw" / "015_payload.txt").write_text("2021年工作报告\n" + sentence + "\n", encoding="utf-8")
    outcome, _, unchanged, _ = run(world)
    data = outcome.path / "data"
    parquet_quotes = [q for q in pq.read_table(data / "observations.parquet")["quote"].to_pylist() if "HYPERLINK" in q]
    assert parquet_quotes == [sentence]
    with open(data / "observations.csv", newline="", encoding="utf-8") as fh:
        csv_quotes = [r["quote"] for r in csv.DictReader(fh) if "HYPERLINK" in r["quote"]]
    assert csv_quotes == ["'" + sentence]
    assert unchanged

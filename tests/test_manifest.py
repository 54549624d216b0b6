import re
from datetime import date
from pathlib import Path

import pytest

from govreport.sources.manifest import (
    DOCUMENT_TYPES,
    FIELDS,
    MANIFEST_NAME,
    ManifestProblem,
    SourceEntry,
    load_manifest,
)

RAW = Path(__file__).resolve().parents[1] / "raw"

GOOD_ENTRY = """\
  - file: a.txt
    title: 2021年罗湖区政府工作报告
    region_name: 罗湖区
    region_code: "440303"
    document_type: government_work_report
    published: 2021-01-29
    report_year: 2021
    script: zh-Hans
"""


def make_raw(tmp_path, manifest: str, files=("a.txt", "b.txt")) -> Path:
    for name in files:
        (tmp_path / name).write_text("罗湖区政府工作报告", encoding="utf-8")
    (tmp_path / MANIFEST_NAME).write_text(manifest, encoding="utf-8")
    return tmp_path


def only_problem(problems) -> ManifestProblem:
    assert len(problems) == 1, problems
    return problems[0]


def test_real_manifest_loads_cleanly():
    entries, problems = load_manifest(RAW)
    assert problems == []
    assert sorted(entries) == sorted(p.name for p in RAW.glob("*.txt"))
    assert len(entries) == 5
    for name, e in entries.items():
        assert e.file == name
        assert (e.region_name, e.region_code) == ("罗湖区", "440303")
        assert e.document_type in DOCUMENT_TYPES
        assert e.report_year and e.licence and e.source
    assert entries["002_cad3070b53b7c597.txt"].script == "zh-Hant"
    assert entries["001_d5fabbdb30472f7d.txt"].published == date(2021, 1, 29)
    assert entries["000_c6f7ee3199c6db1d.txt"].published is None


def test_real_manifest_header_mentions_every_field():
    header = "".join(
        line for line in (RAW / MANIFEST_NAME).read_text(encoding="utf-8").splitlines(True) if line.startswith("#")
    )
    assert [f for f in FIELDS if not re.search(rf"\b{f}\b", header)] == []


def test_good_entry_is_parsed(tmp_path):
    entries, problems = load_manifest(make_raw(tmp_path, "documents:\n" + GOOD_ENTRY))
    assert problems == []
    assert entries == {
        "a.txt": SourceEntry(
            file="a.txt",
            title="2021年罗湖区政府工作报告",
            region_name="罗湖区",
            region_code="440303",
            document_type="government_work_report",
            published=date(2021, 1, 29),
            report_year=2021,
            script="zh-Hans",
        )
    }


def test_missing_manifest_is_fine(tmp_path):
    assert load_manifest(tmp_path) == ({}, [])


def test_yaml_syntax_error_is_fatal_and_names_the_line(tmp_path):
    raw = make_raw(tmp_path, "documents:\n  - file: a.txt\n    title: [unclosed\n  - file: b.txt\n")
    entries, problems = load_manifest(raw)
    assert entries == {}
    p = only_problem(problems)
    assert p.fatal and p.path == str(raw / MANIFEST_NAME)
    assert re.search(r"line \d+", p.problem)
    assert str(p) == f"{raw / MANIFEST_NAME}: {p.problem}"


@pytest.mark.parametrize("text", ["", "- file: a.txt\n", "documents: a.txt\n", "documents:\n"])
def test_wrong_top_level_is_fatal(tmp_path, text):
    entries, problems = load_manifest(make_raw(tmp_path, text))
    assert entries == {}
    assert only_problem(problems).fatal
    assert "'documents' list" in problems[0].problem


def test_duplicate_key_in_an_entry_is_a_yaml_error(tmp_path):
    raw = make_raw(tmp_path, "documents:\n  - file: a.txt\n    report_year: 2020\n    report_year: 2021\n")
    entries, problems = load_manifest(raw)
    assert entries == {}
    assert "duplicate key 'report_year'" in only_problem(problems).problem
    assert "line 4" in problems[0].problem


def test_unknown_field_is_reported_and_entry_kept(tmp_path):
    raw = make_raw(tmp_path, "documents:\n" + GOOD_ENTRY + "    regoin: 罗湖区\n")
    entries, problems = load_manifest(raw)
    assert entries["a.txt"].region_code == "440303"
    p = only_problem(problems)
    assert not p.fatal
    assert p.problem == "entry 1 (a.txt): unknown field 'regoin'; ignored"


def test_missing_file_key_drops_entry(tmp_path):
    raw = make_raw(tmp_path, "documents:\n  - title: no file here\n" + GOOD_ENTRY)
    entries, problems = load_manifest(raw)
    assert list(entries) == ["a.txt"]
    assert only_problem(problems).problem == "entry 1: missing 'file'; entry dropped"


def test_listed_file_missing_drops_entry(tmp_path):
    raw = make_raw(tmp_path, "documents:\n" + GOOD_ENTRY + "  - file: gone.txt\n")
    entries, problems = load_manifest(raw)
    assert list(entries) == ["a.txt"]
    assert "entry 2 (gone.txt): listed file missing" in only_problem(problems).problem


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "sub/a.txt", "..\\a.txt", "..", "C:a.txt"])
def test_paths_outside_raw_are_refused(tmp_path, name):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "sub").mkdir()
    (raw / "sub" / "a.txt").write_text("x")
    entries, problems = load_manifest(make_raw(raw, f"documents:\n  - file: '{name}'\n"))
    assert entries == {}
    p = only_problem(problems)
    assert not p.fatal and "path escapes raw/" in p.problem


def test_symlink_out_of_raw_is_refused(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (tmp_path / "secret.txt").write_text("x")
    (raw / "link.txt").symlink_to(tmp_path / "secret.txt")
    entries, problems = load_manifest(make_raw(raw, "documents:\n  - file: link.txt\n", files=()))
    assert entries == {}
    assert "path escapes raw/" in only_problem(problems).problem


@pytest.mark.parametrize(
    "field, value",
    [
        ("region_code", "44030"),
        ("region_code", "440303"),  # unquoted: an int, and YAML reads 010101 as octal
        ("region_code", '"44O303"'),
        ("document_type", "speech"),
        ("published", "2021-13-45"),
        ("published", "29/01/2021"),
        ("published", "20210129"),
        ("report_year", "twenty"),
        ("report_year", "yes"),
        ("report_year", "99999"),
        ("script", "zh-CN"),
        ("title", "[a, list]"),
    ],
)
def test_bad_field_value_is_nulled(tmp_path, field, value):
    raw = make_raw(tmp_path, f"documents:\n  - file: a.txt\n    region_name: 罗湖区\n    {field}: {value}\n")
    entries, problems = load_manifest(raw)
    entry = entries["a.txt"]
    assert getattr(entry, field) is None
    assert entry.region_name == "罗湖区"  # the rest of the entry survives
    p = only_problem(problems)
    assert not p.fatal and p.problem.startswith(f"entry 1 (a.txt): {field}: ")


def test_duplicate_entry_first_wins(tmp_path):
    raw = make_raw(tmp_path, "documents:\n" + GOOD_ENTRY + "  - file: a.txt\n    report_year: 1999\n")
    entries, problems = load_manifest(raw)
    assert entries["a.txt"].report_year == 2021
    assert "entry 2 (a.txt): duplicate entry" in only_problem(problems).problem


def test_null_optional_fields_default_to_none(tmp_path):
    raw = make_raw(tmp_path, "documents:\n  - file: b.txt\n    url: null\n    published:\n")
    entries, problems = load_manifest(raw)
    assert problems == []
    assert entries["b.txt"] == SourceEntry(file="b.txt")


def test_every_field_is_described():
    assert list(FIELDS) == [f for f in SourceEntry.__dataclass_fields__]
    assert all(isinstance(d, str) and d for d in FIELDS.values())


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path):
    import resource
    import time

    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    bomb = "\n".join(lines) + "\ndocuments:\n" + GOOD_ENTRY  # 9**10 strings once expanded; 1 KB here
    raw = make_raw(tmp_path, bomb)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    entries, problems = load_manifest(raw)
    assert time.monotonic() - started < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB: no expansion
    assert entries == {}
    [problem] = problems
    assert problem.fatal and "alias *a0 at line 2" in problem.problem and "not allowed" in problem.problem


def test_redirect_hosts_are_host_names(tmp_path):
    raw = make_raw(tmp_path, "documents:\n" + GOOD_ENTRY + "    redirect_hosts: [www.GOV.cn, 10.0.0.1, www.gov.cn.]\n")
    entries, problems = load_manifest(raw)
    assert problems == [] and entries["a.txt"].redirect_hosts == ("10.0.0.1", "www.gov.cn")


@pytest.mark.parametrize(
    "value",
    ["www.gov.cn", "[http://www.gov.cn]", "[www.gov.cn:8080]", "[www.gov.cn/x]", "[]", "[1]", "[user@www.gov.cn]"],
)
def test_redirect_hosts_that_are_not_a_list_of_host_names_are_refused(tmp_path, value):
    raw = make_raw(tmp_path, "documents:\n" + GOOD_ENTRY + f"    redirect_hosts: {value}\n")
    entries, problems = load_manifest(raw)
    assert entries["a.txt"].redirect_hosts == ()
    assert "redirect_hosts: expected a list of host names" in only_problem(problems).problem


def test_a_listed_file_with_a_url_is_kept_for_the_run_to_fetch(tmp_path):
    raw = make_raw(tmp_path, "documents:\n" + GOOD_ENTRY + "  - file: new.txt\n    url: https://www.gov.cn/a.htm\n")
    entries, problems = load_manifest(raw)
    assert problems == [] and entries["new.txt"].url == "https://www.gov.cn/a.htm"

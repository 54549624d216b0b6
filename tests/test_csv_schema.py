"""Every row of the CSV files checked as SQL reports what Frictionless reports reading every row itself."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from govreport.checks.csv_schema import check_package
from govreport.checks.gate import run_frictionless
from govreport.release.publish import PACKAGE_NAME

from conftest import REPO

PACKAGE = REPO / "published" / PACKAGE_NAME


def rewrite(path: Path, change) -> None:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    change(rows)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


@pytest.fixture
def broken(tmp_path) -> Path:
    """Release 1.3.0's package with cells and rows broken for every rule its schemas state."""
    release = tmp_path / "1.3.0"
    shutil.copytree(PACKAGE / "1.3.0", release, ignore=shutil.ignore_patterns("*.parquet", "*.duckdb", "site"))

    def observations(rows):
        col = {name: i for i, name in enumerate(rows[0])}
        rows[1][col["quote_start"]] = "twelve"  # type: integer
        rows[2][col["period_start"]] = "2020-13-01"  # type: date
        rows[3][col["period_end"]] = "2020-1-5"  # a date strptime reads: no error
        rows[4][col["measure"]] = "speed"  # enum
        rows[5][col["observation_id"]] = "XYZ"  # pattern
        rows[6][col["region_code"]] = "１１００００"  # pattern: \d takes any Unicode digit
        rows[7][col["indicator"]] = ""  # required
        rows[8][col["quote_end"]] = "-1"  # minimum
        rows[9][col["value"]] = "1e3"  # a number Decimal reads: no error
        rows[10][col["observation_id"]] = rows[11][col["observation_id"]]  # primary key, unique
        rows[12][col["document_id"]] = "f" * 64  # foreign key
        rows[13][col["value_low"]] = "n/a"  # type: number
        rows.insert(15, [""] * len(rows[0]))  # blank row

    rewrite(release / "data" / "observations.csv", observations)

    def documents(rows):
        col = {name: i for i, name in enumerate(rows[0])}
        rows[1][col["report_year"]] = "3000"  # maximum

    rewrite(release / "data" / "documents.csv", documents)
    return release


def by_type(pairs) -> dict:
    out: dict = {}
    for resource, kind, rows in pairs:
        out.setdefault((resource, kind), set()).update(rows)
    return {k: sorted(v) for k, v in out.items() if v}


def frictionless_row_errors(descriptor, basepath) -> dict:
    """Frictionless' own validation of every row, in Python: the rows of each error, by resource and type."""
    from frictionless import Package

    everything = Package(str(descriptor), basepath=str(basepath)).validate()
    return by_type(
        (task.name, err.type, [err.row_number])
        for task in everything.tasks
        for err in task.errors
        if getattr(err, "row_number", None) is not None
    )


def test_every_rows_sql_checks_find_what_frictionless_finds(broken):
    descriptor = broken / "datapackage.json"
    expected = frictionless_row_errors(descriptor, broken)
    errors, checks = check_package(descriptor)
    assert by_type((e.resource, e.type, e.rows) for e in errors) == expected
    assert checks > 100
    assert {kind for _, kind in expected} >= {
        "type-error",
        "constraint-error",
        "primary-key",
        "unique-error",
        "foreign-key",
        "blank-row",
    }


def test_the_gate_reports_rows_beyond_frictionless_sample(broken, tmp_path):
    report = run_frictionless(broken / "datapackage.json", tmp_path / "frictionless.json", limit_rows=3)
    failures = {(f.table, f.check): f.rows for f in report.failures if f.tool == "frictionless"}
    assert failures[("observations", "foreign-key")] == [13]  # row 13 (the header is 1): past the three read
    assert failures[("documents", "constraint-error")] == [2]
    assert any(f.tool == "integrity" for f in report.failures)  # the files changed since the descriptor


def _without_times(report: dict):
    if isinstance(report, dict):
        return {k: _without_times(v) for k, v in report.items() if k not in ("time", "seconds")}
    if isinstance(report, list):
        return [_without_times(v) for v in report]
    return report


def test_frictionless_sample_reports_what_a_whole_package_validation_reports(broken, tmp_path):
    # the gate validates the descriptor once and the sample without the package's sources: the same report
    from frictionless import Package

    from govreport.checks.gate import _without_foreign_keys

    descriptor = broken / "datapackage.json"
    run_frictionless(descriptor, tmp_path / "frictionless.json", limit_rows=20)
    written = json.loads((tmp_path / "frictionless.json").read_text(encoding="utf-8"))
    written.pop("every_row")
    whole = Package(_without_foreign_keys(descriptor), basepath=str(broken)).validate(limit_rows=20).to_dict()
    assert any(task["errors"] for task in whole["tasks"])  # the broken rows within the sample are found
    assert _without_times(written) == _without_times(whole)


def test_an_invalid_descriptor_is_a_critical_failure_not_a_crash(broken, tmp_path):
    descriptor = broken / "datapackage.json"
    spec = json.loads(descriptor.read_text(encoding="utf-8"))
    spec["sources"][0]["path"] = 5  # not a string
    descriptor.write_text(json.dumps(spec), encoding="utf-8")
    report = run_frictionless(descriptor, tmp_path / "frictionless.json")
    failures = [f for f in report.failures if f.table == "datapackage"]
    assert [f.check for f in failures] == ["package-error"] and "sources/0/path" in failures[0].message
    assert not report.passed


@pytest.mark.parametrize(
    "change",
    [
        lambda sources: None,  # every entry fine
        lambda sources: sources[-1].update(title=7),  # the last entry's title is not a string
        lambda sources: sources[3].update(email="not an email"),  # one entry's email
        lambda sources: sources.insert(5, "raw/doc.txt"),  # an entry that is not an object
    ],
)
def test_the_descriptors_sources_are_judged_as_a_whole_validation_judges_them(broken, change):
    # the gate validates one source of each kind, and the whole descriptor again when that finds anything
    from frictionless import Package

    from govreport.checks.gate import validate_descriptor

    spec = json.loads((broken / "datapackage.json").read_text(encoding="utf-8"))
    first = spec["sources"][0]
    spec["sources"] = [
        {**first, "title": f"report {i}", "path": f"raw/{i}.txt", "email": f"office{i}@example.org"} for i in range(40)
    ]
    change(spec["sources"])
    got = validate_descriptor(spec, str(broken)).to_dict()
    whole = Package.validate_descriptor(spec, basepath=str(broken)).to_dict()
    assert _without_times(got) == _without_times(whole)


def test_a_cell_changed_by_hand_is_named_with_its_row_and_field(broken):
    # the flags' table keeps no cells but the keys: the suspect rows' cells are read again, in the file's order
    errors, _ = check_package(broken / "datapackage.json")
    found = {(e.resource, e.type): e for e in errors}
    type_error = found[("observations", "type-error")]
    assert type_error.rows == [2, 3, 14]  # quote_start "twelve", period_start 2020-13-01, value_low "n/a"
    assert type_error.message.startswith('The cell "twelve" in row "2" and field "quote_start"')
    assert found[("documents", "constraint-error")].message.startswith('The cell "3000" in row "2"')


def test_a_unique_field_missing_in_several_rows_is_judged_as_frictionless_judges_it(tmp_path):
    """A unique field that is missing in several rows repeats no value; a field that is unique and the primary
    key is grouped once by the SQL (a value that repeats in no row repeats in no subset) and still reports both
    errors when a value repeats."""
    schema = {
        "fields": [
            {"name": "key", "type": "integer", "constraints": {"unique": True}},
            {"name": "code", "type": "string", "constraints": {"unique": True}},
            {"name": "note", "type": "string", "constraints": {"unique": True}},
        ],
        "primaryKey": ["key"],
    }
    rows = [["key", "code", "note"], ["1", "", "a"], ["2", "", "b"], ["2", "x", "c"], ["3", "x", ""], ["4", "", ""]]
    with open(tmp_path / "t.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    descriptor = tmp_path / "datapackage.json"
    descriptor.write_text(
        json.dumps({"name": "p", "resources": [{"name": "t", "path": "t.csv", "schema": schema}]}), encoding="utf-8"
    )
    expected = frictionless_row_errors(descriptor, tmp_path)
    errors, _ = check_package(descriptor)
    assert by_type((e.resource, e.type, e.rows) for e in errors) == expected
    assert expected == {("t", "unique-error"): [4, 5], ("t", "primary-key"): [4]}


def test_rows_are_named_in_the_files_order_when_duckdb_reads_it_in_parallel(tmp_path):
    """A file DuckDB reads in parallel chunks, with an enum of more than six values (which DuckDB's optimiser
    turns into a join, and the flags' table then lost the file's order): every error names its own row, and a
    bad cell far into the file is still read again and reported."""
    kinds = ["eq", "approx", "ge", "gt", "le", "lt", "range"]
    schema = {
        "fields": [
            {"name": "id", "type": "integer", "constraints": {"required": True, "unique": True}},
            {"name": "kind", "type": "string", "constraints": {"required": True, "enum": kinds}},
            {"name": "note", "type": "string"},
        ],
        "primaryKey": ["id"],
    }
    n = 300_000
    rows = [["id", "kind", "note"], *([str(i), kinds[i % 7], "x" * 80] for i in range(n))]  # 26 MB
    rows[250_001][1] = "speed"  # enum: row 250 002 of the file (the header is row 1)
    rows[260_001][0] = "260001x"  # type: integer
    rows[270_001][0] = "5"  # primary key and unique: 5 is row 7's
    with open(tmp_path / "t.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    descriptor = tmp_path / "datapackage.json"
    descriptor.write_text(
        json.dumps({"name": "p", "resources": [{"name": "t", "path": "t.csv", "schema": schema}]}), encoding="utf-8"
    )
    errors, _ = check_package(descriptor)
    found = {e.type: e for e in errors}
    assert found["constraint-error"].rows == [250_002]
    assert found["constraint-error"].message.startswith('The cell "speed" in row "250002" and field "kind"')
    assert found["type-error"].rows == [260_002]
    assert found["unique-error"].rows == [270_002]
    assert found["primary-key"].rows == [260_002, 270_002]  # a key Frictionless cannot read is a missing key


@pytest.mark.parametrize("most_values_listed", [1000, 1], ids=["values listed", "too many: tested on every row"])
def test_a_repeated_key_value_judged_once_still_fails_the_one_bad_row_among_many_good_ones(
    most_values_listed, monkeypatch, tmp_path
):
    """A foreign key's cells (kept in the flags' table, their values repeating) are judged once per distinct
    value: among many rows with the same good value, the one bad cell and the one missing cell are reported
    in their rows, as Frictionless reports them reading every row."""
    from govreport.checks import sql_expectations

    monkeypatch.setattr(sql_expectations, "MAX_LISTED_VALUES", most_values_listed)
    doc = {"name": "doc", "type": "string", "constraints": {"required": True, "pattern": "^[0-9a-f]{4}$"}}
    schemas = {
        "docs": {"fields": [{"name": "id", "type": "string"}], "primaryKey": ["id"]},
        "rows": {
            "fields": [{"name": "n", "type": "integer"}, doc],
            "primaryKey": ["n"],
            "foreignKeys": [{"fields": ["doc"], "reference": {"resource": "docs", "fields": ["id"]}}],
        },
    }
    rows = [["n", "doc"], *([str(i), "beef" if i % 2 else "cafe"] for i in range(500))]
    rows[101][1] = "BEEF"  # pattern
    rows[201][1] = ""  # required
    rows[301][1] = "beef0"  # pattern
    tables = {"docs": [["id"], ["beef"], ["cafe"], ["BEEF"]], "rows": rows}
    for name, content in tables.items():
        with open(tmp_path / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerows(content)
    descriptor = tmp_path / "datapackage.json"
    resources = [{"name": n, "path": f"{n}.csv", "schema": s} for n, s in schemas.items()]
    descriptor.write_text(json.dumps({"name": "p", "resources": resources}), encoding="utf-8")
    expected = frictionless_row_errors(descriptor, tmp_path)
    errors, _ = check_package(descriptor)
    assert by_type((e.resource, e.type, e.rows) for e in errors) == expected
    assert expected[("rows", "constraint-error")] == [102, 202, 302]

"""The row-wise expectations run as DuckDB SQL report exactly what GX's own pandas engine reports for the same
suites: the same expectations fail, with the same unexpected counts and the same rows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pytest

from govreport.checks import sql_expectations as sx
from govreport.checks.derived import with_derived_columns
from govreport.checks.gate import load_suite, raw_reader, read_tables, run_expectations
from govreport.contract.files import EXPECTATIONS_DIR
from govreport.contract.model import TABLES
from govreport.release.locate import shipped_suites_dir
from govreport.release.publish import PACKAGE_NAME

from conftest import RAW, REPO

# Imports GX (seconds) and runs suites in it.
pytestmark = [pytest.mark.slow]
PACKAGE = REPO / "published" / PACKAGE_NAME


def outcomes(out_dir: Path) -> dict:
    """Per table and expectation (by position): success, unexpected count, and the unexpected rows' keys."""
    results = json.loads((out_dir / "great_expectations.json").read_text(encoding="utf-8"))
    keys = {t.name: t.primary_key[0] for t in TABLES}
    return {
        (table, i, r["expectation_config"]["type"]): (
            r["success"],
            r["result"].get("unexpected_count"),
            sorted(str(ix[keys[table]]) for ix in r["result"].get("unexpected_index_list") or []),
            r["result"].get("element_count"),
        )
        for table, suite in results.items()
        for i, r in enumerate(suite["results"])
    }


def both_engines(frames: dict, suites_dir: Path, tmp_path: Path, parameters: dict | None = None):
    sql_dir, gx_dir = tmp_path / "sql", tmp_path / "gx"
    sql_dir.mkdir()
    gx_dir.mkdir()
    sql = run_expectations(frames, sql_dir, suites_dir, parameters)
    gx = run_expectations(frames, gx_dir, suites_dir, parameters, sql=False)
    return sql, gx, outcomes(sql_dir), outcomes(gx_dir)


def engines(out_dir: Path) -> set:
    results = json.loads((out_dir / "great_expectations.json").read_text(encoding="utf-8"))
    return {
        (r["expectation_config"]["type"], (r.get("meta") or {}).get("engine", "gx"))
        for suite in results.values()
        for r in suite["results"]
    }


# --- every expectation type, every way of choosing rows, on a table made to fail each -------------------------
def comparison(column, operator, parameter):
    return {"type": "comparison", "column": {"name": column}, "operator": operator, "parameter": parameter}


GROWTH = comparison("measure", "==", "growth")
CONDITIONS = [
    GROWTH,
    comparison("measure", "!=", "growth"),  # pandas keeps missing measures here
    comparison("measure", "IN", ["growth", "change"]),
    comparison("measure", "NOT_IN", ["growth"]),
    comparison("value", ">", 10),
    {"type": "and", "conditions": [GROWTH, comparison("indicator", "==", "gdp")]},
    {"type": "or", "conditions": [GROWTH, comparison("indicator", "==", "cpi")]},
    {"type": "nullity", "column": {"name": "measure"}, "is_null": True},
    {"type": "pass_through", "pass_through_filter": 'measure=="growth" & indicator=="gdp"'},
]


def observations_like() -> pa.Table:
    """Ten rows, keyed by code, with missing values, duplicates, text GX's regexes treat specially, and
    pairs out of order."""
    return pa.table(
        {
            "code": [f"k{i}" for i in range(10)],
            "measure": ["growth", "growth", "level", None, "change", "growth", "level", "growth", None, "level"],
            "indicator": ["gdp", "gdp", "gdp", "cpi", "cpi", "cpi", "gdp", "gdp", "gdp", "cpi"],
            "value": [5.0, 61.0, 1e6, None, -3.0, 12.5, 0.0, -60.0, 7.0, 150.0],
            "year": [2020, 2021, 1900, None, 2020, 2101, 2020, 2022, 2020, 2020],
            "flag": [True, False, True, True, None, True, False, True, True, True],
            "region_code": ["110000", "１１００００", "110000\n", None, "11000", "1100000", "110000", "abc", None, ""],
            "low": [1.0, 2.0, None, 4.0, 5.0, 6.0, None, 8.0, 9.0, 1.0],
            "high": [1.0, 1.0, None, None, 6.0, 7.0, 3.0, 8.5, 9.0, 0.5],
            "start": [dt.date(2020, 1, 1)] * 9 + [dt.date(2021, 1, 1)],
            "end": [dt.date(2020, 12, 31)] * 8 + [dt.date(2019, 12, 31), None],
            "dup": ["a", "a", "b", None, None, "c", "d", "e", "f", "g"],
            "n": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            "m": [1, 2, 3, None, 5, 0, 7, 8, 9, 10],
        }
    )


def suite_of_every_kind() -> list[dict]:
    def e(kind, **kwargs):
        return {"type": kind, "kwargs": kwargs, "severity": "warning" if kwargs.get("mostly") else "critical"}

    out = [
        e("expect_column_values_to_not_be_null", column="measure"),
        e("expect_column_values_to_not_be_null", column="measure", mostly=0.8),
        e("expect_column_values_to_not_be_null", column="measure", mostly=0.9),
        e("expect_column_values_to_not_be_null", column="region_code", row_condition=GROWTH),
        e("expect_column_values_to_be_in_set", column="measure", value_set=["level", "growth"]),
        e("expect_column_values_to_be_in_set", column="measure", value_set=["level", "growth"], mostly=0.8),
        e("expect_column_values_to_be_in_set", column="flag", value_set=[True]),
        e("expect_column_values_to_be_in_set", column="year", value_set=[2020, 2021]),
        e("expect_column_values_to_be_in_set", column="value", value_set=[5.0, 61.0, -60.0], row_condition=GROWTH),
        e("expect_column_values_to_be_between", column="value", min_value=-60.0, max_value=150.0),
        e("expect_column_values_to_be_between", column="value", min_value=-60.0, max_value=150.0, strict_min=True),
        e("expect_column_values_to_be_between", column="value", min_value=-60, max_value=150, strict_max=True),
        e("expect_column_values_to_be_between", column="year", min_value=1949, max_value=None),
        e("expect_column_values_to_be_between", column="year", min_value=None, max_value=2100, mostly=0.5),
        e("expect_column_values_to_be_between", column="value", min_value=-20.0, max_value=30.0, row_condition=GROWTH),
        e("expect_column_values_to_match_regex", column="region_code", regex=r"^\d{6}$"),
        e("expect_column_values_to_match_regex", column="region_code", regex="^[0-9]{6}$"),
        e("expect_column_values_to_match_regex", column="region_code", regex="00"),
        e("expect_column_values_to_match_regex", column="code", regex=r"^k[0-4]$", mostly=0.4),
        e("expect_column_values_to_match_regex", column="year", regex=r"^20\d\d$"),  # numbers as text
        e("expect_column_values_to_match_regex", column="region_code", regex=r"^\w+$"),  # left to GX
        e("expect_column_values_to_be_unique", column="dup"),
        e("expect_column_values_to_be_unique", column="indicator", row_condition=GROWTH),
        e("expect_column_values_to_be_unique", column="n"),
        e("expect_compound_columns_to_be_unique", column_list=["measure", "indicator"]),
        e("expect_compound_columns_to_be_unique", column_list=["dup", "measure"]),
        e("expect_compound_columns_to_be_unique", column_list=["measure", "indicator"], row_condition=GROWTH),
        e("expect_column_pair_values_a_to_be_greater_than_b", column_A="high", column_B="low", or_equal=True),
        e("expect_column_pair_values_a_to_be_greater_than_b", column_A="high", column_B="low"),
        e(
            "expect_column_pair_values_a_to_be_greater_than_b",
            column_A="high",
            column_B="low",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        e("expect_column_pair_values_a_to_be_greater_than_b", column_A="end", column_B="start", or_equal=True),
        e(
            "expect_column_pair_values_a_to_be_greater_than_b",
            column_A="high",
            column_B="low",
            ignore_row_if="neither",
            mostly=0.3,
        ),
        e("expect_column_pair_values_to_be_equal", column_A="n", column_B="m", ignore_row_if="either_value_is_missing"),
        e("expect_column_pair_values_to_be_equal", column_A="n", column_B="m"),
        e("expect_column_pair_values_to_be_equal", column_A="high", column_B="low", row_condition=GROWTH),
    ]
    for condition in CONDITIONS:
        out.append(
            e(
                "expect_column_values_to_be_between",
                column="value",
                min_value=0.0,
                max_value=100.0,
                row_condition=condition,
            )
        )
        out.append(e("expect_column_values_to_not_be_null", column="low", row_condition=condition))
    # the 1.3.0 suites: a pandas query string, parser named
    legacy = e("expect_column_values_to_be_between", column="value", min_value=-20.0, max_value=30.0)
    legacy["kwargs"] |= {"row_condition": 'measure=="growth"', "condition_parser": "pandas"}
    out.append(legacy)
    return out


LEFT_TO_GX = {r"^\w+$"}


def test_every_kind_of_expectation_fails_the_same_rows_in_sql_as_in_gx(tmp_path):
    expectations = suite_of_every_kind()
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "indicators.json").write_text(
        json.dumps({"name": "indicators", "expectations": expectations}), encoding="utf-8"
    )
    for e in expectations:  # the compiler takes each (what GX leaves to itself is chosen, not a gap)
        spec = {**e["kwargs"]}
        spec.pop("condition_parser", None)
        compiled = sx.compile_expectation(e["type"], spec)
        assert (compiled is None) == (spec.get("regex") in LEFT_TO_GX), e
    # the table stands in as "indicators" (key: code), a table the gate knows
    sql, gx, by_sql, by_gx = both_engines({"indicators": observations_like()}, suites, tmp_path)
    assert by_sql == by_gx
    failed = [k for k, v in by_sql.items() if not v[0]]
    assert len(failed) >= 30, failed  # the table fails nearly every expectation: the comparison means something
    assert any(v[0] and v[1] for v in by_sql.values())  # and mostly lets some pass with unexpected rows
    assert [(f.check, f.severity, f.rows, f.message) for f in sql.failures] == [
        (f.check, f.severity, f.rows, f.message) for f in gx.failures
    ]
    ran = json.loads((tmp_path / "sql" / "great_expectations.json").read_text(encoding="utf-8"))["indicators"]
    engine = {
        (r["expectation_config"]["kwargs"]["column"], r["expectation_config"]["kwargs"]["regex"]): (
            (r.get("meta") or {}).get("engine", "gx")
        )
        for r in ran["results"]
        if "regex" in r["expectation_config"]["kwargs"]
    }
    assert engine["region_code", r"^\d{6}$"] == "duckdb"
    # a regex over numbers: GX matches pandas' text of them (2020.0 where a column has gaps), SQL hands it over
    assert engine["year", r"^20\d\d$"] == "gx"
    assert engine["region_code", r"^\w+$"] == "gx"
    assert engines(tmp_path / "gx") == {(e["type"], "gx") for e in expectations}


# --- the real suites, on a published release's tables with rows broken -------------------------------------
@pytest.fixture(scope="module")
def broken_release() -> dict:
    """Release 1.3.0's tables with the gate's derived columns, and rows broken for the suites' checks:
    a missing key, a malformed id, a unit outside the set, an implausible growth, a duplicate id, a range
    upside down, a period ending before it starts, a quote not in the raw file, a document count off."""
    import pyarrow.compute as pc

    tables = read_tables(PACKAGE / "1.3.0")
    frames = with_derived_columns(tables, raw_reader(RAW, tables["documents"]), tables, {})
    obs = frames["observations"].to_pylist()
    obs[0]["observation_id"] = "not-hex"
    obs[1]["unit"] = "furlongs"
    gdp = [i for i, r in enumerate(obs) if r["indicator"] == "gdp" and r["measure"] == "growth"]
    obs[gdp[0]]["value"] = 61.0
    obs[3]["observation_id"] = obs[4]["observation_id"]
    obs[5]["value_low"], obs[5]["value_high"] = 9.0, 1.0
    obs[6]["period_end"] = dt.date(1990, 1, 1)
    obs[7]["quote_matches_raw"] = False
    obs[8]["region_code"] = None
    frames["observations"] = pa.Table.from_pylist(obs, schema=frames["observations"].schema)
    docs = frames["documents"]
    counts = pc.add(docs["n_observations"], 1).combine_chunks()
    frames["documents"] = docs.set_column(
        docs.schema.get_field_index("n_observations_expected"), "n_observations_expected", counts.cast(pa.int64())
    )
    return frames


@pytest.mark.parametrize(
    "suites", ["current", "1.3.0", "1.0.0"], ids=["current suites", "1.3.0 query strings", "1.0.0 GX store"]
)
def test_the_release_suites_fail_the_same_rows_in_sql_as_in_gx(broken_release, suites, tmp_path):
    suites_dir = EXPECTATIONS_DIR if suites == "current" else shipped_suites_dir(PACKAGE / suites)
    sql, gx, by_sql, by_gx = both_engines(broken_release, suites_dir, tmp_path)
    assert by_sql == by_gx
    failed = {k[2] for k, v in by_sql.items() if not v[0]}
    assert {
        "expect_column_values_to_match_regex",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_unique",
        "expect_column_pair_values_a_to_be_greater_than_b",
    } <= failed
    if suites != "1.0.0":
        assert "expect_column_values_to_be_in_set" in failed
    assert [(f.check, f.severity, f.rows, f.message) for f in sql.failures] == [
        (f.check, f.severity, f.rows, f.message) for f in gx.failures
    ]
    # row-wise checks ran as SQL; GX kept the table-level ones (and the 1.0.0 suites' expectation types
    # the compiler does not know)
    ran_in_gx = {kind for kind, engine in engines(tmp_path / "sql") if engine == "gx"}
    assert ran_in_gx <= {
        "expect_table_row_count_to_be_between",
        "expect_table_columns_to_match_ordered_list",
        "expect_column_pair_values_to_be_in_set",
    }
    assert len(load_suite("observations", suites_dir)["expectations"]) > 20


@pytest.mark.parametrize(
    "suites", ["current", "1.3.0", "1.0.0"], ids=["current suites", "1.3.0 query strings", "1.0.0 GX store"]
)
def test_the_suites_over_the_parquet_files_report_what_they_report_over_the_tables_in_memory(
    broken_release, suites, tmp_path
):
    """The gate runs the suites over the release's Parquet files (ParquetTable: DuckDB reads each file, the
    derived columns beside it), not over the tables read into memory: the same results, to the byte."""
    import pyarrow.parquet as pq

    from govreport.checks.gate import ParquetTable
    from govreport.contract.render import DERIVED_COLUMNS

    suites_dir = EXPECTATIONS_DIR if suites == "current" else shipped_suites_dir(PACKAGE / suites)
    on_disk = {}
    for name, table in broken_release.items():
        derived = [c for c in DERIVED_COLUMNS.get(name, ()) if c in table.column_names]
        pq.write_table(table.drop_columns(derived), tmp_path / f"{name}.parquet")
        on_disk[name] = ParquetTable(tmp_path / f"{name}.parquet", table.select(derived) if derived else None)
    assert on_disk["indicators"].extra is None  # a table without derived columns is read as the file alone
    memory_dir, files_dir = tmp_path / "memory", tmp_path / "files"
    memory_dir.mkdir()
    files_dir.mkdir()
    in_memory = run_expectations(broken_release, memory_dir, suites_dir)
    from_files = run_expectations(on_disk, files_dir, suites_dir)
    assert len(in_memory.critical) >= 5  # the broken rows are found: the comparison means something
    assert [f.to_json() for f in from_files.failures] == [f.to_json() for f in in_memory.failures]
    written = (files_dir / "great_expectations.json").read_bytes()
    assert written == (memory_dir / "great_expectations.json").read_bytes()


def test_the_derived_columns_stand_beside_their_own_rows_of_the_parquet_file(tmp_path):
    """The suites' view puts each derived value beside its row of the file, over many row groups read in
    parallel; columns that do not line up (here: one row short) are joined on the row number instead."""
    import pyarrow.parquet as pq

    from govreport.checks.gate import ParquetTable
    from govreport.tables.engine import duckdb_connect

    n = 200_000
    pq.write_table(pa.table({"id": pa.array(range(n), pa.int64())}), tmp_path / "t.parquet", row_group_size=7_000)
    con = duckdb_connect()
    ParquetTable(tmp_path / "t.parquet", pa.table({"twice": pa.array(range(0, 2 * n, 2), pa.int64())})).register(
        con, "t"
    )
    together = "SELECT count(*), count(*) FILTER (twice = 2 * id AND __row = id) FROM {}"
    assert con.execute(together.format("t")).fetchall() == [(n, n)]
    short = pa.table({"twice": pa.array(range(0, 2 * (n - 1), 2), pa.int64())})
    ParquetTable(tmp_path / "t.parquet", short).register(con, "s")
    assert con.execute(together.format("s")).fetchall() == [(n - 1, n - 1)]


@pytest.mark.parametrize("most_values_listed", [1000, 1], ids=["values listed", "too many: regex per row"])
def test_a_regex_decided_once_per_value_still_fails_the_one_bad_row_among_many_good_ones(
    most_values_listed, monkeypatch, tmp_path
):
    """The SQL tests a regex once per distinct value of its column (by_distinct_value): thousands of rows with
    the same good value and one bad row fail that row alone, as GX fails it row by row; with more bad values
    than the IN list takes, the regex runs on every row, with the same result."""
    from govreport.tables.engine import duckdb_connect

    monkeypatch.setattr(sx, "MAX_LISTED_VALUES", most_values_listed)
    n = 5_000
    region = ["110000"] * n
    region[1234] = "11000"  # too short
    region[4321] = "110000x"
    region[17] = None  # missing: not judged
    region[18] = "１１００００"  # \d is any Unicode digit: matches
    table = pa.table({"code": [f"k{i}" for i in range(n)], "region_code": region})
    expectation = {
        "type": "expect_column_values_to_match_regex",
        "kwargs": {"column": "region_code", "regex": r"^\d{6}$"},
    }
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "indicators.json").write_text(
        json.dumps({"name": "indicators", "expectations": [expectation]}), encoding="utf-8"
    )
    sql, gx, by_sql, by_gx = both_engines({"indicators": table}, suites, tmp_path)
    assert by_sql == by_gx
    assert [(f.check, f.rows) for f in sql.failures] == [("expect_column_values_to_match_regex", ["k1234", "k4321"])]
    assert engines(tmp_path / "sql") == {("expect_column_values_to_match_regex", "duckdb")}
    con = duckdb_connect()
    con.register("t", table)
    compiled = sx.compile_expectation(expectation["type"], expectation["kwargs"])
    decided = sx.by_distinct_value(con, "t", compiled)
    if most_values_listed >= 2:
        assert decided.unexpected == """"region_code" IN ('11000', '110000x')"""
    else:
        assert decided.unexpected == compiled.unexpected  # two bad values: more than the list takes
    all_good = sx.by_distinct_value(con.register("good", table.slice(0, 1000)), "good", compiled)
    assert all_good.unexpected == "FALSE"

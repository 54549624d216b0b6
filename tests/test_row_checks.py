"""One wrong number is quarantined in flagged_observations, and the release goes on; a release where most
numbers are wrong is blocked."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest

from govreport.checks.row_checks import quarantine
from govreport.contract.model import OBSERVATIONS
from govreport.release.publish import PACKAGE_NAME, PublishBlocked
from govreport.tables.arrow import to_arrow
from report_series import write_local_series

from conftest import publish_folder

DOC = "a" * 64


def observation(
    n: int, indicator="gdp", measure="growth", kind="actual", period="2020", value=6.0, unit="percent", document_id=DOC
) -> dict:
    first, _, last = period.partition("/")
    return {
        "observation_id": f"{n:016x}",
        "document_id": document_id,
        "source_file": "r.txt",
        "region_code": "130600",
        "region_name": "保定市",
        "indicator": indicator,
        "measure": measure,
        "kind": kind,
        "period": period,
        "period_start": date(int(first), 1, 1),
        "period_end": date(int(last or first), 12, 31),
        "comparator": "eq",
        "value_low": value,
        "value_high": value,
        "value": value,
        "unit": unit,
        "value_text": f"{value}%",
        "quote": "…",
        "quote_start": 0,
        "quote_end": 1,
        "value_start": n,
        "value_end": n + 1,
        "rule": "r",
        "extractor_version": "1.0",
        "basis": "annual" if not last else "average",
    }


def test_each_row_check_flags_its_rows_with_a_reason():
    rows = [
        observation(1, value=6.1),  # fine
        observation(2, value=61.0, kind="target"),  # GDP growth beyond [-20, 30]
        observation(3, indicator="fixed_asset_investment", measure="level", unit="percent", value=8.0),
        observation(4, period="1990", value=5.0),  # 30 years before the report
        observation(5, period="2021/2040", kind="target", value=5.0),  # ends 19 years after it
        observation(6, indicator="general_public_budget_revenue", value=5.0),  # one document, two values
        observation(7, indicator="general_public_budget_revenue", value=7.0),
        observation(8, indicator="registered_urban_unemployment_rate", measure="level", value=3.1),
        observation(
            9, indicator="registered_urban_unemployment_rate", measure="level", value=31.0
        ),  # absurd, no conflict
        observation(10, period="2021/2035", kind="target", value=5.0),  # a 2035 vision: within 15 years
    ]
    kept, flagged = quarantine(to_arrow(OBSERVATIONS, rows, sort=False), [{"document_id": DOC, "report_year": 2021}])
    checks = {r["observation_id"][-1]: (r["check"], r["reason"]) for r in flagged.to_pylist()}
    assert {k: c for k, (c, _) in checks.items()} == {
        "2": "plausibility",
        "3": "unit_fits",
        "4": "period_near_report",
        "5": "period_near_report",
        "6": "conflict_in_document",
        "7": "conflict_in_document",
        "9": "plausibility",
    }
    assert "61 is outside [-20, 30]" in checks["2"][1]
    assert "expected CNY_100M" in checks["3"][1]
    assert "report year 2021" in checks["4"][1]
    assert "also gives 7" in checks["6"][1] and "also gives 5" in checks["7"][1]
    assert sorted(kept.column("observation_id").to_pylist()) == [f"{n:016x}" for n in (1, 8, 10)]
    assert kept.schema == to_arrow(OBSERVATIONS, []).schema


def test_nothing_to_check_gives_an_empty_flagged_table():
    kept, flagged = quarantine(to_arrow(OBSERVATIONS, []), [])
    assert kept.num_rows == 0 and flagged.num_rows == 0 and "check" in flagged.column_names


@pytest.mark.slow
def test_one_absurd_number_is_published_flagged_and_the_rest_goes_on(tmp_path):
    raw = tmp_path / "raw"
    write_local_series(raw, range(2018, 2024), absurd={2021: {"gdp_actual": 61}})
    outcome = publish_folder(raw, tmp_path / "published")
    assert outcome.version == "1.0.0"
    data = outcome.path / "data"
    flagged = duckdb.sql(
        f'select indicator, kind, period, value, "check", reason, source_file '
        f"from '{data}/flagged_observations.parquet'"
    ).fetchall()
    assert flagged == [
        (
            "gdp",
            "actual",
            "2020",
            61.0,
            "plausibility",
            "gdp growth 61 is outside [-20, 30] (regional GDP growth has stayed within this range since 1980)",
            "baoding_2021.txt",
        )
    ]
    assert duckdb.sql(f"select count(*) from '{data}/observations.parquet' where value = 61").fetchall() == [(0,)]
    panel = {
        r[0]: r[1:]
        for r in duckdb.sql(
            f"select period, target_value, actual_value, met from '{data}/targets_vs_actuals.parquet' "
            "where indicator = 'gdp' and measure = 'growth' order by period"
        ).fetchall()
    }
    assert panel["2020"] == (6.0, None, None)  # its outcome was flagged: no outcome, no verdict
    assert panel["2021"] == (6.0, 6.9, True)
    report = json.loads((outcome.path / "validation" / "report.json").read_text(encoding="utf-8"))
    assert report["passed"]
    assert report["flagged_observations"]["rows"] == 1
    assert report["flagged_observations"]["by_check"] == {"plausibility": 1}
    # the CSV for spreadsheets has the same rows as the panel table
    assert (
        duckdb.sql(f"select count(*) from read_csv('{data}/panel.csv')").fetchall()
        == duckdb.sql(f"select count(*) from '{data}/targets_vs_actuals.parquet'").fetchall()
    )


@pytest.mark.slow
def test_a_release_where_most_numbers_are_absurd_is_blocked(tmp_path):
    raw = tmp_path / "raw"
    years = range(2018, 2022)
    absurd = {
        y: {"gdp_actual": 95, "gdp_target": 90, "unemployment_actual": 32, "unemployment_target": 40} for y in years
    }
    write_local_series(raw, years, absurd=absurd)
    with pytest.raises(PublishBlocked) as blocked:
        publish_folder(raw, tmp_path / "published", tmp_path / "state")
    message = str(blocked.value)
    assert "flagged_observations: expect_table_row_count_to_be_between" in message
    assert str(tmp_path / "state" / "rejected") in message and "report.json" in message
    assert len(message.splitlines()) <= 8
    assert not (tmp_path / "published" / PACKAGE_NAME / "1.0.0").exists()
    rejected = next((tmp_path / "state" / "rejected").iterdir())
    report = json.loads((rejected / "validation" / "report.json").read_text(encoding="utf-8"))
    assert not report["passed"] and report["flagged_observations"]["rows"] == 16
    assert report["flagged_observations"]["share"] > report["flagged_observations"]["max_share"]


def test_the_run_summary_says_how_many_rows_were_flagged_and_why():
    from govreport.checks.gate import ValidationReport
    from govreport.checks.row_checks import flagged_summary
    from govreport.extract.pipeline import RunSummary
    from govreport.release.publish import PublishOutcome

    _, flagged = quarantine(
        to_arrow(
            OBSERVATIONS,
            [observation(1), observation(2, value=61.0, kind="target"), observation(3, period="1990")],
            sort=False,
        ),
        [{"document_id": DOC, "report_year": 2021}],
    )
    report = ValidationReport(checks_run=10, flagged=flagged_summary(flagged.to_pandas(), 1))
    assert report.to_json()["flagged_observations"]["by_check"] == {"period_near_report": 1, "plausibility": 1}
    summary = str(RunSummary.of([], 0, PublishOutcome("1.0.0", None, None, {"observations": 1}, report), 1.0))
    assert "2 observations flagged (period_near_report 1, plausibility 1)" in summary


def test_conflict_reasons_name_the_other_values_of_the_same_fact_only():
    other_doc = "b" * 64

    def basis(row, value):
        return {**row, "basis": value}

    rows = [
        observation(1, value=5.0),
        observation(2, value=7.0),
        observation(3, value=7.0),  # the same bounds as 2: 2 and 3 conflict with 1 only
        observation(4, value=6.25),
        observation(5, value=9.0, document_id=other_doc),  # another document's figure is no conflict
        observation(6, value=8.0, kind="target"),  # another kind: another fact
        basis(observation(7, indicator="retail_sales", value=2.0), None),  # a fact without a basis is never compared
        basis(observation(8, indicator="retail_sales", value=3.0), None),
    ]
    docs = [{"document_id": DOC, "report_year": 2021}, {"document_id": other_doc, "report_year": 2021}]
    kept, flagged = quarantine(to_arrow(OBSERVATIONS, rows, sort=False), docs)
    reasons = {r["observation_id"][-1]: r["reason"] for r in flagged.to_pylist()}
    tail = "for gdp growth actual 2020 (annual)"
    assert reasons == {
        "1": f"the same document also gives 6.25, 7 {tail}",
        "2": f"the same document also gives 5, 6.25 {tail}",
        "3": f"the same document also gives 5, 6.25 {tail}",
        "4": f"the same document also gives 5, 7 {tail}",
    }
    assert sorted(kept.column("observation_id").to_pylist()) == [f"{n:016x}" for n in (5, 6, 7, 8)]

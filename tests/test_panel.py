"""targets_vs_actuals and its spreadsheet view, on hand-built observations across several years and documents."""

from __future__ import annotations

import itertools

from govreport.tables.panel import targets_vs_actuals, tidy_panel

REGION = {"region_code": "130600", "region_name": "保定市"}
_ids = itertools.count()


def doc(name: str, year: int, kind: str = "government_work_report") -> dict:
    return {
        "document_id": name,
        "source_file": f"{name}.txt",
        "report_year": year,
        "document_type": kind,
        "region_level": "prefecture",
        **REGION,
    }


def obs(
    document: dict,
    kind: str,
    period: str,
    value: float,
    comparator: str = "eq",
    low=None,
    high=None,
    indicator: str = "gdp",
    measure: str = "growth",
    quote: str = "",
    basis: str | None = None,
    **region,
) -> dict:
    low = value if low is None and comparator in ("eq", "approx", "ge", "gt", "range") else low
    high = value if high is None and comparator in ("eq", "approx", "le", "lt", "range") else high
    return {
        "observation_id": f"{next(_ids):016x}",
        "document_id": document["document_id"],
        "source_file": document["source_file"],
        **(region or REGION),
        "indicator": indicator,
        "measure": measure,
        "kind": kind,
        "period": period,
        "comparator": comparator,
        "value_low": low,
        "value_high": high,
        "value": value,
        "unit": "percent",
        "value_start": next(_ids),
        "quote": quote,
        "basis": basis or ("average" if "/" in period else "annual"),
    }


def row(rows, period, indicator="gdp", measure="growth", region="130600"):
    return next(
        r
        for r in rows
        if (r["period"], r["indicator"], r["measure"], r["region_key"]) == (period, indicator, measure, region)
    )


def test_a_years_target_comes_from_its_own_report_and_its_outcome_from_the_next():
    r2019, r2020, r2021 = doc("r2019", 2019), doc("r2020", 2020), doc("r2021", 2021)
    rows = targets_vs_actuals(
        [
            obs(r2019, "target", "2019", 6.5, "approx"),
            obs(r2020, "actual", "2019", 6.8),
            obs(r2020, "target", "2020", 6.0, "ge"),
            obs(r2021, "target", "2020", 5.5, "ge"),  # a later report restating last year's target differently
            obs(r2021, "actual", "2020", 3.9),
        ],
        [r2019, r2020, r2021],
    )
    y2019, y2020 = row(rows, "2019"), row(rows, "2020")
    assert (y2019["target_value"], y2019["target_report_year"], y2019["target_source_file"]) == (6.5, 2019, "r2019.txt")
    assert (y2019["actual_value"], y2019["actual_report_year"], y2019["actual_status"]) == (6.8, 2020, "preliminary")
    assert y2019["met"] is True and y2019["met_rule"] == "actual >= target_low (higher is better)"
    assert y2019["difference"] == 0.3
    # 2020: the 2020 report's target wins over the 2021 report's restatement, which is counted as a conflict
    assert (y2020["target_low"], y2020["target_report_year"]) == (6.0, 2020)
    assert (y2020["target_statements"], y2020["target_conflicts"]) == (2, 1)
    assert y2020["met"] is False and y2020["met_rule"] == "actual >= target_low"
    assert y2020["previous_actual_value"] == 6.8 and y2019["previous_actual_value"] is None


def test_a_later_report_revising_an_outcome_wins_and_keeps_the_first_figure():
    r2021, r2022, r2023 = doc("r2021", 2021), doc("r2022", 2022), doc("r2023", 2023)
    rows = targets_vs_actuals(
        [
            obs(r2022, "actual", "2021", 6.5),
            obs(r2023, "actual", "2021", 6.9),  # revised by the following report
            obs(r2021, "actual", "2020", 2.1, quote="预计全年增长2.1%"),  # stated in the year's own report: an estimate
            obs(r2023, "actual", "2022", 4.0),  # the following year's report: preliminary
        ],
        [r2021, r2022, r2023],
    )
    revised = row(rows, "2021")
    assert (revised["actual_value"], revised["actual_report_year"], revised["actual_status"]) == (6.9, 2023, "revised")
    assert revised["actual_preliminary_value"] == 6.5
    assert (revised["actual_statements"], revised["actual_conflicts"]) == (2, 0)  # a revision is no conflict
    estimate = row(rows, "2020")
    assert (estimate["actual_value"], estimate["actual_status"]) == (2.1, "preliminary")
    assert row(rows, "2022")["actual_status"] == "preliminary" and row(rows, "2022")["previous_actual_value"] == 6.9


def test_an_outcome_only_a_later_report_gives_and_same_year_disagreement():
    report, news = doc("r2021", 2021), doc("news2021", 2021, "news_article")
    rows = targets_vs_actuals(
        [
            obs(report, "actual", "2019", 6.0),  # two years on, nothing from 2020's report: later_report
            obs(report, "actual", "2020", 3.0),
            obs(news, "actual", "2020", 3.3),  # a news article of the same year misquoting the report
        ],
        [report, news],
    )
    assert row(rows, "2019")["actual_status"] == "later_report"
    y2020 = row(rows, "2020")
    assert (y2020["actual_value"], y2020["actual_source_file"]) == (3.0, "r2021.txt")  # the government's own report
    assert (y2020["actual_statements"], y2020["actual_conflicts"]) == (2, 1)


def test_five_year_plan_targets_pair_with_the_outcome_of_their_span():
    r2021, r2026 = doc("r2021", 2021), doc("r2026", 2026)
    rows = targets_vs_actuals(
        [
            obs(r2021, "target", "2021/2025", 6.0, "approx"),
            obs(r2026, "actual", "2021/2025", 5.4),
            obs(r2026, "actual", "2016/2020", 7.0),
            obs(r2026, "actual", "2025", 5.2),
            obs(r2026, "actual", "2021/2025", 30.1, basis="cumulative"),  # the span's total: another fact
        ],
        [r2021, r2026],
    )
    span = next(r for r in rows if r["period"] == "2021/2025" and r["basis"] == "average")
    total = next(r for r in rows if r["period"] == "2021/2025" and r["basis"] == "cumulative")
    assert (total["actual_value"], total["target_value"], total["met"]) == (30.1, None, None)
    assert (span["first_year"], span["year"], span["target_report_year"], span["actual_report_year"]) == (
        2021,
        2025,
        2021,
        2026,
    )
    assert span["met"] is False and span["actual_status"] == "preliminary"
    assert span["previous_actual_value"] == 7.0  # the plan span before
    assert row(rows, "2025")["target_value"] is None  # a span's target is not a year's


def test_lower_is_better_and_bounded_targets():
    r2020, r2021 = doc("r2020", 2020), doc("r2021", 2021)
    rows = targets_vs_actuals(
        [
            obs(r2020, "target", "2020", 4.5, "le", indicator="registered_urban_unemployment_rate", measure="level"),
            obs(r2021, "actual", "2020", 3.1, indicator="registered_urban_unemployment_rate", measure="level"),
            obs(r2020, "target", "2020", 3.0, "approx", indicator="consumer_price_index"),
            obs(r2021, "actual", "2020", 3.2, indicator="consumer_price_index"),
            obs(r2020, "target", "2020", 7.0, "range", low=6.5, high=7.5, indicator="fixed_asset_investment"),
            obs(r2021, "actual", "2020", 6.6, indicator="fixed_asset_investment"),
        ],
        [r2020, r2021],
    )
    unemployment = row(rows, "2020", "registered_urban_unemployment_rate", "level")
    assert unemployment["met"] is True and unemployment["met_rule"] == "actual <= target_high"
    cpi = row(rows, "2020", "consumer_price_index")
    assert cpi["met"] is False and cpi["met_rule"] == "actual <= target_high (lower is better)"
    assert row(rows, "2020", "fixed_asset_investment")["met"] is True
    tidy = {(r["indicator"], r["period"]): r for r in tidy_panel(rows)}
    assert tidy[("registered_urban_unemployment_rate", "2020")]["target"] == "<= 4.5"
    assert tidy[("consumer_price_index", "2020")]["target"] == "≈ 3"
    assert tidy[("fixed_asset_investment", "2020")]["target"] == "6.5-7.5"
    assert tidy[("fixed_asset_investment", "2020")]["indicator_name_zh"]


def test_regions_are_kept_apart_and_months_left_out():
    a, b = doc("a2021", 2021), {**doc("b2021", 2021), "region_code": "130628", "region_name": "高阳县"}
    rows = targets_vs_actuals(
        [
            obs(a, "actual", "2020", 3.0),
            obs(b, "actual", "2020", 5.0, region_code="130628", region_name="高阳县"),
            obs(a, "actual", "2021-01/2021-07", 9.0),
        ],
        [a, b],
    )
    assert {(r["region_key"], r["actual_value"]) for r in rows} == {("130600", 3.0), ("130628", 5.0)}


def test_the_columnar_panel_matches_the_per_row_rule_tie_for_tie():
    """Many documents of few years and types, few values and files: every tie-break, revision, estimate and
    conflict of the rule happens, and the rows must equal the per-row reference's, in order."""
    import random

    from panel_reference import reference_targets_vs_actuals

    rng = random.Random(15)
    kinds = ["government_work_report", "news_article", "plenary_report", "odd"]
    documents = [
        {
            "document_id": f"d{i:03d}",
            "report_year": rng.randint(2018, 2024),
            "document_type": rng.choice(kinds),
            "region_level": rng.choice(["prefecture", None]),
        }
        for i in range(40)
    ]
    regions = [("130600", "保定市"), ("", "雄安新区"), (None, "廊坊市"), (None, None)]
    observations = []
    for n in range(1500):
        d = rng.choice(documents)
        comparator = rng.choice(["eq", "ge", "le", "range", "approx", "lt", "gt"])
        value = rng.choice([5.0, 6.0, 6.5, 7.0])
        code, name = rng.choice(regions)
        observations.append(
            {
                "observation_id": f"{n:016x}",
                "document_id": rng.choice([d["document_id"]] * 20 + ["not-a-document"]),
                "source_file": rng.choice(["a.txt", "b.txt", "报告.txt"]),  # files shared: value_start decides
                "region_code": code,
                "region_name": name,
                "indicator": rng.choice(["gdp", "consumer_price_index", "no_such_indicator"]),
                "measure": rng.choice(["growth", "level"]),
                "kind": rng.choice(["target", "actual"]),
                "period": rng.choice(["2019", "2020", "2021", "2022", "2023", "2021/2025", "2016/2020", "2021-03"]),
                "comparator": comparator,
                "value_low": None if comparator in ("le", "lt") else value,
                "value_high": None if comparator in ("ge", "gt") else value + rng.choice([0.0, 0.5]),
                "value": value,
                "unit": "percent",
                "value_start": rng.randint(0, 2),  # repeats: some rows tie on everything but their position
                "quote": rng.choice(["", "预计增长6%", None]),
                "basis": rng.choice(["annual", "average", "", None]),
            }
        )
    expected = reference_targets_vs_actuals(observations, documents)
    assert len(expected) > 100 and {r["actual_status"] for r in expected} >= {"preliminary", "revised", "later_report"}
    assert any(r["target_conflicts"] for r in expected) and any(r["actual_conflicts"] for r in expected)
    assert targets_vs_actuals(observations, documents) == expected
    assert tidy_panel(targets_vs_actuals(observations, documents)) == tidy_panel(expected)


def test_the_panel_reads_observations_kept_in_a_file_as_it_reads_them_in_memory(tmp_path):
    """A large run's observations are in a file (tables/table_file.py), read in batches smaller than the table,
    quotes dropped once read for the estimate flag: the rows must be those of the same table in memory."""
    import pyarrow as pa

    from govreport.tables import panel
    from govreport.tables.panel import OBSERVATION_COLUMNS
    from govreport.tables.table_file import TableFile

    a, b, c = doc("a", 2020), doc("b", 2021), doc("c", 2022, "news_article")
    documents = [a, b, c]
    rows = [obs(a, "target", "2020", 6.0 + i % 2, comparator="ge") for i in range(20)]
    rows += [obs(b, "actual", "2020", 6.5) for _ in range(15)]
    rows += [obs(c, "actual", "2021", 7.0, quote="预计增长7%"), obs(b, "actual", "2021", 5.0, quote=None)]
    # Told only by a report years later: preliminary when marked 预计 (the flag read from the quotes), else not.
    rows += [obs(c, "actual", "2019", 4.0, quote="预计增长4%"), obs(c, "actual", "2018", 3.0, quote="增长3%")]
    table = pa.Table.from_pydict(
        {f.name: [r.get(f.name) for r in rows] for f in OBSERVATION_COLUMNS}, schema=OBSERVATION_COLUMNS
    )
    with pa.OSFile(str(tmp_path / "observations.arrow"), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
        for start in range(0, table.num_rows, 7):
            out.write_table(table.slice(start, 7))
    expected = targets_vs_actuals(table, documents)
    status = {r["period"]: r["actual_status"] for r in expected}
    assert status["2019"] == "preliminary" and status["2018"] == "later_report"
    old_chunk, panel.CHUNK_ROWS = panel.CHUNK_ROWS, 5
    try:
        assert targets_vs_actuals(TableFile(tmp_path / "observations.arrow"), documents) == expected
    finally:
        panel.CHUNK_ROWS = old_chunk

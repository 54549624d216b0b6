"""targets_vs_actuals: a year's target beside its outcome, across documents."""

import duckdb
import pytest

from govreport.tables.panel import met


@pytest.mark.parametrize(
    "better, comparator, low, high, actual, expected",
    [
        ("higher", "ge", 6.0, None, 6.0, True),
        ("higher", "gt", 850.0, None, 850.0, False),
        ("lower", "le", None, 3.0, 3.2, False),
        ("lower", "lt", None, 3.0, 2.9, True),
        ("higher", "range", 6.0, 6.5, 5.9, False),
        ("higher", "range", 6.0, 6.5, 7.1, True),  # beating the range is meeting it
        ("higher", "approx", 6.5, 6.5, 6.4, False),
        ("lower", "approx", 3.0, 3.0, 2.0, True),  # CPI 3%左右: staying under is meeting it
        ("lower", "eq", -3.0, -3.0, -3.4, True),  # energy intensity to fall 3%: falling 3.4% meets it
    ],
)
def test_met(better, comparator, low, high, actual, expected):
    target = {"comparator": comparator, "value_low": low, "value_high": high}
    reached, rule = met(better, target, actual)
    assert reached is expected and rule.startswith("actual ")


@pytest.mark.slow
def test_targets_meet_outcomes_stated_in_the_next_years_report(release):
    rows = duckdb.sql(f"""
        select indicator, year, measure, target_source_file, actual_source_file, target_value, actual_value, met
        from read_parquet('{release}/data/targets_vs_actuals.parquet')
        where target_value is not null and actual_value is not null""").fetchall()
    assert (
        "fixed_asset_investment",
        2020,
        "level",
        "000_c6f7ee3199c6db1d.txt",
        "001_d5fabbdb30472f7d.txt",
        261.0,
        384.0,
        True,
    ) in rows
    # each region, indicator, measure and period once
    keys = duckdb.sql(
        f"select region_key, indicator, measure, period, count(*) n from "
        f"read_parquet('{release}/data/targets_vs_actuals.parquet') group by all having n > 1"
    ).fetchall()
    assert keys == []

"""Extraction on the five seed reports: their hardest statements, provenance, and the gold score."""

import subprocess
import sys
from decimal import Decimal

import pytest

from govreport.contract.codelist import UNIT_DIMENSIONS
from govreport.extract.normalize import normalize
from govreport.extract.numbers import find_values
from govreport.extract.pipeline import process_file
from govreport.sources.manifest import load_manifest

from conftest import GOLD, RAW, SCORER

ENTRIES = load_manifest(RAW)[0]


def observations(name):
    result = process_file(RAW / name, ENTRIES.get(name))
    assert result.error is None
    return result.observations


def facts(name):
    return {
        (o["indicator"], o["measure"], o["kind"], o["period"], o["comparator"], o["value_low"], o["value_high"])
        for o in observations(name)
    }


SEEDS = sorted(p.name for p in RAW.glob("*.txt"))


@pytest.mark.parametrize(
    "name, fact",
    [
        # a range target stated with the year as topic, under a news headline
        ("000_c6f7ee3199c6db1d.txt", ("gdp", "growth", "target", "2020", "range", 6.0, 6.5)),
        # fixed-asset investment of a sentence about urban renewal is urban-renewal investment
        (
            "000_c6f7ee3199c6db1d.txt",
            ("urban_renewal_fixed_asset_investment", "level", "target", "2020", "eq", 160.0, 160.0),
        ),
        # 分别 with names that share their head: 万元GDP建设用地、水耗、电耗
        ("001_d5fabbdb30472f7d.txt", ("water_consumption_per_gdp", "growth", "actual", "2020", "eq", -10.6, -10.6)),
        ("001_d5fabbdb30472f7d.txt", ("electricity_consumption_per_gdp", "growth", "actual", "2020", "eq", -6.4, -6.4)),
        # names that share their tail: 公办园、普惠园在园儿童占比52%、87.2%
        (
            "001_d5fabbdb30472f7d.txt",
            ("public_kindergarten_enrollment_share", "level", "actual", "2020", "eq", 52.0, 52.0),
        ),
        # an elliptic second name: 建设筹集公共住房5953套,供应2660套
        (
            "001_d5fabbdb30472f7d.txt",
            ("public_housing_units_supplied", "level", "actual", "2020", "eq", 2660.0, 2660.0),
        ),
        # the number before its noun, in the plan half of a page that repeats its headings
        ("001_d5fabbdb30472f7d.txt", ("new_school_places", "level", "target", "2021", "eq", 4290.0, 4290.0)),
        # a growth rate after a comparability caveat
        ("001_d5fabbdb30472f7d.txt", ("general_public_budget_revenue", "growth", "actual", "2020", "eq", 9.4, 9.4)),
        # Traditional script with pinyin glosses
        ("002_cad3070b53b7c597.txt", ("gdp", "growth", "target", "2021", "range", 5.5, 6.0)),
        (
            "002_cad3070b53b7c597.txt",
            ("public_housing_units_supplied", "level", "target", "2021", "eq", 1000.0, 1000.0),
        ),
        # PDF text: 金融业增 加值近千亿元, 社会 消费品零售总额增长5 .0%, 近八成
        ("003_289cf3d100bc3f5f.txt", ("financial_value_added", "level", "actual", "2022", "approx", 1000.0, 1000.0)),
        ("003_289cf3d100bc3f5f.txt", ("retail_sales", "growth", "target", "2023", "eq", 5.0, 5.0)),
        ("003_289cf3d100bc3f5f.txt", ("livelihood_expenditure_share", "level", "actual", "2022", "approx", 80.0, 80.0)),
        ("003_289cf3d100bc3f5f.txt", ("gdp", "growth", "target", "2023", "approx", 6.5, 6.5)),
        # interim periods of a mid-year plenary report
        ("004_536b17486a43c8c6.txt", ("gdp", "level", "actual", "2017-S1", "eq", 957.1, 957.1)),
        (
            "004_536b17486a43c8c6.txt",
            ("urban_renewal_fixed_asset_investment", "growth", "actual", "2017-01/2017-07", "eq", 38.3, 38.3),
        ),
        ("004_536b17486a43c8c6.txt", ("new_school_places", "level", "actual", "2017-S1", "eq", 2830.0, 2830.0)),
        (
            "004_536b17486a43c8c6.txt",
            ("urban_renewal_fixed_asset_investment", "level", "target", "2017", "eq", 200.0, 200.0),
        ),
    ],
)
def test_hard_statements(name, fact):
    assert fact in facts(name)


@pytest.mark.parametrize(
    "name, indicator, value",
    [
        ("000_c6f7ee3199c6db1d.txt", "fixed_asset_investment", 24.0),  # 棚改固定资产投资24亿元
        ("003_289cf3d100bc3f5f.txt", "gdp", 33.0),  # 每平方公里GDP产出达33亿元
        ("001_d5fabbdb30472f7d.txt", "general_practitioners_per_10k_residents", 53.1),  # glued 居民健康素养水平53.1%
    ],
)
def test_numbers_about_something_else_are_not_taken(name, indicator, value):
    assert not [
        o for o in observations(name) if o["indicator"] == indicator and value in (o["value_low"], o["value_high"])
    ]


@pytest.mark.parametrize("name", SEEDS)
def test_every_observation_stands_in_the_raw_file_at_its_offsets(name):
    raw = (RAW / name).read_text(encoding="utf-8")
    obs = observations(name)
    assert obs
    for o in obs:
        assert raw[o["quote_start"] : o["quote_end"]] == o["quote"]
        assert o["quote_start"] <= o["value_start"] < o["value_end"] <= o["quote_end"]
        written = raw[o["value_start"] : o["value_end"]]
        assert written == o["value_text"]
        # the number as written there parses back to the observation's number
        parsed = find_values(normalize(written).text)
        assert parsed, written
        factor = UNIT_DIMENSIONS[o["unit"]][1] if o["measure"] == "level" else Decimal(1)
        stated = {abs(x) for x in (parsed[0].low, parsed[0].high) if x is not None}
        for bound in (o["value_low"], o["value_high"]):
            if bound is not None:
                assert Decimal(str(abs(bound))) * factor in stated, (written, o)


@pytest.mark.slow
def test_gold_score_by_the_shared_scorer(tmp_path):
    out = tmp_path / "obs.csv"
    done = subprocess.run(
        [sys.executable, "-m", "govreport.cli", "extract", *map(str, sorted(RAW.glob("*.txt"))), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    score = subprocess.run(
        [sys.executable, str(SCORER), str(GOLD), str(out), "--min-f1", "0.97"], capture_output=True, text=True
    )
    assert score.returncode == 0, score.stdout[-3000:]

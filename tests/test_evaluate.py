"""govreport evaluate: a gold folder, and errors grouped by class so a maintainer sees what to fix first."""

import subprocess
import sys

import pytest

from govreport.extract.evaluate import error_classes

F = "r.txt"


def test_errors_are_grouped_by_class():
    missed = [
        (F, "gdp", "growth", "actual", "2025", "eq", 5.0, 5.0),  # extracted with the wrong year
        (F, "gdp", "level", "actual", "2025", "eq", 100.0, 100.0),  # extracted with the wrong number
        (F, "exports", "growth", "actual", "2025", "eq", 3.0, 3.0),  # extracted as another indicator
        (F, "grain_output", "level", "target", "2026", "ge", 1.0, None),
    ]
    spurious = [
        (F, "gdp", "growth", "target", "2026", "eq", 5.0, 5.0),
        (F, "gdp", "level", "actual", "2025", "eq", 10.0, 10.0),
        (F, "foreign_trade_total", "growth", "actual", "2025", "eq", 3.0, 3.0),
        (F, "tax_revenue", "level", "actual", "2025", "eq", 7.0, 7.0),
    ]
    got = {
        name: [(g and g[1], p and p[1]) for g, p in items] for name, items in error_classes(missed, spurious).items()
    }
    assert got == {
        "wrong kind or period": [("gdp", "gdp")],
        "wrong value or comparator": [("gdp", "gdp")],
        "wrong indicator": [("exports", "foreign_trade_total")],
        "missing": [("grain_output", None)],
        "spurious": [(None, "tax_revenue")],
    }


@pytest.mark.slow  # starts the CLI in a new process
def test_evaluate_takes_a_gold_folder_and_finds_the_raw_folder_beside_it(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "gold").mkdir()
    (tmp_path / "raw" / "a.txt").write_text(
        "2021年政府工作报告\n一、2020年工作回顾\n地区生产总值增长6%,固定资产投资增长8%。\n", encoding="utf-8"
    )
    (tmp_path / "gold" / "a.csv").write_text(
        "source_file,indicator,measure,kind,period,comparator,value_low,value_high,evidence\n"
        "a.txt,gdp,growth,actual,2020,eq,6,6,地区生产总值增长6%\n"
        "a.txt,fixed_asset_investment,growth,actual,2019,eq,8,8,固定资产投资增长8%\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "govreport.cli", "evaluate", str(tmp_path / "gold")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "wrong kind or period: 1" in done.stdout
    assert "strict: P=0.500 R=0.500 F1=0.500" in done.stdout

"""The long-tail quantities table and the evaluate command."""

import subprocess
import sys

import pytest

from govreport.extract.normalize import normalize
from govreport.extract.pipeline import process_file
from govreport.extract.rules import extract_all
from govreport.sources.manifest import load_manifest

from conftest import GOLD, RAW, SCORER


def quantities(name):
    return process_file(RAW / name, load_manifest(RAW)[0].get(name)).quantities


def test_long_tail_statements_are_quantities_with_their_subjects():
    q1 = {(q["subject"], q["value"], q["unit"]) for q in quantities("001_d5fabbdb30472f7d.txt")}
    assert ("建成5G基站", 3235.0, "个") in q1
    assert ("新增创新载体", 11.0, "家") in q1
    q0 = {(q["subject"], q["value"], q["unit"]) for q in quantities("000_c6f7ee3199c6db1d.txt")}
    assert ("“二线插花地”棚改固定资产投资", 24.0, "亿元") in q0


def test_quantities_and_observations_never_share_a_number():
    for path in sorted(RAW.glob("*.txt")):
        r = process_file(path, load_manifest(RAW)[0].get(path.name))
        assert not {o["value_start"] for o in r.observations} & {q["value_start"] for q in r.quantities}


def test_dates_ordinals_numbering_and_phone_numbers_are_not_quantities():
    text = (
        "1月29日,深圳市罗湖区第七届人民代表大会第八次会议召开。一、2022年工作回顾\n(一)经济运行。"
        "连续七年荣获第一名,实施惠企十条,落实“三个明确”。咨询电话:0755-25666123。\n"
        "全年新增上市企业3家,新建公园15个。"
    )
    facts, qs = extract_all(normalize(text), 2023)
    assert {(q.subject, q.value, q.unit) for q in qs} == {("新增上市企业", 3.0, "家"), ("新建公园", 15.0, "个")}


@pytest.mark.slow
def test_evaluate_prints_the_figures_of_the_shared_scorer(tmp_path):
    ours = subprocess.run(
        [sys.executable, "-m", "govreport.cli", "evaluate", str(GOLD), "--raw", str(RAW)],
        capture_output=True,
        text=True,
        env={"COLUMNS": "250", "PATH": ""},
    )
    assert ours.returncode == 0, ours.stderr
    obs = tmp_path / "obs.csv"
    subprocess.run(
        [sys.executable, "-m", "govreport.cli", "extract", *map(str, sorted(RAW.glob("*.txt"))), "--out", str(obs)],
        check=True,
        capture_output=True,
    )
    theirs = subprocess.run([sys.executable, str(SCORER), str(GOLD), str(obs)], capture_output=True, text=True)
    # Ours adds a block of errors by class; the rest is the shared scorer's report, line for line.
    lines = ours.stdout.strip().splitlines()
    start = lines.index("errors by class (gold -> extracted):")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("  "))
    assert lines[start - 1] == ""
    assert lines[: start - 1] + lines[end:] == theirs.stdout.strip().splitlines()

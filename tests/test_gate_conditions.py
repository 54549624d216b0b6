"""The suites' row conditions are GX Condition objects: the gate runs without GX's deprecation warnings, and
the suites published releases shipped with (row conditions as pandas query strings) give the same results."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

from govreport.checks.derived import with_derived_columns
from govreport.checks.gate import raw_reader, read_tables, run_expectations
from govreport.contract.files import EXPECTATIONS_DIR
from govreport.release.locate import shipped_suites_dir
from govreport.release.publish import PACKAGE_NAME

from conftest import RAW, REPO

# Imports GX (seconds) and runs its suites three times.
pytestmark = [pytest.mark.slow]
PACKAGE = REPO / "published" / PACKAGE_NAME


@pytest.fixture(scope="module")
def implausible_frames() -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Release 1.3.0's observations (with the gate's derived columns) and three of its rows made implausible:
    a GDP growth of 61 % (critical bound [-20, 30]), 101 % good-air days (a level, critical [0, 100]) and an
    industrial growth of 61 % (a warning bound, [-40, 60])."""
    plain = {n: t.to_pandas() for n, t in read_tables(PACKAGE / "1.3.0").items() if n in ("observations", "documents")}
    frames = with_derived_columns(plain, raw_reader(RAW, plain["documents"]))
    obs = frames["observations"].copy()
    changed = []
    for indicator, measure, value in (
        ("gdp", "growth", 61.0),
        ("air_quality_good_days_ratio", "level", 101.0),
        ("industrial_value_added_above_scale", "growth", 61.0),
    ):
        ix = obs.index[
            (obs["indicator"] == indicator)
            & (obs["measure"] == measure)
            & obs["value_low"].notna()
            & obs["value_high"].notna()
        ][0]
        obs.loc[ix, ["value_low", "value_high", "value"]] = value
        changed.append(obs.loc[ix, "observation_id"])
    return {"observations": obs}, changed


def gate_run(frames, suites_dir, out_dir):
    """One GX run of the gate, with every DeprecationWarning it raises recorded (GX itself imported before: its
    own import-time notices are not the gate's)."""
    import great_expectations  # noqa: F401

    out_dir.mkdir()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = run_expectations(frames, out_dir, suites_dir)
    deprecations = [
        f"{w.filename}:{w.lineno}: {w.message}" for w in caught if issubclass(w.category, DeprecationWarning)
    ]
    return report, deprecations


def plausibility_failures(report):
    return sorted(
        (f.severity, f.message, tuple(f.rows))
        for f in report.failures
        if f.check == "expect_column_values_to_be_between" and "row_condition" in f.message
    )


def test_the_contract_writes_gx_condition_objects():
    from great_expectations.expectations.row_conditions import Column

    from govreport.contract.render import plausibility_condition

    assert plausibility_condition("growth", "*") == (Column("measure") == "growth").dict()
    assert (
        plausibility_condition("level", "gdp")
        == ((Column("measure") == "level") & (Column("indicator") == "gdp")).dict()
    )


def test_the_contracts_suites_hold_condition_objects_not_query_strings():
    from great_expectations.expectations.row_conditions import AndCondition, deserialize_row_condition

    suite = json.loads((EXPECTATIONS_DIR / "observations.json").read_text(encoding="utf-8"))
    conditions = [e["kwargs"] for e in suite["expectations"] if "row_condition" in e["kwargs"]]
    assert len(conditions) >= 10
    for kwargs in conditions:
        assert "condition_parser" not in kwargs
        parsed = deserialize_row_condition(kwargs["row_condition"])
        named = parsed.conditions if isinstance(parsed, AndCondition) else [parsed]
        assert {c.column.name for c in named} <= {"measure", "indicator"}, parsed


def test_the_gate_raises_no_deprecation_warning_and_flags_what_the_old_suites_flagged(implausible_frames, tmp_path):
    frames, changed = implausible_frames
    now, now_warned = gate_run(frames, EXPECTATIONS_DIR, tmp_path / "now")
    assert now_warned == []
    flagged = plausibility_failures(now)
    assert {msg: (severity, rows) for severity, msg, rows in flagged} == {
        '(column=value, row_condition=measure=="growth" & indicator=="gdp", min_value=-20.0, max_value=30.0)': (
            "critical",
            (changed[0],),
        ),
        '(column=value, row_condition=measure=="level" & indicator=="air_quality_good_days_ratio", '
        "min_value=0.0, max_value=100.0)": ("critical", (changed[1],)),
        '(column=value, row_condition=measure=="growth" & indicator=="industrial_value_added_above_scale", '
        "min_value=-40.0, max_value=60.0)": ("warning", (changed[2],)),
    }

    # 1.3.0 shipped the same suites with the conditions as pandas query strings: the same checks, the same
    # failures, the same rows, still without a warning.
    shipped, shipped_warned = gate_run(frames, shipped_suites_dir(PACKAGE / "1.3.0"), tmp_path / "shipped")
    assert shipped_warned == []
    assert shipped.checks_run == now.checks_run
    assert [(f.check, f.severity, f.rows, f.message) for f in shipped.failures] == [
        (f.check, f.severity, f.rows, f.message) for f in now.failures
    ]

    # 1.0.0 shipped a GX store: conditions as pass-through objects, condition_parser still named
    oldest, oldest_warned = gate_run(frames, shipped_suites_dir(PACKAGE / "1.0.0"), tmp_path / "oldest")
    assert oldest_warned == []
    assert plausibility_failures(oldest) == flagged

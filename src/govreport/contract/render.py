"""Everything derived from the contract: Frictionless table schemas, pyarrow
schemas, Great Expectations suites and the data dictionary.

`govreport schemas` writes the files into schemas/; a test fails when the
committed files and the contract disagree.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa

from govreport.contract.codelist import load_codelist
from govreport.contract.model import TABLES, UNITS, Field, Table
from govreport.paths import SCHEMAS_DIR

MISSING_VALUES = [""]
# Columns govreport.checks.gate adds to a table before its suite runs; never published.
DERIVED_COLUMNS = {
    "observations": ("document_known", "indicator_known", "unit_fits", "years_from_report", "quote_matches_raw",
                     "value_in_quote", "conflicts_other_document", "changed_for_unchanged_document"),
    "quantities": ("document_known",),
    "targets_vs_actuals": ("indicator_known",),
    "documents": ("n_observations_expected",),
}
PLAUSIBILITY_PATH = SCHEMAS_DIR / "plausibility.csv"

_ARROW_TYPES = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(),
                "date": pa.date32()}


# --- Frictionless -----------------------------------------------------------------
def _frictionless_field(f: Field) -> dict:
    out: dict = {"name": f.name, "type": f.type, "description": f"{f.en} / {f.zh}"}
    if f.unit:
        out["unit"] = f.unit
    constraints = {}
    if f.required:
        constraints["required"] = True
    if f.unique:
        constraints["unique"] = True
    if f.enum:
        constraints["enum"] = list(f.enum)
    if f.pattern:
        constraints["pattern"] = f.pattern
    if f.minimum is not None:
        constraints["minimum"] = f.minimum
    if f.maximum is not None:
        constraints["maximum"] = f.maximum
    if constraints:
        out["constraints"] = constraints
    return out


def frictionless_schema(t: Table) -> dict:
    schema: dict = {
        "fields": [_frictionless_field(f) for f in t.fields],
        "primaryKey": list(t.primary_key),
        "missingValues": MISSING_VALUES,
    }
    if t.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": list(fk.fields), "reference": {"resource": fk.resource, "fields": list(fk.reference)}}
            for fk in t.foreign_keys
        ]
    return schema


# --- Parquet ----------------------------------------------------------------------
def arrow_schema(t: Table) -> pa.Schema:
    return pa.schema([
        pa.field(f.name, _ARROW_TYPES[f.type], nullable=not f.required,
                 metadata={"description": f.en, "description_zh": f.zh})
        for f in t.fields
    ])


# --- Great Expectations -----------------------------------------------------------
def _exp(type_: str, severity: str = "critical", **kwargs) -> dict:
    return {"type": type_, "kwargs": kwargs, "severity": severity}


def structural_expectations(t: Table) -> list[dict]:
    """What the contract says of every column, as expectations."""
    columns = t.field_names + list(DERIVED_COLUMNS.get(t.name, ()))
    out = [_exp("expect_table_columns_to_match_ordered_list", column_list=columns)]
    for f in t.fields:
        if f.required:
            out.append(_exp("expect_column_values_to_not_be_null", column=f.name))
        if f.enum:
            out.append(_exp("expect_column_values_to_be_in_set", column=f.name, value_set=list(f.enum)))
        if f.pattern:
            out.append(_exp("expect_column_values_to_match_regex", column=f.name, regex=f.pattern))
        if f.minimum is not None or f.maximum is not None:
            out.append(_exp("expect_column_values_to_be_between", column=f.name, min_value=f.minimum,
                            max_value=f.maximum))
    # A table may not shrink by more than checks.MAX_SHRINK since the previous release.
    out.append(_exp("expect_table_row_count_to_be_between", min_value={"$PARAMETER": f"min_rows_{t.name}"}))
    if len(t.primary_key) == 1:
        out.append(_exp("expect_column_values_to_be_unique", column=t.primary_key[0]))
    else:
        out.append(_exp("expect_compound_columns_to_be_unique", column_list=list(t.primary_key)))
    for f in t.fields:
        if f.unique and (f.name,) != t.primary_key:
            out.append(_exp("expect_column_values_to_be_unique", column=f.name))
    return out


def read_plausibility(path: Path = PLAUSIBILITY_PATH) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _foreign_keys(t: Table) -> list[dict]:
    """Foreign keys, checked on every row (Frictionless checks them too, on tables it reads whole)."""
    return [_exp("expect_column_values_to_be_in_set", column=column, value_set=[True])
            for column in DERIVED_COLUMNS.get(t.name, ()) if column in ("document_known", "indicator_known")]


def domain_expectations(t: Table) -> list[dict]:
    """What a statistician knows of the numbers beyond their types."""
    if t.name == "documents":
        # the reviewed count of schemas/expected_counts.csv, where one was reviewed for this content
        return [_exp("expect_column_pair_values_to_be_equal", column_A="n_observations",
                     column_B="n_observations_expected", ignore_row_if="either_value_is_missing")]
    if t.name != "observations":
        return []
    out = [
        _exp("expect_column_pair_values_a_to_be_greater_than_b", column_A="value_high", column_B="value_low",
             or_equal=True, ignore_row_if="either_value_is_missing"),
        _exp("expect_column_pair_values_a_to_be_greater_than_b", column_A="value", column_B="value_low",
             or_equal=True, ignore_row_if="either_value_is_missing"),
        _exp("expect_column_pair_values_a_to_be_greater_than_b", column_A="value_high", column_B="value",
             or_equal=True, ignore_row_if="either_value_is_missing"),
        # growth in percent, change in percentage points, a level in its indicator's codelist unit
        _exp("expect_column_values_to_be_in_set", column="unit_fits", value_set=[True]),
        _exp("expect_column_pair_values_a_to_be_greater_than_b", column_A="period_end", column_B="period_start",
             or_equal=True),
        # Derived columns computed by govreport.checks.gate before the suite runs:
        _exp("expect_column_values_to_be_in_set", column="quote_matches_raw", value_set=[True]),
        _exp("expect_column_values_to_be_in_set", column="value_in_quote", value_set=[True]),
        _exp("expect_column_values_to_be_between", column="years_from_report", min_value=-6, max_value=5),
        _exp("expect_column_values_to_be_in_set", severity="warning", column="conflicts_other_document",
             value_set=[False]),
        _exp("expect_column_values_to_be_in_set", column="changed_for_unchanged_document", value_set=[False]),
    ]
    for row in read_plausibility():
        condition = f'measure=="{row["measure"]}"'
        if row["indicator"] != "*":
            condition += f' & indicator=="{row["indicator"]}"'
        out.append(_exp("expect_column_values_to_be_between", severity=row["severity"], column="value",
                        min_value=float(row["min"]), max_value=float(row["max"]),
                        row_condition=condition, condition_parser="pandas"))
    return out


def expectation_suite(t: Table) -> dict:
    return {"name": t.name, "expectations": structural_expectations(t) + _foreign_keys(t) + domain_expectations(t),
            "meta": {"generated_from": "govreport.contract", "table": t.name}}


# --- Data dictionary --------------------------------------------------------------
def data_dictionary() -> str:
    lines = ["# Data dictionary / 数据字典", "",
             "Generated from the data contract (`govreport.contract`). Offsets count Unicode code points of "
             "the raw file as decoded text, from 0, end exclusive. CSV files are UTF-8 with a header row; "
             "empty cells are missing values. Text cells that start with = + - @ are prefixed with ' so that "
             "spreadsheets do not run them as formulas (OWASP CSV injection guidance); the Parquet files hold "
             "the text unchanged.", ""]
    for t in TABLES:
        lines += [f"## {t.name}: {t.title}", "", f"{t.en}", "", f"{t.zh}", "",
                  f"Primary key: `{', '.join(t.primary_key)}`. Rows sorted by `{', '.join(t.sort_by)}`.", ""]
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
"""


def write_all(out_dir: Path = SCHEMAS_DIR) -> list[Path]:
    """Write every generated file into out_dir; return their paths."""
    written = []
    (out_dir / "expectations").mkdir(parents=True, exist_ok=True)
    for t in TABLES:
        p = out_dir / f"{t.name}.schema.json"
        p.write_text(json.dumps(frictionless_schema(t), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        q = out_dir / "expectations" / f"{t.name}.json"
        q.write_text(json.dumps(expectation_suite(t), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written += [p, q]
    d = out_dir / "DATA_DICTIONARY.md"
    d.write_text(data_dictionary(), encoding="utf-8")
    return written + [d]

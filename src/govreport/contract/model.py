"""The data contract: every published table and field, defined once.

Frictionless table schemas, the pyarrow schemas used to write Parquet, the
structural part of the Great Expectations suites and the data dictionary are
all generated from the definitions below (see `govreport.contract.render`).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

# The package's metadata, as every release's datapackage.json states it.
PACKAGE_NAME = "china-local-government-report-indicators"
PACKAGE_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, f"govreport:{PACKAGE_NAME}"))
PACKAGE_TITLE = "Headline indicators from Chinese local-government work reports"
PACKAGE_TITLE_ZH = "地方政府工作报告主要指标"
PACKAGE_DESCRIPTION = (
    f"{PACKAGE_TITLE_ZH}. Last year's outcomes and this year's targets of headline indicators, "
    "extracted from local-government work reports, each number with the sentence and raw-file "
    "offsets it came from."
)
PACKAGE_KEYWORDS = ("China", "government work report", "政府工作报告", "targets", "indicators")
PACKAGE_CONTRIBUTORS = ({"title": "govreport maintainers", "role": "author"},)
LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}
# Bumped by hand when extraction rules change what they produce; stored in every row.
EXTRACTOR_VERSION = "1.0"


@dataclass(frozen=True)
class Unit:
    code: str
    label_zh: str
    description_en: str
    dimension: str  # what is measured; quantities of one dimension convert into each other
    factor: Decimal = Decimal(1)  # the unit's size in its dimension's base unit (亿元 = 10^8 元)


UNITS: tuple[Unit, ...] = (
    Unit("CNY_100M", "亿元", "100 million yuan", "money_cny", Decimal(10) ** 8),
    Unit("CNY", "元", "yuan", "money_cny"),
    Unit("USD_100M", "亿美元", "100 million US dollars", "money_usd", Decimal(10) ** 8),
    Unit("percent", "%", "percent", "percent"),
    Unit("percentage_points", "个百分点", "percentage points (absolute change of a rate)", "percentage_points"),
    Unit("places", "个(学位)", "school places", "count"),
    Unit("persons", "人", "persons", "persons"),
    Unit("units", "套", "dwelling units", "dwellings"),
    Unit("tonnes", "吨", "metric tonnes", "tonnes"),
    Unit("tce_per_10k_CNY", "吨标准煤/万元", "tonnes of standard coal equivalent per 10 000 yuan", "tce_per_10k_cny"),
    Unit("m3_per_10k_CNY", "立方米/万元", "cubic metres per 10 000 yuan", "m3_per_10k_cny"),
    Unit("kWh_per_10k_CNY", "千瓦时/万元", "kilowatt-hours per 10 000 yuan", "kwh_per_10k_cny"),
    Unit("m2_per_10k_CNY", "平方米/万元", "square metres per 10 000 yuan", "m2_per_10k_cny"),
    Unit("t_per_10k_CNY", "吨/万元", "tonnes per 10 000 yuan", "t_per_10k_cny"),
    Unit("ug_per_m3", "微克/立方米", "micrograms per cubic metre", "ug_per_m3"),
)
UNIT_CODES = tuple(u.code for u in UNITS)

MEASURES = ("level", "growth", "change")
KINDS = ("target", "actual")
COMPARATORS = ("eq", "approx", "ge", "gt", "le", "lt", "range")
DOCUMENT_TYPES = ("government_work_report", "plenary_report", "news_article", "other")
SCRIPTS = ("zh-Hans", "zh-Hant")
# The region a document is about: the whole country, a province-level unit (incl. municipalities and
# autonomous regions), a prefecture-level unit (city, 自治州, 地区, 盟) or a county-level one (county, district).
REGION_LEVELS = ("country", "province", "prefecture", "county")
# Row checks (govreport.checks.row_checks) move failing observations to flagged_observations. A release whose
# flagged share of all extracted observations is above this is blocked: extraction went wrong as a whole.
MAX_FLAGGED_SHARE = 0.25
# A number's period must lie within these years of its report's year (a 2035 vision target in a 2021 report
# is +14; a review of the last five-year plan starts -5).
PERIOD_YEARS_BEFORE_REPORT = 6
PERIOD_YEARS_AFTER_REPORT = 15
ACTUAL_STATUSES = ("preliminary", "revised", "later_report")
# 2020 | 2017-S1 | 2017-Q1 | 2017-03 | 2017-01/2017-07 | 2021/2025
PERIOD_PATTERN = (
    r"^\d{4}(-(S[12]|Q[1-4]|(0[1-9]|1[0-2])))?"
    r"(/\d{4}(-(0[1-9]|1[0-2]))?)?$"
)
SHA256_PATTERN = r"^[0-9a-f]{64}$"
FIRST_YEAR, LAST_YEAR = 1949, 2100  # the years a report, a period or a panel row can be about
MISSING_VALUES = [""]  # how a CSV cell says "no value"
# Arrow's type of each contract type, by pyarrow's factory name: pyarrow is imported only when a schema is
# made, so reading the contract (the CLI's no-change check does) costs no pyarrow import.
ARROW_TYPES = {"string": "string", "integer": "int64", "number": "float64", "boolean": "bool_", "date": "date32"}


def expectation(type_: str, severity: str = "critical", **kwargs) -> dict:
    """One Great Expectations expectation, as the suites' JSON holds it."""
    return {"type": type_, "kwargs": kwargs, "severity": severity}


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Frictionless type: string, integer, number, boolean, date
    en: str
    zh: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    unique: bool = False
    unit: str | None = None

    def to_frictionless(self) -> dict:
        """The field in a Frictionless table schema."""
        out: dict = {"name": self.name, "type": self.type, "description": f"{self.en} / {self.zh}"}
        if self.unit:
            out["unit"] = self.unit
        constraints: dict = {}
        if self.required:
            constraints["required"] = True
        if self.unique:
            constraints["unique"] = True
        if self.enum:
            constraints["enum"] = list(self.enum)
        if self.pattern:
            constraints["pattern"] = self.pattern
        if self.minimum is not None:
            constraints["minimum"] = self.minimum
        if self.maximum is not None:
            constraints["maximum"] = self.maximum
        if constraints:
            out["constraints"] = constraints
        return out

    def to_pyarrow(self) -> pa.Field:
        """The field in the Parquet files' Arrow schema, with its descriptions as metadata."""
        import pyarrow as pa

        return pa.field(
            self.name,
            getattr(pa, ARROW_TYPES[self.type])(),
            nullable=not self.required,
            metadata={"description": self.en, "description_zh": self.zh},
        )

    def to_gx_expectations(self) -> list[dict]:
        """What the field's declaration says of every value, as Great Expectations expectations."""
        out = []
        if self.required:
            out.append(expectation("expect_column_values_to_not_be_null", column=self.name))
        if self.enum:
            out.append(expectation("expect_column_values_to_be_in_set", column=self.name, value_set=list(self.enum)))
        if self.pattern:
            # (?:groups): pandas warns that a pattern with capture groups, used to test a match, is meant to extract
            out.append(
                expectation(
                    "expect_column_values_to_match_regex",
                    column=self.name,
                    regex=re.sub(r"(?<!\\)\((?!\?)", "(?:", self.pattern),
                )
            )
        if self.minimum is not None or self.maximum is not None:
            out.append(
                expectation(
                    "expect_column_values_to_be_between",
                    column=self.name,
                    min_value=self.minimum,
                    max_value=self.maximum,
                )
            )
        return out


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str
    reference: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    en: str
    zh: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    sort_by: tuple[str, ...]
    # What identifies a row across releases (ids that hash content change when content does):
    # versions and changelogs compare releases by it.
    natural_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = field(default=())

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def to_frictionless(self) -> dict:
        """The table's Frictionless table schema (schemas/<name>.schema.json)."""
        schema: dict = {
            "fields": [f.to_frictionless() for f in self.fields],
            "primaryKey": list(self.primary_key),
            "missingValues": MISSING_VALUES,
        }
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {"fields": list(fk.fields), "reference": {"resource": fk.resource, "fields": list(fk.reference)}}
                for fk in self.foreign_keys
            ]
        return schema

    def to_pyarrow(self) -> pa.Schema:
        """The table's Arrow schema, which its Parquet file is written with."""
        import pyarrow as pa

        return pa.schema([f.to_pyarrow() for f in self.fields])

    def to_gx_suite(self, derived_columns: tuple[str, ...] = (), domain: list[dict] | tuple = ()) -> dict:
        """The table's Great Expectations suite (contract/data/expectations/<name>.json): its columns in order (then
        the derived_columns the gate adds before the suite runs), each field's declaration, the row-count
        floor, the keys, foreign keys checked through the gate's *_known columns, then the domain checks."""
        out = [
            expectation(
                "expect_table_columns_to_match_ordered_list", column_list=self.field_names + list(derived_columns)
            )
        ]
        for f in self.fields:
            out += f.to_gx_expectations()
        # A table may not shrink by more than checks.MAX_SHRINK since the previous release.
        out.append(
            expectation("expect_table_row_count_to_be_between", min_value={"$PARAMETER": f"min_rows_{self.name}"})
        )
        if len(self.primary_key) == 1:
            out.append(expectation("expect_column_values_to_be_unique", column=self.primary_key[0]))
        else:
            out.append(expectation("expect_compound_columns_to_be_unique", column_list=list(self.primary_key)))
        for f in self.fields:
            if f.unique and (f.name,) != self.primary_key:
                out.append(expectation("expect_column_values_to_be_unique", column=f.name))
        # Foreign keys, checked on every row (Frictionless checks them too, on tables it reads whole).
        out += [
            expectation("expect_column_values_to_be_in_set", column=column, value_set=[True])
            for column in derived_columns
            if column in ("document_known", "indicator_known")
        ]
        return {
            "name": self.name,
            "expectations": out + list(domain),
            "meta": {"generated_from": "govreport.contract", "table": self.name},
        }


# Fields shared by several tables are defined once here and reused.
DOCUMENT_ID = Field(
    "document_id",
    "string",
    "SHA-256 of the raw file's bytes",
    "原始文件字节的 SHA-256 哈希",
    required=True,
    pattern=SHA256_PATTERN,
)
SOURCE_FILE = Field(
    "source_file", "string", "File name of the raw document in raw/", "raw/ 中原始文件名", required=True
)
REGION_CODE = Field(
    "region_code",
    "string",
    "GB/T 2260 six-digit administrative division code",
    "GB/T 2260 六位行政区划代码",
    pattern=r"^\d{6}$",
)
REGION_NAME = Field("region_name", "string", "Name of the region the report is about", "报告所属地区名称")
REGION_LEVEL = Field(
    "region_level",
    "string",
    "Level of the region: country, province, prefecture or county",
    "地区级别:全国、省级、地级、县级",
    enum=REGION_LEVELS,
)
INDICATOR = Field(
    "indicator", "string", "Indicator code from the indicators codelist", "指标代码(见 indicators 表)", required=True
)
UNIT = Field(
    "unit", "string", "Unit code of the value (see the data dictionary)", "数值单位代码", required=True, enum=UNIT_CODES
)
PERIOD = Field(
    "period",
    "string",
    "Period the number is about: 2020, 2017-S1, 2017-Q1, 2017-03, 2017-01/2017-07, 2021/2025",
    "数值所属时期",
    required=True,
    pattern=PERIOD_PATTERN,
)
BASIS = Field(
    "basis",
    "string",
    "How a figure over its period is meant: annual (a year's figure), average (年均: the annual average over "
    "a span), cumulative (累计: the total or total change over a span)",
    "数值口径:年度、年均、累计",
    required=True,
    enum=("annual", "average", "cumulative"),
)
COMPARATOR = Field(
    "comparator",
    "string",
    "How the number bounds the value: eq approx ge gt le lt range",
    "比较关系:等于、约、不低于、超过、不高于、低于、区间",
    required=True,
    enum=COMPARATORS,
)
RULE = Field(
    "rule", "string", "Id of the extraction rule that produced the row", "产生该行的抽取规则编号", required=True
)
EXTRACTOR = Field("extractor_version", "string", "Version of the extraction rules", "抽取规则版本", required=True)


def _span(prefix: str, what_en: str, what_zh: str) -> tuple[Field, Field]:
    return (
        Field(
            f"{prefix}_start",
            "integer",
            f"Start of the {what_en} in the raw file's decoded text (0-based Unicode code point offset)",
            f"{what_zh}在原始文本中的起始位置(从0起的字符偏移)",
            required=True,
            minimum=0,
        ),
        Field(
            f"{prefix}_end",
            "integer",
            f"End (exclusive) of the {what_en} in the raw file's decoded text",
            f"{what_zh}在原始文本中的结束位置(不含)",
            required=True,
            minimum=0,
        ),
    )


MEASURE = Field(
    "measure",
    "string",
    "level: the amount; growth: year-on-year % change (falls negative); change: absolute change in percentage points",
    "口径:水平值、增长率、百分点变化",
    required=True,
    enum=MEASURES,
)
KIND = Field(
    "kind",
    "string",
    "target: planned; actual: reported outcome (incl. preliminary and interim)",
    "类型:目标值或实际值",
    required=True,
    enum=KINDS,
)
PERIOD_START = Field("period_start", "date", "First day of the period", "时期起始日", required=True)
PERIOD_END = Field("period_end", "date", "Last day of the period", "时期结束日", required=True)
VALUE_LOW = Field("value_low", "number", "Lower bound (eq, approx, ge, gt, range)", "下限")
VALUE_HIGH = Field("value_high", "number", "Upper bound (eq, approx, le, lt, range)", "上限")
VALUE = Field(
    "value",
    "number",
    "The single number to plot: the stated number or the midpoint of a range",
    "作图用的单一数值(区间取中点)",
    required=True,
)
QUOTE = Field(
    "quote",
    "string",
    "The sentence the number comes from, exactly as in the raw file",
    "数值所在的原文句子(与原始文件一致)",
    required=True,
)
VALUE_TEXT = Field(
    "value_text",
    "string",
    "The number as written in the raw file, with its qualifiers",
    "原文中的数值写法(含限定词)",
    required=True,
)

OBSERVATIONS = Table(
    name="observations",
    title="Indicator observations",
    en="One row per reported outcome or planned target of a codelist indicator in one document.",
    zh="每行为一份文件中某一指标的一个实际完成值或计划目标值。",
    fields=(
        Field(
            "observation_id",
            "string",
            "Stable id of the fact: hash of document and coded fact",
            "事实的稳定编号",
            required=True,
            unique=True,
            pattern=r"^[0-9a-f]{16}$",
        ),
        DOCUMENT_ID,
        SOURCE_FILE,
        REGION_CODE,
        REGION_NAME,
        INDICATOR,
        MEASURE,
        KIND,
        PERIOD,
        PERIOD_START,
        PERIOD_END,
        BASIS,
        COMPARATOR,
        VALUE_LOW,
        VALUE_HIGH,
        VALUE,
        UNIT,
        VALUE_TEXT,
        QUOTE,
        *_span("quote", "quoted sentence", "引文"),
        *_span("value", "number", "数值"),
        RULE,
        EXTRACTOR,
    ),
    primary_key=("observation_id",),
    sort_by=("region_code", "indicator", "period", "kind", "measure", "source_file", "value_start"),
    natural_key=("source_file", "indicator", "measure", "kind", "period", "comparator"),
    foreign_keys=(
        ForeignKey(("document_id",), "documents", ("document_id",)),
        ForeignKey(("indicator",), "indicators", ("code",)),
    ),
)

DOCUMENTS = Table(
    name="documents",
    title="Source documents",
    en="One row per raw document the package was built from.",
    zh="每行为一份原始文件。",
    fields=(
        DOCUMENT_ID,
        Field(
            "source_file",
            "string",
            "File name of the raw document in raw/",
            "raw/ 中原始文件名",
            required=True,
            unique=True,
        ),
        Field("title", "string", "Title of the document", "文件标题"),
        REGION_CODE,
        REGION_NAME,
        REGION_LEVEL,
        Field("issuing_body", "string", "Body that issued or delivered the report", "发布或作报告的机构"),
        Field(
            "document_type",
            "string",
            "government_work_report, plenary_report, news_article or other",
            "文件类型",
            required=True,
            enum=DOCUMENT_TYPES,
        ),
        Field("published", "date", "Publication date", "发布日期"),
        Field(
            "report_year",
            "integer",
            "The year the report plans (its 'this year')",
            "报告年份(报告中的今年)",
            required=True,
            minimum=FIRST_YEAR,
            maximum=LAST_YEAR,
        ),
        Field(
            "script",
            "string",
            "Script of the raw text: zh-Hans or zh-Hant",
            "文字:简体或繁体",
            required=True,
            enum=SCRIPTS,
        ),
        Field("source", "string", "Where the document came from", "来源"),
        Field("licence", "string", "Licence or rights note for the document", "版权说明"),
        Field(
            "encoding", "string", "Character encoding the raw bytes were decoded with", "原始字节编码", required=True
        ),
        Field("n_bytes", "integer", "Size of the raw file in bytes", "原始文件字节数", required=True, minimum=1),
        Field(
            "n_chars", "integer", "Length of the decoded text in characters", "解码后字符数", required=True, minimum=1
        ),
        Field(
            "n_observations",
            "integer",
            "Number of observations extracted from the document",
            "抽取的指标观测数",
            required=True,
            minimum=0,
        ),
        Field(
            "metadata_origin",
            "string",
            "manifest: metadata from raw/sources.yaml; inferred: from the text",
            "元数据来源:清单或从文本推断",
            required=True,
            enum=("manifest", "inferred"),
        ),
    ),
    primary_key=("document_id",),
    sort_by=("region_code", "report_year", "source_file"),
    natural_key=("source_file",),
)

INDICATORS = Table(
    name="indicators",
    title="Indicator codelist",
    en="The indicators observations are coded against.",
    zh="观测所使用的指标代码表。",
    fields=(
        Field("code", "string", "Indicator code", "指标代码", required=True, unique=True, pattern=r"^[a-z0-9_]+$"),
        Field("name_en", "string", "English name", "英文名称", required=True),
        Field("name_zh", "string", "Chinese name", "中文名称", required=True),
        Field("aliases_zh", "string", "Other Chinese names, separated by |", "其他中文名称(以|分隔)"),
        Field("unit", "string", "Unit of level values", "水平值单位", required=True, enum=UNIT_CODES),
        Field("category", "string", "Topic", "类别", required=True),
        Field(
            "better",
            "string",
            "Which way is good: higher, or lower (unemployment, PM2.5, energy intensity)",
            "指标方向:越高越好或越低越好",
            required=True,
            enum=("higher", "lower"),
        ),
    ),
    primary_key=("code",),
    sort_by=("code",),
    natural_key=("code",),
)

QUANTITIES = Table(
    name="quantities",
    title="Other quantitative statements",
    en="The long tail: every other number with a unit that a document states (5G基站3235个, 新增创新载体11家), "
    "with its subject phrase. Not coded against the codelist; candidates for it.",
    zh="其他数量表述:文件中未纳入指标代码表的带单位数值及其主语短语。",
    fields=(
        Field(
            "quantity_id",
            "string",
            "Stable id of the statement: hash of document and coded statement",
            "表述的稳定编号",
            required=True,
            unique=True,
            pattern=r"^[0-9a-f]{16}$",
        ),
        DOCUMENT_ID,
        SOURCE_FILE,
        REGION_CODE,
        REGION_NAME,
        Field(
            "subject",
            "string",
            "The phrase the number is about, as in the normalized text",
            "数值所述对象短语",
            required=True,
        ),
        MEASURE,
        KIND,
        PERIOD,
        PERIOD_START,
        PERIOD_END,
        COMPARATOR,
        VALUE_LOW,
        VALUE_HIGH,
        VALUE,
        Field(
            "unit",
            "string",
            "Unit as written (money in 亿元 or 亿美元); % for percent",
            "单位(金额统一为亿元)",
            required=True,
        ),
        VALUE_TEXT,
        QUOTE,
        *_span("quote", "quoted sentence", "引文"),
        *_span("value", "number", "数值"),
        EXTRACTOR,
    ),
    primary_key=("quantity_id",),
    sort_by=("region_code", "subject", "period", "source_file", "value_start"),
    natural_key=("source_file", "subject", "measure", "kind", "period", "comparator", "unit"),
    foreign_keys=(ForeignKey(("document_id",), "documents", ("document_id",)),),
)

ROW_CHECKS = ("plausibility", "unit_fits", "period_near_report", "conflict_in_document")

FLAGGED_OBSERVATIONS = Table(
    name="flagged_observations",
    title="Flagged observations",
    en="Extracted observations that failed a row check (an implausible number, a unit that does not fit the "
    "indicator, a period far from the report's year, two values for one fact in one document): kept out of "
    "observations and targets_vs_actuals, published here with the check and the reason.",
    zh="未通过逐行检查的抽取观测(数值不合理、单位与指标不符、时期远离报告年份、同一文件同一事实数值矛盾),"
    "不计入 observations 与 targets_vs_actuals,连同检查名称与原因在此发布。",
    fields=OBSERVATIONS.fields
    + (
        Field(
            "check",
            "string",
            "The row check that failed (the first, when several did)",
            "未通过的检查",
            required=True,
            enum=ROW_CHECKS,
        ),
        Field(
            "reason", "string", "Why the row failed, with the bound or the other value", "未通过的原因", required=True
        ),
    ),
    primary_key=("observation_id",),
    sort_by=("check", "region_code", "indicator", "period", "source_file", "value_start"),
    natural_key=OBSERVATIONS.natural_key,
    foreign_keys=OBSERVATIONS.foreign_keys,
)

# Fields targets_vs_actuals and its spreadsheet view (panel) share: defined once.
REGION_KEY = Field(
    "region_key",
    "string",
    "Region: its GB/T 2260 code, or its name where the code is unknown",
    "地区(行政区划代码,未知时为名称)",
    required=True,
)
PANEL_PERIOD = Field(
    "period",
    "string",
    "The year (2020) or plan span (2021/2025)",
    "年份或规划期",
    required=True,
    pattern=r"^\d{4}(/\d{4})?$",
)
PANEL_YEAR = Field(
    "year",
    "integer",
    "Last year of the period (the year, for a one-year period)",
    "时期末年",
    required=True,
    minimum=FIRST_YEAR,
    maximum=LAST_YEAR,
)
TARGET_LOW = Field("target_low", "number", "Target lower bound", "目标下限")
TARGET_HIGH = Field("target_high", "number", "Target upper bound", "目标上限")
TARGET_REPORT_YEAR = Field(
    "target_report_year", "integer", "Report year of the document stating the target", "目标来源报告年份"
)
ACTUAL_REPORT_YEAR = Field(
    "actual_report_year", "integer", "Report year of the document stating the outcome", "实际值来源报告年份"
)
MET = Field("met", "boolean", "Whether the outcome reached the target (empty: no target or no outcome)", "是否完成目标")


TARGETS_VS_ACTUALS = Table(
    name="targets_vs_actuals",
    title="Targets beside outcomes",
    en="One row per region, indicator, measure, period (a year, or a plan's span such as 2021/2025) and basis: the "
    "target, from the report of the period's first year, beside the outcome, from the report of the year "
    "after it unless a later report revised it, whether the target was met, and the previous year's outcome. "
    "Every statement stays in observations; the counts say how many documents stated each side and how many "
    "disagreed with the one chosen.",
    zh="每行为某地区某指标某口径某时期(年份或规划期,如 2021/2025)的目标值与实际值对照:目标取该时期首年的报告,"
    "实际值取次年报告(后续报告修订时取修订值),并给出是否完成目标与上年实际值。",
    fields=(
        REGION_KEY,
        REGION_CODE,
        REGION_NAME,
        REGION_LEVEL,
        INDICATOR,
        MEASURE,
        PANEL_PERIOD,
        Field(
            "first_year",
            "integer",
            "First year of the period",
            "时期首年",
            required=True,
            minimum=FIRST_YEAR,
            maximum=LAST_YEAR,
        ),
        PANEL_YEAR,
        BASIS,
        UNIT,
        Field("target_comparator", "string", "Comparator of the target", "目标比较关系", enum=COMPARATORS),
        TARGET_LOW,
        TARGET_HIGH,
        Field("target_value", "number", "Target as one number (midpoint of a range)", "目标值"),
        Field("target_observation_id", "string", "The observation the target comes from", "目标来源观测编号"),
        Field("target_document_id", "string", "Document stating the target", "目标来源文件编号"),
        Field("target_source_file", "string", "File of the document stating the target", "目标来源文件"),
        TARGET_REPORT_YEAR,
        Field(
            "target_statements",
            "integer",
            "How many documents state a target for this row",
            "陈述该目标的文件数",
            required=True,
            minimum=0,
        ),
        Field(
            "target_conflicts",
            "integer",
            "How many other documents state other target bounds",
            "陈述不同目标值的其他文件数",
            required=True,
            minimum=0,
        ),
        Field("actual_comparator", "string", "Comparator of the outcome", "实际值比较关系", enum=COMPARATORS),
        Field("actual_value", "number", "The outcome", "实际值"),
        Field("actual_observation_id", "string", "The observation the outcome comes from", "实际值来源观测编号"),
        Field("actual_document_id", "string", "Document stating the outcome", "实际值来源文件编号"),
        Field("actual_source_file", "string", "File of the document stating the outcome", "实际值来源文件"),
        ACTUAL_REPORT_YEAR,
        Field(
            "actual_status",
            "string",
            "preliminary: the following year's report (or an earlier one, or marked "
            "预计); revised: a later report changed the following year's figure; later_report: only a later "
            "report states it",
            "实际值状态:初步(次年报告或预计)、修订、仅见于后续报告",
            enum=ACTUAL_STATUSES,
        ),
        Field(
            "actual_preliminary_value",
            "number",
            "The first outcome published (the following year's report), where a later report revised it",
            "被修订前的初步实际值",
        ),
        Field(
            "actual_statements",
            "integer",
            "How many documents state an outcome for this row",
            "陈述该实际值的文件数",
            required=True,
            minimum=0,
        ),
        Field(
            "actual_conflicts",
            "integer",
            "How many other documents of the chosen one's report year state "
            "another outcome (revisions by later reports are not conflicts)",
            "同一报告年份陈述不同实际值的其他文件数",
            required=True,
            minimum=0,
        ),
        MET,
        Field(
            "met_rule",
            "string",
            "The comparison met is the result of, e.g. actual >= target_low",
            "判断是否完成目标所用的比较",
        ),
        Field("difference", "number", "Outcome minus target value", "实际值减目标值"),
        Field(
            "previous_actual_value",
            "number",
            "The outcome of the period before (one-year periods: the previous year), as chosen in its own row",
            "上一时期实际值",
        ),
    ),
    primary_key=("region_key", "indicator", "measure", "period", "basis"),
    sort_by=("region_key", "indicator", "measure", "first_year", "year", "basis"),
    natural_key=("region_key", "indicator", "measure", "period", "basis"),
    foreign_keys=(ForeignKey(("indicator",), "indicators", ("code",)),),
)

PANEL = Table(
    name="panel",
    title="Targets and outcomes, spreadsheet view",
    en="targets_vs_actuals for spreadsheet users: one row per region, indicator, measure and year (or plan span) "
    "with the indicator's names, the target, the outcome and whether it was met; the ids and counts are in "
    "targets_vs_actuals.",
    zh="供电子表格使用的目标与实际值对照表:每行为某地区某指标某口径某年份(或规划期)。",
    fields=(
        REGION_KEY,
        REGION_CODE,
        REGION_NAME,
        REGION_LEVEL,
        INDICATOR,
        Field("indicator_name_zh", "string", "Indicator name in Chinese", "指标中文名称"),
        Field("indicator_name_en", "string", "Indicator name in English", "指标英文名称"),
        MEASURE,
        PANEL_PERIOD,
        PANEL_YEAR,
        BASIS,
        UNIT,
        Field("target", "string", "The target as stated, e.g. >= 6, 5-6, ≈ 5.5", "目标(如 >= 6、5-6、≈ 5.5)"),
        TARGET_LOW,
        TARGET_HIGH,
        TARGET_REPORT_YEAR,
        Field("actual", "number", "The outcome", "实际值"),
        Field(
            "actual_status",
            "string",
            "preliminary, revised or later_report (see targets_vs_actuals)",
            "实际值状态",
            enum=ACTUAL_STATUSES,
        ),
        ACTUAL_REPORT_YEAR,
        MET,
        Field("previous_actual", "number", "The outcome of the period before", "上一时期实际值"),
    ),
    primary_key=("region_key", "indicator", "measure", "period", "basis"),
    sort_by=("region_key", "indicator", "measure", "year", "period", "basis"),
    natural_key=("region_key", "indicator", "measure", "period", "basis"),
    foreign_keys=(ForeignKey(("indicator",), "indicators", ("code",)),),
)

TABLES: tuple[Table, ...] = (
    OBSERVATIONS,
    FLAGGED_OBSERVATIONS,
    QUANTITIES,
    TARGETS_VS_ACTUALS,
    PANEL,
    DOCUMENTS,
    INDICATORS,
)


def table(name: str) -> Table:
    return next(t for t in TABLES if t.name == name)

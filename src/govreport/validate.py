"""The gate before publishing: Frictionless on the package files, Great Expectations on the tables.

Frictionless checks the files a consumer downloads (types, constraints, keys,
foreign keys) from the CSV resources, where it is fastest. Great Expectations
runs the suites in schemas/expectations/ on DataFrames, including domain
checks on columns derived here (does each quote stand in its raw file at its
offsets?). Critical failures block the release; warnings are reported in it.
GX is imported only in this module: it takes seconds to import.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from .contract import TABLES
from .paths import SCHEMAS_DIR
from .schemas_gen import DERIVED_COLUMNS


@dataclass
class CheckFailure:
    tool: str  # "frictionless" or "great_expectations"
    table: str
    check: str
    severity: str  # "critical" or "warning"
    rows: list = field(default_factory=list)  # primary keys (GX) or row numbers (Frictionless)
    message: str = ""

    def __str__(self) -> str:
        shown = ", ".join(str(r) for r in self.rows[:10]) + (" …" if len(self.rows) > 10 else "")
        rows = f" rows: {shown}" if self.rows else ""
        return f"[{self.severity}] {self.table}: {self.check} {self.message}{rows}".rstrip()


@dataclass
class ValidationReport:
    failures: list[CheckFailure] = field(default_factory=list)
    checks_run: int = 0

    @property
    def critical(self) -> list[CheckFailure]:
        return [f for f in self.failures if f.severity == "critical"]

    @property
    def warnings(self) -> list[CheckFailure]:
        return [f for f in self.failures if f.severity != "critical"]

    @property
    def passed(self) -> bool:
        return not self.critical

    def to_json(self) -> dict:
        return {"passed": self.passed, "checks_run": self.checks_run,
                "critical": [asdict(f) for f in self.critical], "warnings": [asdict(f) for f in self.warnings]}


# --- columns the domain checks look at ------------------------------------------------
def with_derived_columns(observations: pd.DataFrame, documents: pd.DataFrame,
                         raw_texts: dict[str, str] | None) -> pd.DataFrame:
    """observations plus the columns the suite's domain checks read (never published)."""
    df = observations.copy()
    years = dict(zip(documents["document_id"], documents["report_year"]))
    df["years_from_report"] = pd.to_datetime(df["period_end"]).dt.year - df["document_id"].map(years)
    quote_ok, value_ok = [], []
    for row in df.itertuples(index=False):
        raw = (raw_texts or {}).get(row.document_id)
        if raw is None:
            quote_ok.append(False)
            value_ok.append(False)
            continue
        quote_ok.append(raw[row.quote_start:row.quote_end] == row.quote)
        value_ok.append(row.quote_start <= row.value_start < row.value_end <= row.quote_end
                        and raw[row.value_start:row.value_end] == row.value_text
                        and any(c.isdigit() or c in "零〇一二两三四五六七八九十百千万亿" for c in row.value_text))
    df["quote_matches_raw"] = quote_ok
    df["value_in_quote"] = value_ok
    assert tuple(df.columns[len(observations.columns):]) == DERIVED_COLUMNS["observations"]
    return df


# --- Great Expectations ---------------------------------------------------------------
def load_suite(table: str, schemas_dir: Path = SCHEMAS_DIR) -> dict:
    return json.loads((schemas_dir / "expectations" / f"{table}.json").read_text(encoding="utf-8"))


def run_expectations(frames: dict[str, pd.DataFrame], out_dir: Path,
                     schemas_dir: Path = SCHEMAS_DIR) -> ValidationReport:
    """Run each table's suite with a file-backed GX context in out_dir; Data Docs go to out_dir/data_docs."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    out_dir = Path(out_dir).resolve()
    context = gx.get_context(mode="file", project_root_dir=str(out_dir))
    context.variables.progress_bars = {"globally": False}
    context.add_data_docs_site(site_name="release", site_config={
        "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": str(out_dir / "data_docs")}})
    source = context.data_sources.add_pandas("tables")
    report = ValidationReport()
    results_json = {}
    for table in TABLES:
        if table.name not in frames:
            continue
        spec = load_suite(table.name, schemas_dir)
        suite = context.suites.add(gx.ExpectationSuite(name=table.name, expectations=spec["expectations"]))
        batch = source.add_dataframe_asset(table.name).add_batch_definition_whole_dataframe("release")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=table.name, data=batch, suite=suite))
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=f"release_{table.name}", validation_definitions=[definition],
            actions=[UpdateDataDocsAction(name="data_docs", site_names=["release"])],
            result_format={"result_format": "COMPLETE",
                           "unexpected_index_column_names": list(table.primary_key)}))
        outcome = checkpoint.run(batch_parameters={"dataframe": frames[table.name]})
        for run_result in outcome.run_results.values():
            results_json[table.name] = run_result.to_json_dict()
            for r in run_result.results:
                report.checks_run += 1
                if r.success:
                    continue
                cfg = r.expectation_config
                keys = [ix.get(table.primary_key[0]) if isinstance(ix, dict) else ix
                        for ix in (r.result.get("unexpected_index_list") or [])]
                error = (r.exception_info or {}).get("exception_message") if r.exception_info else None
                report.failures.append(CheckFailure(
                    "great_expectations", table.name, cfg.type, str(getattr(cfg.severity, "value", cfg.severity)),
                    sorted({str(k) for k in keys}),
                    _describe_kwargs(cfg.kwargs) + (f" error: {error}" if error else "")))
    # GX's own .gitignore would hide its stored results from a repository that serves the releases.
    (out_dir / "gx" / ".gitignore").unlink(missing_ok=True)
    (out_dir / "great_expectations.json").write_text(
        json.dumps(results_json, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8")
    return report


def _describe_kwargs(kwargs: dict) -> str:
    keep = {k: v for k, v in kwargs.items() if k in ("column", "column_A", "column_B", "min_value", "max_value",
                                                     "row_condition", "column_list", "regex")}
    return "(" + ", ".join(f"{k}={v}" for k, v in keep.items()) + ")"


# --- Frictionless ---------------------------------------------------------------------
def run_frictionless(descriptor: Path, out_path: Path) -> ValidationReport:
    from frictionless import Package

    package = Package(str(descriptor), basepath=str(Path(descriptor).parent))
    result = package.validate()
    report = ValidationReport(checks_run=len(result.tasks))
    for task in result.tasks:
        by_type: dict[str, list] = {}
        notes: dict[str, str] = {}
        for err in task.errors:
            by_type.setdefault(err.type, []).append(getattr(err, "row_number", None))
            notes.setdefault(err.type, err.message)
        for err_type, rows in by_type.items():
            report.failures.append(CheckFailure("frictionless", task.name, err_type, "critical",
                                                [r for r in rows if r is not None], notes[err_type]))
    Path(out_path).write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                              encoding="utf-8")
    return report

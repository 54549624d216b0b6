"""The gate before publishing: Frictionless on the package files, Great Expectations on the tables.

Frictionless checks the files a consumer downloads (types, constraints, keys,
foreign keys) from the CSV resources, where it is fastest. Great Expectations
runs the suites in contract/data/expectations/ on DataFrames, including domain
checks on columns derived here (does each quote stand in its raw file at its
offsets?). Critical failures block the release; warnings are reported in it.
GX is imported only in this module: it takes seconds to import.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from govreport.checks.cross_table import row_count_floors
from govreport.contract.files import EXPECTATIONS_DIR
from govreport.contract.model import TABLES
from govreport.contract.render import DERIVED_COLUMNS


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
    flagged: dict = field(default_factory=dict)  # row_checks.flagged_summary: rows quarantined, not failures

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
        return {
            "passed": self.passed,
            "checks_run": self.checks_run,
            "flagged_observations": self.flagged,
            "critical": [asdict(f) for f in self.critical],
            "warnings": [asdict(f) for f in self.warnings],
        }


# --- columns the domain checks look at ------------------------------------------------
def with_derived_columns(
    frames: dict[str, pd.DataFrame],
    raw_reader: Callable[[str], str | None] | None,
    previous: dict[str, pd.DataFrame] | None = None,
    expected_counts: dict[str, dict] | None = None,
) -> dict[str, pd.DataFrame]:
    """The tables plus the columns the suites' domain checks read (never published).

    raw_reader(document_id) gives a document's raw text, one document at a time (bounded memory)."""
    from govreport.checks.cross_table import changed_since, conflicts, expected_observations
    from govreport.contract.codelist import load_codelist

    out = dict(frames)
    documents = frames["documents"].copy()
    doc_ids = set(documents["document_id"])
    codes = {c: ind.unit for c, ind in load_codelist().items()}
    df = frames["observations"].copy()
    df["document_known"] = df["document_id"].isin(doc_ids)
    df["indicator_known"] = df["indicator"].isin(codes.keys())
    level_unit = df["indicator"].map(codes)
    df["unit_fits"] = (
        ((df["measure"] == "growth") & (df["unit"] == "percent"))
        | ((df["measure"] == "change") & (df["unit"] == "percentage_points"))
        | ((df["measure"] == "level") & (df["unit"] == level_unit))
    )
    years = dict(zip(documents["document_id"], documents["report_year"], strict=True))
    df["years_from_report"] = pd.to_datetime(df["period_end"]).dt.year - df["document_id"].map(years)
    quote_ok = pd.Series(False, index=df.index)
    value_ok = pd.Series(False, index=df.index)
    for doc_id, rows in df.groupby("document_id", sort=False):
        raw = raw_reader(doc_id) if raw_reader else None
        if raw is None:
            continue
        for ix, row in zip(rows.index, rows.itertuples(index=False), strict=True):
            quote_ok[ix] = raw[row.quote_start : row.quote_end] == row.quote
            value_ok[ix] = (
                row.quote_start <= row.value_start < row.value_end <= row.quote_end
                and raw[row.value_start : row.value_end] == row.value_text
                and any(c.isdigit() or c in "零〇一二两三四五六七八九十百千万亿" for c in row.value_text)
            )
    df["quote_matches_raw"] = quote_ok
    df["value_in_quote"] = value_ok
    df["conflicts_other_document"] = conflicts(df)
    df["changed_for_unchanged_document"] = changed_since(df, (previous or {}).get("observations"))
    documents["n_observations_expected"] = expected_observations(documents, expected_counts or {})
    out["observations"], out["documents"] = df, documents
    if "flagged_observations" in frames:
        flagged = frames["flagged_observations"].copy()
        flagged["document_known"] = flagged["document_id"].isin(doc_ids)
        flagged["indicator_known"] = flagged["indicator"].isin(codes.keys())
        out["flagged_observations"] = flagged
    if "quantities" in frames:
        q = frames["quantities"].copy()
        q["document_known"] = q["document_id"].isin(doc_ids)
        out["quantities"] = q
    if "targets_vs_actuals" in frames:
        tva = frames["targets_vs_actuals"].copy()
        tva["indicator_known"] = tva["indicator"].isin(codes.keys())
        out["targets_vs_actuals"] = tva
    for name, added in DERIVED_COLUMNS.items():
        if name in frames:
            assert tuple(out[name].columns[len(frames[name].columns) :]) == added, (name, added)
    return out


# --- Great Expectations ---------------------------------------------------------------
def load_suite(table: str, suites_dir: Path = EXPECTATIONS_DIR) -> dict:
    spec = json.loads((suites_dir / f"{table}.json").read_text(encoding="utf-8"))
    for e in spec["expectations"]:
        _legacy_row_condition(e["kwargs"])
    return spec


def _legacy_row_condition(kwargs: dict) -> None:
    """A suite shipped before the contract wrote GX Condition objects holds row conditions as pandas query
    strings with condition_parser "pandas" (1.0.0's GX store: the string already wrapped as a pass-through
    condition, the parser still named), which GX Core 1.9 deprecated. GX runs such a string as a
    PassThroughCondition (DataFrame.query on the string); given as one, it runs the same, without the warning."""
    if kwargs.get("condition_parser") != "pandas":
        return
    condition = kwargs.pop("condition_parser") and kwargs.get("row_condition")
    if isinstance(condition, str):
        kwargs["row_condition"] = {"type": "pass_through", "pass_through_filter": condition}


def run_expectations(
    frames: dict[str, pd.DataFrame], out_dir: Path, suites_dir: Path = EXPECTATIONS_DIR, parameters: dict | None = None
) -> ValidationReport:
    """Run each table's suite in an in-memory GX context; the results go to out_dir/great_expectations.json.

    No Data Docs and no GX project folder are written: Data Docs copy megabytes of static files into every
    release and load scripts from CDNs, so they render blank offline. The release page summarises the JSON."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX sets this module's logger to INFO itself, and it announces a temporary folder for every ephemeral context.
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)

    out_dir = Path(out_dir)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("tables")
    report = ValidationReport()
    parameters = dict(parameters or row_count_floors(None))
    if "flagged_observations" in frames:
        from govreport.checks.row_checks import flagged_ceiling

        parameters.setdefault(
            "max_rows_flagged_observations",
            flagged_ceiling(len(frames["observations"]), len(frames["flagged_observations"])),
        )
    results_json = {}
    for table in TABLES:
        if table.name not in frames:
            continue
        if not (Path(suites_dir) / f"{table.name}.json").exists():
            continue  # a table newer than the suites a release shipped with
        spec = load_suite(table.name, suites_dir)
        frame = _columns_the_suite_knows(frames[table.name], table.name, spec)
        suite = context.suites.add(gx.ExpectationSuite(name=table.name, expectations=spec["expectations"]))
        batch = source.add_dataframe_asset(table.name).add_batch_definition_whole_dataframe("release")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=table.name, data=batch, suite=suite)
        )
        run_result = definition.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=parameters,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": list(table.primary_key),
                "partial_unexpected_count": 20,
            },
        )
        results_json[table.name] = run_result.to_json_dict()
        for r in run_result.results:
            report.checks_run += 1
            if r.success:
                continue
            cfg = r.expectation_config
            assert cfg is not None  # GX sets it on every result of a suite's expectation
            keys = [
                ix.get(table.primary_key[0]) if isinstance(ix, dict) else ix
                for ix in (r.result.get("unexpected_index_list") or [])
            ]
            error = (r.exception_info or {}).get("exception_message") if r.exception_info else None
            report.failures.append(
                CheckFailure(
                    "great_expectations",
                    table.name,
                    cfg.type,
                    str(getattr(cfg.severity, "value", cfg.severity)),
                    sorted({str(k) for k in keys}),
                    _describe_kwargs(cfg.kwargs) + (f" error: {error}" if error else ""),
                )
            )
    (out_dir / "great_expectations.json").write_text(
        json.dumps(results_json, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )
    return report


def _columns_the_suite_knows(frame: pd.DataFrame, table: str, spec: dict) -> pd.DataFrame:
    """The frame without the derived (never published) columns an older suite did not compute yet, so a
    release is checked against the suites it shipped with, not failed for checks added since."""
    listed = next(
        (
            e["kwargs"]["column_list"]
            for e in spec["expectations"]
            if e.get("type") == "expect_table_columns_to_match_ordered_list"
        ),
        None,
    )
    if listed is None:
        return frame
    unknown = [c for c in DERIVED_COLUMNS.get(table, ()) if c in frame.columns and c not in listed]
    return frame.drop(columns=unknown) if unknown else frame


def _describe_kwargs(kwargs: dict) -> str:
    keep = {
        k: v
        for k, v in kwargs.items()
        if k in ("column", "column_A", "column_B", "min_value", "max_value", "row_condition", "column_list", "regex")
    }
    if "row_condition" in keep:
        keep["row_condition"] = _describe_condition(keep["row_condition"])
    return "(" + ", ".join(f"{k}={v}" for k, v in keep.items()) + ")"


def _describe_condition(condition: object) -> str:
    """A row condition as one line (measure=="growth" & indicator=="gdp"), from its Condition object or JSON."""
    if hasattr(condition, "dict"):
        condition = condition.dict()
    if not isinstance(condition, dict):
        return str(condition)
    kind = condition.get("type")
    if kind in ("and", "or"):
        joiner = " & " if kind == "and" else " | "
        return joiner.join(_describe_condition(c) for c in condition.get("conditions", []))
    if kind == "comparison":
        operator = getattr(condition["operator"], "value", condition["operator"])
        return f"{condition['column']['name']}{operator}{json.dumps(condition['parameter'], ensure_ascii=False)}"
    if kind == "pass_through":
        return str(condition.get("pass_through_filter"))
    return json.dumps(condition, ensure_ascii=False, default=str)


# --- Frictionless ---------------------------------------------------------------------
FRICTIONLESS_ROW_LIMIT = 20_000


def run_frictionless(descriptor: Path, out_path: Path, limit_rows: int = FRICTIONLESS_ROW_LIMIT) -> ValidationReport:
    """The descriptor, every resource's bytes and hash, and rows: every row of tables up to limit_rows,
    the first limit_rows of larger ones (Frictionless reads row by row in Python; GX checks every row)."""
    from frictionless import Package

    # Absolute: Frictionless joins a relative descriptor path onto the basepath a second time.
    descriptor = Path(descriptor).absolute()
    package = Package(str(descriptor), basepath=str(descriptor.parent))
    result = package.validate(limit_rows=limit_rows)
    report = ValidationReport(checks_run=len(result.tasks))
    for task in result.tasks:
        by_type: dict[str, list] = {}
        notes: dict[str, str] = {}
        for err in task.errors:
            by_type.setdefault(err.type, []).append(getattr(err, "row_number", None))
            notes.setdefault(err.type, err.message)
        for err_type, rows in by_type.items():
            report.failures.append(
                CheckFailure(
                    "frictionless", task.name, err_type, "critical", [r for r in rows if r is not None], notes[err_type]
                )
            )
    report.failures += integrity_failures(descriptor)
    report.checks_run += 1
    Path(out_path).write_text(
        json.dumps(result.to_dict(), ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return report


def integrity_failures(descriptor: Path) -> list[CheckFailure]:
    """Every resource's bytes and sha256 against the descriptor, read whole."""
    from govreport.sources.decode import file_sha256

    d = json.loads(Path(descriptor).read_text(encoding="utf-8"))
    out = []
    for r in d.get("resources", []):
        path = Path(descriptor).parent / r["path"]
        if (
            not path.is_file()
            or path.stat().st_size != r.get("bytes")
            or "sha256:" + file_sha256(path) != r.get("hash")
        ):
            out.append(
                CheckFailure(
                    "integrity",
                    r["name"],
                    "hash-count",
                    "critical",
                    [],
                    f"{r['path']}: bytes or sha256 differ from datapackage.json",
                )
            )
    return out


# --- the whole gate ---------------------------------------------------------------------
def raw_reader(raw_dir: Path, documents: pd.DataFrame) -> Callable[[str], str | None]:
    """A function giving a document's decoded raw text, if its file in raw_dir still has that content."""
    from govreport.sources.decode import IngestError, read_document

    files = dict(zip(documents["document_id"], documents["source_file"], strict=True))

    def read(document_id: str) -> str | None:
        try:
            decoded = read_document(Path(raw_dir) / files[document_id])
        except (IngestError, KeyError):
            return None
        return decoded.text if decoded.sha256 == document_id else None

    return read


def read_tables(release_dir: Path) -> dict:
    import pyarrow.parquet as pq

    return {
        t.name: pq.read_table(Path(release_dir) / "data" / f"{t.name}.parquet")
        for t in TABLES
        if (Path(release_dir) / "data" / f"{t.name}.parquet").exists()
    }


def validate_package(
    release_dir: Path,
    raw_dir: Path,
    out_dir: Path,
    tables: dict | None = None,
    previous_dir: Path | None = None,
    expected_counts: dict | None = None,
    suites_dir: Path = EXPECTATIONS_DIR,
) -> ValidationReport:
    """Frictionless on the release's files, then the suites on its tables; reports written to out_dir.

    suites_dir: where the suites are (<table>.json); a published release is checked against
    the suites it shipped with (govreport.release.locate.shipped_suites_dir), not today's."""
    from govreport.checks.cross_table import read_expected_counts, row_count_floors

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = run_frictionless(Path(release_dir) / "datapackage.json", out_dir / "frictionless.json")
    tables = tables or read_tables(release_dir)
    previous = {n: t.to_pandas() for n, t in read_tables(previous_dir).items()} if previous_dir else None
    previous_counts = {n: len(f) for n, f in previous.items()} if previous else None
    plain = {n: t.to_pandas() for n, t in tables.items()}
    frames = with_derived_columns(
        plain,
        raw_reader(raw_dir, plain["documents"]),
        previous,
        read_expected_counts() if expected_counts is None else expected_counts,
    )
    gx_report = run_expectations(frames, out_dir, suites_dir, parameters=row_count_floors(previous_counts))
    report.failures += gx_report.failures
    report.checks_run += gx_report.checks_run
    if "flagged_observations" in plain:
        from govreport.checks.row_checks import flagged_summary

        report.flagged = flagged_summary(plain["flagged_observations"], len(plain["observations"]))
    (out_dir / "report.json").write_text(
        json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return report

"""The gate before publishing: Frictionless on the package files, Great Expectations suites on the tables.

Frictionless validates the descriptor, each resource's header and a sample of its rows; every row of the
CSV files is checked against the same table schemas as DuckDB SQL (checks/csv_schema.py), and every file's
bytes and hash against the descriptor. The GX suites in contract/data/expectations/ (shipped with each
release) are parsed and validated by GX; their row-wise expectations run as DuckDB SQL with GX's semantics
(checks/sql_expectations.py), over the tables plus the columns derived for domain checks (checks/derived.py:
does each quote stand in its raw file at its offsets?); GX runs the table-level ones and any the compiler
cannot express. Critical failures block the release; warnings are reported in it. GX is imported only in
this module: it takes seconds to import.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from govreport.checks.cross_table import CHANGE_KEY, row_count_floors
from govreport.checks.derived import (
    DERIVED_INPUTS,
    RAW_MATCH_COLUMNS,
    as_arrow,
    observations_columns_but_quotes,
    other_tables_columns,
    raw_matches,
    with_quote_columns,
)
from govreport.collector import collector_paused
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

    def to_json(self) -> dict:
        """asdict without its deep copy, element by element, of rows (116 000 of them at 10 000 documents)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

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
            "critical": [f.to_json() for f in self.critical],
            "warnings": [f.to_json() for f in self.warnings],
        }


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


@dataclass
class ParquetTable:
    """A table of the release as DuckDB reads it from its Parquet file, with columns computed beside it (its
    derived columns, row for row): the suites' SQL reads the file where it lies, only the columns each query
    needs, instead of the whole table read into memory first (about 1 CPU s and 200 MB at 10 000 documents)."""

    path: Path
    extra: pa.Table | None = None

    @property
    def beside(self) -> pa.Table:
        return self.extra if self.extra is not None else pa.table({})

    @cached_property
    def column_names(self) -> list[str]:
        import pyarrow.parquet as pq

        return pq.read_schema(self.path).names + self.beside.column_names

    def __len__(self) -> int:
        import pyarrow.parquet as pq

        return pq.read_metadata(self.path).num_rows

    def drop_columns(self, columns: list[str]) -> ParquetTable:
        """Without some of the extra columns (the file's own are the release's)."""
        assert set(columns) <= set(self.beside.column_names), columns
        return ParquetTable(self.path, self.beside.drop_columns(columns))

    def register(self, con, name: str) -> None:
        """A view `name` on con: the file's columns, the extra ones, and __row, the row's position in the file."""
        from govreport.checks.sql_expectations import ident, literal

        rows = f"read_parquet({literal(str(self.path))}, file_row_number = true)"
        if not self.beside.num_columns:
            con.execute(
                f"CREATE OR REPLACE VIEW {ident(name)} AS SELECT * RENAME (file_row_number AS __row) FROM {rows}"
            )
            return
        extra = f"{name}__extra"
        con.register(extra, self.beside.append_column("__row", pa.array(range(len(self.beside)), pa.int64())))
        columns = "p.* EXCLUDE (file_row_number), e.* EXCLUDE (__row), p.file_row_number AS __row"
        # Side by side in scan order (a join on the row number cost 0.12 CPU s a query for 455 000 rows), once a
        # scan has shown every row beside its own; else joined on the row number.
        con.execute(
            f"CREATE OR REPLACE VIEW {ident(name)} AS SELECT {columns}, e.__row AS __beside "
            f"FROM {rows} p POSITIONAL JOIN {ident(extra)} e"
        )
        misplaced = f"SELECT EXISTS (SELECT 1 FROM {ident(name)} WHERE __row IS DISTINCT FROM __beside)"
        if con.execute(misplaced).fetchall()[0][0]:
            con.execute(
                f"CREATE OR REPLACE VIEW {ident(name)} AS SELECT {columns} "
                f"FROM {rows} p JOIN {ident(extra)} e ON e.__row = p.file_row_number"
            )

    def to_pandas(self) -> pd.DataFrame:
        """The whole table, for an expectation GX runs on every row."""
        import pyarrow.parquet as pq

        table = pq.read_table(self.path)
        for column in self.beside.column_names:
            table = table.append_column(column, self.beside[column])
        return table.to_pandas()


# Table-level expectations GX runs on each table (a handful: GX's cost per expectation is fixed, not per row).
GX_TABLE_LEVEL = {"expect_table_row_count_to_be_between", "expect_table_columns_to_match_ordered_list"}


def run_expectations(
    frames: dict,
    out_dir: Path,
    suites_dir: Path = EXPECTATIONS_DIR,
    parameters: dict | None = None,
    sql: bool = True,
    parts: dict[str, SqlPart] | None = None,
) -> ValidationReport:
    """Run each table's suite; the results go to out_dir/great_expectations.json (GX's result JSON per table).

    GX loads and validates the suites. Row-wise expectations run as DuckDB SQL over the tables (pyarrow Tables
    or DataFrames, with their derived columns; checks/sql_expectations.py keeps GX's semantics); table-level
    ones, and any the SQL compiler cannot express exactly, run in GX on the same table. sql=False runs every
    expectation in GX's pandas engine: the reference the SQL is held to (tests/test_sql_expectations.py).
    parts: tables whose SQL part (sql_parts) already ran, with the same suites and parameters.
    No Data Docs and no GX project folder are written: Data Docs copy megabytes of static files into every
    release and load scripts from CDNs, so they render blank offline. The release page summarises the JSON."""
    out_dir = Path(out_dir)
    report = ValidationReport()
    tables = {n: f if isinstance(f, ParquetTable) else as_arrow(f) for n, f in frames.items()}
    parameters = suite_parameters(tables, parameters)
    gx_run = GxRunner()
    left = {n: t for n, t in tables.items() if n not in (parts or {})}
    parts = {**(parts or {}), **sql_parts(left, suites_dir, parameters, sql)}
    results_json = {}
    for table in TABLES:
        part = parts.get(table.name)
        if part is None:
            continue
        expectations = part.spec["expectations"]
        suite_json = gx_run.run(table.name, [expectations[i] for i in part.in_gx], part.data, parameters, table)
        results = {**part.results, **dict(zip(part.in_gx, suite_json.pop("results"), strict=True))}
        ordered = [results[i] for i in range(part.size)]
        results_json[table.name] = _suite_result(suite_json, table.name, ordered)
        for r in ordered:
            report.checks_run += 1
            if not r["success"]:
                report.failures.append(_failure(table.name, table.primary_key[0], r))
    # One line: an indent makes json use its pure-Python encoder (7 s for the keys of 70 000 unexpected rows).
    (out_dir / "great_expectations.json").write_text(
        json.dumps(results_json, ensure_ascii=False, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )
    return report


def suite_parameters(tables: dict, parameters: dict | None) -> dict:
    """The suites' parameters: the row count floors given (or none), and the ceiling of flagged rows."""
    parameters = dict(parameters or row_count_floors(None))
    if "flagged_observations" in tables:
        from govreport.checks.row_checks import flagged_ceiling

        parameters.setdefault(
            "max_rows_flagged_observations",
            flagged_ceiling(len(tables["observations"]), len(tables["flagged_observations"])),
        )
    return parameters


@dataclass
class SqlPart:
    """A table's suite with its row-wise expectations run as SQL: their results by position in the suite, and
    the positions left to GX, to run on data (the table without derived columns the suite does not know)."""

    spec: dict
    size: int  # expectations in the suite
    data: object  # ParquetTable or pa.Table
    results: dict
    in_gx: list[int]


def sql_parts(
    tables: dict, suites_dir: Path, parameters: dict, sql: bool = True, threads: int | None = None
) -> dict[str, SqlPart]:
    """The SQL part of each table's suite (tables: ParquetTables or pyarrow Tables, by name), over one DuckDB
    connection (threads: DuckDB's; its default: one per core). It releases the GIL while DuckDB works: the gate
    runs it in a thread beside the quotes."""
    from govreport.tables.engine import duckdb_connect

    con = duckdb_connect(threads=threads)
    parts = {}
    for table in TABLES:
        if table.name not in tables:
            continue
        if not (Path(suites_dir) / f"{table.name}.json").exists():
            continue  # a table newer than the suites a release shipped with
        spec = load_suite(table.name, suites_dir)
        configs = parse_suite(table.name, spec)
        data = _columns_the_suite_knows(tables[table.name], table.name, spec)
        if isinstance(data, ParquetTable):
            data.register(con, table.name)
        else:
            con.register(table.name, data.append_column("__row", pa.array(range(len(data)), pa.int64())))
        if sql:
            results, in_gx = run_sql_expectations(con, table.name, configs, list(table.primary_key), parameters)
        else:
            results, in_gx = {}, list(range(len(configs)))
        parts[table.name] = SqlPart(spec, len(configs), data, results, in_gx)
    return parts


def run_sql_expectations(con, table: str, configs: list, keys: list[str], parameters: dict) -> tuple[dict, list[int]]:
    """The row-wise expectations of one table's suite that compile to SQL, run over the table registered in con
    (with a __row column): their GX-shaped results by position in the suite, and the positions left to GX."""
    import duckdb

    from govreport.checks import sql_expectations as sx

    compiled = {
        i: c if c.shown[:1] == keys else sx.by_distinct_value(con, table, c)  # a key's values are all distinct
        for i, cfg in enumerate(configs)
        if cfg.type not in GX_TABLE_LEVEL and (c := sx.compile_expectation(cfg.type, cfg.kwargs, parameters))
    }
    try:
        counts = sx.count_rows(con, table, list(compiled.values()))
        by_position = dict(zip(compiled, zip(*[iter(counts or ())] * 3, strict=True), strict=True))
    except duckdb.Error:  # a type GX would compare otherwise (text against numbers, say): one at a time
        by_position = {}
        for i, c in compiled.items():
            try:
                by_position[i] = sx.count_rows(con, table, [c])
            except duckdb.Error:
                continue
    results = {}
    for i, (in_domain, considered, unexpected) in by_position.items():
        c = compiled[i]
        rows: list = []
        if unexpected or (c.duplicates is not None and sx.has_duplicates(con, table, c)):
            rows = con.execute(sx.unexpected_rows_sql(table, c, keys)).fetchall()
            unexpected = len(rows)
        results[i] = _sql_result(configs[i], c, in_domain, considered, unexpected, rows, keys)
    return results, [i for i in range(len(configs)) if i not in results]


def _sql_result(cfg, c, in_domain: int, considered: int, unexpected: int, rows: list, keys: list[str]) -> dict:
    """One expectation's result in the shape of GX's (COMPLETE result format)."""
    from govreport.checks.sql_expectations import success

    names = [*keys, *c.shown]
    shown = [r[len(keys)] if len(c.shown) == 1 else list(r[len(keys) :]) for r in rows]
    result = {
        "element_count": in_domain,
        "unexpected_count": unexpected,
        "unexpected_percent": 100 * unexpected / considered if considered else None,
        "partial_unexpected_list": shown[:PARTIAL_UNEXPECTED],
        "unexpected_index_list": [dict(zip(names, r, strict=True)) for r in rows],
        "partial_unexpected_index_list": [dict(zip(names, r, strict=True)) for r in rows[:PARTIAL_UNEXPECTED]],
    }
    if c.nulls_ignored:
        result["missing_count"] = in_domain - considered
    return {
        "success": success(considered, unexpected, c.mostly),
        "expectation_config": cfg.to_json_dict(),
        "result": result,
        "meta": {"engine": "duckdb"},
        "exception_info": {"raised_exception": False, "exception_message": None, "exception_traceback": None},
    }


PARTIAL_UNEXPECTED = 20


def import_gx():
    """great_expectations, imported without its analytics (the import takes seconds: once, in one thread)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    with collector_paused():
        import great_expectations as gx

    return gx


def parse_suite(name: str, spec: dict) -> list:
    """The suite's expectations as GX parses and validates them (their configurations); no context needed."""
    suite = import_gx().ExpectationSuite(name=f"{name}-parsed", expectations=spec["expectations"])
    return [e.configuration for e in suite.expectations]


class GxRunner:
    """GX, imported and its ephemeral context made once, on first use (the import takes seconds)."""

    def __init__(self) -> None:
        gx = import_gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        # GX sets this module's logger to INFO itself, and it announces a temporary folder for every context.
        logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        # One asset and batch definition for every table, and suites validated on the batch without being added
        # to the context: the context writes its whole configuration out as YAML on every addition (0.1 s each).
        self.batches = (
            self.context.data_sources.add_pandas("tables")
            .add_dataframe_asset("release")
            .add_batch_definition_whole_dataframe("release")
        )

    def parse(self, name: str, spec: dict) -> list:
        """The suite's expectations as GX parses and validates them (their configurations)."""
        return parse_suite(name, spec)

    def run(self, name: str, expectations: list[dict], data, parameters: dict, table) -> dict:
        """GX's result JSON for these expectations on the table. Table-level expectations read only its shape
        (row count, column names), and GX fingerprints every cell of a frame it is given (hash_pandas_object:
        0.7 s for 45 000 rows in an Arrow-backed frame), so they get a frame of the table's shape holding
        zeros; any other expectation gets the plain frame GX's pandas engine is written for."""
        only_table_level = all(e.get("type", e.get("expectation_type")) in GX_TABLE_LEVEL for e in expectations)
        if only_table_level:
            columns = data.column_names
            frame = pd.DataFrame(np.zeros((len(data), len(columns)), dtype=np.int8), columns=columns)
        else:
            frame = data.to_pandas()
        # ids by position, as the context would give them, to put GX's results back in the suite's order
        suite = self.gx.ExpectationSuite(
            name=name, expectations=[{**e, "id": str(i)} for i, e in enumerate(expectations)]
        )
        result = (
            self.batches.get_batch(batch_parameters={"dataframe": frame})
            .validate(
                suite,
                expectation_parameters=parameters,
                result_format={
                    "result_format": "COMPLETE",
                    "unexpected_index_column_names": list(table.primary_key),
                    "partial_unexpected_count": PARTIAL_UNEXPECTED,
                },
            )
            .to_json_dict()
        )
        # GX does not keep the suite's order in its results: put them back in it, by position, with the ids
        # the suite file gave (none for the current suites, as the expectations run in SQL report)
        by_position = {int(r["expectation_config"]["id"]): r for r in result["results"]}
        result["results"] = [by_position[i] for i in range(len(expectations))]
        for r, e in zip(result["results"], expectations, strict=True):
            r["expectation_config"]["id"] = e.get("id")
        return result


def _suite_result(suite_json: dict, name: str, results: list[dict]) -> dict:
    """GX's suite result with every expectation's result, wherever it ran, and statistics over them all."""
    passed = sum(bool(r["success"]) for r in results)
    # The time GX loaded the batch is the run's, not the data's: without it the report is the same on every run.
    suite_json.get("meta", {}).get("batch_markers", {}).pop("ge_load_time", None)
    return {
        **suite_json,
        "suite_name": name,
        "success": passed == len(results),
        "results": results,
        "statistics": {
            "evaluated_expectations": len(results),
            "successful_expectations": passed,
            "unsuccessful_expectations": len(results) - passed,
            "success_percent": 100 * passed / len(results) if results else None,
        },
    }


def _failure(table: str, key: str, r: dict) -> CheckFailure:
    cfg = r["expectation_config"]
    keys = [ix.get(key) if isinstance(ix, dict) else ix for ix in (r["result"].get("unexpected_index_list") or [])]
    error = (r.get("exception_info") or {}).get("exception_message")
    return CheckFailure(
        "great_expectations",
        table,
        cfg["type"],
        str(cfg.get("severity", "critical")),
        sorted({str(k) for k in keys}),
        _describe_kwargs(cfg["kwargs"]) + (f" error: {error}" if error else ""),
    )


def _columns_the_suite_knows(frame, table: str, spec: dict):
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
    unknown = [c for c in DERIVED_COLUMNS.get(table, ()) if c in frame.column_names and c not in listed]
    return frame.drop_columns(unknown) if unknown else frame


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
# Rows of each resource Frictionless itself reads (it reads row by row in Python); every row is checked by the
# same schema rules as SQL (checks/csv_schema.py).
FRICTIONLESS_SAMPLE_ROWS = 100


def run_frictionless(descriptor: Path, out_path: Path, limit_rows: int = FRICTIONLESS_SAMPLE_ROWS) -> ValidationReport:
    """The descriptor, every resource's header and first limit_rows rows (Frictionless), every row against its
    table schema (DuckDB over the CSV files, checks/csv_schema.py), every resource's bytes and hash."""
    from govreport.checks.csv_schema import check_package

    sample = frictionless_sample(descriptor, limit_rows)
    return frictionless_report(sample, check_package(descriptor), integrity_failures(descriptor), out_path)


def frictionless_sample(descriptor: Path, limit_rows: int = FRICTIONLESS_SAMPLE_ROWS):
    """Frictionless' own report on the descriptor and on every resource's header and first limit_rows rows."""
    from frictionless import Package

    # Absolute: Frictionless joins a relative descriptor path onto the basepath a second time.
    descriptor = Path(descriptor).absolute()
    spec = _without_foreign_keys(descriptor)
    # The whole descriptor is validated once: Package.validate validates it again, and resource by resource,
    # and its `sources` grow with the corpus (10 000 entries: 1.8 s for what the sample below needs 0.6 s).
    result = validate_descriptor(spec, str(descriptor.parent))
    if result.valid:
        listed = {k: v for k, v in spec.items() if k != "sources"}
        result = Package(listed, basepath=str(descriptor.parent)).validate(limit_rows=limit_rows)
    return result


def frictionless_report(
    result, every_row_checked: tuple, integrity: list[CheckFailure], out_path: Path
) -> ValidationReport:
    """The Frictionless part of the verdict, from Frictionless' sample (frictionless_sample), the every-row
    check of the CSV files (csv_schema.check_package: its errors and number of checks) and the files' hashes
    (integrity_failures); Frictionless' report and the every-row errors written to out_path."""
    found: dict[tuple[str, str], tuple[set, str]] = {}
    for problem in result.errors:  # the descriptor's own errors (then no resource is read)
        found.setdefault(("datapackage", problem.type), (set(), problem.message))
    for task in result.tasks:
        for err in task.errors:
            rows, note = found.setdefault((task.name, err.type), (set(), err.message))
            row = getattr(err, "row_number", None)  # row errors only
            if row is not None:
                rows.add(row)
    every_row, sql_checks = every_row_checked
    for e in every_row:
        found.setdefault((e.resource, e.type), (set(), e.message))[0].update(e.rows)
    report = ValidationReport(checks_run=len(result.tasks) + sql_checks)
    for (name, err_type), (rows, note) in found.items():
        report.failures.append(CheckFailure("frictionless", name, err_type, "critical", sorted(rows), note))
    report.failures += integrity
    report.checks_run += 1
    summary = without_timings(result.to_dict())
    summary["every_row"] = {
        "engine": "duckdb",
        "checks": sql_checks,
        "errors": [
            {"resource": e.resource, "type": e.type, "rows": len(e.rows), "message": e.message} for e in every_row
        ],
    }
    Path(out_path).write_text(
        json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return report


def without_timings(report: dict) -> dict:
    """Frictionless' report without the seconds each task took: the run's, not the data's, so the same release
    gets the same report bytes on every run."""
    for stats in [report.get("stats", {}), *(task.get("stats", {}) for task in report.get("tasks", []))]:
        stats.pop("seconds", None)
    return report


def validate_descriptor(spec: dict, basepath: str):
    """Frictionless' report on the descriptor. Its `sources` (one per raw document: 10 000 entries, 0.7 of
    the 0.73 CPU s the validation took) are checked as one entry of each kind: Frictionless judges an entry by
    its own keys, the JSON types of their values and its email, never against the other entries. When that
    finds anything, the whole descriptor is validated again, so the errors name the entries they are about."""
    from frictionless import Package

    sources = spec.get("sources")
    if isinstance(sources, list) and len(sources) > 1:
        quick = Package.validate_descriptor({**spec, "sources": one_source_of_each_kind(sources)}, basepath=basepath)
        if quick.valid:
            return quick
    return Package.validate_descriptor(spec, basepath=basepath)


def one_source_of_each_kind(sources: list) -> list:
    """The first entry of each kind: the same keys, each value of the same JSON type, the same email."""
    kinds: dict = {}
    for item in sources:
        if isinstance(item, dict):
            kind: object = (tuple(sorted((k, type(v).__name__) for k, v in item.items())), repr(item.get("email")))
        else:
            kind = ("not an object", json.dumps(item, sort_keys=True, default=str))
        kinds.setdefault(kind, item)
    return list(kinds.values())


def _without_foreign_keys(descriptor: Path) -> dict:
    """The descriptor with its schemas inline and without foreign keys, for Frictionless' sample: it would
    read every referenced resource whole, in Python, to look keys up; csv_schema checks them for every row."""
    spec = json.loads(descriptor.read_text(encoding="utf-8"))
    for r in spec.get("resources", []):
        schema = r.get("schema")
        if isinstance(schema, str):
            schema = json.loads((descriptor.parent / schema).read_text(encoding="utf-8"))
        if isinstance(schema, dict):
            r["schema"] = {k: v for k, v in schema.items() if k != "foreignKeys"}
    return spec


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
def raw_reader(raw_dir: Path, documents: pa.Table | pd.DataFrame) -> Callable[[str], str | None]:
    """A function giving a document's decoded raw text, if its file in raw_dir still has that content."""
    from govreport.sources.decode import IngestError, read_document

    columns = {
        c: list(documents[c]) if isinstance(documents, pd.DataFrame) else documents[c].to_pylist()
        for c in ("document_id", "source_file")
    }
    # paths as strings, joined once: pathlib's joining cost 0.25 CPU s for 10 000 documents
    folder = os.fspath(raw_dir)
    files = {
        d: os.path.join(folder, f)
        for d, f in zip(columns["document_id"], columns["source_file"], strict=True)
        if isinstance(f, str)
    }

    def read(document_id: str) -> str | None:
        try:
            decoded = read_document(files[document_id])
        except (IngestError, KeyError):
            return None
        return decoded.text if decoded.sha256 == document_id else None

    return read


def quotes_against_raw(release_dir: Path, raw_dir: Path) -> tuple[pa.Array, pa.Array]:
    """derived.raw_matches for the release's observations, from the columns it reads of the Parquet files (not
    the whole tables, while the CSV files are being checked beside it)."""
    import pyarrow.parquet as pq

    data = Path(release_dir) / "data"
    observations = pq.read_table(data / "observations.parquet", columns=list(RAW_MATCH_COLUMNS))
    documents = pq.read_table(data / "documents.parquet", columns=["document_id", "source_file"])
    return raw_matches(observations, raw_reader(raw_dir, documents))


def read_tables(release_dir: Path) -> dict:
    import pyarrow.parquet as pq

    return {n: pq.read_table(t.path) for n, t in release_files(release_dir).items()}


def release_files(release_dir: Path) -> dict[str, ParquetTable]:
    """The release's tables, in TABLES' order, as their Parquet files (nothing read yet)."""
    paths = {t.name: Path(release_dir) / "data" / f"{t.name}.parquet" for t in TABLES}
    return {n: ParquetTable(p) for n, p in paths.items() if p.exists()}


# The columns of flagged_observations row_checks.flagged_summary reads.
FLAGGED_SUMMARY_INPUTS = ("check", "source_file", "reason")
# The previous release's columns the derived columns compare with (cross_table.changed_since).
PREVIOUS_INPUTS = (*CHANGE_KEY, "value_low", "value_high")


def read_columns(files: dict[str, ParquetTable], wanted: dict[str, tuple]) -> dict[str, pa.Table]:
    """The wanted columns of those tables (those a file has: an older release may lack some)."""
    import pyarrow.parquet as pq

    return {
        n: pq.read_table(files[n].path, columns=[c for c in columns if c in files[n].column_names])
        for n, columns in wanted.items()
        if n in files
    }


def observations_beside_quotes(files: dict[str, ParquetTable], previous_files: dict | None) -> dict[str, pa.Array]:
    """derived.observations_columns_but_quotes, from the columns it reads of the release's (and the previous
    release's) Parquet files, read here and let go."""
    return observations_columns_but_quotes(
        read_columns(files, {n: DERIVED_INPUTS[n] for n in ("observations", "documents")}),
        read_columns(previous_files, {"observations": PREVIOUS_INPUTS}) if previous_files else None,
    )


def other_tables_parts(
    files: dict[str, ParquetTable], expected_counts: dict, suites_dir: Path, parameters: dict
) -> tuple[dict[str, ParquetTable], dict[str, SqlPart]]:
    """The tables other than observations with their derived columns beside them, and their suites' SQL parts.
    The suites read the Parquet files in DuckDB (ParquetTable); only the columns the derived ones are computed
    from are read here, and let go: the 455 000 quantities' ids held through the quotes (while the every-row
    check peaks) cost 60 MB of peak memory."""
    others = other_tables_columns(
        read_columns(files, {n: c for n, c in DERIVED_INPUTS.items() if n != "observations"}), expected_counts
    )
    beside = {n: ParquetTable(t.path, others.get(n)) for n, t in files.items() if n != "observations"}
    return beside, sql_parts(beside, suites_dir, parameters, threads=POOL_DUCKDB_THREADS)


# DuckDB threads of each of the two connections the gate's pool runs (the every-row check's, the other tables'
# suites'): a core is left to the main thread's Python (the quotes, Frictionless, GX), the checks' longest path.
# With DuckDB's default, a thread per core for each, the main thread got half a core on 2 cores (10 000
# documents: 3.4 → 3.2 s of checks, 5.4 → 5.2 CPU s).
POOL_DUCKDB_THREADS = max(1, (os.cpu_count() or 2) - 1)


def validate_package(
    release_dir: Path,
    raw_dir: Path,
    out_dir: Path,
    previous_dir: Path | None = None,
    expected_counts: dict | None = None,
    suites_dir: Path = EXPECTATIONS_DIR,
) -> ValidationReport:
    """Frictionless on the release's files, then the suites on its tables; reports written to out_dir.

    suites_dir: where the suites are (<table>.json); a published release is checked against
    the suites it shipped with (govreport.release.locate.shipped_suites_dir), not today's."""
    from govreport.checks.cross_table import read_expected_counts, row_count_floors
    from govreport.checks.csv_schema import check_package

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    descriptor = Path(release_dir) / "datapackage.json"
    import_gx()  # here: the thread below parses the suites
    files = release_files(release_dir)
    previous_files = release_files(previous_dir) if previous_dir else None
    previous_counts = {n: len(t) for n, t in previous_files.items()} if previous_files else None
    parameters = suite_parameters(files, row_count_floors(previous_counts))
    expected_counts = read_expected_counts() if expected_counts is None else expected_counts
    # Every row of the CSV files (DuckDB), the files' hashes (hashlib), the observations' derived columns but the
    # quotes' and the SQL of the suites of the tables that need no raw text (DuckDB, Arrow) release the GIL: they
    # run in threads from the start, beside the Python work here (the quotes against the raw files, Frictionless'
    # sample, GX), so the checks use both cores. The quotes go first, in this thread: reading 10 000 raw files in a
    # thread of their own, each read waited for the GIL behind the Python work (12 s of wall for 2.5 CPU s, against
    # 7). This thread's work is the checks' longest path: what needs no raw text is not done here.
    with ThreadPoolExecutor(2, thread_name_prefix="gate") as pool:
        every_row = pool.submit(check_package, descriptor, POOL_DUCKDB_THREADS)
        integrity = pool.submit(integrity_failures, descriptor)
        but_quotes = pool.submit(observations_beside_quotes, files, previous_files)
        others = pool.submit(other_tables_parts, files, expected_counts, suites_dir, parameters)
        raw_matched = quotes_against_raw(release_dir, raw_dir)
        sample = frictionless_sample(descriptor)
        observations = with_quote_columns(but_quotes.result(), raw_matched)
        beside, parts = others.result()
        frames = {**beside, "observations": ParquetTable(files["observations"].path, observations)}
        gx_report = run_expectations(frames, out_dir, suites_dir, parameters, parts=parts)
        report = frictionless_report(sample, every_row.result(), integrity.result(), out_dir / "frictionless.json")
    report.failures += gx_report.failures
    report.checks_run += gx_report.checks_run
    if "flagged_observations" in files:
        from govreport.checks.row_checks import flagged_summary

        # the columns the summary reads, not the whole table (27 columns)
        flagged = read_columns(files, {"flagged_observations": FLAGGED_SUMMARY_INPUTS})["flagged_observations"]
        report.flagged = flagged_summary(flagged.to_pandas(), len(files["observations"]))
    (out_dir / "report.json").write_text(
        json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return report

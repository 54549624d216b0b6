"""Every row of the package's CSV files against its Frictionless table schema, as DuckDB SQL.

Frictionless reads rows one by one in Python; here each resource is read once by DuckDB (every cell as
text, as Frictionless sees it) and the schema's rules run as SQL: missing values, types, required, enum,
pattern, minimum/maximum, unique, primary key, foreign keys, blank rows. The SQL only sorts cells: those it
cannot vouch for are read by Frictionless' own field reader, so a type or constraint error is reported exactly
when Frictionless would report it; rows are numbered as Frictionless numbers them (the header is row 1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from govreport.checks.sql_expectations import (
    Unsupported,
    any_repeated,
    failing_distinct_values,
    ident,
    literal,
    re2_pattern,
)
from govreport.tables.engine import duckdb_connect

# Cells of these types in their canonical spelling cast as Frictionless casts them (anything else is checked by
# Frictionless' reader): integers Python's int() reads, decimals Decimal() reads, ISO dates.
CANONICAL = {
    "integer": "regexp_full_match({c}, '-?[0-9]{{1,18}}')",
    "number": "regexp_full_match({c}, '-?[0-9]{{1,15}}(\\.[0-9]{{1,15}})?')",
    "date": "regexp_full_match({c}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') AND TRY_CAST({c} AS DATE) IS NOT NULL",
    "string": "TRUE",
}
# The typed value SQL compares for bounds, keys and uniqueness.
TYPED = {"integer": "TRY_CAST({c} AS BIGINT)", "number": "TRY_CAST({c} AS DOUBLE)", "date": "TRY_CAST({c} AS DATE)"}
BOOLEAN_TRUE = ["true", "True", "TRUE", "1"]
BOOLEAN_FALSE = ["false", "False", "FALSE", "0"]


@dataclass
class RowErrors:
    """One kind of error in one resource: Frictionless' error type, the rows, and the first error's message."""

    resource: str
    type: str
    rows: list[int] = field(default_factory=list)
    message: str = ""


def check_package(descriptor: Path, threads: int | None = None) -> tuple[list[RowErrors], int]:
    """Every resource's rows against its schema; the errors found and the number of checks run. threads: DuckDB's
    (its default: one per core)."""
    from frictionless import Schema

    descriptor = Path(descriptor)
    spec = json.loads(descriptor.read_text(encoding="utf-8"))
    base = descriptor.parent
    con = duckdb_connect(threads=threads)
    # A table's rowid is its file's row order only while DuckDB keeps the scan's order: an IN list of more than
    # six values (an enum, a boolean's spellings) is rewritten into a join, after which a file read in parallel
    # chunks landed in the flags' table out of order (wrong row numbers, and cell_errors reading other rows).
    con.execute("SET disabled_optimizers = 'in_clause'")
    resources = {}
    for r in spec.get("resources", []):
        schema = r.get("schema")
        if isinstance(schema, str):
            schema = json.loads((base / schema).read_text(encoding="utf-8"))
        if isinstance(schema, dict) and str(r.get("path", "")).endswith(".csv"):
            resources[r["name"]] = (r, schema)
    keys = _key_columns({name: schema for name, (_, schema) in resources.items()})
    schemas = {}
    errors: list[RowErrors] = []
    for name, (r, schema) in resources.items():
        try:
            _load(con, name, base / r["path"], schema, keys[name])
        except duckdb.Error as e:
            errors.append(RowErrors(name, "source-error", [], f"{r['path']}: {e}".splitlines()[0]))
            continue
        schemas[name] = schema
    checks = 0
    for name, schema in schemas.items():
        table = _Table(
            con, name, Schema.from_descriptor(schema), schema, cells_sql(base / resources[name][0]["path"], schema)
        )
        errors += table.cell_errors() + table.row_errors()
        for fk in schema.get("foreignKeys", []):
            if fk["reference"].get("resource", name) in schemas or fk["reference"].get("resource") == "":
                errors += table.foreign_key_errors(fk, schemas)
        checks += len(schema["fields"]) + 2 + len(schema.get("foreignKeys", []))
    return [e for e in errors if e.rows or e.type == "source-error"], checks


def _key_columns(schemas: dict[str, dict]) -> dict[str, set[str]]:
    """Per resource, the fields whose every value the row checks compare across rows: unique fields, the
    primary key, foreign keys, and the fields other resources' foreign keys point at."""
    keys: dict[str, set[str]] = {name: set() for name in schemas}
    for name, schema in schemas.items():
        fields = [f["name"] for f in schema["fields"]]
        keys[name].update(f["name"] for f in schema["fields"] if (f.get("constraints") or {}).get("unique"))
        key = schema.get("primaryKey") or []
        keys[name].update([key] if isinstance(key, str) else key)
        for fk in schema.get("foreignKeys", []):
            keys[name].update([fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"])
            target = fk["reference"].get("resource") or name
            theirs = fk["reference"]["fields"]
            if target in keys:
                keys[target].update([theirs] if isinstance(theirs, str) else theirs)
        keys[name] &= set(fields)
    return keys


def _load(con: duckdb.DuckDBPyConnection, name: str, path: Path, schema: dict, keys: set[str]) -> None:
    """One table per resource, read in one pass of DuckDB's CSV reader, missing values as NULL: its rowid is
    the file's row order. Each row's flags (__blank: every cell missing; __suspect: a cell the SQL cannot
    vouch for) are computed as it is read; the table keeps every value of the key columns and the flags only
    (copying every cell into the table cost most of the check, and keeping the suspect rows' other cells still
    cost 0.4 of 3 CPU s for 455 000 quantities): _Table.cell_errors reads the cells of suspect rows again.
    The kept columns whose values repeat are judged after the pass, once per distinct value (_Table.flag_by_value)."""
    table = _Table(con, name, None, schema)
    later = [f for f in schema["fields"] if f["name"] in keys and not _distinct_by_schema(f, schema)]
    suspect = " OR ".join(f"({table.suspect(f)})" for f in schema["fields"] if f not in later) or "FALSE"
    kept = "".join(f"{ident(f['name'])}, " for f in schema["fields"] if f["name"] in keys)
    con.execute(
        f"CREATE TABLE {ident(name)} AS "
        f"WITH cells AS ({cells_sql(path, schema)}), "
        f"flagged AS (SELECT *, {table.blank_cells()} AS __blank FROM cells) "
        f"SELECT {kept}__blank, __suspect FROM (SELECT *, NOT __blank AND ({suspect}) AS __suspect FROM flagged)"
    )
    for f in later:
        table.flag_by_value(f)


def _distinct_by_schema(f: dict, schema: dict) -> bool:
    """Whether the schema says the field's values are all distinct (unique, or the primary key alone): judging
    them once per distinct value would judge every value and group them too."""
    key = schema.get("primaryKey") or []
    return bool((f.get("constraints") or {}).get("unique")) or ([key] if isinstance(key, str) else key) == [f["name"]]


def cells_sql(path: Path, schema: dict) -> str:
    """Every cell of the CSV file as text, missing values as NULL, in the file's row order."""
    names = [f["name"] for f in schema["fields"]]
    columns = "{" + ", ".join(f"{literal(n)}: 'VARCHAR'" for n in names) + "}"
    missing = schema.get("missingValues", [""])
    cells = ", ".join(_missing_as_null(ident(n), missing) + f" AS {ident(n)}" for n in names)
    return (
        f"SELECT {cells} FROM read_csv({literal(str(path))}, header = true, auto_detect = false, "
        f"columns = {columns}, delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
        "null_padding = false, all_varchar = true)"
    )


class _Table:
    def __init__(
        self, con: duckdb.DuckDBPyConnection, name: str, schema, spec: dict, source: str | None = None
    ) -> None:
        self.con, self.name, self.schema, self.spec = con, name, schema, spec
        self.source = source  # the SQL reading the resource's cells (cells_sql), for cell_errors
        self.missing = spec.get("missingValues", [""])
        self._unrepeated: set[str] = set()  # value expressions _repeats found repeated in no row

    def cell(self, name: str) -> str:
        """The cell, NULL where it holds a missing value (as loaded)."""
        return ident(name)

    def typed(self, f: dict) -> str:
        return TYPED.get(f["type"], "{c}").format(c=self.cell(f["name"]))

    def blank_cells(self) -> str:
        return " AND ".join(f"{self.cell(f['name'])} IS NULL" for f in self.spec["fields"]) or "FALSE"

    def cell_errors(self) -> list[RowErrors]:
        """type-error and constraint-error: cells the SQL cannot vouch for, read by Frictionless."""
        names = [f["name"] for f in self.spec["fields"]]
        flags = [f"s{i}" for i in range(len(names))]
        suspects = ", ".join(
            f"({self.suspect(f)}) AS {flag}" for f, flag in zip(self.spec["fields"], flags, strict=True)
        )
        if not self._exists(f"SELECT 1 FROM {ident(self.name)} WHERE __suspect"):
            return []
        # The file is read again, whole, into a table whose rowid is its row order, as the flags' table's is: a
        # cost only for a release that has suspect cells. A blank row is one blank-row error in Frictionless, not
        # an error per cell (__suspect excludes them).
        copy = ident(f"{self.name}__cells")
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {copy} AS {self.source}")
        suspect_rows = (
            f"SELECT c.rowid + 2 AS row_number, c.* FROM {copy} c JOIN {ident(self.name)} t ON c.rowid = t.rowid"
        )
        rows = self.con.execute(
            f"SELECT * FROM (SELECT row_number, {', '.join(ident(n) for n in names)}, {suspects} "
            f"FROM ({suspect_rows} WHERE t.__suspect)) WHERE {' OR '.join(flags) or 'FALSE'} ORDER BY row_number"
        ).fetchall()
        self.con.execute(f"DROP TABLE {copy}")
        found: dict[str, RowErrors] = {}
        fields = {f.name: f for f in self.schema.fields}
        for row in rows:
            number, cells, suspect = row[0], row[1 : 1 + len(names)], row[1 + len(names) :]
            for position, (n, cell, flagged) in enumerate(zip(names, cells, suspect, strict=True), start=1):
                if not flagged:
                    continue
                _, notes = fields[n].read_cell(cell if cell is not None else (self.missing or [""])[0])
                if not notes:
                    continue
                kind = "type-error" if "type" in notes else "constraint-error"
                error = found.setdefault(kind, RowErrors(self.name, kind))
                error.rows.append(number)
                error.message = error.message or (
                    f'The cell "{cell}" in row "{number}" and field "{n}" at position "{position}": '
                    + "; ".join(notes.values())
                )
        return list(found.values())

    def flag_by_value(self, f: dict) -> None:
        """__suspect set on the rows whose cell of the kept column f the SQL cannot vouch for, the test run once
        per distinct value (10 000 document ids over 455 000 quantities: RE2 on every row cost 0.1 CPU s)."""
        c, table, test = self.cell(f["name"]), ident(self.name), self.suspect(f)
        failing = failing_distinct_values(self.con, table, c, test)
        if failing is None:
            found = test
        else:
            values, missing = failing
            if not values and not missing:
                return
            listed = [f"{c} IN ({', '.join(map(literal, values))})"] if values else []
            found = " OR ".join(([f"{c} IS NULL"] if missing else []) + listed)
        self.con.execute(f"UPDATE {table} SET __suspect = TRUE WHERE NOT __blank AND ({found})")

    def suspect(self, f: dict) -> str:
        """True where the SQL cannot vouch that Frictionless reads the cell without a type or constraint error."""
        c = self.cell(f["name"])
        constraints = f.get("constraints") or {}
        missing = "TRUE" if constraints.get("required") else "FALSE"
        fine = self.canonical(f, c)
        for name, value in constraints.items():
            fine += f" AND ({self.constraint_holds(f, name, value)})"
        return f"CASE WHEN {c} IS NULL THEN {missing} ELSE NOT coalesce({fine}, FALSE) END"

    def canonical(self, f: dict, c: str) -> str:
        if f["type"] == "boolean":
            spelled = f.get("trueValues", BOOLEAN_TRUE) + f.get("falseValues", BOOLEAN_FALSE)
            return f"{c} IN ({', '.join(literal(v) for v in spelled)})"
        if f.get("format", "default") != "default" or f["type"] not in CANONICAL:
            return "FALSE"  # Frictionless reads every cell of the field
        return CANONICAL[f["type"]].format(c=c)

    def constraint_holds(self, f: dict, name: str, value) -> str:
        c = self.cell(f["name"])
        try:
            if name in ("required", "unique"):
                return "TRUE"  # missing cells are judged before; uniqueness over rows, in row_errors
            if name == "enum" and f["type"] == "string":
                return f"{c} IN ({', '.join(literal(v) for v in value)})" if value else "FALSE"
            if name == "pattern" and f["type"] == "string":
                return f"regexp_full_match({c}, {literal(re2_pattern(_anchored(value)))})"
            if name in ("minLength", "maxLength") and f["type"] == "string":
                return f"length({c}) {'>=' if name == 'minLength' else '<='} {int(value)}"
            bounds = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
            if name in bounds and f["type"] in ("integer", "number"):
                return f"{self.typed(f)} {bounds[name]} {literal(value)}"
        except (Unsupported, TypeError, ValueError):
            pass
        return "FALSE"  # Frictionless decides

    def row_errors(self) -> list[RowErrors]:
        """unique-error, primary-key and blank-row: rows repeating an earlier row's value, as Frictionless
        reports them (the first occurrence is fine)."""
        out = []
        table = ident(self.name)
        for f in self.spec["fields"]:
            if (f.get("constraints") or {}).get("unique"):
                value = self.typed(f)
                rows = []
                if self._repeats(value, f"{value} IS NOT NULL"):
                    rows = self._rows(
                        f"SELECT rowid + 2 FROM {table} WHERE {value} IS NOT NULL "
                        f"QUALIFY row_number() OVER (PARTITION BY {value} ORDER BY rowid) > 1"
                    )
                out.append(RowErrors(self.name, "unique-error", rows, f'field "{f["name"]}": a value repeated'))
        key = self.spec.get("primaryKey") or []
        key = [key] if isinstance(key, str) else key
        if key:
            by_name = {f["name"]: f for f in self.spec["fields"]}
            values = ", ".join(self.typed(by_name[k]) for k in key)
            all_missing = " AND ".join(f"{self.typed(by_name[k])} IS NULL" for k in key)
            rows = []
            if self._repeats(values, "TRUE") or self._exists(f"SELECT 1 FROM {table} WHERE {all_missing}"):
                rows = self._rows(
                    f"SELECT rowid + 2 FROM {table} QUALIFY ({all_missing}) "
                    f"OR row_number() OVER (PARTITION BY {values} ORDER BY rowid) > 1"
                )
            out.append(RowErrors(self.name, "primary-key", rows, f"primary key {', '.join(key)}: repeated or missing"))
        rows = self._rows(f"SELECT rowid + 2 FROM {table} WHERE __blank")
        out.append(RowErrors(self.name, "blank-row", rows, "a row with every cell missing"))
        return out

    def foreign_key_errors(self, fk: dict, schemas: dict) -> list[RowErrors]:
        """Rows whose key is not in the referenced resource (rows missing the whole key are skipped)."""
        mine = [fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"]
        ref = fk["reference"]
        theirs = [ref["fields"]] if isinstance(ref["fields"], str) else ref["fields"]
        target = ref.get("resource") or self.name
        other = _Table(self.con, target, None, schemas[target])
        by_name = {f["name"]: f for f in self.spec["fields"]}
        their_fields = {f["name"]: f for f in schemas[target]["fields"]}
        mine_sql = [self.typed(by_name[m]) for m in mine]
        theirs_sql = [other.typed(their_fields[t]) for t in theirs]
        # Frictionless looks up the tuple of values: a missing value matches a missing value
        match = " AND ".join(f"r.v{i} IS NOT DISTINCT FROM ({m})" for i, m in enumerate(mine_sql))
        rows = self._rows(
            f"SELECT rowid + 2 FROM {ident(self.name)} "
            f"WHERE NOT ({' AND '.join(f'({m}) IS NULL' for m in mine_sql)}) "
            f"AND NOT EXISTS (SELECT 1 FROM (SELECT {', '.join(f'{t} AS v{i}' for i, t in enumerate(theirs_sql))} "
            f"FROM {ident(target)}) r WHERE {match})"
        )
        return [
            RowErrors(
                self.name,
                "foreign-key",
                rows,
                f'for "{", ".join(mine)}": values not found in "{target}" as "{", ".join(theirs)}"',
            )
        ]

    def _repeats(self, values: str, where: str) -> bool:
        """Whether any value (tuple) repeats among the rows where `where` holds (missing values equal each
        other, as in the window's partitions): a grouping, cheaper than numbering every row in a window, which
        runs only when there is something to name (0.5 → 0.4 CPU s at 10 000 documents). Values that repeat in
        no row repeat in no subset of the rows: a unique field that is also the primary key is grouped once."""
        if values in self._unrepeated:
            return False
        if where != "TRUE" and not self._repeats(values, "TRUE"):
            return False
        found = any_repeated(self.con, self.name, values, where)
        if where == "TRUE" and not found:
            self._unrepeated.add(values)
        return found

    def _exists(self, sql: str) -> bool:
        return bool((self.con.execute(f"SELECT EXISTS ({sql})").fetchone() or (False,))[0])

    def _rows(self, sql: str) -> list[int]:
        return sorted(r[0] for r in self.con.execute(sql).fetchall())


def _missing_as_null(cell: str, missing: list[str]) -> str:
    if not missing:
        return cell
    if len(missing) == 1:
        return f"nullif({cell}, {literal(missing[0])})"
    return f"CASE WHEN {cell} IN ({', '.join(literal(m) for m in missing)}) THEN NULL ELSE {cell} END"


def _anchored(pattern: str) -> str:
    """Frictionless matches ^pattern$ from the start; as one anchored regex (a pattern already anchored at
    both ends, with no top-level alternation, keeps its meaning; others are left to Frictionless)."""
    depth = 0
    escaped = False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            raise Unsupported(pattern)
    core = pattern.removeprefix("^")
    if core.endswith("$") and not core.endswith("\\$"):
        core = core[:-1]
    return f"^(?:{core})$"

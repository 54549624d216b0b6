"""One source of truth: the generated files in the package's contract data are what the contract generates."""

import json

from govreport.contract.files import DATA_DIR, EXPECTATIONS_DIR
from govreport.contract.model import TABLES
from govreport.contract.render import write_all


def test_committed_schema_files_match_the_contract(tmp_path):
    for path in write_all(tmp_path):
        committed = DATA_DIR / path.relative_to(tmp_path)
        assert committed.exists(), f"{committed} missing: run `govreport schemas`"
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"{committed} is stale: run `govreport schemas` and review the diff"
        )


def test_arrow_and_frictionless_schemas_agree():
    kinds = {"string": "string", "int64": "integer", "double": "number", "bool": "boolean", "date32[day]": "date"}
    for t in TABLES:
        fr = t.to_frictionless()["fields"]
        ar = t.to_pyarrow()
        assert [f["name"] for f in fr] == ar.names
        for f, a in zip(fr, ar, strict=True):
            assert kinds[str(a.type)] == f["type"]
            assert a.nullable == (not f.get("constraints", {}).get("required", False))


def test_suites_reference_only_real_columns():
    for t in TABLES:
        suite = json.loads((EXPECTATIONS_DIR / f"{t.name}.json").read_text(encoding="utf-8"))
        columns = set(suite["expectations"][0]["kwargs"]["column_list"])
        for e in suite["expectations"]:
            for key in ("column", "column_A", "column_B"):
                if key in e["kwargs"]:
                    assert e["kwargs"][key] in columns, (t.name, e)


def test_units_are_defined_once_with_dimension_and_factor():
    from decimal import Decimal

    from govreport.contract.codelist import UNIT_DIMENSIONS, load_codelist
    from govreport.contract.model import UNIT_CODES, UNITS

    assert set(UNIT_DIMENSIONS) == set(UNIT_CODES)  # the codelist's view of units is the contract's, no more
    assert UNIT_DIMENSIONS["CNY_100M"] == ("money_cny", Decimal(10) ** 8) and UNIT_DIMENSIONS["CNY"][1] == 1
    assert all(u.dimension and u.factor > 0 for u in UNITS)
    assert {i.unit for i in load_codelist().values()} <= set(UNIT_CODES)


def test_manifest_years_are_the_documents_tables_bounds(tmp_path):
    from govreport.contract.model import DOCUMENTS
    from govreport.sources.manifest import load_manifest

    low, high = DOCUMENTS.field("report_year").minimum, DOCUMENTS.field("report_year").maximum
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    for year, ok in ((int(low) - 1, False), (int(low), True), (int(high), True), (int(high) + 1, False)):
        (tmp_path / "sources.yaml").write_text(
            f"documents:\n  - file: a.txt\n    report_year: {year}\n", encoding="utf-8"
        )
        entries, problems = load_manifest(tmp_path)
        accepted = "a.txt" in entries and entries["a.txt"].report_year == year
        assert accepted is ok and (not problems) is ok, (year, problems)

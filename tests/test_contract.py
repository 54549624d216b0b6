"""One source of truth: the files in schemas/ are what the contract generates."""
import json

from govreport.contract.model import TABLES
from govreport.paths import SCHEMAS_DIR
from govreport.contract.render import arrow_schema, frictionless_schema, write_all


def test_committed_schema_files_match_the_contract(tmp_path):
    for path in write_all(tmp_path):
        committed = SCHEMAS_DIR / path.relative_to(tmp_path)
        assert committed.exists(), f"{committed} missing: run `govreport schemas`"
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), \
            f"{committed} is stale: run `govreport schemas` and review the diff"


def test_arrow_and_frictionless_schemas_agree():
    kinds = {"string": "string", "int64": "integer", "double": "number", "bool": "boolean", "date32[day]": "date"}
    for t in TABLES:
        fr = frictionless_schema(t)["fields"]
        ar = arrow_schema(t)
        assert [f["name"] for f in fr] == ar.names
        for f, a in zip(fr, ar):
            assert kinds[str(a.type)] == f["type"]
            assert a.nullable == (not f.get("constraints", {}).get("required", False))


def test_suites_reference_only_real_columns():
    for t in TABLES:
        suite = json.loads((SCHEMAS_DIR / "expectations" / f"{t.name}.json").read_text(encoding="utf-8"))
        columns = set(suite["expectations"][0]["kwargs"]["column_list"])
        for e in suite["expectations"]:
            for key in ("column", "column_A", "column_B"):
                if key in e["kwargs"]:
                    assert e["kwargs"][key] in columns, (t.name, e)

"""validate and diff take a release as a folder (relative or absolute), a version, or latest; each release is
checked against the schemas and suites it shipped with; diff tells tables and fields added and removed."""

import json
import os
import subprocess
import sys

import pytest

from govreport.contract.files import EXPECTATIONS_DIR
from govreport.errors import UserError
from govreport.release.locate import release_dir, shipped_suites_dir
from govreport.release.publish import PACKAGE_NAME

from conftest import RAW

pytestmark = [pytest.mark.slow]

PROJECT = RAW.parent
PUBLISHED = PROJECT / "published"
PACKAGE = PUBLISHED / PACKAGE_NAME


def govreport(*args, cwd=PROJECT):
    return subprocess.run(
        [sys.executable, "-m", "govreport.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200"},
        timeout=1200,
    )


def test_a_release_is_found_by_folder_version_or_latest(tmp_path, monkeypatch):
    latest = json.loads((PACKAGE / "latest.json").read_text(encoding="utf-8"))["version"]
    monkeypatch.chdir(PROJECT)
    assert release_dir(f"published/{PACKAGE_NAME}/1.0.0", PUBLISHED) == PACKAGE / "1.0.0"
    assert release_dir(PACKAGE / "1.1.0", PUBLISHED) == PACKAGE / "1.1.0"
    assert release_dir("1.1.0", PUBLISHED) == PACKAGE / "1.1.0"
    assert release_dir("latest", PUBLISHED) == PACKAGE / latest
    with pytest.raises(UserError, match="not a release folder"):
        release_dir("raw", PUBLISHED)
    with pytest.raises(UserError, match="no such release"):
        release_dir("0.9.0", PUBLISHED)
    with pytest.raises(UserError, match="nothing is published"):
        release_dir("latest", tmp_path)


def test_old_releases_are_checked_against_the_suites_they_shipped_with():
    # 1.0.0's codelist had no `better` column; today's suite requires one.
    suites = shipped_suites_dir(PACKAGE / "1.0.0")
    shipped = json.loads((suites / "indicators.json").read_text(encoding="utf-8"))
    today = json.loads((EXPECTATIONS_DIR / "indicators.json").read_text(encoding="utf-8"))
    columns = [
        e["kwargs"]["column_list"]
        for e in shipped["expectations"]
        if e["type"] == "expect_table_columns_to_match_ordered_list"
    ]
    assert "better" not in columns[0] and "better" in json.dumps(today)


def test_validate_the_readme_way_a_relative_folder_of_an_old_release():
    done = govreport("validate", f"published/{PACKAGE_NAME}/1.0.0")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "valid (" in done.stdout and "Traceback" not in done.stderr


def test_validate_latest_by_name():
    done = govreport("validate", "latest")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    latest = json.loads((PACKAGE / "latest.json").read_text(encoding="utf-8"))["version"]
    assert f"{latest}: valid (" in done.stdout


def test_diff_takes_latest_and_tells_tables_and_fields_added():
    done = govreport("diff", "1.1.0", "1.2.0", "--json")
    assert done.returncode == 0, done.stderr
    changes = json.loads(done.stdout)
    assert changes["tables"] == {"added": ["targets_vs_actuals"], "removed": []}
    assert changes["fields"]["added"] == ["indicators.better"] and changes["fields"]["removed"] == []
    text = govreport("diff", "1.1.0", "1.2.0", "--out", str(PUBLISHED), cwd=PROJECT / "raw")  # from another folder
    assert text.returncode == 0, text.stderr
    assert "- Tables: added `targets_vs_actuals`." in text.stdout
    assert "- Fields: added `indicators.better`." in text.stdout
    back = json.loads(govreport("diff", "1.2.0", "1.0.0", "--json").stdout)
    assert back["tables"]["removed"] == ["quantities", "targets_vs_actuals"]
    # latest is the newest version, by name
    newest = json.loads((PACKAGE / "latest.json").read_text(encoding="utf-8"))["version"]
    assert json.loads(govreport("diff", "1.1.0", "latest", "--json").stdout) == json.loads(
        govreport("diff", "1.1.0", newest, "--json").stdout
    )


def test_the_page_tells_tables_and_fields_added():
    from govreport.release.changes import diff_releases
    from govreport.site.changes_view import read_changes

    view = read_changes(json.loads(json.dumps(diff_releases(PACKAGE / "1.1.0", PACKAGE / "1.2.0"), default=str)))
    assert view["layout"] == [
        ("Tables 数据表", [("added", ["targets_vs_actuals"])]),
        ("Fields 字段", [("added", ["indicators.better"])]),
    ]

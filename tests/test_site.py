"""The static release page, document pages and catalog page: built from releases published the real way,
checked as HTML, then driven in headless Chromium (Debian's, through Playwright) over a local HTTP server."""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
import re
import shutil
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from govreport.checks.gate import read_tables, validate_package
from govreport.contract.model import LICENSE, PACKAGE_NAME, PACKAGE_TITLE, PACKAGE_TITLE_ZH, TABLES
from govreport.release import changes
from govreport.site import build_catalog_site, build_release_site
from govreport.site.charts import chart_series
from govreport.site.templating import environment
from govreport.sources.decode import read_document

from conftest import RAW, REPO, publish_folder

# A raw document whose quoted sentence carries markup and a javascript: URL; every page must show it as text.
INJECTION_FILE = "999_injection.txt"
INJECTION = (
    "2023年政府工作报告\n今年主要预期目标是:地区生产总值增长6%左右<script>window.__pwned=1</script>"
    '"><img src=x onerror="window.__pwned=2">,固定资产投资完成100亿元。javascript:alert(1)'
)
PAYLOADS = ("<script>window.__pwned", "<img src=x", 'href="javascript:', "href='javascript:")
ARTIFACTS = REPO / "test-artifacts"


def _html_files(release_dir: Path) -> list[Path]:
    return [release_dir / "index.html", *sorted((release_dir / "site").glob("*.html"))]


def _embedded_rows(page: str) -> list[dict]:
    m = re.search(r'<script type="application/json" id="observations-data">(.*?)</script>', page, re.S)
    assert m, "the observations table's data is embedded as JSON"
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def site_tree(tmp_path_factory) -> SimpleNamespace:
    """published/ with two releases built by the project's own publisher: 1.0.0 from the seeds, 1.1.0 with the
    injection document added; both sites and the catalog page built."""
    base = tmp_path_factory.mktemp("site")
    raw = base / "raw"
    shutil.copytree(RAW, raw)
    published = base / "published"
    first = publish_folder(raw, published)
    (raw / INJECTION_FILE).write_text(INJECTION, encoding="utf-8")
    second = publish_folder(raw, published)
    assert (first.version, second.version) == ("1.0.0", "1.1.0")
    build_release_site(first.path, raw_dir=raw)
    build_release_site(second.path, raw_dir=raw)
    build_catalog_site(published)
    return SimpleNamespace(raw=raw, published=published, v1=first.path, v2=second.path)


# --- the HTML, read as text ------------------------------------------------------------------
@pytest.mark.slow
def test_release_page_header_metadata_and_citation(site_tree):
    page = (site_tree.v2 / "index.html").read_text(encoding="utf-8")
    descriptor = json.loads((site_tree.v2 / "datapackage.json").read_text(encoding="utf-8"))
    for text in (
        PACKAGE_TITLE,
        PACKAGE_TITLE_ZH,
        "1.1.0",
        descriptor["created"][:10],
        LICENSE["title"],
        "Observations 观测值",
        "How to cite",
    ):
        assert text in page, text
    citation = re.search(r'<blockquote class="citation" id="citation">(.*?)</blockquote>', page, re.S).group(1)
    for text in (PACKAGE_TITLE, "version 1.1.0", descriptor["created"][:10], descriptor["id"], PACKAGE_NAME):
        assert text in html.unescape(citation), text


@pytest.mark.slow
def test_every_resource_is_linked_with_size_and_sha256(site_tree):
    page = (site_tree.v2 / "index.html").read_text(encoding="utf-8")
    descriptor = json.loads((site_tree.v2 / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["format"] for r in descriptor["resources"]} == {"parquet", "csv"}
    for r in descriptor["resources"]:
        assert f'href="{r["path"]}"' in page
        assert r["hash"].removeprefix("sha256:") in page
        assert (site_tree.v2 / r["path"]).exists()
    for link in (
        "DATA_DICTIONARY.md",
        "validation/report.json",
        "validation/frictionless.json",
        "validation/great_expectations.json",
    ):
        assert f'href="{link}"' in page


@pytest.mark.slow
def test_data_dictionary_is_rendered_from_the_contract(site_tree):
    page = (site_tree.v2 / "index.html").read_text(encoding="utf-8")
    for t in TABLES:
        for f in t.fields:
            assert f"<code>{f.name}</code>" in page, f"{t.name}.{f.name}"
            assert html.escape(f.zh) in page


@pytest.mark.slow
def test_validation_status_from_report(site_tree):
    page = (site_tree.v2 / "index.html").read_text(encoding="utf-8")
    report = json.loads((site_tree.v2 / "validation" / "report.json").read_text(encoding="utf-8"))
    assert report["passed"]
    assert "Passed 通过" in page and f'data-checks="{report["checks_run"]}"' in page


@pytest.mark.slow
def test_validation_failures_are_listed_and_escaped(site_tree, tmp_path):
    release = tmp_path / "1.1.0"
    shutil.copytree(site_tree.v2, release)
    report = {
        "passed": False,
        "checks_run": 3,
        "critical": [
            {
                "tool": "great_expectations",
                "table": "observations",
                "check": "quote_in_raw",
                "severity": "critical",
                "rows": ["abc"],
                "message": "<b>bad</b> quote",
            }
        ],
        "warnings": [
            {
                "tool": "frictionless",
                "table": "documents",
                "check": "blank-row",
                "severity": "warning",
                "rows": [3],
                "message": "row 3 is blank",
            }
        ],
    }
    (release / "validation" / "report.json").write_text(json.dumps(report), encoding="utf-8")
    page = build_release_site(release).read_text(encoding="utf-8")
    assert "Failed 未通过" in page and "1 critical" in page and "1 warnings" in page
    assert "quote_in_raw" in page and "row 3 is blank" in page
    assert "&lt;b&gt;bad&lt;/b&gt;" in page and "<b>bad</b>" not in page


@pytest.mark.slow
def test_first_release_has_nothing_to_compare(site_tree):
    page = (site_tree.v1 / "index.html").read_text(encoding="utf-8")
    assert "First release" in page


def _with_previous(release: Path, previous: str = "1.0.0") -> None:
    descriptor = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["govreport"]["previous_version"] = previous
    (release / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


@pytest.mark.slow
def test_changes_are_read_from_the_releases_changes_json(site_tree, tmp_path):
    listed = json.loads((site_tree.v2 / "changes.json").read_text(encoding="utf-8"))  # the publisher's account
    obs = listed["observations"]
    assert {r["source_file"] for r in obs["added"]} == {INJECTION_FILE}
    assert obs["removed"] == [] and obs["changed"] == [] and listed["documents"]["added"] == [INJECTION_FILE]
    page = (site_tree.v2 / "index.html").read_text(encoding="utf-8")
    assert f'data-count="added">{len(obs["added"])}<' in page
    assert 'data-count="removed">0<' in page and 'data-count="changed">0<' in page
    assert f"{INJECTION_FILE} · gdp · growth · target · 2023" in page
    assert f"<code>{INJECTION_FILE}</code>" in page  # the document added
    # Without its changes.json the page says so: it has no diff of its own to disagree with the release's.
    bare = tmp_path / "1.1.0"
    shutil.copytree(site_tree.v2, bare)
    (bare / "changes.json").unlink()
    page = build_release_site(bare).read_text(encoding="utf-8")
    assert "data-count=" not in page and "no changes.json" in page


@pytest.mark.slow
def test_changed_and_removed_observations(site_tree, tmp_path):
    old, new = tmp_path / "1.0.0", tmp_path / "1.0.1"
    shutil.copytree(site_tree.v1, old)
    shutil.copytree(site_tree.v1, new)
    _with_previous(new)
    rows = pq.read_table(new / "data" / "observations.parquet").to_pylist()
    removed, edited = rows.pop(0), rows[0]
    edited["value"] = edited["value"] + 1
    pq.write_table(
        pa.Table.from_pylist(rows, schema=pq.read_schema(new / "data" / "observations.parquet")),
        new / "data" / "observations.parquet",
    )
    diff = changes.diff_tables(read_tables(old), read_tables(new))  # what the publisher writes as changes.json
    changes.write(new, diff)
    obs = diff["observations"]
    assert [r["source_file"] for r in obs["removed"]] == [removed["source_file"]]
    assert [c["new"]["value"] for c in obs["changed"]] == [edited["value"]] and obs["added"] == []
    page = build_release_site(new).read_text(encoding="utf-8")
    assert 'data-count="added">0<' in page
    assert 'data-count="removed">1<' in page and 'data-count="changed">1<' in page


@pytest.mark.slow
def test_changes_json_is_preferred_when_present(site_tree, tmp_path):
    release = tmp_path / "1.1.0"
    shutil.copytree(site_tree.v2, release)
    _with_previous(release)
    key = {
        "source_file": "<b>x.txt</b>",
        "indicator": "gdp",
        "measure": "growth",
        "kind": "target",
        "period": "2023",
        "comparator": "eq",
    }
    values = {"value_low": 5.0, "value_high": 5.0, "value": 5.0, "unit": "percent"}
    changes = {
        "documents": {"added": ["<i>new.txt</i>"], "removed": [], "changed": []},
        "observations": {
            "added": [key | values | {"reason": "new raw document"}],
            "removed": [],
            "changed": [
                key
                | {
                    "old": values,
                    "new": values | {"value": 6.0, "value_low": 6.0, "value_high": 6.0},
                    "reason": "<script>re-extraction</script>",
                }
            ],
        },
    }
    (release / "changes.json").write_text(json.dumps(changes), encoding="utf-8")
    page = build_release_site(release).read_text(encoding="utf-8")
    assert 'href="changes.json"' in page
    assert 'data-count="added">1<' in page and 'data-count="changed">1<' in page  # the file, not the parquet diff
    assert "5 % → 6 %" in page and "new raw document" in page
    for raw in ("<b>x.txt</b>", "<i>new.txt</i>", "<script>re-extraction"):
        assert raw not in page and html.escape(raw) in page


@pytest.mark.slow
def test_changes_json_of_unknown_layout_is_shown_escaped(site_tree, tmp_path):
    release = tmp_path / "1.1.0"
    shutil.copytree(site_tree.v2, release)
    _with_previous(release)
    (release / "changes.json").write_text(json.dumps({"summary": "<img src=x onerror=alert(1)>"}), encoding="utf-8")
    page = build_release_site(release).read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page


@pytest.mark.slow
def test_injection_payload_is_text_everywhere(site_tree):
    pages = _html_files(site_tree.v2)
    assert any(p.name.startswith("doc-") for p in pages)
    for path in pages + [site_tree.published / "index.html"]:
        source = path.read_text(encoding="utf-8")
        for payload in PAYLOADS:
            assert payload not in source, f"{path.name} contains {payload!r} unescaped"
    rows = _embedded_rows((site_tree.v2 / "index.html").read_text(encoding="utf-8"))
    quotes = [r["quote"] for r in rows if r["file"] == INJECTION_FILE]
    assert quotes and all("<script>window.__pwned=1</script>" in q for q in quotes)  # data intact after JSON.parse
    doc_pages = [p for p in pages if "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in p.read_text(encoding="utf-8")]
    assert len(doc_pages) == 1
    assert "javascript:alert(1)" in doc_pages[0].read_text(encoding="utf-8")  # shown as text, never as a link


def test_json_for_scripts_cannot_end_its_element():
    nasty = {"q": "</script><script>alert(1)</script><!--<script>", "amp": "a & b > c", "zh": "目标"}
    inner = environment().from_string("{{ data|tojson }}").render(data=nasty)  # as the release page embeds it
    assert "<" not in inner and ">" not in inner and "目标" in inner
    assert json.loads(inner) == nasty


@pytest.mark.slow
def test_document_pages_anchor_each_value_at_its_offsets(site_tree):
    rows = pq.read_table(site_tree.v2 / "data" / "observations.parquet").to_pylist()
    docs = pq.read_table(site_tree.v2 / "data" / "documents.parquet").to_pylist()
    checked = 0
    for d in docs:
        page = site_tree.v2 / "site" / f"doc-{d['document_id'][:12]}.html"
        assert page.exists(), d["source_file"]
        text = read_document(site_tree.raw / d["source_file"]).text
        body = re.search(r'<pre class="doctext" lang="zh">(.*?)</pre>', page.read_bytes().decode("utf-8"), re.S).group(
            1
        )
        # Walk the markup: text between tags must rebuild the raw text exactly; anchors sit at value offsets.
        pos, anchors = 0, {}
        for token in re.split(r"(<[^>]+>)", body):
            if m := re.fullmatch(r'<span class="anchor" id="obs-([0-9a-f]{16})">', token):
                anchors[m.group(1)] = pos
            elif not token.startswith("<"):
                pos += len(html.unescape(token))
        assert html.unescape(re.sub(r"<[^>]+>", "", body)) == text
        for o in (o for o in rows if o["document_id"] == d["document_id"]):
            assert anchors[o["observation_id"]] == o["value_start"]
            assert text[o["value_start"] : o["value_end"]] == o["value_text"]
            checked += 1
    assert checked == len(rows)


@pytest.mark.slow
def test_table_rows_link_to_document_positions(site_tree):
    rows = _embedded_rows((site_tree.v2 / "index.html").read_text(encoding="utf-8"))
    assert rows and all(re.fullmatch(r"site/doc-[0-9a-f]{12}\.html#obs-[0-9a-f]{16}", r["href"]) for r in rows)
    for r in rows:
        page, anchor = r["href"].split("#")
        assert f'id="{anchor}"' in (site_tree.v2 / page).read_text(encoding="utf-8")


@pytest.mark.slow
def test_without_raw_dir_there_are_no_document_links(raw_copy, tmp_path):
    outcome = publish_folder(raw_copy, tmp_path / "published")
    page = build_release_site(outcome.path).read_text(encoding="utf-8")
    assert not list((outcome.path / "site").glob("doc-*.html"))
    assert all(r["href"] is None for r in _embedded_rows(page))


@pytest.mark.slow
def test_no_external_requests_in_markup(site_tree):
    for path in _html_files(site_tree.v2) + [site_tree.published / "index.html"]:
        source = path.read_text(encoding="utf-8")
        assert not re.search(r'(src|srcset)\s*=\s*["\']?\s*(https?:)?//', source), path.name
        assert not re.search(r'<link[^>]+href="(https?:)?//', source), path.name
        assert "@import" not in source and "url(" not in source
    css = (site_tree.v2 / "site" / "style.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css and "@font-face" not in css


@pytest.mark.slow
def test_charts_are_svg_with_alt_text(site_tree):
    page = (site_tree.v2 / "index.html").read_text(encoding="utf-8")
    svgs = re.findall(r'<svg class="chart-svg[^"]*"[^>]*>.*?</svg>', page, re.S)
    assert len(svgs) >= 3  # several indicator series plus the two coverage charts
    for svg in svgs:
        assert 'role="img"' in svg and 'aria-label="' in svg
        assert re.search(r"<title[^>]*>[^<]+</title>", svg)
        assert re.search(r"<(circle|rect|line|path)\b", svg)
    assert "Per document" in page and "999_injection.txt" in page


def _panel(indicator, year, comparator, low, high, value, actual, met, measure="growth", actual_comparator="eq"):
    """A targets_vs_actuals row."""
    return {
        "region_key": "110101",
        "region_code": "110101",
        "region_name": "某区",
        "indicator": indicator,
        "year": year,
        "measure": measure,
        "unit": "percent",
        "target_comparator": comparator,
        "target_low": low,
        "target_high": high,
        "target_value": value,
        "actual_comparator": actual_comparator if actual is not None else None,
        "actual_value": actual,
        "met": met,
    }


def test_chart_series_draws_the_tables_met_verdict():
    series = chart_series(
        [
            _panel("gdp", 2022, "range", 5.5, 6.0, 5.75, 3.4, False),
            _panel("gdp", 2023, "approx", 5.0, 5.0, 5.0, 5.2, True),
            _panel("cpi", 2022, "approx", 3.0, 3.0, 3.0, 2.5, True),  # lower is better: below the target is met
            _panel("unemployment", 2022, "le", None, 3.0, 3.0, 3.5, False, "level"),
            _panel("investment", 2022, "ge", 400, None, 400, 370, None, "level", "gt"),  # no verdict: not marked
            _panel("lonely", 2022, "eq", 1, 1, 1, None, None, "level"),  # one point, no outcome: no chart
        ]
    )
    by = {s["indicator"]: s for s in series}
    assert set(by) == {"gdp", "cpi", "unemployment", "investment"}
    assert [(a["year"], a["missed"]) for a in by["gdp"]["actuals"]] == [(2022, True), (2023, False)]
    assert by["cpi"]["actuals"][0]["missed"] is False
    assert by["unemployment"]["actuals"][0]["missed"] is True
    assert by["investment"]["actuals"][0]["missed"] is False


@pytest.mark.slow
def test_catalog_lists_versions_newest_first(site_tree):
    page = (site_tree.published / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a class="release-link" href="([^"]+)">([^<]+)</a>', page)
    assert links == [(f"{PACKAGE_NAME}/1.1.0/index.html", "1.1.0"), (f"{PACKAGE_NAME}/1.0.0/index.html", "1.0.0")]
    catalog = json.loads((site_tree.published / "catalog.json").read_text(encoding="utf-8"))
    for v in catalog["packages"][0]["versions"]:
        assert f'<td class="num">{v["row_counts"]["observations"]}</td>' in page
        assert v["created"][:10] in page


@pytest.mark.slow
def test_validation_summarises_the_gx_results(site_tree):
    page = (site_tree.v2 / "index.html").read_text(encoding="utf-8")
    results = json.loads((site_tree.v2 / "validation" / "great_expectations.json").read_text(encoding="utf-8"))
    assert {t.name for t in TABLES} <= set(results)
    for suite, r in results.items():
        stats = r["statistics"]
        assert (
            f'<tr data-suite="{suite}"><td><code>{suite}</code></td>'
            f'<td class="num">{stats["evaluated_expectations"]}</td>'
            f'<td class="num">{stats["successful_expectations"]}</td>'
        ) in page
    total = sum(r["statistics"]["evaluated_expectations"] for r in results.values())
    assert f'data-gx="evaluated">{total}<' in page
    assert "data_docs" not in page


@pytest.mark.slow
def test_gx_failures_from_a_real_gate_run_are_named_on_the_page(site_tree, tmp_path):
    release = tmp_path / "1.0.0"
    shutil.copytree(site_tree.v1, release)
    path = release / "data" / "observations.parquet"
    rows = pq.read_table(path).to_pylist()
    rows[0]["indicator"] = "no_such_indicator"  # not in the codelist: the observations suite must fail
    pq.write_table(pa.Table.from_pylist(rows, schema=pq.read_schema(path)), path)
    shutil.rmtree(release / "validation")
    report = validate_package(release, site_tree.raw, release / "validation")
    assert not report.passed
    page = build_release_site(release).read_text(encoding="utf-8")
    results = json.loads((release / "validation" / "great_expectations.json").read_text(encoding="utf-8"))
    failed = results["observations"]["statistics"]["unsuccessful_expectations"]
    assert failed > 0 and "Failed 未通过" in page
    row = re.search(r'<tr data-suite="observations">(.*?)</tr>', page, re.S).group(1)
    assert f'<td class="num failed">{failed}</td>' in row
    failed_types = {r["expectation_config"]["type"] for r in results["observations"]["results"] if not r["success"]}
    assert all(f"<code>{t}</code>" in row for t in failed_types)


@pytest.mark.slow
def test_release_weighs_about_what_its_data_and_reports_weigh(site_tree):
    for release in (site_tree.v1, site_tree.v2):
        assert not (release / "validation" / "data_docs").exists() and not (release / "validation" / "gx").exists()
        total = sum(p.stat().st_size for p in release.rglob("*") if p.is_file())
        data = sum(p.stat().st_size for p in (release / "data").rglob("*") if p.is_file())
        assert total < 3 * data, (total, data)


@pytest.mark.slow
def test_static_files_are_the_packages_own(site_tree):
    from importlib.resources import files

    for name in ("style.css", "release.js"):
        shipped = (files("govreport.site") / "static" / name).read_bytes()
        assert (site_tree.v2 / "site" / name).read_bytes() == shipped
    page = (site_tree.v2 / "index.html").read_text(encoding="utf-8")
    assert '<link rel="stylesheet" href="site/style.css">' in page and '<script src="site/release.js" defer>' in page


def test_no_html_css_or_js_in_the_site_modules():
    """The pages' markup, style and script live in templates/ and static/, not in Python strings."""
    import ast

    import govreport.site

    markup = re.compile(
        r"<\s*/?\s*(html|head|body|div|span|p|a|table|tr|td|th|ul|li|svg|script|style|section|"
        r"mark|code|pre|h[1-6])\b[^>]*>|\{\s*[a-z-]+\s*:\s*[^}]+;|function\s*\(",
        re.I,
    )
    site_dir = Path(govreport.site.__file__).parent
    for module in sorted(site_dir.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        docstrings = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef))
            and n.body
            and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                assert not markup.search(node.value), f"{module.name}: {node.value[:60]!r}"
    assert {p.name for p in (site_dir / "templates").glob("*.html.j2")} >= {
        "release.html.j2",
        "source.html.j2",
        "catalog.html.j2",
    }


def test_catalog_orders_versions_by_number_not_text(tmp_path):
    versions = ["1.9.0", "1.10.0", "2.0.0", "0.10.1", "not-a-version"]
    catalog = {
        "packages": [
            {
                "name": PACKAGE_NAME,
                "latest": "2.0.0",
                "versions": [{"version": v, "created": "2026-01-01T00:00:00Z", "row_counts": {}} for v in versions],
            }
        ]
    }
    (tmp_path / "catalog.json").write_text(json.dumps(catalog), encoding="utf-8")
    page = build_catalog_site(tmp_path).read_text(encoding="utf-8")
    listed = re.findall(r'<a class="release-link" href="[^"]+">([^<]+)</a>', page)
    assert listed == ["2.0.0", "1.10.0", "1.9.0", "0.10.1"]


# Two reports of one district: the 2023 plan (CPI "about 3%") and the 2024 review (CPI rose 2.5%).
CPI_REPORTS = {
    "a2023.txt": "深圳市罗湖区2023年政府工作报告\n"
    "2023年主要预期目标是:地区生产总值增长6%左右,居民消费价格涨幅控制在3%左右。\n",
    "b2024.txt": "深圳市罗湖区2024年政府工作报告\n一、2023年工作回顾\n"
    "过去一年,地区生产总值增长5.5%,居民消费价格上涨2.5%。\n",
}


def _manifest_entry(file: str, year: int) -> dict:
    return {
        "file": file,
        "title": f"罗湖区{year}年政府工作报告",
        "region_name": "罗湖区",
        "region_code": "440303",
        "issuing_body": "深圳市罗湖区人民政府",
        "document_type": "government_work_report",
        "published": None,
        "report_year": year,
        "script": "zh-Hans",
        "source": "test",
        "licence": "test",
        "url": None,
    }


@pytest.fixture(scope="module")
def cpi_release(tmp_path_factory) -> Path:
    """A release published the real way from two reports: a lower-is-better target and an outcome under it."""
    import yaml

    base = tmp_path_factory.mktemp("cpi")
    raw = base / "raw"
    raw.mkdir()
    for name, text in CPI_REPORTS.items():
        (raw / name).write_text(text, encoding="utf-8")
    manifest = {"documents": [_manifest_entry("a2023.txt", 2023), _manifest_entry("b2024.txt", 2024)]}
    (raw / "sources.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    outcome = publish_folder(raw, base / "published")
    build_release_site(outcome.path, raw_dir=raw)
    return outcome.path


@pytest.mark.slow
def test_lower_is_better_target_met_in_table_and_chart(cpi_release):
    panel = pq.read_table(cpi_release / "data" / "targets_vs_actuals.parquet").to_pylist()
    cpi = [r for r in panel if r["indicator"] == "consumer_price_index" and r["year"] == 2023]
    assert len(cpi) == 1 and cpi[0]["target_comparator"] == "approx" and cpi[0]["target_value"] == 3.0
    assert cpi[0]["actual_value"] == 2.5 and cpi[0]["met"] is True  # the data's verdict: under a ceiling is met
    page = (cpi_release / "index.html").read_text(encoding="utf-8")
    row = re.search(r"<tr><td><code>consumer_price_index</code>.*?</tr>", page, re.S).group(0)
    assert '<td class="num">2023</td>' in row and 'data-met="true"' in row and "✓ met" in row
    svg = re.search(r'<svg class="chart-svg"[^>]*aria-label="Consumer price index[^"]*".*?</svg>', page, re.S).group(0)
    assert re.search(r'<circle class="actual" [^>]*><title>Outcome 实际 2023 2.5 %</title>', svg)
    assert "missed" not in svg
    # The GDP outcome under its "about 6%" target (higher is better) is missed, in both places alike.
    gdp = re.search(r"<tr><td><code>gdp</code>.*?</tr>", page, re.S).group(0)
    assert 'data-met="false"' in gdp
    gdp_svg = re.search(r'<svg class="chart-svg"[^>]*aria-label="Gross[^"]*".*?</svg>', page, re.S).group(0)
    assert 'class="actual missed"' in gdp_svg


# --- in a real browser -----------------------------------------------------------------------------
# GOVREPORT_CHROMIUM points at another build; by default Debian's chromium package.
CHROMIUM = os.environ.get("GOVREPORT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str):
    # CI must run the browser tests: there a missing browser is a failure, not a skip.
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{reason} (CI is set: browser tests must run; .ci/run installs chromium)")
    pytest.skip(f"{reason}; install with: apt-get install -y chromium")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    if not os.path.exists(CHROMIUM):
        _unavailable(f"chromium not found at {CHROMIUM}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serving(folder):
    """A file server for folder on loopback; its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=folder))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def server(site_tree):
    with serving(site_tree.published) as url:
        yield url


@pytest.fixture
def page(browser, server):
    """A fresh page that records console errors, uncaught exceptions and any request off the local server."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    problems, requests = [], []
    pg.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    pg.on("request", lambda r: requests.append(r.url))
    yield pg
    context.close()
    assert problems == []
    assert [u for u in requests if not (u.startswith(server + "/") or u.startswith("data:"))] == []


def _open_release(page, server, version="1.1.0"):
    """From the catalog page, follow the link to a release page, as a reader would."""
    page.goto(f"{server}/index.html")
    page.click(f'a.release-link:text-is("{version}")')
    page.wait_for_load_state("load")
    assert page.url == f"{server}/{PACKAGE_NAME}/{version}/index.html"
    page.wait_for_selector("#observations-table tbody.obs-row")


def _visible_rows(page) -> int:
    return page.locator("#observations-table tbody.obs-row:not([hidden])").count()


@pytest.mark.slow
@pytest.mark.browser
def test_browser_catalog_links_to_release_and_downloads_work(page, server, site_tree):
    _open_release(page, server)
    hrefs = page.eval_on_selector_all("a.download-link", "els => els.map(e => e.href)")
    descriptor = json.loads((site_tree.v2 / "datapackage.json").read_text(encoding="utf-8"))
    assert len(hrefs) >= len(descriptor["resources"]) + 2
    hashes = {
        f"{server}/{PACKAGE_NAME}/1.1.0/{r['path']}": r["hash"].removeprefix("sha256:") for r in descriptor["resources"]
    }
    for href in hrefs:
        response = page.request.get(href)
        assert response.status == 200, href
        if href in hashes:  # the bytes a reader downloads are the ones the page vouches for
            assert hashlib.sha256(response.body()).hexdigest() == hashes[href], href
    assert set(hashes) <= set(hrefs)


@pytest.mark.slow
@pytest.mark.browser
def test_browser_search_filters_rows(page, server, site_tree):
    _open_release(page, server)
    total = pq.read_metadata(site_tree.v2 / "data" / "observations.parquet").num_rows
    assert _visible_rows(page) == total
    search = page.locator("#observations-search")
    search.press_sequentially("air_quality")
    shown = _visible_rows(page)
    assert 0 < shown < total
    texts = page.locator("#observations-table tbody.obs-row:not([hidden]) td.ind code").all_inner_texts()
    assert all("air_quality" in t.replace("\n", "") for t in texts)
    assert f"{shown} / {total}" in page.locator("#observations-count").inner_text()
    search.fill("空气质量优良率 2022")  # terms are ANDed; Chinese names are searchable
    assert 0 < _visible_rows(page) < shown
    search.fill("no-such-thing-anywhere")
    assert _visible_rows(page) == 0
    search.fill("")
    assert _visible_rows(page) == total


@pytest.mark.slow
@pytest.mark.browser
def test_browser_header_click_sorts(page, server):
    _open_release(page, server)

    def values():
        cells = page.locator("#observations-table tbody.obs-row td:nth-child(7)").all_inner_texts()
        return [float(c) for c in cells if c.strip() not in ("", "—")]

    header = page.locator('#observations-table th[data-key="value"]')
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert values() == sorted(values()) and values() != sorted(values(), reverse=True)
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert values() == sorted(values(), reverse=True)
    period = page.locator('#observations-table th[data-key="period"]')
    period.locator("button").click()
    years = [p[:4] for p in page.locator("#observations-table tbody.obs-row td:nth-child(5)").all_inner_texts()]
    assert years == sorted(years)


@pytest.mark.slow
@pytest.mark.browser
def test_browser_charts_are_drawn(page, server):
    _open_release(page, server)
    charts = page.locator("svg.chart-svg")
    assert charts.count() >= 3
    for i in range(charts.count()):
        svg = charts.nth(i)
        box = svg.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50
        assert svg.locator("circle, rect, line, path").count() > 0
        assert svg.get_attribute("aria-label")
    assert page.locator("svg.chart-svg circle.actual").count() > 0
    assert page.locator("svg.chart-svg .t-band, svg.chart-svg .t-tick, svg.chart-svg .t-bound").count() > 0


@pytest.mark.slow
@pytest.mark.browser
def test_browser_injection_is_inert_and_shown_as_text(page, server):
    _open_release(page, server)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img").count() == 0
    quote = page.locator("#observations-table td.quote", has_text='<img src=x onerror="window.__pwned=2">').first
    assert quote.is_visible()
    assert "<script>window.__pwned=1</script>" in quote.inner_text()
    # Follow the row's link to the document page: the payload is text there too, and the value is targeted.
    quote.locator("a.src-link").click()
    page.wait_for_load_state("load")
    assert re.search(r"/site/doc-[0-9a-f]{12}\.html#obs-[0-9a-f]{16}$", page.url)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img").count() == 0
    assert (
        page.evaluate("document.querySelector(':target') && document.querySelector(':target').id")
        == page.url.rsplit("#", 1)[1]
    )
    text = page.locator("pre.doctext").inner_text()
    assert '<script>window.__pwned=1</script>"><img src=x onerror="window.__pwned=2">' in text
    assert "javascript:alert(1)" in text and page.locator('a[href^="javascript:"]').count() == 0


@pytest.mark.slow
@pytest.mark.browser
def test_browser_screenshot(page, server):
    """Saved for people to look at (test-artifacts/ is git-ignored)."""
    _open_release(page, server)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "release-page.png"), full_page=True)
    assert (ARTIFACTS / "release-page.png").stat().st_size > 10_000


@pytest.mark.slow
@pytest.mark.browser
def test_browser_release_and_source_pages_work_offline_from_disk(browser, site_tree):
    """Opened from file:// with the network cut off: no request leaves the disk, and the release page and a
    source page render their main content (table built by the script, styles, charts, marked text)."""
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
    external, problems = [], []

    def local(url: str) -> bool:
        return url.startswith(("file://", "data:"))

    def intercept(route):
        if local(route.request.url):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route("**/*", intercept)
    context.on("request", lambda r: None if local(r.url) else external.append(r.url))
    pg = context.new_page()
    pg.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    pg.goto((site_tree.v2 / "index.html").as_uri())
    pg.wait_for_selector("#observations-table tbody.obs-row")
    total = pq.read_metadata(site_tree.v2 / "data" / "observations.parquet").num_rows
    assert _visible_rows(pg) == total
    assert pg.locator("svg.chart-svg circle.actual").count() > 0
    assert pg.locator("table.gx-suites tbody tr").count() >= len(TABLES)
    # The stylesheet from site/ applies (a card's rounded corners come only from it).
    assert pg.evaluate("getComputedStyle(document.querySelector('.card')).borderTopLeftRadius") == "12px"
    pg.locator("#observations-table a.src-link").first.click()
    pg.wait_for_load_state("load")
    assert pg.url.startswith("file://") and re.search(r"/site/doc-[0-9a-f]{12}\.html#obs-[0-9a-f]{16}$", pg.url)
    assert pg.locator("pre.doctext mark.v").count() > 0 and pg.locator("pre.doctext").inner_text().strip()
    assert (
        pg.evaluate("document.querySelector(':target') && document.querySelector(':target').id")
        == pg.url.rsplit("#", 1)[1]
    )
    assert pg.evaluate("getComputedStyle(document.querySelector('.card')).borderTopLeftRadius") == "12px"
    context.close()
    assert external == [] and problems == []

"""The release page's panel view: pick a region, an indicator and a measure, see its targets against its
outcomes over the years. Built from a release published the real way from reports of three regions over
24 years; checked against the release's own targets_vs_actuals table, as embedded JSON and in Chromium."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from pathlib import Path
from urllib.parse import quote

import pyarrow.parquet as pq
import pytest

from govreport.site import build_release_site
from govreport.site.panel_view import panel_view_data
from govreport.site.templating import environment
from govreport.site.text import with_unit
from test_site import ARTIFACTS, browser, serving  # noqa: F401  (browser: the shared Chromium fixture)

from conftest import publish_folder

# Three regions of one province, each with a report a year: the review of last year, then this year's plan.
REGIONS = (
    ("广东省", "440000", "广东省人民政府"),
    ("深圳市", "440300", "深圳市人民政府"),
    ("罗湖区", "440303", "深圳市罗湖区人民政府"),
)
REPORT_YEARS = range(1998, 2022)  # targets 1998-2021, outcomes 1997-2020


def _gdp_target(ri: int, year: int) -> tuple[str, float]:
    """The plan's GDP growth as written, and its lower bound (a range in years divisible by 4)."""
    base = round((10 - (year - 1998) * 0.2 + ri * 0.5) * 2) / 2
    if year % 4 == 0:
        return f"{base:g}%-{base + 0.5:g}%", base
    return f"{base:g}%左右", base


def _gdp_actual(ri: int, year: int) -> float:
    return round(_gdp_target(ri, year)[1] + (-0.7 if (year + ri) % 5 == 0 else 0.4), 1)


def _cpi_actual(ri: int, year: int) -> float:
    return 1.5 + ((year * 7 + ri * 3) % 5) * 0.5  # 1.5 to 3.5: above a 3% ceiling in some years


def _report(name: str, ri: int, year: int) -> str:
    last = year - 1
    return (
        f"{name}{year}年政府工作报告\n一、{last}年工作回顾\n"
        f"过去一年,地区生产总值增长{_gdp_actual(ri, last):g}%,居民消费价格上涨{_cpi_actual(ri, last):g}%。\n"
        f"二、{year}年工作安排\n"
        f"{year}年主要预期目标是:地区生产总值增长{_gdp_target(ri, year)[0]},居民消费价格涨幅控制在3%左右。\n"
    )


@pytest.fixture(scope="module")
def panel_release(tmp_path_factory) -> Path:
    import yaml

    base = tmp_path_factory.mktemp("panelview")
    raw = base / "raw"
    raw.mkdir()
    entries = []
    for ri, (name, code, body) in enumerate(REGIONS):
        for year in REPORT_YEARS:
            file = f"{code}_{year}.txt"
            (raw / file).write_text(_report(name, ri, year), encoding="utf-8")
            entries.append(
                {
                    "file": file,
                    "title": f"{name}{year}年政府工作报告",
                    "region_name": name,
                    "region_code": code,
                    "issuing_body": body,
                    "document_type": "government_work_report",
                    "published": None,
                    "report_year": year,
                    "script": "zh-Hans",
                    "source": "test",
                    "licence": "test",
                    "url": None,
                }
            )
    (raw / "sources.yaml").write_text(yaml.safe_dump({"documents": entries}, allow_unicode=True), encoding="utf-8")
    outcome = publish_folder(raw, base / "published")
    build_release_site(outcome.path)
    return outcome.path


def _table(release: Path) -> list[dict]:
    return pq.read_table(release / "data" / "targets_vs_actuals.parquet").to_pylist()


def _yearly(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["period"] == str(r["year"])]


def _embedded(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="panel-data">(.*?)</script>', page, re.S)
    assert m, "the panel view's data is embedded as JSON"
    return json.loads(m.group(1))


def _decode(data: dict) -> list[dict]:
    """The embedded series back as one dict per row, keyed like targets_vs_actuals."""
    out = []
    for s in data["series"]:
        key, name, level = data["regions"][s["r"]]
        for row in s["rows"]:
            out.append(
                {
                    "region_key": key,
                    "region_name": name,
                    "region_level": level,
                    "indicator": data["indicators"][s["i"]][0],
                    "measure": s["m"],
                    "basis": s["b"],
                    "unit": s["u"],
                    **dict(zip(data["cols"], row, strict=True)),
                }
            )
    return out


def _series(rows: list[dict], region_key: str, indicator: str) -> list[dict]:
    found = sorted(
        (r for r in _yearly(rows) if r["region_key"] == region_key and r["indicator"] == indicator),
        key=lambda r: r["year"],
    )
    assert len({(r["measure"], r["basis"], r["unit"]) for r in found}) == 1, "one measure per series here"
    return found


# --- the data the page embeds ------------------------------------------------------------------------
@pytest.mark.slow
def test_fixture_spans_regions_indicators_and_decades(panel_release):
    rows = _yearly(_table(panel_release))
    assert {r["region_key"] for r in rows} == {code for _, code, _ in REGIONS}
    assert {"gdp", "consumer_price_index"} <= {r["indicator"] for r in rows}
    for _, code, _ in REGIONS:
        for indicator in ("gdp", "consumer_price_index"):
            series = _series(rows, code, indicator)
            judged = [r for r in series if r["met"] is not None]
            assert len(judged) >= 20 and {r["met"] for r in judged} == {True, False}, (code, indicator)
    assert any(r["target_comparator"] == "range" for r in rows)  # some targets are bands


@pytest.mark.slow
def test_embedded_series_are_the_tables_yearly_rows(panel_release):
    page = (panel_release / "index.html").read_text(encoding="utf-8")
    embedded = _decode(_embedded(page))
    fields = (
        "region_key",
        "indicator",
        "measure",
        "basis",
        "unit",
        "year",
        "target_comparator",
        "target_low",
        "target_high",
        "target_value",
        "actual_value",
        "met",
    )
    table = [
        r for r in _yearly(_table(panel_release)) if r["target_comparator"] is not None or r["actual_value"] is not None
    ]
    assert sorted(tuple(r[f] for f in fields) for r in embedded) == sorted(tuple(r[f] for f in fields) for r in table)
    names = {r["region_key"]: r["region_name"] for r in table}
    assert all(r["region_name"] == names[r["region_key"]] for r in embedded)
    # met is carried as the table has it: true, false, or null where there is nothing to judge.
    assert {r["met"] for r in embedded} == {True, False, None}


@pytest.mark.slow
def test_page_links_the_tidy_panel_csv(panel_release):
    page = (panel_release / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a class="download-link panel-csv" href="([^"]+)"', page)
    assert "data/panel.csv" in links
    with open(panel_release / "data" / "panel.csv", encoding="utf-8-sig", newline="") as f:
        tidy = list(csv.DictReader(f))
    assert {r["region_key"] for r in tidy} == {code for _, code, _ in REGIONS}


def test_plan_spans_stay_out_and_nothing_is_repeated_per_row():
    """Only one-year periods are drawn over the years; a 2021/2025 plan row is not a 2025 point. And a
    national release's tens of thousands of rows embed in well under a hundred bytes each."""

    def row(region, indicator, year, period=None, met=True):
        return {
            "region_key": region,
            "region_code": region,
            "region_name": f"地区{region}",
            "region_level": "county",
            "indicator": indicator,
            "measure": "growth",
            "period": period or str(year),
            "year": year,
            "basis": "annual",
            "unit": "percent",
            "target_comparator": "range",
            "target_low": 6.0,
            "target_high": 6.5,
            "target_value": 6.25,
            "actual_comparator": "eq",
            "actual_value": 5.9,
            "met": met,
        }

    data = panel_view_data(
        [row("110101", "gdp", 2021), row("110101", "gdp", 2025, "2021/2025"), row("110101", "gdp", 2022, met=False)], {}
    )
    assert [r[0] for s in data["series"] for r in s["rows"]] == [2021, 2022]
    assert [r[-1] for r in data["series"][0]["rows"]] == [True, False]

    rows = [
        row(
            f"{110000 + i % 2000}",
            ("gdp", "consumer_price_index", "unemployment_rate")[i % 3],
            1990 + (i // 6000),
            met=i % 7 != 0,
        )
        for i in range(36_000)
    ]
    text = environment().from_string("{{ d|tojson }}").render(d=panel_view_data(rows, {}))
    assert len(text.encode("utf-8")) / len(rows) < 60
    assert text.count('"region_key"') == 0 and text.count('"met"') == 1  # column names once, not per row


# --- in a real browser -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def panel_server(panel_release):
    with serving(panel_release) as url:
        yield url


@pytest.fixture
def view(browser, panel_server):  # noqa: F811
    """The release page open at its panel view, recording errors and any request off the local server."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    problems, requests = [], []
    pg.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    pg.on("request", lambda r: requests.append(r.url))
    pg.goto(f"{panel_server}/index.html")
    pg.wait_for_selector("#panel-view:not([hidden]) #pv-table tbody tr")
    yield pg
    context.close()
    assert problems == []
    assert [u for u in requests if not (u.startswith(panel_server + "/") or u.startswith("data:"))] == []


def _option(pg, select: str, contains: str) -> str:
    labels = pg.locator(f"{select} option").all_inner_texts()
    found = [t for t in labels if contains in t]
    assert len(found) == 1, (contains, labels)
    return found[0]


def _shown(pg) -> dict:
    """What the view shows: the table's rows and the chart's outcome dots and target marks, by year."""
    rows = pg.eval_on_selector_all(
        "#pv-table tbody tr",
        """trs => trs.map(tr => ({
        year: Number(tr.dataset.year), cells: Array.from(tr.cells).map(c => c.textContent),
        met: tr.cells[3].dataset.met}))""",
    )
    dots = pg.eval_on_selector_all(
        "#pv-chart circle.actual",
        """cs => cs.map(c => ({
        year: Number(c.dataset.year), met: c.dataset.met, missed: c.classList.contains('missed'),
        cy: Number(c.getAttribute('cy')), fill: getComputedStyle(c).fill}))""",
    )
    targets = pg.eval_on_selector_all(
        "#pv-chart .pv-targets > *",
        """ts => ts.map(t => ({
        year: Number(t.dataset.year), cls: t.getAttribute('class')}))""",
    )
    crosses = pg.locator("#pv-chart path.miss-x").count()
    return {
        "rows": rows,
        "dots": dots,
        "targets": targets,
        "crosses": crosses,
        "series": pg.get_attribute("#pv-chart", "data-series"),
        "summary": pg.inner_text("#pv-summary"),
    }


def _expect(pg, series: list[dict]) -> None:
    """The view shows exactly this series of the table: years, values, and met as the table has it."""
    shown = _shown(pg)
    unit = series[0]["unit"]
    assert [r["year"] for r in shown["rows"]] == [r["year"] for r in series]
    for got, r in zip(shown["rows"], series, strict=True):
        target = (
            with_unit(r["target_comparator"], r["target_low"], r["target_high"], r["target_value"], unit)
            if r["target_comparator"]
            else "—"
        )
        actual = (
            with_unit(r["actual_comparator"], r["actual_value"], r["actual_value"], r["actual_value"], unit)
            if r["actual_value"] is not None
            else "—"
        )
        met = {True: "✓ met 达成", False: "✗ missed 未达成", None: "—"}[r["met"]]
        assert got["cells"] == [str(r["year"]), target, actual, met], r
    with_outcome = [r for r in series if r["actual_value"] is not None]
    assert [d["year"] for d in shown["dots"]] == [r["year"] for r in with_outcome]
    for d, r in zip(shown["dots"], with_outcome, strict=True):
        assert d["missed"] is (r["met"] is False) and d["met"] == {True: "true", False: "false", None: ""}[r["met"]]
        assert d["fill"] == ("rgb(220, 38, 38)" if r["met"] is False else "rgb(15, 118, 110)")  # --miss, --actual
    assert shown["crosses"] == sum(r["met"] is False for r in series)
    # Higher outcomes are drawn higher (smaller y).
    by_value = sorted(zip(with_outcome, shown["dots"], strict=True), key=lambda p: p[0]["actual_value"])
    assert all(a[1]["cy"] >= b[1]["cy"] for a, b in itertools.pairwise(by_value))
    bands = {t["year"] for t in shown["targets"] if t["cls"] == "t-band"}
    assert [t["year"] for t in shown["targets"]] == [r["year"] for r in series if r["target_comparator"]]
    assert bands == {r["year"] for r in series if r["target_comparator"] == "range"}
    missed = [str(r["year"]) for r in series if r["met"] is False]
    assert f"missed 未达成 {len(missed)} ({', '.join(missed)})" in shown["summary"]


@pytest.mark.slow
@pytest.mark.browser
def test_browser_choosing_region_and_indicator_redraws_the_series(view, panel_release):
    table = _table(panel_release)
    before = _shown(view)
    # Another region and another indicator than the one the page opens with.
    first_region, first_indicator = before["series"].split("|")[:2]
    region = next(code for _, code, _ in REGIONS if code != first_region)
    indicator = next(i for i in ("consumer_price_index", "gdp") if i != first_indicator)
    view.select_option("#pv-region", label=_option(view, "#pv-region", f"({region})"))
    _expect(view, _series(table, region, first_indicator))  # the region changed, the indicator stayed
    view.select_option("#pv-indicator", label=_option(view, "#pv-indicator", f"· {indicator}"))
    series = _series(table, region, indicator)
    _expect(view, series)
    after = _shown(view)
    assert after["series"].split("|")[:2] == [region, indicator] and after["rows"] != before["rows"]
    assert len(series) >= 20 and any(r["met"] is False for r in series)
    assert re.search(rf"{series[0]['year']}–{series[-1]['year']}", after["summary"])
    # The chart says what it shows to a screen reader.
    assert view.get_attribute("#pv-chart", "role") == "img"
    assert str(series[0]["year"]) in view.text_content("#pv-chart desc")
    assert view.locator("label[for=pv-region]").count() == 1 and view.locator("label[for=pv-indicator]").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)  # for people to look at (git-ignored)
    view.locator("#panel-view").screenshot(path=str(ARTIFACTS / "panel-view.png"))


@pytest.mark.slow
@pytest.mark.browser
def test_browser_find_region_narrows_the_list_and_csv_has_the_series(view, panel_release, panel_server):
    current = view.locator("#pv-region option:checked").inner_text()
    view.fill("#pv-find", "440303")
    labels = view.locator("#pv-region option").all_inner_texts()
    assert any("(440303)" in t for t in labels) and len(labels) < len(REGIONS)
    assert all("(440303)" in t or t == current for t in labels)  # the chosen region stays listed
    view.select_option("#pv-region", label=_option(view, "#pv-region", "(440303)"))
    view.select_option("#pv-indicator", label=_option(view, "#pv-indicator", "· gdp"))
    _expect(view, _series(_table(panel_release), "440303", "gdp"))
    # The spreadsheet link on the page serves the same years and verdicts.
    href = view.locator("a.panel-csv", has_text="panel.csv").get_attribute("href")
    body = view.request.get(f"{panel_server}/{href}").body().decode("utf-8-sig")
    tidy = [
        r
        for r in csv.DictReader(io.StringIO(body))
        if r["region_key"] == "440303" and r["indicator"] == "gdp" and r["period"] == r["year"]
    ]
    shown = _shown(view)["rows"]
    assert [int(r["year"]) for r in tidy] == [r["year"] for r in shown]
    assert [r["met"] for r in tidy] == [r["met"] for r in shown]  # true, false or empty alike
    # The address names the series chosen: opened again (or sent to someone), the page shows that series.
    key = _shown(view)["series"]
    assert key.startswith("440303|gdp|") and view.url.endswith("#panel=" + quote(key, safe=""))
    cpi = _series(_table(panel_release), "440303", "consumer_price_index")
    cpi_key = "|".join(["440303", "consumer_price_index", cpi[0]["measure"], cpi[0]["basis"], cpi[0]["unit"]])
    view.goto("about:blank")
    view.goto(f"{panel_server}/index.html#panel={quote(cpi_key, safe='')}")
    view.wait_for_selector("#panel-view:not([hidden]) #pv-table tbody tr")
    _expect(view, cpi)


@pytest.mark.slow
@pytest.mark.browser
def test_browser_without_javascript_the_static_charts_remain(browser, panel_server):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(f"{panel_server}/index.html")
    assert not pg.locator("#panel-view").is_visible()
    assert pg.locator("svg.chart-svg circle.actual.missed").count() > 0  # the server-drawn charts
    assert pg.locator("a.panel-csv").first.is_visible()
    context.close()

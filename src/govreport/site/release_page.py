"""The release page (index.html of a release): downloads, validation, what changed, targets and outcomes,
the observations table, source documents, the data dictionary and how to cite.

Everything shown comes from the release's own files: datapackage.json, validation/, changes.json and the
tables in data/ (targets_vs_actuals with its `met` column for the charts). No href is ever built from
document text: links are made from hex ids checked against their pattern first, or from the descriptor's
paths checked to be relative.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from govreport.contract.model import LICENSE, PACKAGE_NAME, PACKAGE_TITLE, PACKAGE_TITLE_ZH, TABLES, UNITS
from govreport.site.changes_view import changes_view
from govreport.site.charts import PANEL_COLUMNS, chart_series, coverage_figure, series_figure, years_figure
from govreport.site.panel_view import VIEW_COLUMNS, panel_view_data
from govreport.site.release_files import count_rows, read_rows
from govreport.site.source_page import HEX16, HEX64, page_name, write_document_pages
from govreport.site.templating import copy_static, render
from govreport.site.text import COMPARATOR_SYMBOL, KIND_LABEL, MEASURE_LABEL, UNIT_ZH, num, utf16_len, with_unit
from govreport.site.validation_view import validation_view

SITE_DIR = "site"
MAX_CHARTS = 60  # small multiples past this stop being readable; the CSV has the rest
# The page's table holds this many observations (in the release's sort order) and links their documents;
# a national corpus would make a page nobody can load. The downloads have every row.
MAX_TABLE_ROWS = 5000
MAX_PANEL_ROWS = 500
# Paths we link to come from our own datapackage.json, but are still checked: relative, no "..", no scheme.
_SAFE_REL = re.compile(r"^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9._/-]*$")

# Observation table columns: key in the embedded JSON, English and Chinese label, type for sorting.
COLUMNS = (
    ("indicator", "Indicator", "指标", "text"),
    ("region", "Region", "地区", "text"),
    ("kind", "Kind", "类型", "text"),
    ("measure", "Measure", "口径", "text"),
    ("period", "Period", "时期", "text"),
    ("comparator", "Comparator", "比较", "text"),
    ("value", "Value", "数值", "num"),
    ("low", "Low", "下限", "num"),
    ("high", "High", "上限", "num"),
    ("unit", "Unit", "单位", "text"),
    ("file", "Source file", "来源文件", "text"),
)  # the quote goes on its own full-width line under each row: long sentences need the room


def table_rows(observations: list[dict], names: dict, anchored: set[str]) -> list[dict]:
    """The observations table's rows, as the JSON its script reads."""
    out = []
    for o in observations:
        ind = names.get(o["indicator"], {})
        quote, qs = o.get("quote") or "", o.get("quote_start")
        mark = None
        if (
            isinstance(qs, int)
            and isinstance(o.get("value_start"), int)
            and qs <= o["value_start"] < o["value_end"] <= qs + len(quote)
        ):
            a, b = o["value_start"] - qs, o["value_end"] - qs
            mark = [utf16_len(quote[:a]), utf16_len(quote[:b])]
        oid = o.get("observation_id") or ""
        doc_id = o.get("document_id") or ""
        href = None
        if oid in anchored and HEX16.match(oid) and HEX64.match(doc_id):  # built from checked hex ids only
            href = f"{SITE_DIR}/{page_name(doc_id)}#obs-{oid}"
        out.append(
            {
                "id": oid,
                "indicator": o["indicator"],
                "indicator_zh": ind.get("name_zh") or "",
                "indicator_en": ind.get("name_en") or "",
                "region": o.get("region_name") or o.get("region_code") or "",
                "kind": KIND_LABEL.get(o["kind"], o["kind"]),
                "measure": MEASURE_LABEL.get(o["measure"], o["measure"]),
                "period": o["period"],
                "comparator": f"{COMPARATOR_SYMBOL.get(o['comparator'], '')} {o['comparator']}".strip(),
                "value": o.get("value"),
                "low": o.get("value_low"),
                "high": o.get("value_high"),
                "unit": UNIT_ZH.get(o["unit"], o["unit"]),
                "unit_code": o["unit"],
                "file": o.get("source_file") or "",
                "quote": quote,
                "mark": mark,
                "value_text": o.get("value_text") or "",
                "href": href,
            }
        )
    return out


def _downloads(release_dir: Path, descriptor: dict) -> dict:
    files = []
    for r in descriptor.get("resources", []):
        path = str(r.get("path") or "")
        if not _SAFE_REL.match(path):
            continue
        files.append(
            {
                "path": path,
                "name": path.rsplit("/", 1)[-1],
                "title": r.get("title"),
                "format": str(r.get("format") or ""),
                "bytes": r.get("bytes"),
                "sha256": str(r.get("hash") or "").removeprefix("sha256:"),
            }
        )
    extras = [
        ("DATA_DICTIONARY.md", "Data dictionary 数据字典"),
        ("datapackage.json", "Data Package descriptor 描述文件"),
        ("CHANGELOG.md", "Changelog 变更记录"),
        ("changes.json", "Changes since the previous release 变更明细"),
    ]
    extras += [(f"schemas/{t.name}.schema.json", f"Table schema 表结构: {t.name}") for t in TABLES]
    return {
        "files": files,
        "extras": [{"href": p, "label": label} for p, label in extras if (release_dir / p).exists()],
    }


def _panel_csv(downloads: dict) -> list[dict]:
    """The tidy panel's CSV (and targets_vs_actuals', with ids and counts), among the release's checked
    download paths, for the panel view to point spreadsheet users at."""
    wanted = {
        "panel.csv": "tidy: one row per region, indicator, measure and year 整洁格式",
        "targets_vs_actuals.csv": "with sources, ids and counts 含来源与编号",
    }
    found = {f["name"]: f for f in downloads["files"] if f["name"] in wanted and f["format"] == "csv"}
    return [{"path": found[n]["path"], "name": n, "label": label} for n, label in wanted.items() if n in found]


def _panel_rows(panel: list[dict], names: dict) -> list[dict]:
    """targets_vs_actuals rows with both a target and an outcome, as the page's table shows them."""
    out = []
    for r in panel:
        if r.get("target_comparator") is None or r.get("actual_value") is None:
            continue
        out.append(
            {
                "indicator": r["indicator"],
                "indicator_zh": names.get(r["indicator"], {}).get("name_zh") or "",
                "region": r.get("region_name") or r.get("region_code") or r.get("region_key") or "",
                "year": r["year"],
                "measure": MEASURE_LABEL.get(r["measure"], r["measure"]),
                "target": with_unit(
                    r["target_comparator"], r.get("target_low"), r.get("target_high"), r.get("target_value"), r["unit"]
                ),
                "actual": with_unit(
                    r.get("actual_comparator"), r["actual_value"], r["actual_value"], r["actual_value"], r["unit"]
                ),
                "met": r.get("met"),
            }
        )
    return out


def _citation(descriptor: dict) -> str:
    authors = (
        ", ".join(c.get("title", "") for c in descriptor.get("contributors", []) if c.get("title"))
        or "govreport maintainers"
    )
    created = str(descriptor.get("created") or "")
    return (
        f"{authors} ({created[:4]}). {descriptor.get('title') or PACKAGE_TITLE} / {PACKAGE_TITLE_ZH}, "
        f"version {descriptor.get('version')} [data set], released {created[:10]}. "
        f"Package {descriptor.get('name') or PACKAGE_NAME}, id {descriptor.get('id')}."
    )


def _dictionary() -> dict:
    """The data dictionary's tables of fields, from the contract (the same source as DATA_DICTIONARY.md)."""
    tables = []
    for t in TABLES:
        fields = []
        for f in t.fields:
            extra = [
                s
                for s in (
                    "unique" if f.unique else "",
                    f"≥ {num(f.minimum)}" if f.minimum is not None else "",
                    f"≤ {num(f.maximum)}" if f.maximum is not None else "",
                )
                if s
            ]
            fields.append(
                {
                    "name": f.name,
                    "type": f.type,
                    "required": f.required,
                    "en": f.en,
                    "zh": f.zh,
                    "allowed": ", ".join(f.enum) if f.enum else (f.pattern or ""),
                    "extra": " " + ", ".join(extra) if extra else "",
                }
            )
        tables.append(
            {
                "name": t.name,
                "title": t.title,
                "en": t.en,
                "zh": t.zh,
                "fields": fields,
                "primary_key": ", ".join(t.primary_key),
                "natural_key": ", ".join(t.natural_key),
            }
        )
    return {"tables": tables, "units": UNITS}


def build_release_site(release_dir: Path, raw_dir: Path | None = None) -> Path:
    """Write release_dir/index.html (+ release_dir/site/: stylesheet, script, per-document pages). Returns the
    index path. raw_dir: as for prepare_release_site."""
    return prepare_release_site(release_dir, raw_dir).write()


@dataclass
class PreparedReleasePage:
    """Everything of a release page but its validation verdict: the publisher builds it while the checks run."""

    release_dir: Path
    context: dict

    def write(self) -> Path:
        """index.html, with the verdict the checks have written under validation/ by now."""
        page = render("release.html.j2", validation=validation_view(self.release_dir), **self.context)
        index = self.release_dir / "index.html"
        index.write_text(page, encoding="utf-8")
        return index


def prepare_release_site(release_dir: Path, raw_dir: Path | None = None) -> PreparedReleasePage:
    """Write release_dir/site/ (stylesheet, script, per-document pages) and gather the release page's content.

    raw_dir: where the raw documents are; given, each document gets a page with its text and every quote
    marked, and the table links each observation to its place there."""
    release_dir = Path(release_dir)
    descriptor = json.loads((release_dir / "datapackage.json").read_text(encoding="utf-8"))
    data = release_dir / "data"
    # The table and document pages need whole rows of the first MAX_TABLE_ROWS only; the charts, counts. Reading
    # just that keeps a national release's page build small.
    # Charts and counts need counts per document and per period only: Arrow counts them.
    per_document = count_rows(data / "observations.parquet", ["document_id", "kind"])
    per_period = count_rows(data / "observations.parquet", ["period", "kind"])
    n_observations = sum(per_document.values())
    shown = read_rows(data / "observations.parquet", limit=MAX_TABLE_ROWS)
    documents = read_rows(data / "documents.parquet")
    names = {r["code"]: r for r in read_rows(data / "indicators.parquet")}
    panel = read_rows(data / "targets_vs_actuals.parquet", columns=list(dict.fromkeys(PANEL_COLUMNS + VIEW_COLUMNS)))
    version = str(descriptor.get("version") or release_dir.name)
    site = release_dir / SITE_DIR
    copy_static(site)
    for stale in site.glob("doc-*.html"):  # pages from an earlier build (perhaps with another raw_dir)
        stale.unlink()
    release_title = f"{descriptor.get('title') or PACKAGE_TITLE} {version}"

    paged: set[str] = set()
    anchored: set[str] = set()
    if raw_dir is not None:
        shown_docs = {o["document_id"] for o in shown}
        paged, anchored = write_document_pages(
            site, Path(raw_dir), [d for d in documents if d["document_id"] in shown_docs], shown, release_title, names
        )

    series = chart_series(panel)
    meta = descriptor.get("govreport") or {}
    created = str(descriptor.get("created") or "")
    licence = (descriptor.get("licenses") or [LICENSE])[0]
    panel_rows = _panel_rows(panel, names)
    downloads = _downloads(release_dir, descriptor)
    context = dict(
        release_title=release_title,
        package_title_zh=PACKAGE_TITLE_ZH,
        name=descriptor.get("name"),
        title=descriptor.get("title") or PACKAGE_TITLE,
        lede=str(descriptor.get("description") or "").removeprefix(PACKAGE_TITLE_ZH + ". "),
        version=version,
        created=created,
        licence={
            "title": licence.get("title") or licence.get("name"),
            "href": licence.get("path") if str(licence.get("path") or "").startswith("https://") else None,
        },
        counts={
            "observations": (meta.get("row_counts") or {}).get("observations", n_observations),
            "documents": (meta.get("row_counts") or {}).get("documents", len(documents)),
            "indicators": (meta.get("row_counts") or {}).get("indicators", len(names)),
        },
        reason=meta.get("version_reason"),
        content_sha256=meta.get("content_sha256"),
        downloads=downloads,
        panel_csv=_panel_csv(downloads),
        panel_view=panel_view_data(panel, names),
        changes=changes_view(release_dir, descriptor),
        charts=[series_figure(s, names, f"c{i}") for i, s in enumerate(series[:MAX_CHARTS])],
        n_series=len(series),
        max_charts=MAX_CHARTS,
        measure_label=MEASURE_LABEL,
        unit_zh=UNIT_ZH,
        panel_rows=panel_rows[:MAX_PANEL_ROWS],
        n_panel_rows=len(panel_rows),
        coverage=coverage_figure(documents, per_document),
        years=years_figure(per_period),
        n_shown=len(shown),
        n_observations=n_observations,
        columns=COLUMNS,
        table=table_rows(shown, names, anchored),
        documents=[
            {
                **d,
                "page": f"{SITE_DIR}/{page_name(d['document_id'])}"
                if d.get("document_id") in paged and HEX64.match(d["document_id"])
                else None,
            }
            for d in sorted(documents, key=lambda d: (d.get("report_year") or 0, d.get("source_file") or ""))
        ],
        dictionary=_dictionary(),
        citation=_citation(descriptor),
    )
    return PreparedReleasePage(release_dir, context)

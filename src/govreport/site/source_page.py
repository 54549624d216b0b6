"""One page per source document: its raw text with every quoted sentence and extracted number marked, and an
anchor obs-<id> at each value that the release page's table links to."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

from govreport.site.templating import render
from govreport.site.text import KIND_LABEL, with_unit
from govreport.sources.decode import IngestError, read_document

HEX64 = re.compile(r"^[0-9a-f]{64}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")


def page_name(document_id: str) -> str:
    return f"doc-{document_id[:12]}.html"


def _valid_spans(o: dict, text: str) -> bool:
    qs, qe, vs, ve = (o.get(k) for k in ("quote_start", "quote_end", "value_start", "value_end"))
    if not (isinstance(qs, int) and isinstance(qe, int) and isinstance(vs, int) and isinstance(ve, int)):
        return False
    return 0 <= qs <= vs < ve <= qe <= len(text) and text[qs:qe] == o.get("quote")


class Segment(NamedTuple):
    """A piece of the text between two quote or value boundaries (attributes: what the template reads)."""

    anchors: list[str]  # ids of the observations whose value starts here
    text: str
    value: bool  # within a value
    quote: bool  # within a quote


class ObservationRow(NamedTuple):
    id: str
    offset: int
    indicator: str
    indicator_zh: str | None
    kind: str
    period: str
    value: str
    value_text: str


def text_segments(text: str, observations: list[dict]) -> list[Segment]:
    """The text cut at every quote and value boundary: each piece with the anchors that start there and whether
    it lies in a quote and in a value."""
    bounds = {0, len(text)}
    anchors = defaultdict(list)
    # Each span adds one at its start and takes one away at its end: summed along the text, a piece is within
    # some span while the count is above zero (one pass, not every span tested against every piece).
    quotes: dict[int, int] = defaultdict(int)
    values: dict[int, int] = defaultdict(int)
    for o in observations:
        bounds.update((o["quote_start"], o["quote_end"], o["value_start"], o["value_end"]))
        anchors[o["value_start"]].append(o["observation_id"])
        quotes[o["quote_start"]] += 1
        quotes[o["quote_end"]] -= 1
        values[o["value_start"]] += 1
        values[o["value_end"]] -= 1
    points = sorted(bounds)
    segments = []
    in_quotes = in_values = 0
    for a, b in zip(points, points[1:], strict=False):
        in_quotes += quotes.get(a, 0)
        in_values += values.get(a, 0)
        segments.append(Segment(anchors.get(a, []), text[a:b], in_values > 0, in_quotes > 0))
    return segments


def document_page(doc: dict, text: str, observations: list[dict], release_title: str, names: dict) -> str:
    meta = [
        ("File 文件", doc.get("source_file")),
        ("Region 地区", doc.get("region_name")),
        ("Report year 报告年份", doc.get("report_year")),
        ("Type 类型", doc.get("document_type")),
        ("Published 发布日期", doc.get("published")),
        ("Issued by 发布机构", doc.get("issuing_body")),
        ("Source 来源", doc.get("source")),
        ("Encoding 编码", doc.get("encoding")),
        ("Characters 字符数", doc.get("n_chars")),
        ("SHA-256", doc.get("document_id")),
    ]
    rows = [
        ObservationRow(
            id=o["observation_id"],
            offset=o["value_start"],
            indicator=o["indicator"],
            indicator_zh=names.get(o["indicator"], {}).get("name_zh"),
            kind=KIND_LABEL.get(o["kind"], o["kind"]),
            period=o["period"],
            value=with_unit(o["comparator"], o.get("value_low"), o.get("value_high"), o["value"], o["unit"]),
            value_text=o["value_text"],
        )
        for o in sorted(observations, key=lambda o: o["value_start"])
    ]
    return render(
        "source.html.j2",
        doc_title=doc.get("title") or doc.get("source_file"),
        release_title=release_title,
        meta=[(k, v) for k, v in meta if v is not None],
        rows=rows,
        segments=text_segments(text, observations),
    )


def write_document_pages(
    site: Path, raw_dir: Path, documents: list[dict], observations: list[dict], release_title: str, names: dict
) -> tuple[set[str], set[str]]:
    """Pages for documents whose raw file is found and matches its hash; returns (document ids with a page,
    observation ids with an anchor)."""
    by_doc = defaultdict(list)
    for o in observations:
        by_doc[o["document_id"]].append(o)
    paged: set[str] = set()
    anchored: set[str] = set()
    for d in documents:
        doc_id = d.get("document_id") or ""
        if not HEX64.match(doc_id) or not d.get("source_file"):
            continue
        path = Path(raw_dir) / d["source_file"]
        if path.name != d["source_file"] or not path.is_file():  # a file name, never a path out of raw_dir
            continue
        try:
            decoded = read_document(path)
        except IngestError:
            continue
        if decoded.sha256 != doc_id:  # the raw file changed since the release: its offsets would be wrong
            continue
        obs = [
            o for o in by_doc[doc_id] if HEX16.match(o.get("observation_id") or "") and _valid_spans(o, decoded.text)
        ]
        (site / page_name(doc_id)).write_text(
            document_page(d, decoded.text, obs, release_title, names), encoding="utf-8"
        )
        paged.add(doc_id)
        anchored.update(o["observation_id"] for o in obs)
    return paged, anchored

"""From raw files to table rows: read, normalize, extract, describe. No orchestration here.

`process_file` never raises for a bad document: its problem is returned, named
by file, so that one broken input does not stop a run.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from govreport.contract.model import EXTRACTOR_VERSION
from govreport.extract import document as docinfo
from govreport.extract.normalize import normalize
from govreport.extract.rules import Extractor, extract_all
from govreport.sources import regions
from govreport.sources.confine import outside_problem
from govreport.sources.decode import IngestError, read_document
from govreport.sources.manifest import ManifestProblem, SourceEntry


@dataclass
class DocumentResult:
    file: str
    document: dict | None = None
    observations: list[dict] = field(default_factory=list)
    quantities: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


@lru_cache(maxsize=4096)  # once per period code, not per row: a report's rows share a few
def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a period code: 2020, 2017-S1, 2017-Q1, 2017-03, 2017-01/2017-07, 2021/2025."""
    first, _, last = period.partition("/")
    return _bounds(first)[0], _bounds(last or first)[1]


def _bounds(p: str) -> tuple[date, date]:
    year = int(p[:4])
    rest = p[5:]
    if not rest:
        return date(year, 1, 1), date(year, 12, 31)
    if rest[0] == "S":
        h = int(rest[1])
        return date(year, 1 + 6 * (h - 1), 1), date(year, 6 * h, 30 if h == 1 else 31)
    if rest[0] == "Q":
        q = int(rest[1])
        last_month = 3 * q
        return date(year, last_month - 2, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])
    month = int(rest)
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _title_from_text(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip()
        if 6 <= len(line) <= 60 and not re.match(r"^[\W\d]+$", line):
            return line
    return None


def row_id(document_id: str, fact_key: tuple) -> str:
    return hashlib.sha256(repr((document_id, fact_key)).encode("utf-8")).hexdigest()[:16]


def process_file(path: Path, entry: SourceEntry | None, extractor: Extractor | None = None) -> DocumentResult:
    result = DocumentResult(file=path.name)
    problem = outside_problem(path)
    if problem:
        result.error = f"{path}: {problem}"
        return result
    try:
        decoded = read_document(path)
    except IngestError as err:
        result.error = str(err)
        return result
    result.warnings.extend(decoded.warnings)
    doc = normalize(decoded.text)
    entry = entry or SourceEntry(file=path.name)
    published = entry.published
    report_year = entry.report_year or docinfo.infer_report_year(doc.text, published.year if published else None)
    if report_year is None:
        result.error = f"{path}: cannot tell which year the report is about (no year in the text or the manifest)"
        return result
    if not re.search(r"[\u4e00-\u9fff]", doc.text):
        result.warnings.append(f"{path}: no Chinese text found; is this a report?")
    facts, quantities = extract_all(doc, report_year, extractor)
    if not facts:
        result.warnings.append(f"{path}: no indicator observations found")
    inferred = entry.report_year is None or entry.region_name is None
    region = regions.resolve(entry.region_name, entry.region_code, doc.text)
    document = {
        "document_id": decoded.sha256,
        "source_file": path.name,
        "title": entry.title or _title_from_text(doc.text),
        "region_code": region.code,
        "region_name": region.name,
        "region_level": region.level,
        "issuing_body": entry.issuing_body,
        "document_type": entry.document_type
        or ("government_work_report" if "政府工作报告" in doc.text[:300] else "other"),
        "published": published,
        "report_year": report_year,
        "script": entry.script or docinfo.infer_script(decoded.text),
        "source": entry.source,
        "licence": entry.licence,
        "encoding": decoded.encoding,
        "n_bytes": decoded.n_bytes,
        "n_chars": len(decoded.text),
        "n_observations": len(facts),
        "metadata_origin": "inferred" if inferred else "manifest",
    }
    result.document = document

    quotes: dict[tuple[int, int], tuple[int, int, str]] = {}  # by sentence: its rows share one quote

    def located(item, key: tuple) -> dict:
        """The columns every extracted row shares: ids, document, period, value and provenance in raw offsets."""
        quote = quotes.get((item.quote_start, item.quote_end))
        if quote is None:
            raw_start, raw_end = doc.to_raw(item.quote_start, item.quote_end)
            quote = quotes[item.quote_start, item.quote_end] = (raw_start, raw_end, decoded.text[raw_start:raw_end])
        quote_start, quote_end, quote_text = quote
        value_start, value_end = doc.to_raw(item.value_start, item.value_end)
        start, end = period_bounds(item.period)
        return {
            "document_id": decoded.sha256,
            "source_file": path.name,
            "region_code": document["region_code"],
            "region_name": document["region_name"],
            "measure": item.measure,
            "kind": item.kind,
            "period": item.period,
            "period_start": start,
            "period_end": end,
            "comparator": item.comparator,
            "value_low": item.value_low,
            "value_high": item.value_high,
            "value": item.value,
            "unit": item.unit,
            "value_text": decoded.text[value_start:value_end],
            "quote": quote_text,
            "quote_start": quote_start,
            "quote_end": quote_end,
            "value_start": value_start,
            "value_end": value_end,
            "extractor_version": EXTRACTOR_VERSION,
        }

    for f in facts:
        row = {
            "observation_id": row_id(decoded.sha256, f.key),
            "indicator": f.indicator,
            "rule": f.rule,
            "basis": f.basis,
        }
        result.observations.append(row | located(f, f.key))
    for q in quantities:
        row = {"quantity_id": row_id(decoded.sha256, ("quantity",) + q.key), "subject": q.subject}
        result.quantities.append(row | located(q, q.key))
    return result


def drop_duplicate_documents(results: list[DocumentResult]) -> list[DocumentResult]:
    """Two raw files with the same bytes are one document: keep the first by name, warn about the other."""
    first_by_id: dict[str, str] = {}
    for r in results:
        if r.document is None:
            continue
        doc_id = r.document["document_id"]
        if doc_id in first_by_id:
            r.warnings.append(f"raw/{r.file}: same content as raw/{first_by_id[doc_id]}; skipped as a duplicate")
            r.document, r.observations, r.quantities = None, [], []
        else:
            first_by_id[doc_id] = r.file
    return results


class ManifestUnusable(Exception):
    """raw/sources.yaml cannot be read at all: publishing with guessed metadata would degrade the release."""


def refuse_unusable_manifest(problems: list[ManifestProblem]) -> None:
    fatal = [p for p in problems if p.fatal]
    if fatal:
        raise ManifestUnusable("; ".join(str(p) for p in fatal) + " — fix the manifest; nothing was published")


def process_all(paths: list[Path], entries: dict[str, SourceEntry]) -> list[DocumentResult]:
    return drop_duplicate_documents([process_file(p, entries.get(p.name)) for p in paths])


@dataclass
class RunSummary:
    """What a run did, for its last log line and the command's output."""

    documents_read: int
    unchanged: int
    failed: dict[str, str]
    observations: int
    quantities: int
    validation: str
    version: str | None
    seconds: float

    @classmethod
    def of(cls, results: list[DocumentResult], unchanged: int, outcome, seconds: float) -> RunSummary:
        ok = [r for r in results if r.document is not None]
        report = getattr(outcome, "report", None)
        validation = (
            "not needed (nothing changed)"
            if report is None
            else f"passed ({report.checks_run} checks, {len(report.warnings)} warnings)"
        )
        flagged = getattr(report, "flagged", None) or {}
        if flagged.get("rows"):
            by_check = ", ".join(f"{check} {n}" for check, n in flagged["by_check"].items())
            validation += (
                f"; {flagged['rows']} observations flagged ({by_check}), published apart in flagged_observations"
            )
        counts = outcome.row_counts
        return cls(
            len(ok),
            unchanged,
            {r.file: r.error for r in results if r.error},
            counts.get("observations", 0),
            counts.get("quantities", 0),
            validation,
            outcome.version,
            seconds,
        )

    def __str__(self) -> str:
        failed = "; ".join(f"{k} ({v})" for k, v in self.failed.items()) or "none"
        published = f"published {self.version}" if self.version else "nothing published (no change)"
        return (
            f"run summary: {self.documents_read} documents read ({self.unchanged} unchanged, from cache), "
            f"{len(self.failed)} failed: {failed}; {self.observations} observations, {self.quantities} "
            f"quantities; validation {self.validation}; {published}; {self.seconds:.1f} s"
        )

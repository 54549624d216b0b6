"""The release's validation verdict for its page: the gate's report.json and a summary of the Great
Expectations results it kept as JSON (suites, expectations evaluated, failures)."""

from __future__ import annotations

from pathlib import Path

from govreport.site.release_files import read_json

REPORT_LINKS = (
    ("validation/report.json", "report 报告"),
    ("validation/frictionless.json", "Frictionless"),
    ("validation/great_expectations.json", "Great Expectations (JSON)"),
)
MAX_ROWS_SHOWN = 10


def _failure(f) -> dict:
    if not isinstance(f, dict):
        return {"text": str(f)}
    rows = f.get("rows") or []
    shown = ", ".join(str(r) for r in rows[:MAX_ROWS_SHOWN]) + (" …" if len(rows) > MAX_ROWS_SHOWN else "")
    return {
        "tool": f.get("tool"),
        "table": f.get("table"),
        "check": f.get("check"),
        "message": f.get("message"),
        "rows": shown,
    }


def gx_summary(results) -> list[dict]:
    """One line per expectation suite from great_expectations.json: expectations evaluated, passed, and the
    failed ones by type and column."""
    if not isinstance(results, dict):
        return []
    out = []
    for suite, result in sorted(results.items()):
        if not isinstance(result, dict):
            continue
        stats = result.get("statistics") or {}
        failed = []
        for r in result.get("results") or []:
            if isinstance(r, dict) and not r.get("success"):
                config = r.get("expectation_config") or {}
                failed.append(
                    {
                        "type": config.get("type"),
                        "column": (config.get("kwargs") or {}).get("column"),
                        "severity": config.get("severity"),
                    }
                )
        out.append(
            {
                "suite": suite,
                "evaluated": stats.get("evaluated_expectations"),
                "successful": stats.get("successful_expectations"),
                "unsuccessful": stats.get("unsuccessful_expectations"),
                "failed": failed,
            }
        )
    return out


def validation_view(release_dir: Path) -> dict:
    release_dir = Path(release_dir)
    report = read_json(release_dir / "validation" / "report.json")
    links = [{"href": p, "label": label} for p, label in REPORT_LINKS if (release_dir / p).exists()]
    suites = gx_summary(read_json(release_dir / "validation" / "great_expectations.json"))
    if not isinstance(report, dict):
        return {"report": None, "links": links, "suites": suites}
    critical, warnings = report.get("critical") or [], report.get("warnings") or []
    return {
        "report": {
            "passed": bool(report.get("passed")),
            "checks_run": report.get("checks_run"),
            "critical": [_failure(f) for f in critical],
            "warnings": [_failure(f) for f in warnings],
        },
        "links": links,
        "suites": suites,
        "totals": {k: sum(s[k] or 0 for s in suites) for k in ("evaluated", "successful", "unsuccessful")},
    }

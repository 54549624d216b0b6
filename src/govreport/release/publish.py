"""Publish a release: decide its version, write it aside, validate it, then move it into place.

published/
  catalog.json                     every package and version
  <package>/<version>/             one immutable folder per release
  <package>/latest.json            pointer to the newest version (replaced atomically)

A release folder is complete before it is visible: it is written under a
hidden staging name and renamed into place; `latest.json` and the catalog are
replaced only after that. A lock file keeps two publishers apart.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
from frictionless import Package

from govreport import __version__
from govreport.checks.gate import ValidationReport
from govreport.checks.gate_process import ChecksProcess, checks_beside, start_validation
from govreport.checks.row_checks import quarantine
from govreport.collector import collecting_only_new_objects
from govreport.contract.files import EXPECTATIONS_DIR
from govreport.contract.model import (
    DOCUMENTS,
    EXTRACTOR_VERSION,
    FLAGGED_OBSERVATIONS,
    INDICATORS,
    LICENSE,
    OBSERVATIONS,
    PACKAGE_CONTRIBUTORS,
    PACKAGE_DESCRIPTION,
    PACKAGE_ID,
    PACKAGE_KEYWORDS,
    PACKAGE_NAME,
    PACKAGE_TITLE,
    PANEL,
    QUANTITIES,
    TABLES,
    TARGETS_VS_ACTUALS,
    Table,
)
from govreport.contract.render import data_dictionary
from govreport.errors import UserError
from govreport.extract.pipeline import DocumentResult
from govreport.release import changes
from govreport.release.catalog import catalog_of, json_bytes
from govreport.release.commit import ReleaseDamaged, atomic_write, fsync_path, fsync_tree, step, verify_release
from govreport.release.latest import point_latest
from govreport.release.lock import publish_lock
from govreport.release.recover import read_latest
from govreport.release.versions import parse_version
from govreport.site import build_catalog_site
from govreport.site.release_page import prepare_release_site
from govreport.sources.decode import file_sha256
from govreport.sources.regions import REGION_CODES_EDITION
from govreport.tables.arrow import combine, indicator_rows, to_arrow, write_csv, write_parquet
from govreport.tables.database import DATABASE_NAME, write_database
from govreport.tables.memory import allocate_returnably, release_freed_memory
from govreport.tables.panel import targets_vs_actuals, tidy_panel
from govreport.tables.table_file import TableFile, sort_observation_parts, sort_parts


class PublishBlocked(Exception):
    """Validation found critical failures; nothing was published."""

    def __init__(self, report: ValidationReport, kept_at: Path):
        self.report, self.kept_at = report, kept_at
        lines = [f"release blocked by {len(report.critical)} critical check(s):"]
        lines += [f"  {_short(f)}" for f in report.critical[:SHOWN_FAILURES]]
        if len(report.critical) > SHOWN_FAILURES:
            lines.append(f"  … and {len(report.critical) - SHOWN_FAILURES} more")
        flagged = report.flagged
        if flagged.get("rows"):
            by_check = ", ".join(f"{check} {n}" for check, n in flagged["by_check"].items())
            lines.append(
                f"  {flagged['rows']} observations flagged ({flagged['share']:.0%} of all; at most "
                f"{flagged['max_share']:.0%} may be): {by_check}; e.g. {flagged['examples'][0][:160]}"
            )
        lines.append(f"full report: {kept_at / 'validation' / 'report.json'} (the rejected release: {kept_at})")
        super().__init__("\n".join(lines))


SHOWN_FAILURES = 5  # a blocked run names this many checks; the rest are in its report


def _short(failure) -> str:
    """One line for a failed check: at most three of its rows."""
    rows = failure.rows
    shown = f" rows: {', '.join(str(r) for r in rows[:3])}{' …' if len(rows) > 3 else ''}" if rows else ""
    return f"{failure.table}: {failure.check} {failure.message[:160]}{shown}".rstrip()


class InputChanged(UserError):
    """Raw files whose bytes are no longer those extracted: they changed (grew, were rewritten) during the run."""

    exit_code = 1

    def __init__(self, paths: list[str]):
        self.paths = paths
        more = (
            f" (and {len(paths) - 1} more: {', '.join(paths[1:4])}{', …' if len(paths) > 4 else ''})"
            if len(paths) > 1
            else ""
        )
        super().__init__(
            f"{paths[0]}: changed while this run was reading it{more}; its rows would not match "
            "the file, so nothing was published: run again once it is complete"
        )


def changed_inputs(results: list[DocumentResult], raw_dir: Path) -> list[str]:
    """The raw files of the results' documents whose bytes are no longer the ones extracted (or are gone)."""
    changed = []
    for r in results:
        if r.document is None:
            continue
        path = Path(raw_dir) / r.document["source_file"]
        try:
            now = file_sha256(path)
        except OSError:
            now = None
        if now != r.document["document_id"]:
            changed.append(str(path))
    return changed


@dataclass
class PublishOutcome:
    version: str | None  # None: nothing changed, nothing published
    path: Path | str | None  # a folder, or an fsspec URL (release.storage)
    previous: str | None
    row_counts: dict[str, int] = field(default_factory=dict)
    report: ValidationReport | None = None
    summary: object | None = None  # pipeline.RunSummary, set by the flow
    recovered: list[str] = field(default_factory=list)  # what recovery repaired before this run


# --- building the tables ------------------------------------------------------------
def extracted_tables(results: list[DocumentResult]) -> dict[str, pa.Table]:
    """A batch's extracted rows as (unsorted) Arrow tables: columnar, so a large run's rows stay small."""
    ok = [r for r in results if r.document is not None]
    return {
        "observations": to_arrow(OBSERVATIONS, [o for r in ok for o in r.observations], sort=False),
        "quantities": to_arrow(QUANTITIES, [q for r in ok for q in r.quantities], sort=False),
    }


def build_tables(
    results: list[DocumentResult], extracted: list[dict[str, pa.Table | Path]] | None = None
) -> dict[str, pa.Table | TableFile]:
    """The release's tables. `extracted`: per-batch tables, or their part files (tables/parts.py: the flow's), from
    which the large tables are sorted into files beside them (tables/table_file.py); default: made from the results."""
    allocate_returnably()  # a release's large tables come and go: their memory must go back when they do
    release_freed_memory()  # what extraction freed: the tables are built on top of what is really held
    documents = [r.document for r in results if r.document is not None]
    parts = extracted if extracted is not None else [extracted_tables(results)]
    kept = pa.array(sorted(d["source_file"] for d in documents), pa.string())  # duplicates dropped since
    tables: dict[str, pa.Table | TableFile] = {}
    if parts and all(isinstance(p[t.name], (str, Path)) for p in parts for t in (OBSERVATIONS, QUANTITIES)):
        # Part files: the large tables are sorted on disk, into files beside them, and never held whole.
        folder = Path(parts[0][QUANTITIES.name]).parent
        tables["quantities"] = sort_parts(QUANTITIES, [Path(p[QUANTITIES.name]) for p in parts], folder, kept)
        release_freed_memory()
        tables["observations"], tables["flagged_observations"] = sort_observation_parts(
            OBSERVATIONS,
            FLAGGED_OBSERVATIONS,
            [Path(p[OBSERVATIONS.name]) for p in parts],
            folder,
            lambda part: quarantine(part, documents),  # row checks: a row and its document's rows, in one part
            kept,
        )
        release_freed_memory()
    else:
        for t in (OBSERVATIONS, QUANTITIES):
            tables[t.name] = combine(t, [p[t.name] for p in parts], kept)
            release_freed_memory()  # what the sort freed, before the next step needs memory
        # Rows failing a row check are published apart, and kept out of observations and the panel.
        tables["observations"], tables["flagged_observations"] = quarantine(tables["observations"], documents)
        release_freed_memory()
    panel_rows = targets_vs_actuals(tables["observations"], documents)  # columnar: no Python row per observation
    tables["targets_vs_actuals"] = to_arrow(TARGETS_VS_ACTUALS, panel_rows)
    tables["panel"] = to_arrow(PANEL, tidy_panel(panel_rows))
    tables["documents"] = to_arrow(DOCUMENTS, documents)
    tables["indicators"] = to_arrow(INDICATORS, indicator_rows())
    return {t.name: tables[t.name] for t in TABLES}


def key_hashes(table: pa.Table | TableFile, key: tuple[str, ...]) -> set[int]:
    """A set of the rows' natural keys, as hashes: enough to count additions, and small for big tables."""
    out: set[int] = set()
    for rows in table.to_batches(max_chunksize=50_000):
        batch = rows.select(list(key))
        # Column by column: a tuple per row, never a dict (the same tuples, so the same hashes).
        out.update(map(hash, zip(*(column.to_pylist() for column in batch.columns), strict=True)))
    return out


def content_hash(csv_digests: dict[str, str]) -> str:
    """The data's fingerprint: the sha256 of each table's CSV. Equal fingerprints: nothing to publish."""
    h = hashlib.sha256()
    for name in sorted(csv_digests):
        h.update(name.encode() + b"\0" + bytes.fromhex(csv_digests[name]))
    return h.hexdigest()


def table_digests(tables: dict[str, pa.Table]) -> dict[str, str]:
    """Each table's CSV sha256, computed without writing it anywhere."""
    with open(os.devnull, "wb") as sink:
        return {t.name: write_csv(t, tables[t.name], sink) for t in TABLES}


# --- versions -------------------------------------------------------------------------
def release_fields(release_dir: Path) -> dict[str, dict[str, str]]:
    """table -> field -> type, from a release's table schemas."""
    out = {}
    for path in sorted((release_dir / "schemas").glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        out[path.name.removesuffix(".schema.json")] = {f["name"]: f["type"] for f in schema["fields"]}
    return out


def contract_fields() -> dict[str, dict[str, str]]:
    return {t.name: {f.name: f.type for f in t.fields} for t in TABLES}


def bump(
    previous_version: str | None,
    old_fields: dict,
    new_fields: dict,
    previous_keys: dict[str, set],
    new_keys: dict[str, set],
) -> tuple[str, str]:
    """Next semantic version and why: MAJOR removes or retypes, MINOR adds, PATCH corrects values."""
    if previous_version is None:
        return "1.0.0", "first release"
    major, minor, patch = parse_version(previous_version)
    removed = [f"{t}" for t in old_fields if t not in new_fields]
    removed += [f"{t}.{f}" for t in old_fields if t in new_fields for f in old_fields[t] if f not in new_fields[t]]
    retyped = [
        f"{t}.{f}"
        for t in old_fields
        if t in new_fields
        for f, ty in old_fields[t].items()
        if f in new_fields[t] and new_fields[t][f] != ty
    ]
    lost_documents = previous_keys.get("documents", set()) - new_keys.get("documents", set())
    if removed or retyped or lost_documents:
        why = "; ".join(
            filter(
                None,
                [
                    f"removed {', '.join(removed)}" if removed else "",
                    f"type changed: {', '.join(retyped)}" if retyped else "",
                    f"{len(lost_documents)} document(s) removed" if lost_documents else "",
                ],
            )
        )
        return f"{major + 1}.0.0", why
    added_fields = [f"table {t}" for t in new_fields if t not in old_fields]
    added_fields += [f"{t}.{f}" for t in new_fields if t in old_fields for f in new_fields[t] if f not in old_fields[t]]
    added_rows = {t: len(new_keys[t] - previous_keys.get(t, set())) for t in new_keys}
    if added_fields or any(added_rows.values()):
        parts = [f"added {', '.join(added_fields)}" if added_fields else ""]
        parts += [f"{n} {t} added" for t, n in sorted(added_rows.items()) if n]
        return f"{major}.{minor + 1}.0", "; ".join(filter(None, parts))
    return f"{major}.{minor}.{patch + 1}", "values corrected"


# --- time and code version, for reproducible output ----------------------------------------
def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], capture_output=True, text=True, timeout=10, cwd=Path(__file__).resolve().parent
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def build_time() -> datetime:
    """SOURCE_DATE_EPOCH when set (reproducible-builds convention), else the last commit's time."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH") or _git("log", "-1", "--format=%ct") or "0"
    return datetime.fromtimestamp(int(epoch), tz=UTC)


def code_version() -> dict:
    return {"govreport": __version__, "extractor": EXTRACTOR_VERSION, "git_commit": _git("rev-parse", "HEAD")}


# --- writing ------------------------------------------------------------------------------
_atomic_write = atomic_write  # durable: fsynced file and folder (release/commit.py)


def _resource(t: Table, path: str, fmt: str, file: Path) -> dict:
    """A descriptor entry. The CSV is the tabular resource Frictionless validates row by row; its Parquet
    twin is declared as a file (Frictionless checks its bytes and hash) carrying the same schema, which is
    also embedded in the Parquet file's metadata."""
    res = {
        "name": t.name if fmt == "csv" else f"{t.name}-parquet",
        "path": path,
        "format": fmt,
        "mediatype": "text/csv" if fmt == "csv" else "application/vnd.apache.parquet",
        "title": t.title,
        "description": f"{t.en} {t.zh}",
        "bytes": file.stat().st_size,
        "hash": "sha256:" + file_sha256(file),
    }
    if fmt == "csv":
        res.update({"type": "table", "encoding": "utf-8", "schema": f"schemas/{t.name}.schema.json"})
    else:
        res.update({"type": "file", "govreport:tableSchema": f"schemas/{t.name}.schema.json"})
    return res


def _sources(results: list[DocumentResult]) -> list[dict]:
    out = []
    for r in results:
        d = r.document
        if d is None:
            continue
        out.append(
            {
                "title": d["title"] or d["source_file"],
                "path": f"raw/{d['source_file']}",
                "hash": f"sha256:{d['document_id']}",
                "publisher": d["source"],
                "region": d["region_name"],
                "licence": d["licence"],
            }
        )
    return sorted(out, key=lambda s: s["path"])


def verified_latest(package_dir: Path) -> dict | None:
    """read_latest, after checking the release's files against its recorded hashes: a new release is
    derived from it (versions, changes, changelog), so a changed byte there must stop the run."""
    previous = read_latest(package_dir)
    if previous is not None:
        problems = verify_release(package_dir / previous["version"])
        if problems:
            raise ReleaseDamaged(previous["version"], problems)
    return previous


def _keys(package_dir: Path, descriptor: dict | None) -> dict[str, set]:
    if descriptor is None:
        return {}
    import pyarrow.parquet as pq

    out = {}
    for t in TABLES:
        path = package_dir / descriptor["version"] / "data" / f"{t.name}.parquet"
        # A table whose natural key changed since (targets_vs_actuals: year -> period) has no comparable keys.
        if path.exists() and set(t.natural_key) <= set(pq.read_schema(path).names):
            out[t.name] = key_hashes(pq.read_table(path, columns=list(t.natural_key)), t.natural_key)
    return out


@collecting_only_new_objects
def publish(
    results: list[DocumentResult],
    out_dir: Path,
    raw_dir: Path,
    state_dir: Path,
    lock_wait: float = 0,
    expected_counts: dict | None = None,
    extracted: list[dict[str, pa.Table | Path]] | None = None,
    inputs: str | None = None,
) -> PublishOutcome:
    """Publish the documents' tables as the next version of the package, if anything changed.

    expected_counts: reviewed observation counts per document (default: the contract's expected_counts.csv);
    extracted: per-batch tables (or their part files), when the caller already turned the results' rows into
    tables;
    inputs: the inputs' fingerprint (pipeline.inputs_fingerprint), recorded so the next run can skip work."""
    # The checks' process imports GX (seconds of one core) on the other core while the files are written.
    with checks_beside() as checks:
        return _publish(results, out_dir, raw_dir, state_dir, lock_wait, expected_counts, extracted, inputs, checks)


def _publish(
    results: list[DocumentResult],
    out_dir: Path,
    raw_dir: Path,
    state_dir: Path,
    lock_wait: float,
    expected_counts: dict | None,
    extracted: list[dict[str, pa.Table | Path]] | None,
    inputs: str | None,
    checks: ChecksProcess | None,
) -> PublishOutcome:
    out_dir, raw_dir, state_dir = Path(out_dir), Path(raw_dir), Path(state_dir)
    package_dir = out_dir / PACKAGE_NAME
    tables = build_tables(results, extracted)
    counts = {name: t.num_rows for name, t in tables.items()}
    with publish_lock(out_dir, lock_wait):
        from govreport.release.recover import recover

        # Under the lock no other publisher is writing: what is half-done now is from a dead run.
        recovered = recover(out_dir)
        previous = verified_latest(package_dir)
        stage = package_dir / f".staging-{os.getpid()}"
        (stage / "data").mkdir(parents=True)
        try:
            # The CSVs are written first: their hashes tell whether anything changed at all.
            digests = {}
            for t in TABLES:
                with open(stage / "data" / f"{t.name}.csv", "wb") as fh:
                    digests[t.name] = write_csv(t, tables[t.name], fh)
            digest = content_hash(digests)
            if previous is not None and previous.get("govreport", {}).get("content_sha256") == digest:
                return PublishOutcome(
                    None, package_dir / previous["version"], previous["version"], counts, recovered=recovered
                )
            # A first release is 1.0.0 whatever its rows: their keys are compared only with a previous release's.
            new_keys = {t.name: key_hashes(tables[t.name], t.natural_key) for t in TABLES} if previous else {}
            old_fields = release_fields(package_dir / previous["version"]) if previous else {}
            version, why = bump(
                previous["version"] if previous else None,
                old_fields,
                contract_fields(),
                _keys(package_dir, previous),
                new_keys,
            )
            del new_keys
            if (package_dir / version).exists():
                raise FileExistsError(f"{package_dir / version} exists already; releases are never rewritten")
            previous_dir = package_dir / previous["version"] if previous else None
            _write_release(stage, version, why, tables, results, digest, previous, previous_dir, inputs)
            # The files are written: the checks read them from disk (what readers of the release will read), and
            # the tables in memory go first, rather than being held beside what the checks need.
            del tables
            release_freed_memory()
            # DuckDB holds the database's blocks until it closes the file: written now, they are not held beside
            # the tables in memory.
            write_database(
                {t.name: stage / "data" / f"{t.name}.parquet" for t in TABLES}, TABLES, stage / "data" / DATABASE_NAME
            )
            verdict = start_validation(checks, stage, raw_dir, stage / "validation", previous_dir, expected_counts)
            # The pages are built while the checks run; the release page shows their verdict, so it is written
            # after it, before the release is visible.
            page = prepare_release_site(stage, raw_dir)
            report = verdict()
            if checks is not None:
                checks.close()  # its memory goes back now
            release_freed_memory()
            page.write()
            if not report.passed:
                kept = state_dir / "rejected" / f"{version}-{digest[:8]}"
                shutil.rmtree(kept, ignore_errors=True)
                kept.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(stage), kept)
                # A raw file that changed since it was read fails the quote checks of all its rows: say which.
                if changed := changed_inputs(results, raw_dir):
                    raise InputChanged(changed)
                raise PublishBlocked(report, kept)
            fsync_tree(stage)  # durable before it is visible
            step("staged")
            os.rename(stage, package_dir / version)  # the release becomes visible whole, or not at all
            fsync_path(package_dir)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        step("renamed")
        # The commit point: from here on, version is the latest. A crash before it leaves a complete folder
        # that the next run's recovery adopts; after it, a catalog that recovery rebuilds.
        _atomic_write(
            package_dir / "latest.json", json_bytes({"name": PACKAGE_NAME, "version": version, "path": f"{version}/"})
        )
        step("committed")
        point_latest(package_dir, version)
        update_catalog(out_dir)
        step("catalogued")
        build_catalog_site(out_dir)
        return PublishOutcome(
            version,
            package_dir / version,
            previous["version"] if previous else None,
            counts,
            report,
            recovered=recovered,
        )


def _write_release(
    stage: Path,
    version: str,
    why: str,
    tables,
    results,
    digest,
    previous,
    previous_dir: Path | None,
    inputs: str | None = None,
) -> dict:
    """Everything but the CSVs (already in stage/data) and the validation reports."""
    (stage / "schemas").mkdir()
    resources = []
    for t in TABLES:
        write_parquet(t, tables[t.name], stage / "data" / f"{t.name}.parquet", version)
        (stage / "schemas" / f"{t.name}.schema.json").write_bytes(json_bytes(t.to_frictionless()))
        resources.append(_resource(t, f"data/{t.name}.parquet", "parquet", stage / "data" / f"{t.name}.parquet"))
        resources.append(_resource(t, f"data/{t.name}.csv", "csv", stage / "data" / f"{t.name}.csv"))
    # The suites it is validated with travel with the release: `govreport validate` checks it against them later.
    shutil.copytree(EXPECTATIONS_DIR, stage / "schemas" / "expectations")
    (stage / "DATA_DICTIONARY.md").write_text(data_dictionary(), encoding="utf-8")
    created = build_time().strftime("%Y-%m-%dT%H:%M:%SZ")
    descriptor = {
        "profile": "data-package",
        "name": PACKAGE_NAME,
        "id": PACKAGE_ID,
        "title": PACKAGE_TITLE,
        "description": PACKAGE_DESCRIPTION,
        "version": version,
        "created": created,
        "licenses": [LICENSE],
        "keywords": list(PACKAGE_KEYWORDS),
        "contributors": [dict(c) for c in PACKAGE_CONTRIBUTORS],
        "sources": _sources(results),
        "resources": resources,
        "govreport": {
            "content_sha256": digest,
            "inputs_sha256": inputs,
            "version_reason": why,
            "region_codes": REGION_CODES_EDITION,
            "code": code_version(),
            "previous_version": previous["version"] if previous else None,
            "row_counts": {name: t.num_rows for name, t in tables.items()},
        },
    }
    problems = Package.validate_descriptor(descriptor)
    if not problems.valid:  # Frictionless's metadata validation, before anything is released
        raise ValueError("datapackage.json is not a valid descriptor: " + "; ".join(e.message for e in problems.errors))
    (stage / "datapackage.json").write_bytes(json_bytes(descriptor))
    diff = changes.diff_tables(changes.release_tables(previous_dir) if previous_dir else None, tables)
    changes.write(stage, diff)
    old_log = (
        (previous_dir / "CHANGELOG.md").read_text(encoding="utf-8")
        if previous_dir and (previous_dir / "CHANGELOG.md").exists()
        else None
    )
    (stage / "CHANGELOG.md").write_text(
        changes.changelog(diff, version, previous["version"] if previous else None, created, why, old_log),
        encoding="utf-8",
    )
    return descriptor


def update_catalog(out_dir: Path) -> dict:
    """Rewrite published/catalog.json from the release folders on disk."""
    catalog = catalog_of(out_dir)
    _atomic_write(Path(out_dir) / "catalog.json", json_bytes(catalog))
    return catalog

"""The govreport command line."""

from __future__ import annotations

import atexit
import os
import sys
from contextlib import nullcontext
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from govreport import __version__
from govreport.cli_boundary import OneErrorLine, Settings
from govreport.errors import UserError
from govreport.paths import PUBLISHED_DIR, RAW_DIR, STATE_DIR
from govreport.quiet import hide_failure_logs

app = typer.Typer(
    help="Headline indicators from Chinese local-government work reports, as a validated, versioned open-data package.",
    no_args_is_help=True,
    add_completion=False,
    cls=OneErrorLine,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


def _print_version(value: bool) -> None:
    if value:
        out.print(f"govreport {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of an error."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print errors only."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print Prefect's progress logs too."),
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
):
    """Headline indicators from Chinese local-government work reports, as a validated, versioned open-data
    package."""
    from govreport import quiet as verbosity

    Settings.debug = debug
    Settings.quiet = quiet and not verbose
    verbosity.configure("verbose" if verbose else "quiet" if quiet else "normal")


def _folder_option(path: Path, option: str) -> None:
    """A folder to write into: it may not exist yet, but it may not be a file."""
    if path.exists() and not path.is_dir():
        raise UserError(f"{path}: {option} must be a folder, and this is a file")


def _start_prefect_api_early():
    """Launch this run's Prefect API server before Prefect is imported: it boots (seconds) on another core
    while this process imports, and it ends with this process however this process ends."""
    from govreport.server_watch import launch_api_server

    return launch_api_server()  # None when Prefect is pointed at a server of the user's


@app.command()
def publish(
    raw: Path = typer.Option(RAW_DIR, "--raw", help="Folder of raw report texts and sources.yaml."),
    out_dir: str = typer.Option(
        str(PUBLISHED_DIR),
        "--out",
        help="Where releases are published: a folder or an fsspec URL (s3://bucket/prefix).",
    ),
    state: Path = typer.Option(STATE_DIR, "--state", help="Working state: rejected releases, caches."),
    workers: int = typer.Option(None, "--workers", help="Extract on a local Dask cluster of N processes."),
    scheduler: str = typer.Option(
        None, "--scheduler", help="Extract on the Dask cluster at this address (tcp://host:8786)."
    ),
):
    """Run the main job: extract every raw report, validate, and publish a new release if anything changed.

    Runs as a Prefect flow on Prefect's embedded local API (no server needed). A blocked or failed run says
    why in a few lines and exits non-zero.
    """
    from govreport.paths import is_remote

    if not raw.is_dir():
        raise UserError(f"{raw}: raw folder does not exist")
    if not is_remote(out_dir):
        _folder_option(Path(out_dir.removeprefix("file://")), "--out")
    _folder_option(state, "--state")
    if not is_remote(out_dir) and _nothing_changed(raw, Path(out_dir.removeprefix("file://")), state):
        return  # said so; neither Prefect nor the extractor was started
    started = _start_prefect_api_early()
    from govreport.extract.budget import helpers_for_run, stop_cleanly

    # The API server boots for seconds on one core. Meanwhile the extraction helpers start (an in-process
    # run's batches share them) and this process imports Prefect and what publishing needs.
    with stop_cleanly(), helpers_for_run() as helpers:  # SIGTERM and Ctrl-C end the run and helpers at once
        if workers is None and scheduler is None:
            helpers.start_helpers()
        outcome = _run_publish_flow(started, raw, out_dir, state, workers, scheduler)
    counts = _counts(outcome.row_counts)
    if Settings.quiet:
        return
    if outcome.summary is not None:
        out.print(escape(str(outcome.summary)), highlight=False)
    if outcome.version is None:
        out.print(f"Nothing changed since {outcome.previous}; nothing published. ({counts})")
    else:
        out.print(f"Published [bold]{outcome.version}[/] at {outcome.path} ({counts})")


def _import_publishing_libraries() -> None:
    """GX, which the checks import only when they run (seconds of CPU), imported while the API server boots
    instead. (DuckDB and Frictionless come with the publishing code, already imported.)"""
    from govreport.checks.gate import import_gx

    import_gx()


def _run_publish_flow(started, raw: Path, out_dir: str, state: Path, workers: int | None, scheduler: str | None):
    """The publish flow's outcome; every way it can fail becomes a few lines and an exit status."""
    from govreport.collector import collector_paused

    with collector_paused():  # seconds of imports, overlapped with the API's start
        from govreport.extract.pipeline import ManifestUnusable
        from govreport.flows.publish import run  # imports Prefect
        from govreport.release.commit import ReleaseDamaged
        from govreport.release.lock import PublishLocked
        from govreport.release.publish import InputChanged, PublishBlocked

    if not Settings.debug:
        hide_failure_logs()  # a failed run is told below in a few lines; Prefect's would repeat it at length
    try:
        if started is not None:
            _import_publishing_libraries()
            started.wait(timeout=float(os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]))
        with started.flow_run_settings() if started is not None else nullcontext():
            return run(
                workers=workers, scheduler=scheduler, raw_dir=str(raw), out_dir=str(out_dir), state_dir=str(state)
            )
    except KeyboardInterrupt:
        err.print(
            "[red]stopped[/] (SIGTERM or Ctrl-C): nothing was half-published; the next run goes on from "
            "the last complete release"
        )
        raise typer.Exit(130) from None
    except PublishBlocked as blocked:
        err.print(f"[red]{escape(str(blocked))}[/]", highlight=False)
        raise typer.Exit(1) from None
    except (ManifestUnusable, ReleaseDamaged, InputChanged) as bad:
        err.print(f"[red]error:[/] {escape(str(bad))}")
        raise typer.Exit(1) from None
    except PublishLocked as locked:
        err.print(f"[red]error:[/] {locked}")
        raise typer.Exit(3) from None
    except Exception as failed:  # noqa: BLE001 - any other failure: a short message, the traceback with --debug
        if Settings.debug:
            raise
        first_line = (str(failed).strip().splitlines() or [""])[0][:300]
        err.print(f"[red]error:[/] publish failed: {type(failed).__name__}: {escape(first_line)}", highlight=False)
        err.print(f"nothing was published; run again with --debug for the traceback (state: {state})", highlight=False)
        raise typer.Exit(1) from None


def _counts(row_counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {t}" for t, n in row_counts.items())


def _nothing_changed(raw: Path, out_dir: Path, state: Path) -> bool:
    """True, having said so, when the latest release in out_dir was made from these very inputs (raw files,
    manifest, code): a run would publish nothing, so it is not started. Checked before Prefect is imported."""
    from govreport.release.unchanged import unchanged_release

    same = unchanged_release(raw, out_dir, state)
    if same is None:
        return False
    for note in same.notes:
        err.print(f"[yellow]warning:[/] {escape(note)}", highlight=False)
    if not Settings.quiet:
        out.print(
            f"Nothing changed since {same.version}: its {same.documents} raw files, manifest and code are "
            f"unchanged; nothing published. ({_counts(same.row_counts)})",
            highlight=False,
        )
    return True


@app.command()
def extract(
    paths: list[Path] = typer.Argument(..., help="Raw report files."),
    out_file: Path = typer.Option(..., "--out", help="Observations file to write: .csv or .parquet."),
):
    """Extract observations from the given files (no validation, no publishing)."""
    from govreport.contract.model import OBSERVATIONS
    from govreport.extract.pipeline import process_file
    from govreport.sources.manifest import load_manifest
    from govreport.tables.arrow import to_arrow, write_csv

    if out_file.suffix not in (".csv", ".parquet"):
        err.print(f"[red]error:[/] --out must end in .csv or .parquet, not {out_file.name}")
        raise typer.Exit(2)
    manifests: dict[Path, dict] = {}
    rows, failed = [], 0
    with Progress(
        TextColumn("extracting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=len(paths) < 20,
    ) as progress:
        for path in progress.track(paths):
            folder = path.resolve().parent
            if folder not in manifests:
                manifests[folder] = load_manifest(folder)[0]
            result = process_file(path, manifests[folder].get(path.name))
            for w in result.warnings:
                err.print(f"[yellow]warning:[/] {w}")
            if result.error:
                failed += 1
                err.print(f"[red]error:[/] {result.error}")
            rows.extend(result.observations)
    if failed == len(paths):
        err.print(f"nothing written: none of the {len(paths)} file(s) could be read")
        raise typer.Exit(1)
    table = to_arrow(OBSERVATIONS, rows)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    if out_file.suffix == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, out_file, compression="zstd")
    else:
        with open(out_file, "wb") as fh:
            write_csv(OBSERVATIONS, table, fh)
    if not Settings.quiet:
        err.print(f"{len(rows)} observations from {len(paths) - failed} of {len(paths)} files -> {out_file}")


@app.command()
def validate(
    release: str = typer.Argument(..., metavar="RELEASE", help="A release: its folder, its version (1.2.0) or latest."),
    raw: Path = typer.Option(RAW_DIR, "--raw", help="Raw folder, to check quotes against."),
    out_dir: Path = typer.Option(PUBLISHED_DIR, "--out", help="Where releases are published."),
    report_dir: Path = typer.Option(
        None, "--report-dir", help="Where to write the reports (default: a temporary folder)."
    ),
    previous: str = typer.Option(
        None, "--previous", help="The release before it, to compare with: a folder or a version."
    ),
):
    """Validate a published release against the schemas and expectation suites it shipped with."""
    import tempfile

    from govreport.checks.gate import validate_package
    from govreport.release.locate import release_dir, shipped_suites_dir

    package = release_dir(release, out_dir)
    previous_dir = release_dir(previous, out_dir) if previous else None
    if report_dir is not None:
        _folder_option(report_dir, "--report-dir")
    target = Path(report_dir or tempfile.mkdtemp(prefix="govreport-validate-"))
    from govreport.release.commit import verify_release

    damaged = verify_release(package)  # the files a consumer downloads, against the recorded hashes
    for problem in damaged:
        err.print(f"[red]\\[critical] hashes:[/] {escape(problem)}")
    report = validate_package(package, raw, target, previous_dir=previous_dir, suites_dir=shipped_suites_dir(package))
    for f in report.failures:
        (err.print if f.severity == "critical" else out.print)(escape(str(f)))
    passed = report.passed and not damaged
    verdict = "[green]valid[/]" if passed else "[red]invalid[/]"
    out.print(
        f"{package}: {verdict} ({report.checks_run} checks, {len(report.critical) + len(damaged)} critical, "
        f"{len(report.warnings)} warnings); reports in {target}"
    )
    raise typer.Exit(0 if passed else 1)


@app.command()
def evaluate(
    gold: Path = typer.Argument(
        ..., help="Gold annotations: a CSV in the format of gold_seeds.csv, or a folder of them (one per document)."
    ),
    raw: Path = typer.Option(
        None,
        "--raw",
        help="Folder holding the gold's documents (default: raw/, or the raw/ folder beside a gold folder).",
    ),
    min_f1: float = typer.Option(None, "--min-f1", help="Exit 1 when strict F1 is below this."),
):
    """Extract the gold's documents and print precision, recall and F1 with every missed and spurious fact."""
    from govreport.extract.evaluate import read_gold, report, score
    from govreport.extract.pipeline import process_file
    from govreport.sources.manifest import load_manifest

    if not gold.exists():
        raise UserError(f"{gold}: no such file or folder")
    if gold.is_dir() and not any(gold.glob("*.csv")):
        raise UserError(f"{gold}: a folder without gold CSV files (*.csv)")
    if raw is None:
        raw = gold.parent / "raw" if gold.is_dir() and (gold.parent / "raw").is_dir() else RAW_DIR
    if not raw.is_dir():
        raise UserError(f"{raw}: raw folder does not exist")
    gold_rows = read_gold(gold)
    entries = load_manifest(raw)[0]
    predicted = []
    for name in sorted({Path(r["source_file"]).name for r in gold_rows}):
        result = process_file(raw / name, entries.get(name))
        if result.error:
            err.print(f"[red]error:[/] {escape(result.error)}")
        predicted.extend(result.observations)
    strict, loose = score(gold_rows, predicted), score(gold_rows, predicted, strict=False)
    out.print(escape(report(strict, loose)), highlight=False)
    if min_f1 is not None and strict.f1 < min_f1:
        raise typer.Exit(1)


@app.command()
def candidates(
    paths: list[Path] = typer.Argument(None, help="Raw files (default: every file in raw/)."),
    top: int = typer.Option(30, "--top", help="How many subjects to list."),
):
    """List the most frequent subject phrases of the long-tail quantities that no codelist name covers."""
    from collections import Counter

    from govreport.contract.codelist import mention_regex
    from govreport.extract.pipeline import process_file
    from govreport.sources.manifest import load_manifest
    from govreport.sources.raw_folder import list_raw_files

    files = paths or list_raw_files(RAW_DIR)
    names = mention_regex()[0]
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    failed = 0
    for path in files:
        entries = load_manifest(path.resolve().parent)[0]
        result = process_file(path, entries.get(path.name))
        if result.error:
            failed += 1
            err.print(f"[red]error:[/] {escape(result.error)}")
        for q in result.quantities:
            if not names.search(q["subject"]):
                counts[q["subject"]] += 1
                examples.setdefault(q["subject"], q["quote"][:60])
    for subject, n in counts.most_common(top):
        out.print(f"{n:5d}  {escape(subject)}  [dim]{escape(examples[subject])}[/]", highlight=False)
    if files and failed == len(files):
        raise typer.Exit(1)


@app.command()
def expect(raw: Path = typer.Option(RAW_DIR, "--raw", help="Folder of raw reports.")):
    """Record how many observations each raw document gives now, in the contract's expected_counts.csv.

    Review the diff: a release whose counts differ for an unchanged document is blocked."""
    from govreport.checks.cross_table import EXPECTED_COUNTS_PATH, write_expected_counts
    from govreport.extract.pipeline import drop_duplicate_documents, process_file
    from govreport.sources.manifest import load_manifest
    from govreport.sources.raw_folder import list_raw_files

    entries = load_manifest(raw)[0]
    results = drop_duplicate_documents([process_file(p, entries.get(p.name)) for p in list_raw_files(raw)])
    write_expected_counts([r.document for r in results if r.document])
    out.print(f"wrote {EXPECTED_COUNTS_PATH}")


@app.command()
def releases(out_dir: Path = typer.Option(PUBLISHED_DIR, "--out", help="Where releases are published.")):
    """List every published package and version, newest first, from catalog.json."""
    import json

    from govreport.release.catalog import catalog_of

    catalog_path = out_dir / "catalog.json"
    if not catalog_path.exists():
        err.print(f"[red]error:[/] {catalog_path} not found: nothing published yet")
        raise typer.Exit(1)
    try:
        catalog = json.loads(catalog_path.read_text(encoding="utf-8"))
        catalog["packages"]
    except (ValueError, KeyError, TypeError):
        err.print(
            f"[yellow]warning:[/] {catalog_path} is damaged; listing the release folders instead "
            "(the next publish run rebuilds it)"
        )
        catalog = catalog_of(out_dir)
    for package in catalog["packages"]:
        out.print(f"[bold]{package['name']}[/] (latest {package['latest']})")
        for v in package["versions"]:
            counts = ", ".join(f"{n} {t}" for t, n in v["row_counts"].items())
            out.print(
                f"  {v['version']:>8}  {v['created'][:10]}  {counts}  sha256:{v['content_sha256'][:12]}  "
                f"{escape(v.get('reason') or '')}"
            )


@app.command()
def diff(
    old: str = typer.Argument(
        ..., metavar="OLD", help="Older release: a version (1.0.0), latest, or a release folder."
    ),
    new: str = typer.Argument(..., metavar="NEW", help="Newer release: a version, latest, or a release folder."),
    out_dir: Path = typer.Option(PUBLISHED_DIR, "--out", help="Where releases are published."),
    as_json: bool = typer.Option(False, "--json", help="Print the machine-readable diff."),
):
    """Compare two releases: tables and fields, documents and observations added, removed and changed."""
    import json

    from govreport.release.changes import changelog_entry, diff_releases
    from govreport.release.locate import release_dir

    a, b = release_dir(old, out_dir), release_dir(new, out_dir)
    changes = diff_releases(a, b)
    if as_json:
        out.print_json(json.dumps(changes, ensure_ascii=False, default=str))
        return
    descriptor = json.loads((b / "datapackage.json").read_text(encoding="utf-8"))
    out.print(
        escape(changelog_entry(changes, descriptor["version"], old, descriptor["created"], f"compared with {a}")),
        highlight=False,
    )


@app.command()
def serve(
    cron: str = typer.Option("0 6 * * *", "--cron", help="When to publish, as a cron expression."),
    timezone: str = typer.Option("Asia/Shanghai", "--timezone", help="The cron's time zone (IANA name)."),
    raw: Path = typer.Option(RAW_DIR, "--raw", help="Folder of raw report texts and sources.yaml."),
    out_dir: str = typer.Option(
        str(PUBLISHED_DIR), "--out", help="Where releases are published: a folder or an fsspec URL."
    ),
    state: Path = typer.Option(STATE_DIR, "--state", help="Working state: rejected releases, caches."),
):
    """Publish on a schedule from this one command: registers the deployment govreport-publish/daily-publish
    and runs it when due, until stopped (Ctrl-C).

    Uses the Prefect server at PREFECT_API_URL if set; otherwise starts a local one on 127.0.0.1 for as long
    as it runs (Prefect's embedded API has no scheduler).
    """
    from govreport.flows.serve import serve as serve_flow

    serve_flow(cron=cron, timezone=timezone, raw_dir=str(raw), out_dir=str(out_dir), state_dir=str(state))


@app.command()
def schemas(
    out_dir: Path = typer.Option(None, "--out", help="Folder to write to (default: the package's contract data)."),
):
    """Regenerate the schema, suite and data-dictionary files from the data contract."""
    from govreport.contract.render import write_all

    if out_dir is not None:
        _folder_option(out_dir, "--out")
    for p in write_all(out_dir) if out_dir else write_all():
        out.print(str(p))


def main() -> None:
    """The `govreport` command, in a process that ends with it."""
    try:
        app()
        code: object = 0
    except SystemExit as done:
        code = done.code
    if not isinstance(code, int):  # sys.exit("message"): the message on stderr, status 1
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    # The work is done. The exit handlers (Prefect's, the API server's stop, logging's) run as at any exit;
    # the interpreter's teardown after them is skipped: its final garbage collections walk every object of
    # the run (seconds after a large run) to free memory the system takes back anyway.
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()

"""Prefect orchestration of the govreport pipeline: fetch -> ingest -> extract -> validate -> publish.

Thin on purpose: every step is a govreport library call. Tasks work on batches
of documents, never on single numbers, so Prefect's per-task cost stays small.
Extraction results are cached by content (govreport.extract.cache), so a daily run
re-extracts only new or changed reports. With a Dask scheduler address or a
worker count, batches run on a Dask cluster; by default they run in-process.
"""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.utilities.annotations import quote

from govreport.errors import retry_if_transient
from govreport.extract.budget import end_run_helpers, helpers_for_run
from govreport.extract.pipeline import DocumentResult, RunSummary, drop_duplicate_documents, refuse_unusable_manifest
from govreport.fingerprint import folder_fingerprint, inputs_fingerprint
from govreport.release.publish import PublishOutcome
from govreport.release.storage import latest_descriptor, publish_to, recover_target
from govreport.release.unchanged import RawFolder, known_inputs, remember_inputs
from govreport.sources.fetch import fetch_to_raw
from govreport.sources.raw_folder import read_inputs
from govreport.tables.batch_part import extract_batch_to_part
from govreport.tables.parts import run_parts


@task(retries=2, retry_delay_seconds=2, retry_condition_fn=retry_if_transient, cache_policy=NO_CACHE)
def load_inputs(raw_dir: str, state_dir: str) -> tuple[list[str], dict, list, list[str]]:
    """Download the manifest's url entries into raw/ (conditional requests: an unchanged page costs a 304),
    then list the raw files. File-system and network I/O: retried."""
    files, entries, problems = read_inputs(Path(raw_dir))
    to_fetch = [(e.url, e) for e in entries.values() if e.url]
    fetch_problems = []
    for url, entry in to_fetch:
        # Redirects stay on the url's host unless the entry names others (redirect_hosts).
        try:
            result = fetch_to_raw(
                url, entry.file, Path(raw_dir), state_dir=Path(state_dir), allowed_hosts=entry.redirect_hosts
            )
        except ValueError as err:  # a file name the fetcher may not write (hidden, or YAML)
            fetch_problems.append(f"{entry.file}: {err}")
            continue
        if result.error:
            fetch_problems.append(f"{entry.file}: {result.error}")
    if to_fetch:  # the fetched files are in raw/ now, and the manifest no longer misses them
        files, entries, problems = read_inputs(Path(raw_dir))
    return [str(p) for p in files], entries, problems, fetch_problems


@task(cache_policy=NO_CACHE)
def extract_batch(
    files: list[str], entries: dict, state_dir: str, parts_dir: str, index: int
) -> tuple[list[DocumentResult], dict, int]:
    """Extract a batch of documents. Returns the documents (without their rows), the paths of the batch's rows
    as parts in parts_dir (a task's result lives until the run ends: a large run's rows stay on disk),
    and how many documents came from the cache."""
    return extract_batch_to_part(files, entries, Path(state_dir), Path(parts_dir), index)


@task(retries=1, retry_delay_seconds=2, retry_condition_fn=retry_if_transient, cache_policy=NO_CACHE)
def publish_release(
    results: list[DocumentResult], extracted: list[dict], out_dir: str, raw_dir: str, state_dir: str, inputs: str
) -> PublishOutcome:
    return publish_to(results, out_dir, Path(raw_dir), Path(state_dir), lock_wait=0, extracted=extracted, inputs=inputs)


@flow(name="govreport-publish", log_prints=True)
def publish_flow(
    raw_dir: str = "raw",
    out_dir: str = "published",
    state_dir: str = "state",
    batch_size: int = 250,
    parallel: bool = False,
) -> PublishOutcome:
    """parallel: submit every batch at once (on a Dask cluster). In-process, batches run one after another:
    extraction is CPU-bound, so threads would gain nothing and hold every batch's rows in memory at once."""
    log = get_run_logger()
    started = time.monotonic()
    files, entries, problems, fetch_problems = load_inputs(raw_dir, state_dir)
    for problem in fetch_problems:
        log.warning("fetch: %s", problem)
    for p in problems:
        log.warning("manifest: %s", p)
    refuse_unusable_manifest(problems)
    log.info("%d raw files in %s", len(files), raw_dir)
    # raw/ as read, for the next run's quick check; not when files are fetched: what a URL gives may change.
    folder, digests = None, None
    if not any(e.url for e in entries.values()):
        on_disk, digests = folder_fingerprint(Path(raw_dir), Path(state_dir))
        folder = RawFolder(on_disk, len(files), [str(p) for p in problems])
    inputs = inputs_fingerprint([Path(f) for f in files], entries, digests)
    for note in recover_target(out_dir, Path(state_dir)):  # a crashed run's leftovers, before trusting latest
        log.warning("recovered: %s", note)
    latest = latest_descriptor(out_dir)
    if latest is not None and inputs in known_inputs(state_dir, latest):
        # Same raw files, manifest and code as the latest release: its content cannot differ.
        outcome = PublishOutcome(None, None, latest["version"], latest["govreport"]["row_counts"])
        outcome.summary = RunSummary(
            len(files),
            len(files),
            {},
            outcome.row_counts.get("observations", 0),
            outcome.row_counts.get("quantities", 0),
            "not needed (nothing changed)",
            None,
            time.monotonic() - started,
        )
        log.info("%s", outcome.summary)
        return outcome
    batches = [files[i : i + batch_size] for i in range(0, len(files), batch_size)]

    def entries_of(batch: list[str]) -> dict:  # a task's inputs stay small: only its own manifest entries
        return {name: entries[name] for name in (Path(f).name for f in batch) if name in entries}

    futures: list = []  # in the order of the files

    # Each batch's rows go to a part file as it finishes, removed once published: not held in memory.
    with run_parts(Path(state_dir)) as parts_path:
        parts_dir = str(parts_path)

        def finished():
            if parallel:
                futures.extend(
                    extract_batch.submit(b, entries_of(b), state_dir, parts_dir, i) for i, b in enumerate(batches)
                )
                yield from as_completed(futures)
            else:
                with helpers_for_run():  # the batches share one set of helper processes (a second each to start)
                    for i, b in enumerate(batches):
                        futures.append(extract_batch.submit(b, entries_of(b), state_dir, parts_dir, i))
                        futures[-1].wait()
                        yield futures[-1]

        by_future, extracted, done, cached = {}, {}, 0, 0
        for future in finished():
            results, parts, hits = future.result()
            by_future[future.task_run_id] = results
            extracted[future.task_run_id] = parts
            done += len(results)
            cached += hits
            rate = done / max(time.monotonic() - started, 1e-9)
            log.info("extracted %d/%d documents (%d unchanged, %.0f documents/s)", done, len(files), cached, rate)
        end_run_helpers()  # their memory is free while the release is written and checked
        # Results in the order of the files, whatever order the batches finished in.
        results = drop_duplicate_documents([r for f in futures for r in by_future[f.task_run_id]])
        for r in results:
            for w in r.warnings:
                log.warning(w)
            if r.error:
                log.error("skipped: %s", r.error)
        # quote(): Prefect would walk every document of the list looking for futures, twice (7.8 CPU s at 10 000
        # documents); the task gets the list itself (which Prefect's call signature cannot express).
        outcome = publish_release(  # type: ignore[call-overload]
            quote(results), [extracted[f.task_run_id] for f in futures], out_dir, raw_dir, state_dir, inputs
        )
    remember_inputs(state_dir, inputs, outcome.version or outcome.previous, folder)
    summary = RunSummary.of(results, cached, outcome, time.monotonic() - started)
    log.info("%s", summary)
    outcome.summary = summary
    return outcome


def task_runner(workers: int | None = None, scheduler: str | None = None):
    """A Dask task runner for a scheduler address or a local cluster of `workers` processes; None: in-process."""
    if not workers and not scheduler:
        return None
    from prefect_dask import DaskTaskRunner

    if scheduler:
        return DaskTaskRunner(address=scheduler)
    cluster = {"n_workers": workers, "threads_per_worker": 1, "processes": True, "dashboard_address": None}
    return DaskTaskRunner(cluster_kwargs=cluster | {"env": {"PREFECT_API_URL": _api_url()}})


def _api_url() -> str:
    """This run's API: the local cluster's workers report to it. Left to themselves, each worker would start a
    temporary server of its own (seconds per worker), which outlives the worker when the cluster kills it."""
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return PREFECT_API_URL.value()
    from prefect.server.api.server import SubprocessASGIServer

    from govreport.server_watch import start_embedded_server

    start_embedded_server()  # the one the flow's client uses (started once; watched, ends with this process)
    return SubprocessASGIServer().api_url


def run(workers: int | None = None, scheduler: str | None = None, **parameters) -> PublishOutcome:
    runner = task_runner(workers, scheduler)
    if runner is None:
        return publish_flow(**parameters)
    return publish_flow.with_options(task_runner=runner)(parallel=True, **parameters)

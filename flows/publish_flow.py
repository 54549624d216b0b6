"""Prefect orchestration of the govreport pipeline: ingest -> extract -> validate -> publish.

Thin on purpose: every step is a govreport library call. Tasks work on batches
of documents, never on single numbers, so Prefect's per-task cost stays small.
"""
from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from govreport.pipeline import (DocumentResult, drop_duplicate_documents, process_file, read_inputs,
                                refuse_unusable_manifest)
from govreport.publish import PublishOutcome
from govreport.storage import publish_to


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def load_inputs(raw_dir: str) -> tuple[list[str], dict, list]:
    """List raw files and read the manifest (file-system I/O: retried)."""
    files, entries, problems = read_inputs(Path(raw_dir))
    return [str(p) for p in files], entries, problems


@task(cache_policy=NO_CACHE)
def extract_batch(files: list[str], entries: dict) -> list[DocumentResult]:
    return [process_file(Path(f), entries.get(Path(f).name)) for f in files]


@task(retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def publish_release(results: list[DocumentResult], out_dir: str, raw_dir: str, state_dir: str) -> PublishOutcome:
    return publish_to(results, out_dir, Path(raw_dir), Path(state_dir), lock_wait=0)


@flow(name="govreport-publish", log_prints=True)
def publish_flow(raw_dir: str = "raw", out_dir: str = "published", state_dir: str = "state",
                 batch_size: int = 250) -> PublishOutcome:
    log = get_run_logger()
    files, entries, problems = load_inputs(raw_dir)
    for p in problems:
        log.warning("manifest: %s", p)
    refuse_unusable_manifest(problems)
    log.info("%d raw files in %s", len(files), raw_dir)
    batches = [files[i:i + batch_size] for i in range(0, len(files), batch_size)]
    futures = [extract_batch.submit(batch, entries) for batch in batches]
    results = drop_duplicate_documents([r for f in futures for r in f.result()])
    for r in results:
        for w in r.warnings:
            log.warning(w)
        if r.error:
            log.error("skipped: %s", r.error)
    ok = [r for r in results if r.document is not None]
    log.info("%d documents read, %d failed, %d observations", len(ok), len(results) - len(ok),
             sum(len(r.observations) for r in ok))
    outcome = publish_release(results, out_dir, raw_dir, state_dir)
    if outcome.version is None:
        log.info("nothing changed since %s: nothing published", outcome.previous)
    else:
        log.info("published %s at %s", outcome.version, outcome.path)
    return outcome


if __name__ == "__main__":
    publish_flow()

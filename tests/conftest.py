"""Shared fixtures: copies of the real raw/ folder and a release published from it once per session."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# Prefect: a private home for the test session, and quiet INFO logs (its exit message would otherwise
# be written to pytest's already-closed capture stream).
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="govreport-prefect-"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# The embedded server's first start migrates a new database: on a loaded 2-core machine that can take far
# longer than Prefect's default wait, which made flow tests fail at random.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "600")
# Prefect's telemetry heartbeat writes to the new database while it is being migrated ("database is locked").
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import pytest
from hypothesis import settings

from govreport.checks.gate import import_gx
from govreport.extract.pipeline import process_all, refuse_unusable_manifest
from govreport.release.publish import PACKAGE_NAME, publish
from govreport.sources.raw_folder import read_inputs

# Property tests judge behaviour, not speed: no per-example deadline (a loaded CI machine overran 200 ms).
settings.register_profile("govreport", deadline=None)
settings.load_profile("govreport")

# GX imported once for the session, as a long-lived publisher has it: publishing here then checks its releases
# in this process (checks_beside), where each publish would otherwise pay GX's import again in a checks process
# of its own. That process is tested in test_gate_process.py, and by every test that runs `govreport publish`.
import_gx()

REPO = Path(__file__).resolve().parents[1]  # the checkout: its raw/ and published/ are the project's data
RAW = REPO / "raw"
SHARED = REPO.parent / "shared"
GOLD = SHARED / "spec" / "gold_seeds.csv"
SCORER = SHARED / "tools" / "score_extraction.py"


def process_folder(raw_dir: Path):
    """What the flow does before publishing, without Prefect."""
    files, entries, problems = read_inputs(raw_dir)
    refuse_unusable_manifest(problems)
    return process_all(files, entries)


def publish_folder(raw_dir: Path, out_dir: Path, state_dir: Path | None = None, **kwargs):
    return publish(process_folder(raw_dir), out_dir, raw_dir, state_dir or out_dir.parent / "state", **kwargs)


@pytest.fixture
def raw_copy(tmp_path) -> Path:
    dst = tmp_path / "raw"
    shutil.copytree(RAW, dst)
    return dst


@pytest.fixture(scope="session")
def release(tmp_path_factory) -> Path:
    """The seeds published once; tests read it, never write it."""
    base = tmp_path_factory.mktemp("release")
    raw = base / "raw"
    shutil.copytree(RAW, raw)
    outcome = publish_folder(raw, base / "published")
    assert outcome.version == "1.0.0"
    return base / "published" / PACKAGE_NAME / "1.0.0"


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under root with its bytes, to prove a folder did not change."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def s3(monkeypatch):
    """An S3-compatible server on loopback (moto's server mode) with an empty bucket `open-data`."""
    import urllib.request

    import boto3
    import s3fs
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for k, v in {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(k, v)
    # moto keeps its buckets in process-wide state: an earlier test's server left its objects there
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="open-data")
    s3fs.S3FileSystem.clear_instance_cache()  # no client cached for the previous test's server
    yield "s3://open-data/govreport"
    s3fs.S3FileSystem.clear_instance_cache()
    server.stop()


def pytest_sessionfinish(session, exitstatus):
    """End the temporary Prefect servers of this session's flows run in-process (Prefect stops its own at exit,
    unless the session ends abruptly): a server left behind holds 250 MB and skews the process counts of the
    next session's tests."""
    import psutil

    home = os.environ["PREFECT_HOME"]
    for p in psutil.process_iter(["cmdline"]):
        try:
            if "prefect.server.api.server:create_app" in " ".join(p.info["cmdline"] or []) and (
                p.environ().get("PREFECT_HOME") == home
            ):
                p.terminate()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue

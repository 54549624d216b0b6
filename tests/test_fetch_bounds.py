"""The fetcher goes only where it is sent: redirects re-checked at every hop, a cap on the decompressed size
while decompressing, and one deadline per request. Against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import govreport.sources.fetch as fetch
from govreport.sources.fetch import fetch_to_raw

PAGE = "2024年政府工作报告\n今年主要预期目标是:地区生产总值增长5%左右。\n".encode()
BOMB = gzip.compress(b"\0" * 50_000_000, compresslevel=9)  # 50 MB of zeros in about 50 KB


class Handler(BaseHTTPRequestHandler):
    port = 0

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        try:
            if self.path == "/page":
                return self.send(200, PAGE, {"Content-Type": "text/plain; charset=utf-8"})
            if self.path == "/to-ftp":
                return self.send(302, headers={"Location": "ftp://127.0.0.1/secret.txt"})
            if self.path == "/to-file":
                return self.send(302, headers={"Location": "file:///etc/passwd"})
            if self.path == "/to-other-host":
                return self.send(302, headers={"Location": f"http://localhost:{self.port}/page"})
            if self.path == "/hop":  # same host, two hops
                return self.send(301, headers={"Location": "/hop2"})
            if self.path == "/hop2":
                return self.send(302, headers={"Location": f"http://localhost:{self.port}/page"})
            if self.path == "/bomb":
                return self.send(200, BOMB, {"Content-Type": "text/plain", "Content-Encoding": "gzip"})
            if self.path == "/drip":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(PAGE)))
                self.end_headers()
                for byte in PAGE:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)  # always less than the socket timeout apart
                return None
            return self.send(404)
        except OSError:  # the client gave up
            return None


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Handler.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{Handler.port}"
    httpd.shutdown()


def get(server, path, tmp_path, **kwargs):
    kwargs = {"retries": 0, "delay": 0, "timeout": 2} | kwargs
    return fetch_to_raw(server + path, "doc.txt", tmp_path / "raw", state_dir=tmp_path / "state", **kwargs)


@pytest.mark.parametrize(
    "path, why",
    [
        ("/to-ftp", "ftp://127.0.0.1/secret.txt: only http and https"),
        ("/to-file", "file:///etc/passwd: only http and https"),
        ("/to-other-host", "to another host, localhost: not followed"),
        ("/hop", "to another host, localhost: not followed"),
    ],
)
def test_a_redirect_out_of_bounds_is_refused_with_its_target(server, tmp_path, path, why):
    result = get(server, path, tmp_path)
    assert result.error is not None and why in result.error and path in result.error
    assert not (tmp_path / "raw" / "doc.txt").exists()


def test_a_host_the_manifest_allows_is_followed(server, tmp_path):
    result = get(server, "/hop", tmp_path, allowed_hosts=("localhost",))
    assert result.error is None and (tmp_path / "raw" / "doc.txt").read_bytes() == PAGE


def test_a_gzip_bomb_is_stopped_while_inflating(server, tmp_path, monkeypatch):
    monkeypatch.setattr(fetch, "MAX_BYTES", 1_000_000)
    tracemalloc.start()
    try:
        result = get(server, "/bomb", tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "decompressed response too large (over 1000000 bytes)" in result.error
    assert peak < 8_000_000  # the cap and a step of output, not the 50 MB the bomb holds


def test_a_server_sending_a_byte_at_a_time_cannot_hold_a_fetch(server, tmp_path):
    started = time.monotonic()
    result = get(server, "/drip", tmp_path, timeout=2, deadline=1.5)
    elapsed = time.monotonic() - started
    assert result.error is not None and "deadline of 1.5 s" in result.error
    assert elapsed < 8  # the page takes 13 s to drip; a socket timeout alone never fires


def test_a_normal_page_still_arrives(server, tmp_path):
    result = get(server, "/page", tmp_path)
    assert result.error is None and (tmp_path / "raw" / "doc.txt").read_bytes() == PAGE


def manifest_run(server, tmp_path, extra=""):
    """The flow's input step (manifest -> fetcher) on a manifest whose entry's url redirects to localhost."""
    from govreport.flows.publish import load_inputs

    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    (raw / "sources.yaml").write_text(
        f"documents:\n  - file: doc.txt\n    url: {server}/to-other-host\n{extra}", encoding="utf-8"
    )
    files, entries, problems, fetch_problems = load_inputs.fn(str(raw), str(tmp_path / "state"))
    return raw, files, entries, problems, fetch_problems


def test_the_manifest_entry_decides_which_other_hosts_a_redirect_may_reach(server, tmp_path):
    # No redirect_hosts: the hop from 127.0.0.1 to localhost is refused, and the message says where it led.
    raw, files, entries, problems, fetch_problems = manifest_run(server, tmp_path)
    assert problems == [] and entries["doc.txt"].redirect_hosts == ()
    assert len(fetch_problems) == 1 and fetch_problems[0].startswith("doc.txt: ")
    assert "/to-other-host: redirected (HTTP 302) to another host, localhost: not followed" in fetch_problems[0]
    assert files == [] and not (raw / "doc.txt").exists()
    # The entry allows localhost: followed, and the page is in raw/.
    raw, files, entries, problems, fetch_problems = manifest_run(server, tmp_path, "    redirect_hosts: [LocalHost]\n")
    assert problems == [] and fetch_problems == [] and entries["doc.txt"].redirect_hosts == ("localhost",)
    assert files == [str(raw / "doc.txt")] and (raw / "doc.txt").read_bytes() == PAGE
    # Another host than the one allowed is still refused.
    (raw / "doc.txt").unlink()
    raw, files, entries, problems, fetch_problems = manifest_run(server, tmp_path, "    redirect_hosts: [www.gov.cn]\n")
    assert "to another host, localhost: not followed (allowed: 127.0.0.1, www.gov.cn)" in fetch_problems[0]

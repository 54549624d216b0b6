"""govreport.sources.fetch against a real local HTTP server (127.0.0.1, random port, handler under test control)."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from govreport.extract.pipeline import process_file
from govreport.sources.fetch import USER_AGENT, FetchResult, decode_html, fetch_to_raw, html_to_text
from govreport.sources.raw_folder import list_raw_files

SENTENCE = "今年全区地区生产总值增长6%左右"
REPORT_HTML = f"""<!DOCTYPE html>
<html><head><meta charset="gbk"><title>2021年罗湖区政府工作报告_罗湖区政府在线</title>
<style>body {{ color: red }} .x:before {{ content: "样式文字" }}</style>
<script>var secret = "脚本文字"; document.write("<p>脚本段落</p>");</script></head>
<body>
<header><div class="logo">网站头部</div></header>
<nav><ul><li><a href="/">首页</a></li><li><a href="/zw">政务公开导航</a></li></ul></nav>
<div class="article">
<h1>2021年罗湖区政府工作报告</h1>
<p>各位代表:</p>
<p>&nbsp;&nbsp;一、2020年工作回顾</p>
<p>{SENTENCE},一般公共预算收入增长3.4%。</p>
<p>第一行<br>第二行</p>
<table><tr><td>指标</td><td>目标</td></tr><tr><td>增长</td><td>6%</td></tr></table>
<noscript>请启用脚本</noscript>
</div>
<footer>版权所有 网站底部</footer>
</body></html>
"""
REPORT_BYTES = REPORT_HTML.encode("gbk")
REPORT_ETAG = '"report-v1"'
NOW = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[dict] = []  # path, headers, time
        self.hits: dict[str, int] = {}


class _Handler(BaseHTTPRequestHandler):
    state: _State  # set on the subclass per server

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        try:
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)
        except OSError:  # the client gave up (timeout tests)
            pass

    def do_GET(self):
        with self.state.lock:
            self.state.requests.append({"path": self.path, "headers": dict(self.headers), "time": time.monotonic()})
            hit = self.state.hits[self.path] = self.state.hits.get(self.path, 0) + 1
        path = self.path.split("?")[0]
        if path == "/report":
            if self.headers.get("If-None-Match") == REPORT_ETAG:
                return self._send(304, headers={"ETag": REPORT_ETAG})
            return self._send(
                200,
                REPORT_BYTES,
                {"Content-Type": "text/html", "ETag": REPORT_ETAG, "Last-Modified": "Fri, 29 Jan 2021 08:00:00 GMT"},
            )
        if path == "/missing":
            return self._send(404, b"<h1>Not Found</h1>", {"Content-Type": "text/html"})
        if path == "/slow":
            time.sleep(1.5)
            return self._send(200, b"<p>too late</p>", {"Content-Type": "text/html"})
        if path == "/flaky":
            if hit == 1:
                return self._send(500, b"oops", {"Content-Type": "text/plain"})
            return self._send(200, f"<p>{SENTENCE}</p>".encode(), {"Content-Type": "text/html; charset=utf-8"})
        if path == "/always500":
            return self._send(503, b"down", {"Content-Type": "text/plain"})
        if path == "/changing":
            html = f"<html><body><p>第{hit}版:固定资产投资{100 + hit}亿元。</p></body></html>"
            return self._send(200, html.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})
        if path == "/plain":
            return self._send(
                200, f"{SENTENCE}。\r\n第二段。\r\n".encode("gbk"), {"Content-Type": "text/plain; charset=gbk"}
            )
        if path == "/pdf":
            return self._send(200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", {"Content-Type": "application/pdf"})
        return self._send(404)


@pytest.fixture(scope="module")
def server():
    state = _State()
    handler = type("Handler", (_Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield base, state
    httpd.shutdown()
    httpd.server_close()


def _fetch(url, raw, tmp_path, **kw):
    kw = {"state_dir": tmp_path / "state", "timeout": 5.0, "retries": 0, "backoff": 0.01, "delay": 0, "now": NOW, **kw}
    return fetch_to_raw(url, "report.txt", raw, **kw)


def _requests_for(state, path):
    with state.lock:
        return [r for r in state.requests if r["path"] == path]


def test_gbk_page_to_text_original_and_metadata(server, tmp_path):
    base, state = server
    raw = tmp_path / "raw"
    result = _fetch(f"{base}/report", raw, tmp_path)

    assert isinstance(result, FetchResult)
    assert result.error is None and result.status == 200 and result.changed
    assert result.retrieved_at == "2024-03-01T12:00:00Z"
    assert result.text_path == raw / "report.txt"
    assert result.raw_path == raw / "_fetched" / "report.txt.orig.html"
    assert result.raw_path.read_bytes() == REPORT_BYTES  # the original, unchanged

    text = result.text_path.read_text(encoding="utf-8")
    assert SENTENCE in text
    assert "2021年罗湖区政府工作报告\n各位代表:\n一、2020年工作回顾\n" in text
    assert "第一行\n第二行" in text
    for dropped in ("脚本", "样式文字", "政务公开导航", "首页", "网站头部", "网站底部", "请启用脚本", "secret"):
        assert dropped not in text, dropped

    meta = json.loads((raw / "_fetched" / "report.txt.fetch.json").read_text(encoding="utf-8"))
    assert meta["url"] == meta["final_url"] == f"{base}/report"
    assert meta["status"] == 200 and meta["retrieved_at"] == "2024-03-01T12:00:00Z"
    assert meta["etag"] == REPORT_ETAG and meta["last_modified"] == "Fri, 29 Jan 2021 08:00:00 GMT"
    assert meta["content_type"] == "text/html" and meta["encoding"] == "gb18030"
    assert meta["sha256"] == result.sha256
    assert len(meta["sha256"]) == 64 and len(meta["text_sha256"]) == 64
    import hashlib

    assert meta["text_sha256"] == hashlib.sha256(result.text_path.read_bytes()).hexdigest()
    assert meta["html_title"] == "2021年罗湖区政府工作报告_罗湖区政府在线"

    # The user agent was sent.
    assert _requests_for(state, "/report")[-1]["headers"]["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("govreport/") and "polite crawler" in USER_AGENT

    # The pipeline sees the text only: originals and metadata are in a subfolder, and no temp files remain.
    assert list_raw_files(raw) == [raw / "report.txt"]
    assert sorted(p.name for p in (raw / "_fetched").iterdir()) == ["report.txt.fetch.json", "report.txt.orig.html"]
    assert process_file(raw / "report.txt", None).error is None


def test_etag_304_keeps_files(server, tmp_path):
    base, state = server
    raw = tmp_path / "raw"
    first = _fetch(f"{base}/report", raw, tmp_path)
    assert first.changed
    files = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in raw.rglob("*") if p.is_file()}

    second = _fetch(f"{base}/report", raw, tmp_path, now=datetime(2024, 3, 2, tzinfo=UTC))
    assert second.error is None and second.status == 304 and not second.changed
    assert second.sha256 == first.sha256 and second.text_path == first.text_path
    assert _requests_for(state, "/report")[-1]["headers"].get("If-None-Match") == REPORT_ETAG
    assert _requests_for(state, "/report")[-1]["headers"].get("If-Modified-Since") == "Fri, 29 Jan 2021 08:00:00 GMT"
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in raw.rglob("*") if p.is_file()} == files

    # Without the previous copy, the request is unconditional again.
    (raw / "report.txt").unlink()
    third = _fetch(f"{base}/report", raw, tmp_path)
    assert third.status == 200 and third.changed and (raw / "report.txt").is_file()
    assert "If-None-Match" not in _requests_for(state, "/report")[-1]["headers"]


def test_404_is_an_error_and_keeps_previous_files(server, tmp_path):
    base, _ = server
    raw = tmp_path / "raw"
    assert _fetch(f"{base}/report", raw, tmp_path).changed
    before = {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()}

    result = _fetch(f"{base}/missing", raw, tmp_path, retries=3)
    assert result.status == 404 and not result.changed
    assert f"{base}/missing" in result.error and "404" in result.error
    assert result.text_path is None and result.raw_path is None
    assert {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()} == before


def test_timeout_after_retries(server, tmp_path):
    base, state = server
    raw = tmp_path / "raw"
    start = time.monotonic()
    result = _fetch(f"{base}/slow", raw, tmp_path, timeout=0.5, retries=1, backoff=0.01)
    elapsed = time.monotonic() - start
    assert result.error is not None and result.status is None
    assert f"{base}/slow" in result.error and "timed out" in result.error and "2 attempts" in result.error
    assert len(_requests_for(state, "/slow")) == 2
    assert elapsed < 3
    assert not raw.exists() or not any(raw.rglob("*"))


def test_connection_refused(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    url = f"http://127.0.0.1:{port}/report"
    result = _fetch(url, tmp_path / "raw", tmp_path, retries=2, backoff=0.01)
    assert result.status is None and url in result.error and "connection failed" in result.error
    assert "3 attempts" in result.error


def test_500_then_200_is_retried(server, tmp_path):
    base, state = server
    result = _fetch(f"{base}/flaky", tmp_path / "raw", tmp_path, retries=2, backoff=0.01)
    assert result.error is None and result.status == 200 and result.changed
    assert len(_requests_for(state, "/flaky")) == 2
    assert SENTENCE in result.text_path.read_text(encoding="utf-8")
    # Same bytes again (no ETag): not changed, raw/ not rewritten.
    mtime = result.text_path.stat().st_mtime_ns
    again = _fetch(f"{base}/flaky", tmp_path / "raw", tmp_path)
    assert again.error is None and again.status == 200 and not again.changed and again.sha256 == result.sha256
    assert result.text_path.stat().st_mtime_ns == mtime


def test_5xx_until_retries_run_out(server, tmp_path):
    base, state = server
    result = _fetch(f"{base}/always500", tmp_path / "raw", tmp_path, retries=2, backoff=0.01)
    assert result.status == 503 and "503" in result.error and "3 attempts" in result.error
    assert len(_requests_for(state, "/always500")) == 3


def test_changed_content_rewrites_text(server, tmp_path):
    base, _ = server
    raw = tmp_path / "raw"
    first = _fetch(f"{base}/changing", raw, tmp_path)
    text1 = (raw / "report.txt").read_text(encoding="utf-8")
    second = _fetch(f"{base}/changing", raw, tmp_path)
    text2 = (raw / "report.txt").read_text(encoding="utf-8")
    assert first.changed and second.changed and first.sha256 != second.sha256
    assert text1 != text2 and "固定资产投资" in text2
    meta = json.loads((raw / "_fetched" / "report.txt.fetch.json").read_text(encoding="utf-8"))
    assert meta["sha256"] == second.sha256


def test_plain_text_and_binary(server, tmp_path):
    base, _ = server
    raw = tmp_path / "raw"
    result = _fetch(f"{base}/plain", raw, tmp_path)
    assert result.error is None and result.raw_path == raw / "_fetched" / "report.txt.orig.bin"
    assert (raw / "report.txt").read_text(encoding="utf-8") == f"{SENTENCE}。\n第二段。\n"

    before = {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()}
    pdf = _fetch(f"{base}/pdf", raw, tmp_path)
    assert pdf.error and "PDF" in pdf.error and f"{base}/pdf" in pdf.error
    assert {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()} == before


def test_polite_delay_between_requests_to_one_host(server, tmp_path):
    base, state = server
    for _ in range(2):
        assert _fetch(f"{base}/changing?delay", tmp_path / "raw", tmp_path, delay=0.3).error is None
    times = [r["time"] for r in _requests_for(state, "/changing?delay")]
    assert times[1] - times[0] >= 0.28


def test_bad_urls_and_names(tmp_path):
    assert "unsupported URL scheme" in _fetch("file:///etc/passwd", tmp_path / "raw", tmp_path).error
    assert _fetch("http://", tmp_path / "raw", tmp_path).error
    for bad in ("../x.txt", "a/b.txt", ".hidden", "sources.yaml", ""):
        with pytest.raises(ValueError):
            fetch_to_raw("http://127.0.0.1:9/", bad, tmp_path / "raw", state_dir=tmp_path / "state")


def test_html_helpers():
    html, enc = decode_html(
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><p>报告</p>'.encode("gbk")
    )
    assert enc == "gb18030" and "报告" in html
    html, enc = decode_html("<p>报告</p>".encode(), "text/html; charset=UTF-8")
    assert enc == "utf-8"
    # No declaration at all: detection (govreport.sources.decode.decode_bytes).
    html, enc = decode_html(f"<p>{SENTENCE}</p>".encode("gbk"))
    assert SENTENCE in html
    # A source line break between Chinese characters disappears; between Latin words it is a space.
    assert html_to_text("<p>地区生产\n  总值 growth\nrate</p><div>下一段</div>") == "地区生产总值 growth rate\n下一段\n"


def test_a_manifest_url_for_a_file_not_yet_in_raw_is_fetched_by_the_run(server, tmp_path):
    """The manifest may name a document by its URL before it was ever downloaded: the run's first step
    fetches it into raw/, and the entry (its metadata) then describes the fetched file."""
    from govreport.flows.publish import load_inputs

    base, _ = server
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "sources.yaml").write_text(
        f"documents:\n  - file: report.txt\n    url: {base}/report\n    region_name: 罗湖区\n", encoding="utf-8"
    )
    files, entries, problems, fetch_problems = load_inputs.fn(str(raw), str(tmp_path / "state"))
    assert (problems, fetch_problems) == ([], [])
    assert files == [str(raw / "report.txt")]
    assert entries["report.txt"].url == f"{base}/report" and entries["report.txt"].region_name == "罗湖区"
    assert process_file(raw / "report.txt", entries["report.txt"]).error is None

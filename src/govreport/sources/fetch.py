"""Fetch a document from the web into the raw landing zone.

``fetch_to_raw(url, file_name, raw_dir, state_dir=...)`` downloads one page
politely (user agent, timeout, retries with exponential backoff, a per-host
delay, conditional requests) and writes:

* ``raw_dir/<file_name>``: the extracted text, UTF-8 (what the pipeline reads);
* ``raw_dir/_fetched/<file_name>.orig.html`` (``.orig.bin`` for non-HTML):
  the original bytes, unchanged;
* ``raw_dir/_fetched/<file_name>.fetch.json``: retrieval metadata.

Originals and metadata live in the ``_fetched`` subfolder because the
pipeline takes every regular file directly inside raw/ as a document.
ETag / Last-Modified per URL are kept in ``state_dir/fetch/<sha1(url)>.json``.

Network problems never raise: they come back as ``FetchResult.error``, which
names the URL and the problem, and previously fetched files are left as they
were. Every file is written atomically (hidden temp file + os.replace).
"""

from __future__ import annotations

import codecs
import hashlib
import http.client
import json
import os
import re
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path, PureWindowsPath

from govreport import __version__
from govreport.sources.decode import MAX_BYTES, IngestError, decode_bytes
from govreport.sources.guarded_http import (
    Deadline,
    DeadlinePassed,
    RedirectRefused,
    TooLarge,
    inflate,
    opener,
    read_body,
)
from govreport.sources.html_text import html_to_text, title_of

USER_AGENT = f"govreport/{__version__} (+open-data research; polite crawler)"

FETCHED_DIR = "_fetched"  # subfolder of raw/ for originals and metadata (not listed as documents)
MAX_RETRY_AFTER = 60.0  # seconds; a longer Retry-After is capped

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504}) | frozenset(range(505, 600))

# Polite delay: per host, the monotonic time of the last (reserved) request slot.
_last_request: dict[str, float] = {}
_last_request_lock = threading.Lock()


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int | None  # HTTP status of the last response; None if no response was received
    changed: bool  # True if the files in raw/ were (re)written with new content
    raw_path: Path | None  # the stored original bytes (raw/_fetched/<file>.orig.html|.bin)
    text_path: Path | None  # the extracted text (raw/<file>)
    sha256: str | None  # of the original bytes
    error: str | None  # None on success (including 304 Not Modified)
    retrieved_at: str  # ISO 8601 UTC, e.g. 2024-03-01T12:00:00Z

    @property
    def ok(self) -> bool:
        return self.error is None


# --------------------------------------------------------------------------- fetching


def fetch_to_raw(
    url: str,
    file_name: str,
    raw_dir: Path,
    *,
    state_dir: Path,
    timeout: float = 20.0,
    retries: int = 3,
    backoff: float = 1.0,
    delay: float = 1.0,
    now: datetime | Callable[[], datetime] | None = None,
    deadline: float = 120.0,
    allowed_hosts: tuple[str, ...] = (),
) -> FetchResult:
    """Download ``url`` into ``raw_dir/file_name`` (text) and ``raw_dir/_fetched/`` (original, metadata).

    ``retries`` is the number of attempts after the first one, made on connection
    errors, timeouts, 429 and 5xx responses, waiting ``backoff * 2**i`` seconds
    (or the server's Retry-After, capped) before retry ``i``. ``delay`` is the
    minimum spacing between requests to the same host. ``now`` (a datetime or a
    callable returning one) sets ``retrieved_at``; default: the current UTC time.
    ``deadline`` bounds each request as a whole (redirects and a slow body included); redirects are
    followed to http(s) URLs on the URL's own host or one of ``allowed_hosts`` only.

    ``changed`` is False after a 304 and after a 200 whose bytes and extracted text
    equal the stored ones; raw/ is then not touched (only the state file is).

    Raises ValueError only for a ``file_name`` that is not a bare file name.
    """
    _check_file_name(file_name)
    raw_dir = Path(raw_dir)
    retrieved_at = _iso_utc(now)
    fetched_dir = raw_dir / FETCHED_DIR
    text_path = raw_dir / file_name
    state_path = Path(state_dir) / "fetch" / f"{hashlib.sha1(url.encode('utf-8')).hexdigest()}.json"

    def fail(problem: str, status: int | None = None) -> FetchResult:
        return FetchResult(url, status, False, None, None, None, f"{url}: {problem}", retrieved_at)

    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        return fail(f"unsupported URL scheme {scheme or '(none)'!r}; only http and https are fetched")

    # Conditional request only if what it would keep is still there.
    state = _read_json(state_path)
    previous_orig = _existing_orig(fetched_dir, file_name)
    conditional = bool(state) and state.get("file_name") == file_name and text_path.is_file() and previous_orig
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5",
        "Accept-Encoding": "gzip, deflate",
    }
    if conditional:
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]

    response, problem, last_status = _request_with_retries(
        url,
        headers,
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        delay=delay,
        deadline=deadline,
        allowed_hosts=allowed_hosts,
    )
    if response is None:
        return fail(problem, last_status)
    status, final_url, resp_headers, body = response

    if status == 304:
        if not conditional:  # a 304 we did not ask for: nothing to keep
            return fail("HTTP 304 Not Modified, but no previous copy to keep", status)
        _write_json(state_path, {**state, "checked_at": retrieved_at})
        return FetchResult(url, status, False, previous_orig, text_path, state.get("sha256"), None, retrieved_at)
    if not 200 <= status < 300:
        return fail(f"HTTP {status} {_reason(status)}", status)

    try:
        body = inflate(body, resp_headers.get("Content-Encoding"), MAX_BYTES)
    except TooLarge as err:
        return fail(str(err), status)
    except (OSError, EOFError, zlib.error) as err:
        return fail(f"cannot decompress the response ({resp_headers.get('Content-Encoding')}): {err}", status)
    if len(body) > MAX_BYTES:
        return fail(f"response too large (over {MAX_BYTES} bytes)", status)

    content_type = resp_headers.get("Content-Type")
    is_html = _is_html(content_type, body)
    try:
        if is_html:
            html, encoding = decode_html(body, content_type)
            text = html_to_text(html)
            html_title = title_of(html)
        else:
            text, encoding = _decode_text(body, content_type)
            text = text.replace("\r\n", "\n")
            html_title = None
    except IngestError as err:
        return fail(f"cannot use the content ({content_type or 'no Content-Type'}): {err.problem}", status)
    if not text.strip():
        return fail(f"no text found in the page ({content_type or 'no Content-Type'})", status)

    text_bytes = text.encode("utf-8")
    sha = hashlib.sha256(body).hexdigest()
    text_sha = hashlib.sha256(text_bytes).hexdigest()
    orig_path = fetched_dir / f"{file_name}.orig.{'html' if is_html else 'bin'}"
    meta_path = fetched_dir / f"{file_name}.fetch.json"
    unchanged = (
        previous_orig == orig_path
        and text_path.is_file()
        and _sha256_file(orig_path) == sha
        and _sha256_file(text_path) == text_sha
    )
    meta = {
        "url": url,
        "final_url": final_url,
        "retrieved_at": retrieved_at,
        "status": status,
        "etag": resp_headers.get("ETag"),
        "last_modified": resp_headers.get("Last-Modified"),
        "content_type": content_type,
        "encoding": encoding,
        "html_title": html_title,
        "sha256": sha,
        "n_bytes": len(body),
        "text_sha256": text_sha,
        "text_file": file_name,
        "original_file": f"{FETCHED_DIR}/{orig_path.name}",
        "user_agent": USER_AGENT,
    }
    try:
        if not unchanged:
            fetched_dir.mkdir(parents=True, exist_ok=True)
            _atomic_write(orig_path, body)
            _atomic_write(text_path, text_bytes)
            _write_json(meta_path, meta)
            other = fetched_dir / f"{file_name}.orig.{'bin' if is_html else 'html'}"
            other.unlink(missing_ok=True)  # an earlier fetch stored the other kind
        _write_json(
            state_path,
            {
                "url": url,
                "file_name": file_name,
                "etag": meta["etag"],
                "last_modified": meta["last_modified"],
                "sha256": sha,
                "text_sha256": text_sha,
                "retrieved_at": retrieved_at,
                "checked_at": retrieved_at,
            },
        )
    except OSError as err:
        return fail(f"cannot write the fetched files: {err}", status)
    return FetchResult(url, status, not unchanged, orig_path, text_path, sha, None, retrieved_at)


def _request_with_retries(url, headers, *, timeout, retries, backoff, delay, deadline=120.0, allowed_hosts=()):
    """Return ((status, final_url, headers, body), None, status) for a final response (any status but
    a retryable one), or (None, problem, last status or None) once the attempts are used up."""
    host = urllib.parse.urlsplit(url).netloc.lower()
    attempts = max(0, int(retries)) + 1
    problem, status = "no attempt made", None
    for attempt in range(attempts):
        _wait_for_host(host, delay)
        wait_hint = None
        limit = Deadline(deadline)  # one per request, redirects included
        try:
            request = urllib.request.Request(url, headers=headers, method="GET")
            with opener(url, limit, allowed_hosts).open(request, timeout=timeout) as resp:
                body = read_body(resp, limit, MAX_BYTES)
                return (resp.status, resp.geturl(), resp.headers, body), None, resp.status
        except (RedirectRefused, DeadlinePassed, TooLarge) as err:  # not retried: it would happen again
            return None, str(err), None
        except urllib.error.HTTPError as err:  # a response with a non-2xx status
            with err:
                if err.code not in _RETRY_STATUSES:
                    return (err.code, err.geturl() or url, err.headers or Message(), b""), None, err.code
                problem, status = f"HTTP {err.code} {_reason(err.code)}", err.code
                wait_hint = _retry_after(err.headers)
        except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
            if limit.expired:  # the deadline's timer shut the socket: say so, not "connection reset"
                return None, f"took longer than the deadline of {deadline:g} s for the whole request", None
            reason = err.reason if isinstance(err, urllib.error.URLError) else err
            if isinstance(reason, (TimeoutError, socket.timeout)):
                problem, status = f"timed out (timeout {timeout:g} s)", None
            elif isinstance(err, urllib.error.URLError):
                problem, status = f"connection failed: {reason}", None
            else:
                problem, status = f"connection failed: {type(err).__name__}: {err}", None
        except ValueError as err:  # malformed URL
            return None, f"invalid URL: {err}", None
        finally:
            limit.cancel()
        if attempt + 1 < attempts:
            pause = backoff * (2**attempt)
            if wait_hint is not None:
                pause = max(pause, min(wait_hint, MAX_RETRY_AFTER))
            time.sleep(max(0.0, pause))
    return None, f"{problem} (after {attempts} attempt{'s' if attempts > 1 else ''})", status


def _wait_for_host(host: str, delay: float) -> None:
    """Sleep so that requests to one host are at least ``delay`` seconds apart (thread-safe)."""
    with _last_request_lock:
        now = time.monotonic()
        slot = max(now, _last_request.get(host, -float("inf")) + max(0.0, delay))
        _last_request[host] = slot
    if slot > now:
        time.sleep(slot - now)


def _retry_after(headers) -> float | None:
    value = headers.get("Retry-After") if headers else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: ignored, exponential backoff applies


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


# --------------------------------------------------------------------------- decoding

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_HTML_SNIFF = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title)\b", re.IGNORECASE | re.DOTALL
)

# Labels whose Python codec is narrower than what servers really send under them.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "gb_2312-80": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}


def _charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    msg = Message()
    msg["Content-Type"] = content_type
    charset = msg.get_param("charset")
    return charset if isinstance(charset, str) else None  # a tuple only for RFC 2231 (charset*=) parameters


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _is_html(content_type: str | None, body: bytes) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    if media in _HTML_TYPES:
        return True
    if media in ("", "application/octet-stream", "text/plain"):
        # Missing or generic types: sniff. (text/plain pages that are really HTML exist.)
        head = body[:1024]
        for bom in (codecs.BOM_UTF8,):
            head = head.removeprefix(bom)
        return bool(_HTML_SNIFF.match(head))
    return False


def decode_html(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML page: BOM, else the Content-Type charset, else <meta charset>, else detection.

    A declared charset that does not decode the bytes strictly is not trusted;
    ``govreport.sources.decode.decode_bytes`` then detects the encoding. Returns (html, codec name).
    """
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), codecs.lookup(enc).name
            except UnicodeDecodeError:
                break
    declared = [_codec(_charset_from_content_type(content_type))]
    match = _META_CHARSET.search(data[:16384])
    declared.append(_codec(match.group(1).decode("ascii", "replace")) if match else None)
    for codec in declared:
        if codec:
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                continue
    decoded = decode_bytes(data, "<response>")
    return decoded.text, decoded.encoding


def _decode_text(data: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode a non-HTML response as text: the Content-Type charset if it decodes, else detection.

    Raises IngestError for binary data (PDF, images...) or empty content.
    """
    decoded = decode_bytes(data, "<response>")  # refuses binary data, detects the encoding
    enc = _codec(_charset_from_content_type(content_type))
    if enc and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            pass
    return decoded.text, decoded.encoding


# --------------------------------------------------------------------------- HTML to text
# A real tokenizer, linear in the page's size with bounded nesting: govreport.sources.html_text.

# --------------------------------------------------------------------------- files


def _check_file_name(name: str) -> None:
    if (
        not name
        or "/" in name
        or "\\" in name
        or "\0" in name
        or name in (".", "..")
        or name.startswith(".")
        or os.path.isabs(name)
        or PureWindowsPath(name).drive
        or name.lower().endswith((".yaml", ".yml"))
    ):
        raise ValueError(f"file_name must be a bare, non-hidden, non-YAML file name inside raw/, got {name!r}")


def _existing_orig(fetched_dir: Path, file_name: str) -> Path | None:
    for ext in ("html", "bin"):
        path = fetched_dir / f"{file_name}.orig.{ext}"
        if path.is_file():
            return path
    return None


def _sha256_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Hidden temp name: a leftover after a crash is not listed as a raw document.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    # The folder too, so that the rename itself survives a power cut.
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json(path: Path, obj: dict) -> None:
    _atomic_write(path, (json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8"))


def _read_json(path: Path) -> dict:
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return obj if isinstance(obj, dict) else {}


def _iso_utc(now) -> str:
    if callable(now):
        now = now()
    if now is None:
        now = datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)  # naive: taken as UTC
    return now.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")

"""HTTP that goes only where it is sent, for as long as it is allowed, and inflates only so far.

- Every redirect hop is checked before it is followed: http or https only, and the host of the URL
  that was asked for unless the caller allows another (a redirect to ftp:// or to a stranger's host
  is refused, naming where it led).
- One deadline for the whole request, redirects included: when it passes, the socket is shut down
  from a timer, so a server sending a byte a second cannot hold a fetch (a socket timeout only
  fires after a silence).
- gzip/deflate bodies are inflated chunk by chunk up to a cap, so a small bomb cannot fill memory.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from functools import partial


class RedirectRefused(Exception):
    """A redirect led somewhere this fetch may not go; str() says where and why."""


class DeadlinePassed(Exception):
    pass


class TooLarge(Exception):
    pass


class Deadline:
    """A point in time after which every socket of this request is shut down."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._timers: list[threading.Timer] = []

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def guard(self, sock: socket.socket) -> None:
        def cut() -> None:
            self.expired = True
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        timer = threading.Timer(max(0.0, self.remaining()), cut)
        timer.daemon = True
        timer.start()
        self._timers.append(timer)

    def check(self) -> None:
        if self.expired or self.remaining() <= 0:
            self.expired = True
            raise DeadlinePassed(f"took longer than the deadline of {self.seconds:g} s for the whole request")

    def cancel(self) -> None:
        for timer in self._timers:
            timer.cancel()


class _HTTPConnection(http.client.HTTPConnection):
    """A connection whose socket the request's deadline guards from the moment it is connected."""

    def __init__(self, *args, deadline: Deadline, **kwargs):
        super().__init__(*args, **kwargs)
        self._deadline = deadline

    def connect(self):
        super().connect()
        self._deadline.guard(self.sock)


class _HTTPSConnection(_HTTPConnection, http.client.HTTPSConnection):
    """The same over TLS: HTTPSConnection.connect wraps the socket, then the deadline guards it."""


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline):
        super().__init__()
        self._deadline = deadline

    def http_open(self, req):
        return self.do_open(partial(_HTTPConnection, deadline=self._deadline), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline):
        super().__init__()
        self._deadline = deadline

    def https_open(self, req):
        return self.do_open(partial(_HTTPSConnection, deadline=self._deadline), req, context=self._context)


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def __init__(self, hosts: set[str]):
        super().__init__()
        self._hosts = hosts

    def http_error_302(self, req, fp, code, msg, headers):
        newurl = headers.get("location") or headers.get("uri")
        if newurl:  # checked here, before urllib's own check turns a refusal into a bare "HTTP 302"
            self._check(req, code, newurl)
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self._check(req, code, newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)

    def _check(self, req, code, newurl):
        target = urllib.parse.urlsplit(urllib.parse.urljoin(req.full_url, newurl))
        if target.scheme.lower() not in ("http", "https"):
            raise RedirectRefused(f"redirected (HTTP {code}) to {target.geturl()}: only http and https are followed")
        if (target.hostname or "").lower() not in self._hosts:
            raise RedirectRefused(
                f"redirected (HTTP {code}) to another host, {target.hostname}: not followed "
                f"(allowed: {', '.join(sorted(self._hosts))})"
            )


def opener(url: str, deadline: Deadline, allowed_hosts=()) -> urllib.request.OpenerDirector:
    """An opener that keeps to `url`'s host (and `allowed_hosts`) and to the deadline."""
    hosts = {(urllib.parse.urlsplit(url).hostname or "").lower()} | {h.lower() for h in allowed_hosts}
    return urllib.request.build_opener(_HTTPHandler(deadline), _HTTPSHandler(deadline), _CheckedRedirects(hosts))


def read_body(resp, deadline: Deadline, limit: int) -> bytes:
    """The response body, refused past `limit` bytes or past the deadline."""
    chunks: list[bytes] = []
    total = 0
    while True:
        deadline.check()
        chunk = resp.read1(1 << 16)
        if not chunk:
            deadline.check()  # the timer's shutdown looks like the end of the body
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise TooLarge(f"response too large (over {limit} bytes)")
        chunks.append(chunk)


def inflate(body: bytes, content_encoding: str | None, limit: int) -> bytes:
    """Undo gzip or deflate, stopping as soon as the output would pass `limit` bytes."""
    enc = (content_encoding or "").strip().lower()
    if enc in ("gzip", "x-gzip"):
        return _inflate(body, 16 + zlib.MAX_WBITS, limit)
    if enc == "deflate":
        try:
            return _inflate(body, zlib.MAX_WBITS, limit)
        except zlib.error:
            return _inflate(body, -zlib.MAX_WBITS, limit)  # raw deflate, as some servers send
    return body


def _inflate(body: bytes, wbits: int, limit: int) -> bytes:
    out, total, data = [], 0, body
    while data:
        d = zlib.decompressobj(wbits)
        pending = data
        while not d.eof:
            piece = d.decompress(pending, 1 << 20)  # at most a megabyte of output per step
            pending = d.unconsumed_tail
            if not piece and not pending:
                raise zlib.error("incomplete or truncated stream")
            total += len(piece)
            if total > limit:
                raise TooLarge(f"decompressed response too large (over {limit} bytes); stopped inflating there")
            out.append(piece)
        data = d.unused_data if wbits > 16 else b""  # gzip allows several members, one after another
    return b"".join(out)

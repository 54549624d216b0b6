"""Read one raw document and decode it to text.

Offsets into ``Decoded.text`` are used as provenance downstream, so decoding
must not alter the text beyond removing a byte-order mark: no newline
conversion, no normalisation, no stripping.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import threading
from dataclasses import dataclass

from charset_normalizer import from_bytes

MAX_BYTES = 64 * 1024 * 1024  # documented limit; larger files are refused, not read into memory

_SNIFF_BYTES = 64 * 1024  # binary sniffing looks at the head only, like file(1)
_CONTROL_SHARE = 0.10

# Checked against the start of the data. Longer prefixes than the bare magic
# number ("%PDF-", "GIF87a") so that plain text starting with "GIF8..." passes.
_MAGIC = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"PK\x03\x04", "ZIP/Office document"),
    (b"\x7fELF", "executable"),
)

# UTF-32 LE's BOM starts with UTF-16 LE's, so UTF-32 is tested first. The
# python codecs named here consume the BOM themselves.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# C0 controls and DEL, except the ones plain text legitimately uses (\t \n \f \r).
_CONTROL = bytes(sorted((set(range(0x20)) | {0x7F}) - {0x09, 0x0A, 0x0C, 0x0D}))
_ASCII = bytes(range(0x80))

_BIG5 = ("big5", "big5hkscs", "cp950")


class IngestError(Exception):
    """A raw file that cannot be used; str(err) names the file and the problem."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class Decoded:
    path: str  # as given
    text: str  # decoded text, BOM removed, nothing else changed
    encoding: str  # lowercase python codec name
    sha256: str  # hex digest of the raw bytes
    n_bytes: int
    warnings: tuple[str, ...]  # human-readable, each naming the file


def file_sha256(path: str | os.PathLike) -> str:
    """A file's sha256, read a megabyte at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_document(path: str | os.PathLike) -> Decoded:
    """Read and decode one file, refusing files over MAX_BYTES before reading them."""
    name = os.fspath(path)
    try:
        st = os.stat(name)
        if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
            raise IngestError(name, "not a regular file")
        if st.st_size > MAX_BYTES:
            raise IngestError(name, _too_large(st.st_size))
        with open(name, "rb") as fh:
            # The file's own size and one byte more: a read of MAX_BYTES would take a 64 MB buffer for each file
            # (0.1 ms each). Past that byte, it grew since stat(): read on, one byte past the limit.
            data = fh.read(st.st_size + 1)
            if len(data) > st.st_size:
                data += fh.read(MAX_BYTES + 1 - len(data))
    except OSError as err:
        raise IngestError(name, f"cannot read file: {err.strerror or err}") from err
    if len(data) > MAX_BYTES:
        raise IngestError(name, _too_large(len(data)))
    return decode_bytes(data, name)


def decode_bytes(data: bytes, path: str = "<bytes>") -> Decoded:
    """Decode raw bytes of a text document; raise IngestError for empty or binary data."""
    if not data:
        raise IngestError(path, "empty file")
    kind = _binary_kind(data)
    if kind:
        raise IngestError(path, f"binary file ({kind}), not a text document")

    bom_encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if bom_encoding is None:
        reason = _binary_reason(data)
        if reason:
            raise IngestError(path, f"binary file, not a text document ({reason})")

    warnings: list[str] = []
    if bom_encoding:
        # A BOM is an explicit declaration; errors in the body do not overturn it.
        encoding = bom_encoding
        text = _strict(data, encoding)
        if text is None:
            text, warning = _lossy(data, encoding, path)
            warnings.append(warning)
    else:
        found = _detect(data, path, warnings)
        if found:
            text, encoding = found
        else:
            encoding = _pick_lossy(data)
            text, warning = _lossy(data, encoding, path)
            warnings.append(warning)

    if not text.strip():
        raise IngestError(path, "empty file (whitespace only)")
    return Decoded(
        path=path,
        text=text,
        encoding=encoding,
        sha256=hashlib.sha256(data).hexdigest(),
        n_bytes=len(data),
        warnings=tuple(warnings),
    )


def _too_large(size: int) -> str:
    return f"file too large ({size} bytes; the limit is MAX_BYTES = {MAX_BYTES} bytes)"


def _binary_kind(data: bytes) -> str | None:
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)


def _binary_reason(data: bytes) -> str | None:
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        return "contains NUL bytes"
    n_control = len(head) - len(head.translate(None, _CONTROL))  # C-speed count
    if n_control > _CONTROL_SHARE * len(head):
        return f"{n_control / len(head):.0%} control bytes"
    return None


def _detect(data: bytes, path: str, warnings: list[str]) -> tuple[str, str] | None:
    """Strict decoding without BOM: utf-8, then gb18030, then charset_normalizer."""
    text = _strict(data, "utf-8")
    if text is not None:
        return text, "utf-8"

    gb = _strict(data, "gb18030")
    chinese = gb is not None and _looks_chinese(gb)
    # Big5 bytes also decode "strictly" as gb18030, into plausible-looking but
    # wrong ideographs; when both decode, charset_normalizer (slow) arbitrates.
    if gb is not None and chinese and _strict(data, "big5") is None:
        return gb, "gb18030"
    enc = _guess(data)
    if gb is not None and chinese and enc not in _BIG5:
        return gb, "gb18030"
    text = _strict(data, enc) if enc else None
    if text is not None and enc:
        warnings.append(f"{path}: encoding guessed as {enc} by charset-normalizer; check the text")
        return text, enc
    if gb is not None:
        warnings.append(f"{path}: decoded as gb18030, but the text does not look like Chinese")
        return gb, "gb18030"
    return None


def _guess(data: bytes) -> str | None:
    best = from_bytes(data).best()
    return codecs.lookup(best.encoding).name if best else None


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_IDEOGRAPH = re.compile(
    "[\u4e00-\u9fff"  # CJK Unified Ideographs
    "\u3400-\u4dbf"  # Extension A
    "\uf900-\ufaff"  # Compatibility Ideographs
    "\U00020000-\U0003134f]"  # Extensions B-G
)


def _looks_chinese(text: str) -> bool:
    """At least half the non-ASCII characters are ideographs (judged on a sample, for speed)."""
    sample = text[:1_000_000]
    return len(_IDEOGRAPH.findall(sample)) >= 0.5 * len(_NON_ASCII.findall(sample))


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _pick_lossy(data: bytes) -> str:
    """Choose the encoding for data that nothing decodes strictly."""
    # gb18030 happily pairs up UTF-8 bytes into wrong characters with few
    # errors, so a mostly-valid UTF-8 file must be read as UTF-8 regardless.
    n_non_ascii = len(data.translate(None, _ASCII))
    if _count_errors(data, "utf-8") <= n_non_ascii / 2:
        return "utf-8"
    candidates = ["gb18030"] + ([enc] if (enc := _guess(data)) else [])
    return min(candidates, key=lambda enc: _count_errors(data, enc))  # ties: gb18030


# Error handler that replaces like errors="replace" but counts replaced bytes.
# Registered once under a fixed name; the count is thread-local so concurrent
# pipeline tasks do not mix their counts.
_tally = threading.local()
_HANDLER = "govreport.sources.decode.count-replace"


def _count_replace(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeDecodeError):
        raise err
    _tally.n += err.end - err.start
    return "\ufffd", err.end


codecs.register_error(_HANDLER, _count_replace)


def _decode_counting(data: bytes, encoding: str) -> tuple[str, int]:
    _tally.n = 0
    text = data.decode(encoding, errors=_HANDLER)
    return text, _tally.n


def _count_errors(data: bytes, encoding: str) -> int:
    return _decode_counting(data, encoding)[1]


def _lossy(data: bytes, encoding: str, path: str) -> tuple[str, str]:
    text, n_bad = _decode_counting(data, encoding)
    return text, (
        f"{path}: not valid {encoding}; decoded as {encoding} with {n_bad} invalid byte(s) replaced by U+FFFD"
    )

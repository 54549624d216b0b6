"""HTML read by a real tokenizer that is linear in the page's size and tracks nesting only so deep.

Python's ``html.parser`` rescans a construct left open (``<a `` or ``<!--`` without its end) at every
later ``<``: 60 KB of ``<a `` took over six minutes. Regular expressions such as ``</?[a-z][^>]*>`` do the
same (each unclosed ``<a`` scans to the end of the page), end a tag at a ``>`` inside a quoted attribute,
and ``html.unescape`` raises on a character reference of 5000 digits. This module tokenizes as the HTML
standard does (https://html.spec.whatwg.org/multipage/parsing.html#tokenization), for the parts text
needs: start and end tags with their attributes (a ``>`` in a quoted value does not end the tag),
comments, doctypes and processing instructions, raw-text elements (script, style, ...) whose content is
not markup, and character references. Each construct is found by one forward search from where the last
one ended, and a construct left open runs to the end of the page, as the standard says; so every
character is looked at a bounded number of times, whatever the page holds.

No tree is built. The only nesting kept is that of the elements whose content is dropped, and only
MAX_DEPTH deep (as browsers cap the depth of the tree they build): 200 000 nested elements cost what
200 000 sibling ones do.

Two readers share the tokenizer: ``html_to_text`` (a fetched page to readable lines) and
``markup_edits`` (edits that strip markup from an HTML file in raw/, positions kept, for normalization).
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

MAX_DEPTH = 512  # open dropped elements tracked; deeper ones are counted, not remembered

TEXT, RAW, START, END, OTHER = "text", "raw", "start", "end", "other"

# Elements whose content is text up to their end tag, not markup. RCDATA ones decode character references.
_RAWTEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript"})
_RCDATA = frozenset({"title", "textarea"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)

_WS = "\t\n\f\r "
# The next thing that is markup: a tag (its name, and its end if it has no attributes), "</", "<!" or "<?".
_MARKUP = re.compile(r"<(?:(/?)([A-Za-z][^\t\n\f\r />]*)(>?)|/|!|\?)")
# One step inside a tag: whitespace, then its end, a stray slash, or one attribute (a quoted value runs to
# its closing quote, whatever it holds). No match: the page ended inside the tag.
_IN_TAG = re.compile(
    r"""[\t\n\f\r ]*(?:(/?>)|/|([^\t\n\f\r />][^\t\n\f\r />=]*)"""
    r"""(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:"([^"]*)(")?|'([^']*)(')?|([^\t\n\f\r >]*)))?)"""
)
_COMMENT_END = re.compile(r"--!?>")
# Character references, as html.unescape finds them; numbers are read by length first (see _charref).
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")


class Token(NamedTuple):
    kind: str  # TEXT, RAW (content of a raw-text element), START, END or OTHER (comment, doctype, ...)
    start: int  # position in the page
    end: int
    name: str = ""  # tag name, lower case (START, END; RAW: the element's)
    attrs: tuple[tuple[str, str], ...] = ()  # START: (name, value), values unescaped


@lru_cache(maxsize=32)
def _closing(name: str) -> re.Pattern:
    return re.compile(rf"</{re.escape(name)}(?=[\t\n\f\r />])", re.IGNORECASE)


def tokens(page: str) -> Iterator[Token]:
    """The page's tokens in order; together they cover the page without gaps or overlap."""
    n = len(page)
    i = 0
    while i < n:
        m = _MARKUP.search(page, i)  # a "<" that starts nothing is text, and is passed over here
        if m is None:
            yield Token(TEXT, i, n)
            return
        lt = m.start()
        if lt > i:
            yield Token(TEXT, i, lt)
        if m.group(2) is not None:  # a start or end tag
            kind, name = (END if m.group(1) else START), m.group(2).lower()
            tag = Token(kind, lt, m.end(), name) if m.group(3) else _tag(page, lt, m.end(), kind, name)
            if tag is None:  # the page ends inside the tag: the rest is the unfinished tag
                yield Token(OTHER, lt, n)
                return
            yield tag
            i = tag.end
            if kind == END:
                continue
            if name in _RAWTEXT or name in _RCDATA:
                close = _closing(name).search(page, i)
                stop = close.start() if close else n
                if stop > i:
                    yield Token(RAW, i, stop, name)
                i = stop
            elif name == "plaintext":
                if i < n:
                    yield Token(RAW, i, n, name)
                return
        elif m.group(0) == "</":  # not followed by a letter
            if page.startswith(">", lt + 2):  # "</>": nothing
                i = lt + 3
            elif lt + 2 == n:  # "</" at the very end: text
                yield Token(TEXT, lt, n)
                return
            else:  # "</ ..." and the like: a bogus comment up to ">"
                i = _through(page, ">", lt + 2)
            yield Token(OTHER, lt, i)
        elif page.startswith("<!--", lt):
            if page.startswith(">", lt + 4) or page.startswith("->", lt + 4):  # "<!-->", "<!--->"
                i = page.index(">", lt + 4) + 1
            else:
                end = _COMMENT_END.search(page, lt + 4)
                i = end.end() if end else n
            yield Token(OTHER, lt, i)
        else:  # "<!": doctype, CDATA section, bogus comment; "<?": processing instruction
            i = _through(page, ">", lt + 2)
            yield Token(OTHER, lt, i)


def _through(page: str, char: str, pos: int) -> int:
    """Just past the next `char` from pos, or the end of the page."""
    found = page.find(char, pos)
    return found + 1 if found >= 0 else len(page)


def _tag(page: str, lt: int, pos: int, kind: str, name: str) -> Token | None:
    """The rest of the start or end tag at `lt` from `pos` (after its name), or None if the page ends in it."""
    attrs: list[tuple[str, str]] = []
    while True:
        step = _IN_TAG.match(page, pos)
        if step is None:
            return None
        pos = step.end()
        if step.group(1):
            return Token(kind, lt, pos, name, tuple(attrs) if kind == START else ())
        if step.group(2) is None:  # a stray "/"
            continue
        if (step.group(3) is not None and step.group(4) is None) or (
            step.group(5) is not None and step.group(6) is None
        ):
            return None  # a quoted value the page ends inside
        value = next((v for v in (step.group(3), step.group(5), step.group(7)) if v is not None), "")
        if len(attrs) < 64:  # a tag's attributes are kept only so far; the rest are read and dropped
            attrs.append((step.group(2).lower(), unescape(value)))


def _charref(m: re.Match) -> str:
    ref = m.group(0)
    if ref.startswith("&#"):
        digits = ref[2:].rstrip(";")
        hexa = digits[:1] in "xX"
        # Too long for any code point (and for int(), which refuses 4300 digits): the replacement character.
        if len(digits.lstrip("xX0" if hexa else "0")) > 7:
            return "\ufffd"
    return _html.unescape(ref)


def unescape(text: str, start: int = 0, end: int | None = None) -> str:
    """text[start:end] with its character references replaced, as html.unescape does, in linear time and
    without raising on a reference too long for any character."""
    part = text[start:end]
    return _CHARREF.sub(_charref, part) if "&" in part else part


def charrefs(page: str, start: int, end: int) -> Iterator[tuple[int, int, str]]:
    """(start, end, replacement) for each character reference in page[start:end] that stands for something."""
    if page.find("&", start, end) < 0:
        return
    for m in _CHARREF.finditer(page, start, end):
        new = _charref(m)
        if new != m.group(0):
            yield m.start(), m.end(), new


class _Dropping:
    """The dropped elements open at this point: a stack MAX_DEPTH deep with counts for O(1) lookups;
    deeper ones are only counted, and close the innermost dropped element of their name."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.count: dict[str, int] = {}
        self.beyond: dict[str, int] = {}

    def __bool__(self) -> bool:
        return bool(self.stack)

    def open(self, name: str) -> None:
        if len(self.stack) < MAX_DEPTH:
            self.stack.append(name)
            self.count[name] = self.count.get(name, 0) + 1
        else:
            self.beyond[name] = self.beyond.get(name, 0) + 1

    def close(self, name: str) -> None:
        """An end tag: closes the innermost open element of that name and any opened inside it."""
        if self.beyond.get(name):
            self.beyond[name] -= 1
            return
        if not self.count.get(name):
            return  # not open: ignored
        self.beyond.clear()  # the elements beyond the cap were inside it
        while True:
            top = self.stack.pop()
            self.count[top] -= 1
            if top == name:
                return


# --------------------------------------------------------------------------- a fetched page to text

_SKIP = frozenset(
    {
        "script",
        "style",
        "noscript",
        "nav",
        "header",
        "footer",
        "head",
        "template",
        "iframe",
        "svg",
        "canvas",
        "object",
        "select",
        "button",
        "aside",
        "form",
    }
)
_BLOCK = frozenset(
    {
        "address",
        "article",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "html",
        "legend",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
    }
)
_CELL = frozenset({"td", "th"})
_SPACE = re.compile(r"[ \t\n\r\f\v\u00a0\u2000-\u200b\u3000]+")
_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
_BR = "\x01"  # marks a <br> in the text buffer


def html_to_text(page: str) -> str:
    """Readable text of an HTML page: one block element per line; scripts, styles and navigation dropped;
    a source line break between two Chinese characters removed, other whitespace runs made one space."""
    lines: list[str] = []
    buffer: list[str] = []
    skip = _Dropping()
    pre = 0

    def flush() -> None:
        if not buffer:
            return
        raw = "".join(buffer)
        buffer.clear()
        for line in raw.split(_BR):
            if pre:
                lines.extend(p.rstrip() for p in line.split("\n") if p.strip())
            elif line := _collapse(line):
                lines.append(line)

    for tok in tokens(page):
        if tok.kind in (TEXT, RAW):
            if not skip and tok.name not in _SKIP:  # a raw element's content counts only if it is shown (title)
                text = (
                    unescape(page, tok.start, tok.end)
                    if tok.kind == TEXT or tok.name in _RCDATA
                    else page[tok.start : tok.end]
                )
                buffer.append(text.replace(_BR, ""))
        elif tok.kind == START:
            if tok.name in _SKIP:
                if tok.name not in _VOID and not (page[tok.end - 2] == "/" and tok.name not in _RAWTEXT):
                    skip.open(tok.name)  # <nav/> holds nothing; <script/> still runs to </script>
            elif skip:
                continue
            elif tok.name == "br":
                buffer.append(_BR)
            elif tok.name in _BLOCK:
                flush()
                pre += tok.name == "pre"
            elif tok.name in _CELL:
                buffer.append(" ")
            elif tok.name == "img":
                alt = dict(tok.attrs).get("alt")
                if alt and alt.strip():
                    buffer.append(alt)
        elif tok.kind == END:
            if skip:
                skip.close(tok.name)
            elif tok.name in _BLOCK:
                flush()
                if tok.name == "pre" and pre:
                    pre -= 1
            elif tok.name in _CELL:
                buffer.append(" ")
    flush()
    return "\n".join(lines) + "\n" if lines else ""


def _collapse(line: str) -> str:
    """Collapse whitespace runs to one space; a source line break between two CJK characters
    disappears instead (as browsers render it)."""

    def space(m: re.Match) -> str:
        if "\n" in m.group() or "\r" in m.group():
            before, after = line[m.start() - 1 : m.start()], line[m.end() : m.end() + 1]
            if before and after and _WIDE.match(before) and _WIDE.match(after):
                return ""
        return " "

    return _SPACE.sub(space, line).strip()


def title_of(page: str) -> str | None:
    """The page's <title>, whitespace collapsed; None if it has none (looked for in the first 64 KB)."""
    head = page[:65536]
    for tok in tokens(head):
        if tok.kind == RAW and tok.name == "title":
            return _SPACE.sub(" ", unescape(head, tok.start, tok.end)).strip() or None
        if tok.kind == START and tok.name == "body":
            return None
    return None


# --------------------------------------------------------------------------- markup out of an HTML file

# What normalization drops with its content, and which tags become a line break (the rest become nothing).
_DROP = frozenset({"script", "style", "noscript", "template"})
_LINE = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "tr",
        "td",
        "th",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "title",
        "blockquote",
        "pre",
    }
)


def markup_edits(page: str) -> list[tuple[int, int, str]]:
    """Sorted, non-overlapping (start, end, replacement) edits that turn an HTML page into its text:
    tags of block elements become a line break, other tags, comments and doctypes nothing, script, style,
    noscript and template elements nothing with their content, character references their character."""
    edits: list[tuple[int, int, str]] = []
    drop = _Dropping()

    def delete(start: int, end: int) -> None:
        if edits and edits[-1][1] == start and edits[-1][2] == "":
            edits[-1] = (edits[-1][0], end, "")  # one edit for a run of deletions
        else:
            edits.append((start, end, ""))

    for tok in tokens(page):
        if tok.kind == START and tok.name in _DROP and tok.name not in _VOID:
            drop.open(tok.name)
        was_dropping = bool(drop)
        if tok.kind == END and drop:
            drop.close(tok.name)
        if was_dropping or tok.kind == OTHER:
            delete(tok.start, tok.end)
        elif tok.kind == TEXT or tok.kind == RAW and tok.name in _RCDATA:
            edits.extend(charrefs(page, tok.start, tok.end))
        elif tok.kind == RAW:
            delete(tok.start, tok.end)
        elif tok.name in _LINE:
            edits.append((tok.start, tok.end, "\n"))
        else:
            delete(tok.start, tok.end)
    return edits

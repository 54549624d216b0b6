"""The pages' Jinja environment and static files, loaded from the installed package.

Autoescaping is on for every template: quotes, titles and region names come from documents nobody here
wrote, and each value put into HTML is escaped by Jinja (MarkupSafe), never by hand. Data for scripts goes
through Jinja's `tojson`, which writes every < > & ' as a JSON unicode escape: no string can form a tag or
end its <script> element, and JSON.parse turns the escapes back into the characters.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from importlib.resources import files
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from govreport.site.text import human_bytes, num, value_display, with_unit

STATIC_FILES = ("style.css", "release.js", "panel.js")


def static_text(name: str) -> str:
    return (files("govreport.site") / "static" / name).read_text(encoding="utf-8")


def copy_static(dest: Path) -> None:
    """The stylesheet and script, as shipped in the package, into a release's site/ folder."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in STATIC_FILES:
        (dest / name).write_bytes((files("govreport.site") / "static" / name).read_bytes())


def csp_hash(text: str) -> str:
    """A Content-Security-Policy source allowing exactly this inline stylesheet."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("govreport.site", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        num=num, human_bytes=human_bytes, value_display=value_display, with_unit=with_unit, px=lambda v: f"{v:.1f}"
    )
    env.globals.update(csp_hash=csp_hash)
    # Compact and readable (Chinese stays Chinese); NaN is refused: it is not JSON.
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "separators": (",", ":"), "allow_nan": False}
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)

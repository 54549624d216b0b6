"""The sources manifest ``raw/sources.yaml``: what each raw file is and where it came from.

The manifest is optional and hand-edited, so loading it never raises: every
defect is reported as a ManifestProblem and the usable rest is kept.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path, PureWindowsPath
from typing import TYPE_CHECKING, Any

import yaml

MANIFEST_NAME = "sources.yaml"

# The single place the manifest fields are described.
FIELDS: dict[str, str] = {
    "file": "Name of the document file inside raw/ (required; a bare file name, no directories).",
    "title": "Title of the document, or a short description if it has none.",
    "region_name": "Name of the administrative region the report covers, e.g. 罗湖区.",
    "region_code": 'GB/T 2260 six-digit administrative division code, as a quoted string, e.g. "440303".',
    "issuing_body": "Body that issued the report the document presents, e.g. 深圳市罗湖区人民政府.",
    "document_type": "One of: government_work_report, plenary_report, news_article, other.",
    "published": "Publication date of the document, ISO format YYYY-MM-DD.",
    "report_year": "The year the report plans for (the report's 'this year'), as an integer.",
    "script": "Chinese script of the text: zh-Hans (simplified) or zh-Hant (traditional).",
    "source": "Where the document came from: publisher, site or outlet name.",
    "licence": "Licence or rights note for the document.",
    "url": "Address the document was retrieved from, if recorded.",
    "redirect_hosts": "Other hosts a redirect from 'url' may lead to, as a list of host names (e.g. [www.gov.cn]);"
    " without it a redirect must stay on the url's own host.",
}
# The contract owns the code lists and the year bounds.
from govreport.contract.model import DOCUMENT_TYPES, DOCUMENTS, SCRIPTS  # noqa: E402

# The years a report may plan for: the documents table's bounds, so the manifest accepts what a release may hold.
_REPORT_YEAR = DOCUMENTS.field("report_year")
assert _REPORT_YEAR.minimum is not None and _REPORT_YEAR.maximum is not None  # the contract bounds it
FIRST_YEAR, LAST_YEAR = int(_REPORT_YEAR.minimum), int(_REPORT_YEAR.maximum)


@dataclass(frozen=True)
class SourceEntry:
    file: str
    title: str | None = None
    region_name: str | None = None
    region_code: str | None = None
    issuing_body: str | None = None
    document_type: str | None = None
    published: date | None = None
    report_year: int | None = None
    script: str | None = None
    source: str | None = None
    licence: str | None = None
    url: str | None = None
    redirect_hosts: tuple[str, ...] = ()


assert [f.name for f in fields(SourceEntry)] == list(FIELDS), "FIELDS and SourceEntry disagree"


@dataclass(frozen=True)
class ManifestProblem:
    path: str  # the manifest path
    problem: str
    fatal: bool  # True: the whole manifest is unusable

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


# libyaml's parser when PyYAML has it: ten times faster on a manifest of thousands of entries.
if TYPE_CHECKING:
    _BaseLoader = yaml.SafeLoader
else:
    _BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):
    """SafeLoader that keeps dates as strings and rejects duplicate keys.

    PyYAML turns 2021-01-29 into a date itself and raises a bare ValueError on
    2021-13-45, which would sink the whole manifest; parsing dates ourselves
    lets a bad date cost only that field. Duplicate keys would otherwise be
    silently overwritten.
    """

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _first_alias(text: str):
    """The manifest's first alias event, if any: found by the parser alone, before anything is built, so an
    alias bomb costs one linear pass."""
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            return event
    return None


_REGION_CODE = re.compile(r"\d{6}")
# A host name or IPv4 address as a URL holds it: no scheme, user, port or path.
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def load_manifest(raw_dir: str | os.PathLike) -> tuple[dict[str, SourceEntry], list[ManifestProblem]]:
    """Load raw_dir/sources.yaml; return entries keyed by file name, and the problems found."""
    raw = Path(raw_dir)
    path = raw / MANIFEST_NAME
    problems: list[ManifestProblem] = []

    def fatal(problem: str) -> tuple[dict[str, SourceEntry], list[ManifestProblem]]:
        return {}, [ManifestProblem(str(path), problem, fatal=True)]

    if not path.exists():
        return {}, []  # the pipeline works without a manifest
    try:
        text = path.read_text(encoding="utf-8")
        alias = _first_alias(text)
        if alias is not None:
            return fatal(
                f"YAML alias *{alias.anchor} at line {alias.start_mark.line + 1}: aliases are not "
                "allowed in the manifest (they can expand without bound)"
            )
        doc = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return fatal(f"YAML error{where}: {err.problem or err.context}")
    except (yaml.YAMLError, OSError, UnicodeDecodeError) as err:
        return fatal(f"cannot read manifest: {err}")

    if not isinstance(doc, dict) or not isinstance(doc.get("documents"), list):
        return fatal("top level must be a mapping with a 'documents' list")
    for key in doc:
        if key != "documents":
            problems.append(ManifestProblem(str(path), f"unknown top-level key {key!r}", fatal=False))

    entries: dict[str, SourceEntry] = {}
    for number, item in enumerate(doc["documents"], start=1):
        entry_problems: list[str] = []
        entry = _parse_entry(item, raw, entry_problems)
        label = f"entry {number}" + (f" ({item['file']})" if isinstance(item, dict) and "file" in item else "")
        if entry and entry.file in entries:
            entry_problems.append("duplicate entry for this file; the first one is used")
            entry = None
        problems += [ManifestProblem(str(path), f"{label}: {p}", fatal=False) for p in entry_problems]
        if entry:
            entries[entry.file] = entry
    return entries, problems


def _parse_entry(item: Any, raw: Path, problems: list[str]) -> SourceEntry | None:
    """Validate one entry; append problems; return None if the entry is unusable."""
    if not isinstance(item, dict):
        problems.append("not a mapping; entry dropped")
        return None
    name = item.get("file")
    if not isinstance(name, str) or not name:
        problems.append("missing 'file'; entry dropped")
        return None
    if not _is_plain_name(name, raw):
        problems.append("path escapes raw/ ('file' must be a bare file name inside raw/); entry refused")
        return None
    if not (raw / name).is_file() and not isinstance(item.get("url"), str):  # with a url, a run fetches it
        problems.append("listed file missing from raw/; entry dropped")
        return None

    values: dict[str, Any] = {"file": name}
    for key, value in item.items():
        if key == "file":
            continue
        if key not in FIELDS:
            problems.append(f"unknown field {key!r}; ignored")
            continue
        if value is None:
            continue
        checked, problem = _check_field(key, value)
        if problem:
            problems.append(f"{key}: {problem}; set to null")
        else:
            values[key] = checked
    return SourceEntry(**values)


def _is_plain_name(name: str, raw: Path) -> bool:
    if "/" in name or "\\" in name or "\0" in name or name in (".", ".."):
        return False
    # Drive-qualified names ("C:x") too: the manifest must mean the same on every OS.
    if os.path.isabs(name) or PureWindowsPath(name).drive:
        return False
    # A symlink inside raw/ pointing elsewhere escapes raw/ just the same. A bare name's only link can be
    # itself: anything else stays in raw/ (one lstat, not a path resolution per entry of a large manifest).
    target = raw / name
    return not target.is_symlink() or not target.exists() or target.resolve().parent == raw.resolve()


def _check_field(key: str, value: Any) -> tuple[Any, str | None]:
    """Return (value, None) if valid, else (None, description of the problem)."""
    if key == "report_year":
        # bool is an int subclass: "report_year: yes" must not become 1.
        if isinstance(value, int) and not isinstance(value, bool) and FIRST_YEAR <= value <= LAST_YEAR:
            return value, None
        return None, f"expected a year between {FIRST_YEAR} and {LAST_YEAR}, got {value!r}"
    if key == "redirect_hosts":
        hosts = value if isinstance(value, list) else None
        if not hosts or not all(isinstance(h, str) and len(h) <= 253 and _HOST.fullmatch(h.lower()) for h in hosts):
            return None, f"expected a list of host names (no scheme, port or path), got {value!r}"
        return tuple(sorted({h.lower().rstrip(".") for h in hosts})), None
    if not isinstance(value, str):
        # e.g. an unquoted region_code: YAML reads 010101 as an octal integer.
        return None, f"expected a (quoted) string, got {value!r}"
    if key == "region_code" and not _REGION_CODE.fullmatch(value):
        return None, f"expected six digits, got {value!r}"
    if key == "document_type" and value not in DOCUMENT_TYPES:
        return None, f"expected one of {', '.join(DOCUMENT_TYPES)}, got {value!r}"
    if key == "script" and value not in SCRIPTS:
        return None, f"expected one of {', '.join(SCRIPTS)}, got {value!r}"
    if key == "published":
        try:
            if not _ISO_DATE.fullmatch(value):
                raise ValueError
            return date.fromisoformat(value), None
        except ValueError:
            return None, f"expected an ISO date YYYY-MM-DD, got {value!r}"
    return value, None

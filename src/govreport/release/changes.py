"""What changed between two releases: tables and fields, documents and observations added, removed and changed,
with why.

Rows are matched by their natural keys (contract), not by ids that hash content,
so a corrected number shows as a change of value, not as one row out and one in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any, TextIO, overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from govreport.contract.model import DOCUMENTS, OBSERVATIONS
from govreport.tables.engine import duckdb_connect
from govreport.tables.table_file import ParquetFileTable

VALUE_COLUMNS = ("value_low", "value_high", "value", "unit")


def _rows(table: pa.Table | None, key: tuple[str, ...], columns: tuple[str, ...] = ()) -> dict[tuple, dict]:
    """Rows by natural key, with only the columns a diff reads."""
    if table is None:
        return {}
    wanted = list(dict.fromkeys(key + columns))
    return {tuple(r[k] for k in key): r for r in table.select(wanted).to_pylist()}


def _reason(doc_old: dict | None, doc_new: dict | None, row_old: dict | None, row_new: dict | None) -> str:
    if doc_old is None:
        return "new raw document"
    if doc_new is None:
        return "raw document removed"
    if doc_old["document_id"] != doc_new["document_id"]:
        return "raw document changed"
    if row_old and row_new and row_old["extractor_version"] != row_new["extractor_version"]:
        return f"extractor {row_old['extractor_version']} -> {row_new['extractor_version']}"
    return "re-extraction"


def release_tables(release_dir: Path) -> dict[str, ParquetFileTable]:
    """Every table a release holds (data/*.parquet), also those today's contract no longer has: read from its file
    when a comparison asks for its columns, never whole."""
    return {
        p.name.removesuffix(".parquet"): ParquetFileTable(p)
        for p in sorted((Path(release_dir) / "data").glob("*.parquet"))
    }


def diff_releases(old_dir: Path, new_dir: Path) -> dict:
    """diff_tables of two releases' files, with plain lists (for printing as JSON)."""
    diff = diff_tables(release_tables(old_dir), release_tables(new_dir))
    diff["observations"] = {kind: list(rows) for kind, rows in diff["observations"].items()}
    return diff


def schema_changes(old: dict[str, pa.Table], new: dict[str, pa.Table]) -> dict:
    """Tables and fields (table.field) added and removed, and fields whose type changed."""

    def fields(tables):
        return {f"{t}.{f.name}": str(f.type) for t, data in tables.items() for f in data.schema}

    before, after = fields(old), fields(new)
    return {
        "tables": {"added": sorted(new.keys() - old.keys()), "removed": sorted(old.keys() - new.keys())},
        # Fields of a table added or removed whole are told by the table.
        "fields": {
            "added": sorted(f for f in after.keys() - before.keys() if f.split(".")[0] in old),
            "removed": sorted(f for f in before.keys() - after.keys() if f.split(".")[0] in new),
            "retyped": sorted(f for f in after.keys() & before.keys() if after[f] != before[f]),
        },
    }


def _observation_diff(old: pa.Table | None, new: pa.Table | None) -> pa.Table | None:
    """The observations added (no old row), removed (no new row) or whose values changed, by their natural keys,
    each side's columns prefixed o_ and n_, with in_old and in_new; a key a table holds twice counts with its last
    row. DuckDB joins the two tables, and the differing rows stay columnar (Changes makes them dicts)."""
    key, wanted = OBSERVATIONS.natural_key, VALUE_COLUMNS + ("extractor_version",)
    columns = list(dict.fromkeys(key + wanted))
    # Only these columns are read (from the files, for tables kept in files), once per side.
    old, new = (t.select(columns) if t is not None else None for t in (old, new))
    present = [t for t in (old, new) if t is not None]
    if not present:
        return None
    empty = present[0].schema.empty_table()

    def numbered(table: pa.Table | None) -> pa.Table:
        table = empty if table is None else table
        return table.append_column("pos", pa.array(np.arange(table.num_rows, dtype=np.int64)))

    k = ", ".join(f'"{c}"' for c in key)
    same_key = " AND ".join(f'o."{c}" IS NOT DISTINCT FROM n."{c}"' for c in key)
    differ = " OR ".join(f'o."{c}" IS DISTINCT FROM n."{c}"' for c in VALUE_COLUMNS)
    side = ", ".join(f'{t}."{c}" AS "{t}_{c}"' for t in "on" for c in columns)
    last = f"QUALIFY row_number() OVER (PARTITION BY {k} ORDER BY pos DESC) = 1"
    con = duckdb_connect()
    try:
        con.register("old_rows", numbered(old))
        con.register("new_rows", numbered(new))
        return con.sql(
            f"WITH o AS (SELECT * FROM old_rows {last}), n AS (SELECT * FROM new_rows {last}) "
            f"SELECT {side}, o.pos IS NOT NULL AS in_old, n.pos IS NOT NULL AS in_new "
            f"FROM o FULL OUTER JOIN n ON {same_key} WHERE o.pos IS NULL OR n.pos IS NULL OR {differ}"
        ).to_arrow_table()
    finally:
        con.close()


CHUNK_ROWS = 10_000  # differing rows made into dicts at a time


class Changes(Sequence):
    """The observations of one kind of change (added, removed or changed), in the order of their natural keys:
    kept as columns and made into changes.json's dicts a chunk at a time when iterated, so a first release, which
    adds every observation, never holds a dict per row."""

    def __init__(self, found: pa.Table, rows: list[int], entry: Callable[[tuple, dict | None, dict | None], dict]):
        self.found, self.rows, self.entry = found, rows, entry

    def __len__(self) -> int:
        return len(self.rows)

    def _made(self, rows: list[int]) -> Iterator[dict]:
        key_of, columns = itemgetter(*OBSERVATIONS.natural_key), _DIFF_COLUMNS
        for start in range(0, len(rows), CHUNK_ROWS):
            taken = self.found.take(pa.array(rows[start : start + CHUNK_ROWS], pa.int64()))
            # Each side's rows as dicts of the plain column names, made by Arrow.
            olds, news = (taken.select([f"{s}_{c}" for c in columns]).rename_columns(columns).to_pylist() for s in "on")
            for a, b, in_old, in_new in zip(
                olds, news, taken["in_old"].to_pylist(), taken["in_new"].to_pylist(), strict=True
            ):
                a, b = (a if in_old else None), (b if in_new else None)
                either = b if b is not None else a
                assert either is not None  # a full join's row has a side
                yield self.entry(key_of(either), a, b)

    def __iter__(self) -> Iterator[dict]:
        return self._made(self.rows)

    @overload
    def __getitem__(self, i: int) -> dict: ...
    @overload
    def __getitem__(self, i: slice) -> list[dict]: ...
    def __getitem__(self, i):
        if isinstance(i, slice):
            return list(self._made(self.rows[i]))
        return next(self._made([self.rows[i]]))

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None  # type: ignore[assignment]


_DIFF_COLUMNS = list(dict.fromkeys(OBSERVATIONS.natural_key + VALUE_COLUMNS + ("extractor_version",)))


def diff_tables(old: dict[str, pa.Table] | None, new: dict[str, pa.Table]) -> dict:
    """A machine-readable account of the changes from old (None: nothing before) to new."""
    first = old is None
    old = old or {}
    docs_old = _rows(old.get("documents"), DOCUMENTS.natural_key, ("document_id",))
    docs_new = _rows(new.get("documents"), DOCUMENTS.natural_key, ("document_id",))
    found = _observation_diff(old.get("observations"), new.get("observations"))

    def doc(rows, key):
        return rows.get((key[0],))

    def entry(key, row):
        return {**dict(zip(OBSERVATIONS.natural_key, key, strict=True)), **{c: row[c] for c in VALUE_COLUMNS}}

    def added(k, a, b):
        return entry(k, b) | {"reason": _reason(doc(docs_old, k), doc(docs_new, k), None, b)}

    def removed(k, a, b):
        return entry(k, a) | {"reason": _reason(doc(docs_old, k), doc(docs_new, k), a, None)}

    def changed(k, a, b):
        return {
            **dict(zip(OBSERVATIONS.natural_key, k, strict=True)),
            "old": {c: a[c] for c in VALUE_COLUMNS},
            "new": {c: b[c] for c in VALUE_COLUMNS},
            "reason": _reason(doc(docs_old, k), doc(docs_new, k), a, b),
        }

    # Each kind's rows in the order of their keys' text (a stable sort: equal keys keep DuckDB's order).
    kinds: dict[str, list[int]] = {"added": [], "removed": [], "changed": []}
    if found is not None and found.num_rows:
        in_old, in_new = found["in_old"].to_pylist(), found["in_new"].to_pylist()
        # Each row's key from the side it has, as text; chosen by Arrow and made into tuples a chunk at a time.
        either = pa.table(
            {c: pc.if_else(found["in_new"], found[f"n_{c}"], found[f"o_{c}"]) for c in OBSERVATIONS.natural_key}
        )
        keys = [
            str(tuple(r.values())) for batch in either.to_batches(max_chunksize=CHUNK_ROWS) for r in batch.to_pylist()
        ]
        del either
        for i in sorted(range(found.num_rows), key=keys.__getitem__):
            kinds["added" if not in_old[i] else "removed" if not in_new[i] else "changed"].append(i)
        del keys
    empty = found if found is not None else pa.table({})
    changes_of = {"added": added, "removed": removed, "changed": changed}
    observations = {kind: Changes(empty, rows, changes_of[kind]) for kind, rows in kinds.items()}
    return {
        **(schema_changes(old, new) if not first else {}),
        "documents": {
            "added": sorted(k[0] for k in docs_new if k not in docs_old),
            "removed": sorted(k[0] for k in docs_old if k not in docs_new),
            "changed": sorted(
                k[0] for k in docs_new if k in docs_old and docs_old[k]["document_id"] != docs_new[k]["document_id"]
            ),
        },
        "observations": observations,
        "row_counts": {name: t.num_rows for name, t in new.items()},
        "row_counts_before": {name: t.num_rows for name, t in old.items()},
    }


def _fmt(row: dict) -> str:
    low, high = row["value_low"], row["value_high"]
    number = f"{low}" if low == high else f"{low if low is not None else ''}..{high if high is not None else ''}"
    return f"{number} {row['unit']}"


def schema_lines(changes: dict) -> list[str]:
    """ "- Tables: added `x`." and "- Fields: ..." lines, for what changed in the tables' layout."""
    lines = []
    for title, key, kinds in (
        ("Tables", "tables", ("added", "removed")),
        ("Fields", "fields", ("added", "removed", "retyped")),
    ):
        parts = [
            f"{kind} " + ", ".join(f"`{n}`" for n in changes.get(key, {}).get(kind, []))
            for kind in kinds
            if changes.get(key, {}).get(kind)
        ]
        if parts:
            lines.append(f"- {title}: {'; '.join(parts)}.")
    return lines


def changelog_entry(changes: dict, version: str, previous: str | None, created: str, reason: str) -> str:
    d, o = changes["documents"], changes["observations"]
    lines = [
        f"## {version} ({created[:10]})",
        "",
        f"{'First release' if previous is None else f'Since {previous}'}: {reason}.",
        "",
    ]
    counts = ", ".join(f"{n} {t}" for t, n in changes["row_counts"].items())
    lines += [
        f"- Rows: {counts}.",
        *schema_lines(changes),
        f"- Documents: {len(d['added'])} added, {len(d['removed'])} removed, {len(d['changed'])} changed.",
        f"- Observations: {len(o['added'])} added, {len(o['removed'])} removed, {len(o['changed'])} changed.",
    ]
    if previous is not None:
        for name in d["added"]:
            lines.append(f"  - document added: `{name}`")
        for name in d["removed"]:
            lines.append(f"  - document removed: `{name}`")
        for name in d["changed"]:
            lines.append(f"  - document changed: `{name}`")
        for c in o["changed"][:50]:
            lines.append(
                f"  - `{c['source_file']}` {c['indicator']} {c['measure']} {c['kind']} {c['period']}: "
                f"{_fmt(c['old'])} → {_fmt(c['new'])} ({c['reason']})"
            )
        for c in o["removed"][:50]:
            lines.append(
                f"  - removed `{c['source_file']}` {c['indicator']} {c['measure']} {c['kind']} "
                f"{c['period']}: {_fmt(c)} ({c['reason']})"
            )
    return "\n".join(lines) + "\n"


def changelog(
    changes: dict, version: str, previous: str | None, created: str, reason: str, previous_changelog: str | None
) -> str:
    """This release's entry on top of the previous release's changelog."""
    head = "# Changelog\n\n"
    older = previous_changelog.split("\n", 2)[2] if previous_changelog else ""
    return head + changelog_entry(changes, version, previous, created, reason) + ("\n" + older if older else "")


def _dump(fh: TextIO, value: Any, depth: int = 0) -> None:
    """json.dump(value, fh, ensure_ascii=False, indent=1, default=str), byte for byte, with Changes written
    as lists a chunk of rows at a time."""
    if _is_row(value):
        _dump_rows(fh, [value], depth - 1)
    elif isinstance(value, dict) and value:
        for i, (k, v) in enumerate(value.items()):
            fh.write(("," if i else "{") + "\n" + " " * (depth + 1) + json.dumps(str(k), ensure_ascii=False) + ": ")
            _dump(fh, v, depth + 1)
        fh.write("\n" + " " * depth + "}")
    elif isinstance(value, (list, tuple, Changes)):
        rows: list[dict] = []  # a run of rows, written together
        for i, v in enumerate(value):
            row = _is_row(v)
            if rows and (not row or len(rows) == CHUNK_ROWS):
                _dump_rows(fh, rows, depth, first=i == len(rows))
                rows = []
            if row:
                rows.append(v)
            else:
                fh.write(("," if i else "[") + "\n" + " " * (depth + 1))
                _dump(fh, v, depth + 1)
        if rows:
            _dump_rows(fh, rows, depth, first=len(rows) == len(value))
        fh.write("\n" + " " * depth + "]" if len(value) else "[]")
    else:  # scalars and {}
        fh.write(json.dumps(value, ensure_ascii=False, default=str))


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _is_row(value: Any) -> bool:
    """A dict of text keys and JSON's scalars: what json writes the same with or without indent's recursion
    (a dict holding other values, dates say, is written by the recursion, which gives the same bytes)."""
    return (
        type(value) is dict
        and bool(value)
        and _SCALARS.issuperset(map(type, value.values()))
        and all(type(k) is str for k in value)
    )


def _dump_rows(fh: TextIO, rows: list[dict], depth: int, first: bool | None = None) -> None:
    """Rows, items of a list at `depth` (first: the list's first items; None: a row alone, not in a list), as
    json.dump(indent=1) writes them. json's C encoder writes them all, its separators giving indent's layout (the
    Python encoder that indent= selects costs seconds for a first release's tens of thousands of rows)."""
    pad, row_pad = " " * (depth + 2), " " * (depth + 1)
    between_items = ",\n" + pad
    text = json.dumps(rows, ensure_ascii=False, default=str, separators=(between_items, ": "))[1:-1]
    # json writes a newline in a string as \n and no row holds a dict, so "}" + between_items + "{" is only ever
    # where one row ends and the next begins.
    text = text.replace("}" + between_items + "{", "\n" + row_pad + "},\n" + row_pad + "{\n" + pad)
    if first is not None:
        fh.write(("[" if first else ",") + "\n" + row_pad)
    fh.write("{\n" + pad + text[1:-1] + "\n" + row_pad + "}")


def write(stage: Path, changes: dict) -> None:
    # Streamed to the file (the same bytes as json.dump): a first release lists every observation as added.
    with open(stage / "changes.json", "w", encoding="utf-8") as fh:
        _dump(fh, changes)
        fh.write("\n")

"""changes.diff_tables on hand-built tables: observations matched by natural key, missing values compared as
values, the last row of a key that appears twice counted."""

from __future__ import annotations

import itertools
import json

from govreport.contract.model import DOCUMENTS, OBSERVATIONS
from govreport.release import changes
from govreport.release.changes import diff_tables, write
from govreport.tables.arrow import to_arrow

_ids = itertools.count()


def obs(source_file: str, period: str, value: float | None, comparator: str | None = "eq", **extra) -> dict:
    return {
        "observation_id": f"{next(_ids):016x}",
        "document_id": "a" * 64,
        "source_file": source_file,
        "indicator": "gdp",
        "measure": "growth",
        "kind": "actual",
        "period": period,
        "comparator": comparator,
        "value_low": value,
        "value_high": value,
        "value": value,
        "unit": "percent",
        "extractor_version": "1.0",
        **extra,
    }


def tables(observations: list[dict], files: dict[str, str]) -> dict:
    documents = [{"source_file": f, "document_id": d} for f, d in files.items()]
    return {
        "documents": to_arrow(DOCUMENTS, documents, sort=False),
        "observations": to_arrow(OBSERVATIONS, observations, sort=False),
    }


def test_added_removed_and_changed_observations_by_natural_key():
    old = tables(
        [
            obs("a.txt", "2020", 6.0),
            obs("a.txt", "2021", 5.0, comparator=None),  # a key with a missing part still matches itself
            obs("a.txt", "2022", None),
            obs("b.txt", "2020", 7.0),
            obs("c.txt", "2019", 1.0),
            obs("c.txt", "2019", 2.0),  # the same key twice: its last row counts
        ],
        {"a.txt": "1" * 64, "b.txt": "2" * 64, "c.txt": "3" * 64},
    )
    new = tables(
        [
            obs("a.txt", "2020", 6.0),  # unchanged
            obs("a.txt", "2021", 5.5, comparator=None),
            obs("a.txt", "2022", 4.0),  # a missing value given
            obs("c.txt", "2019", 2.0),  # equal to the old key's last row
            obs("d.txt", "2020", 8.0, extractor_version="2.0"),
        ],
        {"a.txt": "1" * 64, "c.txt": "3" * 64, "d.txt": "4" * 64},
    )
    diff = diff_tables(old, new)["observations"]
    assert [(c["source_file"], c["period"], c["value"], c["reason"]) for c in diff["added"]] == [
        ("d.txt", "2020", 8.0, "new raw document")
    ]
    assert [(c["source_file"], c["period"], c["reason"]) for c in diff["removed"]] == [
        ("b.txt", "2020", "raw document removed")
    ]
    assert [(c["period"], c["comparator"], c["old"]["value"], c["new"]["value"]) for c in diff["changed"]] == [
        ("2021", None, 5.0, 5.5),
        ("2022", "eq", None, 4.0),
    ]
    assert all(c["reason"] == "re-extraction" for c in diff["changed"])


def test_a_first_release_adds_every_observation_in_key_order():
    new = tables([obs("b.txt", "2020", 1.0), obs("a.txt", "2021", 2.0)], {"a.txt": "1" * 64, "b.txt": "2" * 64})
    diff = diff_tables(None, new)
    assert [c["source_file"] for c in diff["observations"]["added"]] == ["a.txt", "b.txt"]
    assert diff["observations"]["removed"] == diff["observations"]["changed"] == []
    assert "tables" not in diff  # no layout to compare with


def test_changes_json_is_written_as_json_dump_would_write_it(tmp_path):
    # changes.json is streamed a row at a time; its bytes must stay those of json.dump of the same diff.
    old = tables(
        [obs("a.txt", "2020", 6.0), obs("a.txt", "2021", 5.0, comparator=None), obs("b.txt", "2020", 7.0)],
        {"a.txt": "1" * 64, "b.txt": "2" * 64},
    )
    new = tables(
        [obs("a.txt", "2020", 6.5), obs("a.txt", "2021", 5.0, comparator=None), obs("c.txt", "2020", float("nan"))],
        {"a.txt": "1" * 64, "c.txt": "引号\"'\n" * 2},
    )
    for before in (old, None):
        diff = diff_tables(before, new)
        write(tmp_path, diff)
        as_lists = {**diff, "observations": {k: list(v) for k, v in diff["observations"].items()}}
        assert diff["observations"]["added"] and (before is None or diff["observations"]["changed"])
        expected = json.dumps(as_lists, ensure_ascii=False, indent=1, default=str) + "\n"
        assert (tmp_path / "changes.json").read_text(encoding="utf-8") == expected


def test_rows_of_any_scalars_are_written_as_json_dump_would_write_them(tmp_path):
    # Rows go through json's C encoder with indent's layout given by separators; every kind of cell a row can
    # hold must come out as json.dump(indent=1) writes it, at any depth, beside non-row values.
    import datetime

    row = {
        "text": 'quote " backslash \\ newline \n tab \t 中文 \u2028',
        "none": None,
        "nan": float("nan"),
        "inf": float("-inf"),
        "float": 0.1 + 0.2,
        "int": -(2**63),
        "bool": True,
        "date": datetime.date(2021, 3, 5),
    }
    with_empties = row | {"empty_dict": {}, "empty_list": []}
    value = {
        "rows": [row, {"nested": row, "list": [row, 1, "x"]}, with_empties],
        "1": {2: "int key"},
        "flat": row,
        "empty": {},
    }
    with open(tmp_path / "out.json", "w", encoding="utf-8") as fh:
        changes._dump(fh, value)
    assert (tmp_path / "out.json").read_text(encoding="utf-8") == json.dumps(
        value, ensure_ascii=False, indent=1, default=str
    )


def test_runs_of_rows_in_lists_are_written_as_json_dump_would_write_them(tmp_path):
    # Runs of rows are written by one json.dumps each: rows whose text looks like the joins between rows, runs
    # longer than a chunk, runs broken by other values, at several depths.
    tricky = ["}", "{", "},\n  {", '"}, {"', "}\n{", "\\", ": ", ",\n", "", "中文}"]
    rows = [
        {"i": i, "text": tricky[i % len(tricky)], "x": None if i % 3 else i / 7} for i in range(changes.CHUNK_ROWS + 25)
    ]
    broken = rows[:3] + [{}, 5, rows[3], {"nested": rows[4]}, [], [rows[5], rows[6]], rows[7]] + rows[8:12]
    value = {"long": rows, "broken": broken, "deep": {"a": [[rows[0], rows[1]], {"b": broken}]}, "alone": rows[2]}
    for v in (value, rows, broken, [rows[0]], [{}], [[]]):
        with open(tmp_path / "out.json", "w", encoding="utf-8") as fh:
            changes._dump(fh, v)
        assert (tmp_path / "out.json").read_text(encoding="utf-8") == json.dumps(
            v, ensure_ascii=False, indent=1, default=str
        )

"""The CSV writer's cells against the rule written out per value with Python's csv module: whatever column type,
null or awkward value, and however the rows arrive (slices, chunks past CSV_CHUNK_ROWS), the bytes are the same.

Floats are written as Python's repr (shortest round trip, "1.0", "1e-05", "1e+16"): the writer formats them
with Arrow, so the floats here cover every range and many random bit patterns."""

import csv
import io
import math
import random
import struct
from datetime import date

import pyarrow as pa

from govreport.contract.model import OBSERVATIONS, TARGETS_VS_ACTUALS
from govreport.tables.arrow import CSV_BOM, CSV_CHUNK_ROWS, _csv_cell, to_arrow, write_csv

TEXTS = [
    "",
    "plain",
    "湖南省 2024 年政府工作报告",
    "𠀀 outside the basic plane",
    'a "quoted" word',
    '"',
    "comma, separated",
    ",",
    "line\nfeed",
    "bare\rreturn",
    "crlf\r\ninside",
    "ends in CR\r",
    "=SUM(A1)",
    "+1",
    "-3%",
    "@x",
    "\tfirst",
    "\r=cr first",
    "'already quoted",
    " leading space",
    "middle - dash = sign",
    "nul\x00inside",
    "\u2028line separator",
]
DATES = [date(1, 1, 1), date(999, 12, 31), date(1970, 1, 1), date(2024, 2, 29), date(9999, 12, 31)]
INTS = [0, -1, 7, 2**53 + 1, 2**63 - 1, -(2**63)]


def random_float(rng: random.Random) -> float:
    """Floats of every kind: random bit patterns, short decimals at any scale, whole numbers, edges of repr's
    positional range, zeros, infinities and NaN."""
    pick = rng.randrange(6)
    if pick == 0:
        while True:
            value = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
            if not math.isnan(value):
                return value
    if pick == 1:
        return round(rng.uniform(-1e4, 1e4), rng.randrange(7)) * 10.0 ** rng.randrange(-9, 18)
    if pick == 2:
        return float(rng.randrange(-(10 ** rng.randrange(1, 18)), 10 ** rng.randrange(1, 18)))
    if pick == 3:
        edge = rng.choice([1e-4, 1e16, 1e15, 1e14, 1e21])
        return rng.choice([1, -1]) * rng.choice([edge, math.nextafter(edge, 0), math.nextafter(edge, math.inf)])
    if pick == 4:
        return rng.choice([0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, 1.7976931348623157e308, 0.1 + 0.2])
    return rng.uniform(-1000, 1000)


def ordinary_float(rng: random.Random) -> float:
    """Values as the reports give them: a few digits, in repr's positional range."""
    return round(rng.uniform(-1e5, 1e5), rng.randrange(4))


def reference_csv(table, rows: list[dict]) -> bytes:
    """The file as the per-value rule (_csv_cell, the writer's rule written out for one value) and the csv module
    write it: with a CRLF terminator it quotes every cell holding a separator,
    quote, CR or LF; each row's own terminator is then LF."""
    text_fields = {f.name for f in table.fields if f.type == "string"}
    lines = [list(table.field_names)]
    lines += [[_csv_cell(row[n], n in text_fields) for n in table.field_names] for row in rows]
    out = []
    for cells in lines:
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerow(cells)
        out.append(buf.getvalue()[:-2] + "\n")
    return CSV_BOM + "".join(out).encode("utf-8")


def random_rows(table, n: int, rng: random.Random, floats=random_float) -> list[dict]:
    rows = []
    for _ in range(n):
        row = {}
        for f in table.fields:
            missing = [] if f.required else [None]
            if f.type == "string":
                row[f.name] = rng.choice(missing + TEXTS)
            elif f.type == "number":
                row[f.name] = rng.choice(missing + [floats(rng)] * 4)
            elif f.type == "integer":
                row[f.name] = rng.choice(missing + INTS)
            elif f.type == "date":
                row[f.name] = rng.choice(missing + DATES)
            elif f.type == "boolean":
                row[f.name] = rng.choice(missing + [True, False])
            else:
                raise AssertionError(f"no values for {f.type}")
        rows.append(row)
    return rows


def written(table, data) -> bytes:
    out = io.BytesIO()
    write_csv(table, data, out)
    return out.getvalue()


def test_every_cell_is_written_as_the_csv_module_writes_its_value():
    rng = random.Random(15)
    for table in (OBSERVATIONS, TARGETS_VS_ACTUALS):
        rows = random_rows(table, 3000, rng)
        assert written(table, to_arrow(table, rows, sort=False)) == reference_csv(table, rows), table.name


def test_ordinary_and_awkward_floats_are_written_as_repr_writes_them():
    """Chunks of ordinary values only (Arrow formats every cell) and chunks with awkward ones among them."""
    rng = random.Random(16)
    rows = random_rows(OBSERVATIONS, CSV_CHUNK_ROWS + 500, rng, floats=ordinary_float)
    rows += random_rows(OBSERVATIONS, CSV_CHUNK_ROWS + 500, rng)
    data = to_arrow(OBSERVATIONS, rows, sort=False)
    assert written(OBSERVATIONS, data) == reference_csv(OBSERVATIONS, rows)
    # the edges of repr's positional notation, written out by hand
    edges = {
        1e-4: "0.0001",
        math.nextafter(1e-4, 0): "9.999999999999999e-05",
        1e16: "1e+16",
        math.nextafter(1e16, 0): "9999999999999998.0",
        1e15: "1000000000000000.0",
        123456789012345.6: "123456789012345.6",
        -0.0: "-0.0",
        2.0: "2.0",
        0.30000000000000004: "0.30000000000000004",
        1e22: "1e+22",
    }
    edge_rows = [rows[0] | {"value": v} for v in edges]
    text = written(OBSERVATIONS, to_arrow(OBSERVATIONS, edge_rows, sort=False)).decode("utf-8").removeprefix("\ufeff")
    assert [r["value"] for r in csv.DictReader(io.StringIO(text, newline=""))] == list(edges.values())


def test_rows_in_slices_and_uneven_chunks_give_the_same_bytes():
    rng = random.Random(17)
    rows = random_rows(OBSERVATIONS, 2 * CSV_CHUNK_ROWS + 7, rng)
    whole = to_arrow(OBSERVATIONS, rows, sort=False)
    pieces = pa.concat_tables([whole.slice(0, 3), whole.slice(3, CSV_CHUNK_ROWS), whole.slice(CSV_CHUNK_ROWS + 3)])
    assert written(OBSERVATIONS, pieces) == written(OBSERVATIONS, whole) == reference_csv(OBSERVATIONS, rows)


def test_an_empty_table_is_its_header():
    assert (
        written(OBSERVATIONS, to_arrow(OBSERVATIONS, [], sort=False))
        == CSV_BOM + (",".join(OBSERVATIONS.field_names) + "\n").encode()
    )

"""The number, qualifier and unit parser."""

from decimal import Decimal

import cn2an
import pytest
from hypothesis import given
from hypothesis import strategies as st

from govreport.extract.numbers import chinese_to_decimal, find_values


def one(text):
    values = find_values(text)
    assert len(values) == 1, values
    return values[0]


@pytest.mark.parametrize(
    "text, comparator, low, high, dimension",
    [
        ("2630.2亿元", "eq", Decimal("263020000000"), Decimal("263020000000"), "money_cny"),
        ("近千亿元", "approx", Decimal(10) ** 11, Decimal(10) ** 11, "money_cny"),
        ("1.2万亿元", "eq", Decimal("1.2E12"), Decimal("1.2E12"), "money_cny"),
        ("近八成", "approx", Decimal(80), Decimal(80), "percent"),
        ("九成多", "gt", Decimal(90), None, "percent"),
        ("6%-6.5%", "range", Decimal(6), Decimal("6.5"), "percent"),
        ("5.5-6%", "range", Decimal("5.5"), Decimal(6), "percent"),
        ("5%至6%", "range", Decimal(5), Decimal(6), "percent"),
        ("6%以上", "ge", Decimal(6), None, "percent"),
        ("3%以内", "le", None, Decimal(3), "percent"),
        ("超850亿元", "gt", Decimal(850) * 10**8, None, "money_cny"),
        ("不超过3.5%", "le", None, Decimal("3.5"), "percent"),
        ("低于5%", "lt", None, Decimal(5), "percent"),
        ("400亿元左右", "approx", Decimal(400) * 10**8, Decimal(400) * 10**8, "money_cny"),
        ("700多万人", "gt", Decimal(7) * 10**6, None, "persons"),
        ("5100余万元", "gt", Decimal(51) * 10**6, None, "money_cny"),
        ("1.6万余人次", "gt", Decimal(16000), None, "person_times"),
        ("3.7万户", "eq", Decimal(37000), Decimal(37000), "households"),
        ("1100万人以上", "ge", Decimal(11) * 10**6, None, "persons"),
        ("1.3万亿斤以上", "ge", Decimal("6.5E8"), None, "tonnes"),
        ("17.6微克/立方米", "eq", Decimal("17.6"), Decimal("17.6"), "ug_per_m3"),
        ("1个百分点", "eq", Decimal(1), Decimal(1), "points"),
        ("1,234.5亿元", "eq", Decimal("123450000000"), Decimal("123450000000"), "money_cny"),
    ],
)
def test_value_expressions(text, comparator, low, high, dimension):
    v = one(text)
    assert (v.comparator, v.low, v.high, v.dimension) == (comparator, low, high, dimension)
    assert v.text == text


def test_bare_chinese_numerals_are_not_values():
    # 十四五, 一是, 两个维护: numerals in names and slogans, not data
    assert [v for v in find_values("“十四五”规划,一是加快发展") if v.dimension] == []


def test_midpoint_of_a_range():
    assert one("5.5-6%").number == Decimal("5.75")


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_chinese_numerals_round_trip_through_cn2an(n):
    assert chinese_to_decimal(cn2an.an2cn(n)) == n


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2),
    st.sampled_from(["亿元", "万元", "%", "个", "套"]),
)
def test_written_number_parses_back(number, unit):
    text = f"{number.normalize():f}{unit}"
    v = one(text)
    factor = {"亿元": 10**8, "万元": 10**4}.get(unit, 1)
    assert v.low == number * factor and v.comparator == "eq"


@given(
    st.decimals(min_value=Decimal("0.1"), max_value=Decimal("50"), places=1),
    st.decimals(min_value=Decimal("0.1"), max_value=Decimal("50"), places=1),
)
def test_ranges_keep_their_order(a, b):
    low, high = min(a, b), max(a, b)
    v = one(f"{low.normalize():f}%-{high.normalize():f}%")
    assert v.comparator == "range" and v.low == low and v.high == high

"""Series of short reports written in the style of work reports, for tests of multi-year publishing.

Each report reviews the year before and sets this year's targets, as real ones do; the numbers are given, so
tests know what targets_vs_actuals must say.
"""

from __future__ import annotations

from pathlib import Path

LOCAL = """政府工作报告
——{year}年1月10日在保定市第十五届人民代表大会第{session}次会议上
保定市人民政府市长 张三
各位代表：
现在，我代表保定市人民政府，向大会报告工作，请予审议。
一、{last}年工作回顾
过去一年，全市地区生产总值增长{gdp_actual}%，一般公共预算收入增长{revenue_actual}%，城镇登记失业率{unemployment_actual}%。
二、{year}年主要预期目标
{year}年经济社会发展的主要预期目标是：地区生产总值增长{gdp_target}%左右，一般公共预算收入增长{revenue_target}%，城镇登记失业率控制在{unemployment_target}%以内。
"""

NATIONAL = """政府工作报告
——{year}年3月5日在第{congress}届全国人民代表大会第{session}次会议上
国务院总理
各位代表：
现在，我代表国务院，向大会报告政府工作，请予审议，并请全国政协各位委员提出意见。
一、{last}年工作回顾
过去一年，国内生产总值比上年增长{gdp_actual}%。
二、{year}年经济社会发展总体要求和政策取向
今年经济社会发展的主要预期目标是：{target_sentence}
"""

# China's national reports: each year's GDP growth target (as worded) and the next report's outcome for it.
NATIONAL_GDP = {
    2003: ("国内生产总值增长7%左右。", 8.0),
    2004: ("国内生产总值增长7%左右。", 9.1),
    2005: ("国内生产总值增长8%左右。", 9.5),
    2006: ("国内生产总值增长8%左右。", 9.9),
    2007: ("国内生产总值增长8%左右。", 10.7),
    2008: ("国内生产总值增长8%左右。", 11.4),
    2009: ("国内生产总值增长8%左右。", 9),
    2010: ("国内生产总值增长8%左右。", 8.7),
    2011: ("国内生产总值增长8%左右。", 10.3),
    2012: ("国内生产总值增长7.5%。", 9.2),
    2013: ("国内生产总值增长7.5%左右。", 7.8),
    2014: ("国内生产总值增长7.5%左右。", 7.7),
    2015: ("国内生产总值增长7%左右。", 7.4),
    2016: ("国内生产总值增长6.5%-7%。", 6.9),
    2017: ("国内生产总值增长6.5%左右。", 6.7),
    2018: ("国内生产总值增长6.5%左右。", 6.9),
    2019: ("国内生产总值增长6%-6.5%。", 6.6),
    2020: ("城镇新增就业900万人以上，城镇调查失业率6%左右。", 6.1),
    2021: ("国内生产总值增长6%以上。", 2.3),
    2022: ("国内生产总值增长5.5%左右。", 8.1),
    2023: ("国内生产总值增长5%左右。", 3),
    2024: ("国内生产总值增长5%左右。", 5.2),
    2025: ("国内生产总值增长5%左右。", 5),
}
CONGRESS = {
    10: range(2003, 2008),
    11: range(2008, 2013),
    12: range(2013, 2018),
    13: range(2018, 2023),
    14: range(2023, 2028),
}
NUMERALS = "一二三四五"
TENS = {10: "十", 11: "十一", 12: "十二", 13: "十三", 14: "十四"}


def write_local_series(raw: Path, years, absurd: dict[int, dict] | None = None) -> list[Path]:
    """One 保定市 report per year; absurd: year -> numbers to replace (e.g. {2021: {"gdp_actual": 61}})."""
    raw.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, year in enumerate(years):
        numbers = {
            "gdp_actual": round(6.5 + i / 10, 1),
            "revenue_actual": round(5.0 + i / 10, 1),
            "unemployment_actual": 3.1,
            "gdp_target": 6.0,
            "revenue_target": 5.5,
            "unemployment_target": 4.5,
        }
        numbers.update((absurd or {}).get(year, {}))
        path = raw / f"baoding_{year}.txt"
        path.write_text(LOCAL.format(year=year, last=year - 1, session=NUMERALS[i % 5], **numbers), encoding="utf-8")
        paths.append(path)
    return paths


def write_national_series(raw: Path) -> list[Path]:
    raw.mkdir(parents=True, exist_ok=True)
    paths = []
    for year, (target, actual) in sorted(NATIONAL_GDP.items()):
        congress = next(c for c, years in CONGRESS.items() if year in years)
        text = NATIONAL.format(
            year=year,
            last=year - 1,
            congress=TENS[congress],
            session=NUMERALS[year - CONGRESS[congress][0]],
            gdp_actual=f"{actual:g}",
            target_sentence=target,
        )
        path = raw / f"national_{year}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths

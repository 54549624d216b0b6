"""National (State Council) reports of several decades, written in their style: the report year from the
delivery line, last year's outcomes in the review, this year's targets, five-year reviews with from-to levels.
What researchers need most from them is each year's GDP-growth target and outcome."""

import pytest

from govreport.extract.document import infer_report_year
from govreport.extract.normalize import normalize
from govreport.extract.rules import extract_all

REPORTS = {
    2019: (
        "政府工作报告\n——2019年3月5日在第十三届全国人民代表大会第二次会议上\n国务院总理\n各位代表:\n"
        "一、2018年工作回顾\n过去一年是全面贯彻党的十九大精神开局之年。\n"
        "经济运行保持在合理区间。国内生产总值增长6.6%,总量突破90万亿元。居民消费价格上涨2.1%。\n"
        "年初确定的国内生产总值增长6.5%左右的预期目标顺利实现。\n"
        "二、2019年经济社会发展总体要求和政策取向\n"
        "今年发展的主要预期目标是:国内生产总值增长6%－6.5%;居民消费价格涨幅3%左右。\n"
        "今年赤字率拟按2.8%安排,财政赤字2.76万亿元。\n"
    ),
    2008: (
        "政府工作报告\n——2008年3月5日在第十一届全国人民代表大会第一次会议上\n"
        "一、过去五年政府工作回顾\n过去五年,我国经济平稳快速发展。"
        "国内生产总值从2002年的12万亿元增加到2007年的24.66万亿元,年均增长10.6%。\n"
        "2007年,国内生产总值增长11.4%,居民消费价格上涨4.8%。\n二、2008年工作总体部署\n"
        "今年经济社会发展的主要预期目标是:国内生产总值增长8%左右;居民消费价格总水平涨幅控制在4.8%左右。\n"
    ),
    2003: (
        "政府工作报告\n——二〇〇三年三月五日在第十届全国人民代表大会第一次会议上\n"
        "过去五年,国民经济持续快速健康发展。国内生产总值年均增长7.7%。\n"
        "去年国内生产总值达到102398亿元,比上年增长8%。\n今年经济增长的预期目标为7%左右。\n"
    ),
}

EXPECTED = {
    2019: {
        ("gdp", "growth", "actual", "2018", "eq", 6.6, 6.6, "annual"),
        ("consumer_price_index", "growth", "actual", "2018", "eq", 2.1, 2.1, "annual"),
        ("gdp", "growth", "target", "2019", "range", 6.0, 6.5, "annual"),
        ("consumer_price_index", "growth", "target", "2019", "approx", 3.0, 3.0, "annual"),
        ("fiscal_deficit_ratio", "level", "target", "2019", "eq", 2.8, 2.8, "annual"),
        ("fiscal_deficit", "level", "target", "2019", "eq", 27600.0, 27600.0, "annual"),
    },
    2008: {
        ("gdp", "level", "actual", "2002", "eq", 120000.0, 120000.0, "annual"),
        ("gdp", "level", "actual", "2007", "eq", 246600.0, 246600.0, "annual"),
        ("gdp", "growth", "actual", "2003/2007", "eq", 10.6, 10.6, "average"),
        ("gdp", "growth", "actual", "2007", "eq", 11.4, 11.4, "annual"),
        ("consumer_price_index", "growth", "actual", "2007", "eq", 4.8, 4.8, "annual"),
        ("gdp", "growth", "target", "2008", "approx", 8.0, 8.0, "annual"),
        ("consumer_price_index", "growth", "target", "2008", "approx", 4.8, 4.8, "annual"),
    },
    2003: {
        ("gdp", "growth", "actual", "1998/2002", "eq", 7.7, 7.7, "average"),
        ("gdp", "level", "actual", "2002", "eq", 102398.0, 102398.0, "annual"),
        ("gdp", "growth", "actual", "2002", "eq", 8.0, 8.0, "annual"),
        ("gdp", "growth", "target", "2003", "approx", 7.0, 7.0, "annual"),
    },
}


@pytest.mark.parametrize("year", sorted(REPORTS))
def test_a_national_report_yields_its_targets_and_last_years_outcomes(year):
    doc = normalize(REPORTS[year])
    assert infer_report_year(doc.text) == year
    facts, _ = extract_all(doc, year)
    got = {(f.indicator, f.measure, f.kind, f.period, f.comparator, f.value_low, f.value_high, f.basis) for f in facts}
    assert got == EXPECTED[year], f"missed: {EXPECTED[year] - got}\nspurious: {got - EXPECTED[year]}"

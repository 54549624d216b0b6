"""Extraction on statements in the style of reports the seeds do not cover: national, provincial and
city reports of different years, their review and plan sections, multi-year plans and interim periods.

Each case is a short passage with every fact it states; the extractor must find exactly those.
"""

import pytest

from govreport.extract.normalize import normalize
from govreport.extract.rules import extract_all, extract_facts


def facts(text, year):
    return {
        (f.indicator, f.measure, f.kind, f.period, f.comparator, f.value_low, f.value_high)
        for f in extract_facts(normalize(text), year)
    }


CASES = [
    # --- national report, plan section (2023) ---
    (
        "今年发展主要预期目标是:国内生产总值增长5%左右;城镇新增就业1200万人左右;城镇调查失业率5.5%左右;"
        "居民消费价格涨幅3%左右;居民收入增长与经济增长基本同步;粮食产量保持在1.3万亿斤以上;"
        "单位国内生产总值能耗和主要污染物排放量继续下降。",
        2023,
        {
            ("gdp", "growth", "target", "2023", "approx", 5.0, 5.0),
            ("new_urban_jobs", "level", "target", "2023", "approx", 12000000.0, 12000000.0),
            ("surveyed_urban_unemployment_rate", "level", "target", "2023", "approx", 5.5, 5.5),
            ("consumer_price_index", "growth", "target", "2023", "approx", 3.0, 3.0),
            ("grain_output", "level", "target", "2023", "ge", 650000000.0, None),
        },
    ),
    # --- national report, review section (2023 report, about 2022) ---
    (
        "过去一年,国内生产总值增长3%,城镇新增就业1206万人,年末城镇调查失业率降到5.5%,居民消费价格上涨2%。"
        "粮食产量1.37万亿斤,增产74亿斤。",
        2023,
        {
            ("gdp", "growth", "actual", "2022", "eq", 3.0, 3.0),
            ("new_urban_jobs", "level", "actual", "2022", "eq", 12060000.0, 12060000.0),
            ("surveyed_urban_unemployment_rate", "level", "actual", "2022", "eq", 5.5, 5.5),
            ("consumer_price_index", "growth", "actual", "2022", "eq", 2.0, 2.0),
            ("grain_output", "level", "actual", "2022", "eq", 685000000.0, 685000000.0),
        },
    ),
    # --- national report 2019: ranges, registered unemployment, deficit ---
    (
        "2019年发展的主要预期目标是:国内生产总值增长6%-6.5%;城镇新增就业1100万人以上,城镇调查失业率5.5%左右,"
        "城镇登记失业率4.5%以内;居民消费价格涨幅3%左右。今年赤字率拟按2.8%安排,财政赤字2.76万亿元。",
        2019,
        {
            ("gdp", "growth", "target", "2019", "range", 6.0, 6.5),
            ("new_urban_jobs", "level", "target", "2019", "ge", 11000000.0, None),
            ("surveyed_urban_unemployment_rate", "level", "target", "2019", "approx", 5.5, 5.5),
            ("registered_urban_unemployment_rate", "level", "target", "2019", "le", None, 4.5),
            ("consumer_price_index", "growth", "target", "2019", "approx", 3.0, 3.0),
            ("fiscal_deficit_ratio", "level", "target", "2019", "eq", 2.8, 2.8),
            ("fiscal_deficit", "level", "target", "2019", "eq", 27600.0, 27600.0),
        },
    ),
    # --- 2014 national: price control wording and M2 ---
    (
        "今年经济社会发展的主要预期目标是:国内生产总值增长7.5%左右,居民消费价格涨幅控制在3.5%左右,"
        "城镇新增就业1000万人以上,城镇登记失业率控制在4.6%以内。广义货币M2预期增长13%左右。",
        2014,
        {
            ("gdp", "growth", "target", "2014", "approx", 7.5, 7.5),
            ("consumer_price_index", "growth", "target", "2014", "approx", 3.5, 3.5),
            ("new_urban_jobs", "level", "target", "2014", "ge", 10000000.0, None),
            ("registered_urban_unemployment_rate", "level", "target", "2014", "le", None, 4.6),
            ("m2_money_supply", "growth", "target", "2014", "approx", 13.0, 13.0),
        },
    ),
    # --- a province's review, large units and 比上年 ---
    (
        "一、2022年工作回顾\n全省地区生产总值达12.91万亿元、增长1.9%;地方一般公共预算收入1.33万亿元,"
        "同口径增长2.5%;外贸进出口总额8.31万亿元,增长0.5%;实际利用外资1687亿元。",
        2023,
        {
            ("gdp", "level", "actual", "2022", "eq", 129100.0, 129100.0),
            ("gdp", "growth", "actual", "2022", "eq", 1.9, 1.9),
            ("general_public_budget_revenue", "level", "actual", "2022", "eq", 13300.0, 13300.0),
            ("general_public_budget_revenue", "growth", "actual", "2022", "eq", 2.5, 2.5),
            ("foreign_trade_total", "level", "actual", "2022", "eq", 83100.0, 83100.0),
            ("foreign_trade_total", "growth", "actual", "2022", "eq", 0.5, 0.5),
        },
    ),
    # --- a city review: 比上年增长, income in 万元, 分别 with shared tail ---
    (
        "过去一年,全市实现地区生产总值3120.5亿元,比上年增长6.8%。全体居民人均可支配收入3.5万元,增长5.2%;"
        "城镇、农村居民人均可支配收入分别增长4.5%和6.3%。",
        2020,
        {
            ("gdp", "level", "actual", "2019", "eq", 3120.5, 3120.5),
            ("gdp", "growth", "actual", "2019", "eq", 6.8, 6.8),
            ("per_capita_disposable_income", "level", "actual", "2019", "eq", 35000.0, 35000.0),
            ("per_capita_disposable_income", "growth", "actual", "2019", "eq", 5.2, 5.2),
            ("urban_per_capita_disposable_income", "growth", "actual", "2019", "eq", 4.5, 4.5),
            ("rural_per_capita_disposable_income", "growth", "actual", "2019", "eq", 6.3, 6.3),
        },
    ),
    # --- a five-year plan: averages over the plan and an end-of-plan target ---
    (
        "“十四五”时期主要目标是:地区生产总值年均增长6%左右,到2025年常住人口城镇化率达到70%。",
        2021,
        {
            ("gdp", "growth", "target", "2021/2025", "approx", 6.0, 6.0),
            ("urbanization_rate", "level", "target", "2025", "eq", 70.0, 70.0),
        },
    ),
    # --- the last plan period looked back on ---
    (
        "过去五年,全市地区生产总值年均增长7.2%,一般公共预算收入年均增长9%。",
        2021,
        {
            ("gdp", "growth", "actual", "2016/2020", "eq", 7.2, 7.2),
            ("general_public_budget_revenue", "growth", "actual", "2016/2020", "eq", 9.0, 9.0),
        },
    ),
    # --- quarters and cumulative months in a mid-year report ---
    (
        "一季度,全区地区生产总值增长4.5%。1-9月,规模以上工业增加值增长6.1%,固定资产投资增长12%。",
        2023,
        {
            ("gdp", "growth", "actual", "2023-Q1", "eq", 4.5, 4.5),
            ("industrial_value_added_above_scale", "growth", "actual", "2023-01/2023-09", "eq", 6.1, 6.1),
            ("fixed_asset_investment", "growth", "actual", "2023-01/2023-09", "eq", 12.0, 12.0),
        },
    ),
    # --- percentage points, environment indicators, falls ---
    (
        "2024年主要预期目标:常住人口城镇化率提高1个百分点,单位地区生产总值能耗下降3%左右,"
        "PM2.5平均浓度控制在30微克/立方米以内,空气质量优良天数比例达到85%以上。",
        2024,
        {
            ("urbanization_rate", "change", "target", "2024", "eq", 1.0, 1.0),
            ("energy_consumption_per_gdp", "growth", "target", "2024", "approx", -3.0, -3.0),
            ("pm25_annual_mean", "level", "target", "2024", "le", None, 30.0),
            ("air_quality_good_days_ratio", "level", "target", "2024", "ge", 85.0, None),
        },
    ),
    # --- numbers that are about something else, side by side with real ones ---
    (
        "全年完成固定资产投资500亿元,其中工业投资180亿元,民间投资占比45%;地区生产总值增长6%,高于全省1.2个百分点,"
        "每平方公里产出GDP达30亿元,人均地区生产总值突破10万元。",
        2016,
        {
            ("fixed_asset_investment", "level", "actual", "2015", "eq", 500.0, 500.0),
            ("industrial_investment", "level", "actual", "2015", "eq", 180.0, 180.0),
            ("gdp", "growth", "actual", "2015", "eq", 6.0, 6.0),
            ("gdp_per_capita", "level", "actual", "2015", "gt", 100000.0, None),
        },
    ),
    # --- R&D, tax, retail with 突破, preliminary figures ---
    (
        "一年来,全社会研发投入占GDP比重达到2.8%,税收收入增长8.5%,社会消费品零售总额突破1000亿元,"
        "九大类民生支出预计完成210亿元。",
        2022,
        {
            ("rd_expenditure_share_of_gdp", "level", "actual", "2021", "eq", 2.8, 2.8),
            ("tax_revenue", "growth", "actual", "2021", "eq", 8.5, 8.5),
            ("retail_sales", "level", "actual", "2021", "gt", 1000.0, None),
            ("livelihood_expenditure", "level", "actual", "2021", "eq", 210.0, 210.0),
        },
    ),
    # --- paired statements: urban and rural, never the all-resident indicator ---
    (
        "过去一年,城乡居民人均可支配收入分别增长4.4%、5.6%,分别达到4.78万元和2.02万元。",
        2026,
        {
            ("urban_per_capita_disposable_income", "growth", "actual", "2025", "eq", 4.4, 4.4),
            ("rural_per_capita_disposable_income", "growth", "actual", "2025", "eq", 5.6, 5.6),
        },
    ),
    # --- a five-year review: averages and totals over the span, end levels for its last year ---
    (
        "过去五年,全省地区生产总值从11.37万亿元提高到14.58万亿元,居民人均可支配收入年均增长5.3%,"
        "单位生产总值能耗累计下降14%,城镇新增就业522万人。",
        2026,
        {
            ("gdp", "level", "actual", "2025", "eq", 145800.0, 145800.0),
            ("per_capita_disposable_income", "growth", "actual", "2021/2025", "eq", 5.3, 5.3),
            ("energy_consumption_per_gdp", "growth", "actual", "2021/2025", "eq", -14.0, -14.0),
            ("new_urban_jobs", "level", "actual", "2021/2025", "eq", 5220000.0, 5220000.0),
        },
    ),
    # --- the next plan's goals: an annual average over the span, a level to reach by its end ---
    (
        "二、“十五五”时期的主要目标\n地区生产总值年均增长5%左右,常住人口城镇化率提升至67%左右。",
        2026,
        {
            ("gdp", "growth", "target", "2026/2030", "approx", 5.0, 5.0),
            ("urbanization_rate", "level", "target", "2030", "approx", 67.0, 67.0),
        },
    ),
    # --- a start level counts only where its year is stated ---
    (
        "全县PM2.5平均浓度由2017年的76微克/立方米降至64微克/立方米,同比下降15.79%。",
        2019,
        {
            ("pm25_annual_mean", "level", "actual", "2017", "eq", 76.0, 76.0),
            ("pm25_annual_mean", "level", "actual", "2018", "eq", 64.0, 64.0),
            ("pm25_annual_mean", "growth", "actual", "2018", "eq", -15.79, -15.79),
        },
    ),
    # --- parts of the region, trading partners, thresholds and numbers qualifying a noun are not the indicator ---
    (
        "一年来,全省地区生产总值增长5.5%,成都平原经济区经济总量达到4万亿元,泸州经济总量突破3000亿元,"
        "对东盟、共建“一带一路”国家进出口总额分别增长10.4%、12.1%,经济总量超千亿元的县域达12个。",
        2026,
        {("gdp", "growth", "actual", "2025", "eq", 5.5, 5.5)},
    ),
    # --- a 2000s county report: old names, 万元 and 万美元, a preliminary outcome ---
    (
        "2004年工作回顾\n全县生产总值预计完成39.6亿元,同比增长15.2%;全县财政收入完成22015万元,增长27.8%;"
        "实际利用外资720.5万美元;农民人均纯收入增长12.1%;新增城镇就业岗位1420个。",
        2005,
        {
            ("gdp", "level", "actual", "2004", "eq", 39.6, 39.6),
            ("gdp", "growth", "actual", "2004", "eq", 15.2, 15.2),
            ("total_fiscal_revenue", "level", "actual", "2004", "eq", 2.2015, 2.2015),
            ("total_fiscal_revenue", "growth", "actual", "2004", "eq", 27.8, 27.8),
            ("actual_foreign_investment", "level", "actual", "2004", "eq", 0.07205, 0.07205),
            ("rural_per_capita_net_income", "growth", "actual", "2004", "eq", 12.1, 12.1),
            ("new_urban_jobs", "level", "actual", "2004", "eq", 1420.0, 1420.0),
        },
    ),
    # --- a provincial report of 2010: subjects named before, "分别" with the numbers later; 万元生产总值能耗 ---
    (
        "一、2009年工作回顾\n城镇居民人均可支配收入15000元,农民人均纯收入5500元,分别增长9%和8.5%。\n"
        "二、2010年工作安排\n万元生产总值能耗下降3.5%。",
        2010,
        {
            ("urban_per_capita_disposable_income", "level", "actual", "2009", "eq", 15000.0, 15000.0),
            ("rural_per_capita_net_income", "level", "actual", "2009", "eq", 5500.0, 5500.0),
            ("urban_per_capita_disposable_income", "growth", "actual", "2009", "eq", 9.0, 9.0),
            ("rural_per_capita_net_income", "growth", "actual", "2009", "eq", 8.5, 8.5),
            ("energy_consumption_per_gdp", "growth", "target", "2010", "eq", -3.5, -3.5),
        },
    ),
    # --- a national report of the late 1990s: growth target and the retail price index ---
    (
        "今年经济和社会发展的主要预期目标是:国内生产总值增长8%,商品零售价格总水平涨幅控制在3%以内。",
        1998,
        {
            ("gdp", "growth", "target", "1998", "eq", 8.0, 8.0),
            ("retail_price_index", "growth", "target", "1998", "le", None, 3.0),
        },
    ),
    # --- national reports of 2008-2017: this year's plan headed "YYYY年工作总体部署", a target without a target word ---
    (
        "一、2011年工作回顾\n国内生产总值达到47.2万亿元,增长9.2%。\n二、2012年工作总体部署\n今年国内生产总值增长7.5%。",
        2012,
        {
            ("gdp", "level", "actual", "2011", "eq", 472000.0, 472000.0),
            ("gdp", "growth", "actual", "2011", "eq", 9.2, 9.2),
            ("gdp", "growth", "target", "2012", "eq", 7.5, 7.5),
        },
    ),
    (
        "一、过去五年工作回顾\n国内生产总值年均增长9.3%。\n二、对今年政府工作的建议\n国内生产总值增长7.5%左右。",
        2013,
        {
            ("gdp", "growth", "actual", "2008/2012", "eq", 9.3, 9.3),
            ("gdp", "growth", "target", "2013", "approx", 7.5, 7.5),
        },
    ),
    # --- a statistical-communique style: the growth two clauses after the level ---
    (
        "过去一年,全市实现地区生产总值(GDP)3005.8亿元,按可比价格计算,比上年增长7.3%。",
        2016,
        {("gdp", "level", "actual", "2015", "eq", 3005.8, 3005.8), ("gdp", "growth", "actual", "2015", "eq", 7.3, 7.3)},
    ),
    # --- a threshold crossed, then the exact level and its growth: the exact level is the statement ---
    (
        "一年来,全县地区生产总值突破200亿元,达到205.3亿元,增长8.1%。",
        2018,
        {("gdp", "level", "actual", "2017", "eq", 205.3, 205.3), ("gdp", "growth", "actual", "2017", "eq", 8.1, 8.1)},
    ),
    # --- an average after a from-to whose years are stated spans those years, section or not ---
    (
        "全区生产总值由2015年的500亿元增加到2020年的800亿元,年均增长7%。",
        2021,
        {
            ("gdp", "level", "actual", "2015", "eq", 500.0, 500.0),
            ("gdp", "level", "actual", "2020", "eq", 800.0, 800.0),
            ("gdp", "growth", "actual", "2016/2020", "eq", 7.0, 7.0),
        },
    ),
    # --- a report delivered late (May): the year so far is no period, and not last year's ---
    (
        "一、2019年和今年以来工作回顾\n去年国内生产总值增长6.1%。今年以来,国内生产总值下降6.8%。",
        2020,
        {("gdp", "growth", "actual", "2019", "eq", 6.1, 6.1)},
    ),
    # --- number forms: full-width digits, a middle-dot decimal, spaced digits, numerals in words ---
    (
        "过去一年,地区生产总值２６３０．２亿元,增长７·２％;固定资产投资8 3 6 5 0亿元;居民人均可支配收入增长百分之六点五。",
        2021,
        {
            ("gdp", "level", "actual", "2020", "eq", 2630.2, 2630.2),
            ("gdp", "growth", "actual", "2020", "eq", 7.2, 7.2),
            ("fixed_asset_investment", "level", "actual", "2020", "eq", 83650.0, 83650.0),
            ("per_capita_disposable_income", "growth", "actual", "2020", "eq", 6.5, 6.5),
        },
    ),
]


@pytest.mark.parametrize("text, year, expected", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_reports_in_other_styles(text, year, expected):
    got = facts(text, year)
    assert got == expected, f"missed: {expected - got}\nspurious: {got - expected}"


def test_a_plan_document_named_in_passing_does_not_change_the_period():
    text = (
        "今年经济社会发展的主要预期目标是:地区生产总值增长6%。高质量编制城市更新“十四五”规划,"
        "全年完成城市更新固定资产投资245亿元。"
    )
    assert ("urban_renewal_fixed_asset_investment", "level", "target", "2021", "eq", 245.0, 245.0) in facts(text, 2021)


def test_an_impossible_month_range_is_not_a_period():
    got = facts("今年7-1月,全区固定资产投资增长12%。", 2023)
    assert all("/" not in period for (_, _, _, period, *_rest) in got)


def test_an_experts_figure_in_a_news_article_is_not_the_reports():
    text = "2021-01-20\n今年全区地区生产总值预期增长6%左右。有经济学家预计,今年全区地区生产总值将增长8%。"
    assert facts(text, 2021) == {("gdp", "growth", "target", "2021", "approx", 6.0, 6.0)}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "一。二",
        "增长5%。",
        "5",
        "\n\n产值5亿元;\n其中,十个项目!?",
        "a。b\n5%\n。。成",
        "第一,发展。今年增长6%;\n去年",
    ],
)
def test_numbered_sentences_are_the_sentences_with_a_number_hint(text):
    """run() jumps from one number hint to the next; it must visit exactly the sentences that have one."""
    from govreport.extract.rules import NUMBER_HINT, DocumentExtraction

    doc = DocumentExtraction(normalize(text), 2023)
    assert list(doc.numbered_sentences()) == [(s, e) for s, e in doc.sentences() if NUMBER_HINT.search(doc.text, s, e)]


def test_an_average_over_years_not_named_is_left_out_and_an_annual_mean_is_annual():
    """年均 makes a figure a yearly average over a span; with no span in the sentence or its section, no period
    can be given. In PM2.5年均浓度 it is part of the name: an annual mean, of one year."""
    assert facts("地区生产总值年均增长8.5%,一般公共预算收入年均增长10%,均高于全省平均水平。", 2016) == set()
    found, _ = extract_all(normalize("过去一年,全区PM2.5年均浓度降至17.6微克/立方米。"), 2021)
    assert [(f.indicator, f.period, f.basis, f.value) for f in found] == [("pm25_annual_mean", "2020", "annual", 17.6)]


def test_a_comparable_price_growth_chains_to_its_level():
    assert facts("全年完成地区生产总值(GDP)123.45亿元,可比增长8.3%。", 2011) == {
        ("gdp", "level", "actual", "2010", "eq", 123.45, 123.45),
        ("gdp", "growth", "actual", "2010", "eq", 8.3, 8.3),
    }


def test_points_of_a_growth_rate_are_no_change_of_a_level():
    """A percentage-point change is an observation of a rate indicator only (城镇化率提高1个百分点)."""
    assert facts("过去一年,地区生产总值增长7.1%,增速比上年提高0.5个百分点。", 2024) == {
        ("gdp", "growth", "actual", "2023", "eq", 7.1, 7.1)
    }


def test_urban_and_rural_parts_after_the_whole_of_income():
    assert facts("过去一年,居民人均可支配收入增长5.5%,其中城镇居民增长4.8%、农村居民增长6.9%。", 2024) == {
        ("per_capita_disposable_income", "growth", "actual", "2023", "eq", 5.5, 5.5),
        ("urban_per_capita_disposable_income", "growth", "actual", "2023", "eq", 4.8, 4.8),
        ("rural_per_capita_disposable_income", "growth", "actual", "2023", "eq", 6.9, 6.9),
    }


def test_a_level_after_the_growth_chains_to_its_name():
    text = "报告显示,2024年河南生产总值增长5.1%,达到6.36万亿元。"
    assert facts(text, 2025) == {
        ("gdp", "growth", "actual", "2024", "eq", 5.1, 5.1),
        ("gdp", "level", "actual", "2024", "eq", 63600.0, 63600.0),
    }


@pytest.mark.parametrize(
    "lead, kind, period",
    [
        ("我们将力争确保实现计划,要坚持争取。", "target", "2024"),
        ("去年完成了任务,比上年增长了,同比提高了。", "actual", "2023"),
    ],
)
def test_a_number_no_part_or_cue_decides_takes_the_kind_the_report_leans_to(lead, kind, period):
    # No section marker, and no cue in the number's own sentence: the report's cues as a whole decide.
    assert facts(lead + "地区生产总值2000亿元。", 2024) == {("gdp", "level", kind, period, "eq", 2000.0, 2000.0)}

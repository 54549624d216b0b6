"""The document model: the report's year from the evidence a reader uses, and the part of the report each
statement sits in, for the styles real reports come in (provincial and county reports, national reports of
several decades, news write-ups, database exports)."""

import pytest

from govreport.extract.document import frames, infer_report_year, report_year_evidence
from govreport.extract.normalize import normalize


@pytest.mark.parametrize(
    "text, year",
    [
        # a delivery line under an untitled heading: the year of delivery, not of the review that follows
        (
            "政府工作报告\n——2026年1月27日在青海省第十四届人民代表大会第四次会议上\n一、2025年和“十四五”时期工作回顾\n"
            "2025年是“十四五”收官之年。",
            2026,
        ),
        # the delivery date in Chinese numerals, and in full-width digits
        (
            "政府工作报告\n——二〇二六年一月二十七日在某省第十四届人民代表大会第四次会议上\n2025年是很不平凡的一年。",
            2026,
        ),
        ("政府工作报告\n２０１９年１月１７日在高阳县第十七届人民代表大会第三次会议上\n一、2018年工作回顾", 2019),
        # a title with the year and region
        ("下载 打印\n2026年河南省政府工作报告\n来源:河南日报\n时间:2026-02-03\n", 2026),
        # no title: the heading of last year's review says which year the report plans
        ("各位代表:\n一、2004年工作回顾\n2004年,是全县各项工作卓有成效的一年。\n二、2005年工作安排", 2005),
        ("各位代表:\n过去一年……\n今年是“十五五”开局之年,做好政府工作要……", 2026),
        # a district congress held in December plans the next year
        ("政府工作报告\n——2020年12月28日在某区第七届人民代表大会第六次会议上\n一、2020年工作回顾", 2021),
        # a national report of an older decade
        ("政府工作报告\n——2003年3月5日在第十届全国人民代表大会第一次会议上\n国务院总理 朱镕基\n过去五年……", 2003),
    ],
)
def test_report_year_comes_from_the_evidence_a_reader_uses(text, year):
    assert infer_report_year(normalize(text).text) == year


def test_the_evidence_is_returned_with_the_year():
    year, words = report_year_evidence("政府工作报告\n——2026年1月26日在广东省第十四届人民代表大会第五次会议上")
    assert year == 2026 and words.startswith("2026年1月26日")


REPORT = (
    "一、2025年和“十四五”时期工作回顾\n"
    "2025年是“十四五”收官之年。全省地区生产总值增长4.1%。\n"  # review of the year
    "这是综合经济实力显著提升的五年。地区生产总值年均增长5.5%。\n"  # review of five years
    "二、“十五五”时期的主要目标\n"
    "地区生产总值年均增长5%左右。\n"  # the next plan's goals
    "三、2026年工作安排\n"
    "今年发展主要预期目标是:地区生产总值增长4.5%左右。\n"  # this year's targets
)


@pytest.mark.parametrize(
    "phrase, section, kind, first, last",
    [
        ("全省地区生产总值增长4.1%", "review_year", "actual", None, 2025),
        ("地区生产总值年均增长5.5%", "review_span", "actual", 2021, 2025),
        ("地区生产总值年均增长5%左右", "plan_span", "target", 2026, 2030),
        ("地区生产总值增长4.5%左右", "plan_year", "target", None, 2026),
    ],
)
def test_each_statement_sits_in_a_part_of_the_report(phrase, section, kind, first, last):
    doc = frames(REPORT, 2026)
    frame = doc.at(REPORT.index(phrase))
    assert (frame.section, frame.kind, frame.first_year, frame.year) == (section, kind, first, last)


def test_a_year_named_as_this_years_opening_is_a_plan_not_a_review():
    text = "2026年是“十五五”开局之年。地区生产总值增长5%左右。"
    assert frames(text, 2026).at(text.index("地区")).kind == "target"


def test_a_database_cell_with_literal_line_breaks_becomes_lines():
    raw = r"政府工作报告\r\n2005年2月26日\r\n各位代表:\r\n一、2004年工作回顾\r\n全县生产总值增长15.2%。"
    doc = normalize(raw)
    assert doc.text.splitlines()[3] == "一、2004年工作回顾"
    start = doc.text.index("15.2%")
    assert doc.raw_slice(start, start + 5) == "15.2%"


def test_a_news_write_up_takes_its_year_from_its_date_line():
    text = "罗湖新闻网 2021-01-20 10:32\n记者从区政府获悉,去年全区地区生产总值增长2.9%。今年预期增长6%。"
    assert infer_report_year(normalize(text).text) == 2021


def test_a_news_write_up_without_sections_tells_plans_from_outcomes_by_its_words():
    from govreport.extract.rules import extract_all

    text = "2021-01-20\n记者从区政府工作报告中获悉,去年全区地区生产总值增长2.9%。今年全区地区生产总值预期增长6%左右。"
    facts = {(f.kind, f.period, f.value) for f in extract_all(normalize(text), 2021)[0]}
    assert facts == {("actual", "2020", 2.9), ("target", "2021", 6.0)}

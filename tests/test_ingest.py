import codecs
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govreport.sources import decode as ingest
from govreport.sources.decode import MAX_BYTES, Decoded, IngestError, decode_bytes, read_document

SENTENCE = "全区地区生产总值增长6.5%左右,固定资产投资完成400亿元左右。\r\n城镇居民登记失业率控制在3%以内。\n"


def write(tmp_path, data: bytes, name="doc.txt"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_utf8(tmp_path):
    path = write(tmp_path, SENTENCE.encode("utf-8"))
    d = read_document(path)
    assert isinstance(d, Decoded)
    assert (d.text, d.encoding, d.warnings) == (SENTENCE, "utf-8", ())
    assert d.path == str(path)
    assert d.n_bytes == len(SENTENCE.encode("utf-8"))
    assert d.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_utf8_bom_is_stripped_and_nothing_else_changes():
    d = decode_bytes(codecs.BOM_UTF8 + SENTENCE.encode("utf-8"))
    # "\r\n" stays "\r\n": offsets into the text are provenance.
    assert (d.text, d.encoding, d.warnings) == (SENTENCE, "utf-8-sig", ())
    assert d.n_bytes == len(SENTENCE.encode("utf-8")) + 3


@pytest.mark.parametrize("legacy", ["gbk", "gb2312", "gb18030"])
def test_gb_family_decodes_identically(legacy):
    d = decode_bytes(SENTENCE.encode(legacy), "report.txt")
    assert (d.text, d.encoding, d.warnings) == (SENTENCE, "gb18030", ())


def test_gb18030_only_characters():
    # 𠀀 (extension B) exists in GB18030 but not GBK: GBK would not do.
    text = "罗湖区𠀀社区工作报告,全年增长百分之六。"
    assert decode_bytes(text.encode("gb18030")).text == text


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec):
    data = SENTENCE.encode(codec)
    if codec != "utf-16":  # the -le/-be codecs write no BOM of their own
        data = (codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE) + data
    d = decode_bytes(data)
    assert (d.text, d.encoding, d.warnings) == (SENTENCE, "utf-16", ())


def test_big5_is_not_mistaken_for_gb18030():
    # Big5 bytes also decode "strictly" as gb18030, into the wrong characters.
    text = "深圳市羅湖區第七屆人民代表大會第八次會議召開,羅湖區區長向大會作政府工作報告,部署了具體工作。"
    d = decode_bytes(text.encode("big5"))
    assert d.text == text
    assert d.encoding in ("big5", "cp950", "big5hkscs")


def test_mixed_utf8_and_gbk_decodes_with_warning(tmp_path):
    utf8_part = "一、全面纾困惠企,全力稳定增长。经济运行稳中有升。\n"
    data = utf8_part.encode("utf-8") + SENTENCE.encode("gbk")
    path = write(tmp_path, data, "mixed.txt")
    d = read_document(path)  # must not raise
    assert d.encoding == "utf-8"  # most of the file is valid utf-8
    assert d.text.startswith(utf8_part)
    assert "\ufffd" in d.text
    [warning] = d.warnings
    assert str(path) in warning and "utf-8" in warning
    n_replaced = int(warning.split(" with ")[1].split()[0])
    assert 0 < n_replaced <= len(SENTENCE.encode("gbk"))


def test_mostly_gbk_with_a_stray_bad_byte_is_read_as_gb18030():
    data = (SENTENCE * 20).encode("gbk") + b"\xff" + SENTENCE.encode("gbk")
    d = decode_bytes(data, "stray.txt")
    assert d.encoding == "gb18030"
    assert d.text == SENTENCE * 20 + "\ufffd" + SENTENCE
    assert d.warnings == ("stray.txt: not valid gb18030; decoded as gb18030 with 1 invalid byte(s) replaced by U+FFFD",)


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "JPEG image"),
        (b"GIF89a\x01\x00\x01\x00", "GIF image"),
        (b"PK\x03\x04\x14\x00\x06\x00word/document.xml", "ZIP/Office document"),
        (b"\x7fELF\x02\x01\x01\x00", "executable"),
    ],
)
def test_magic_numbers_are_refused_by_kind(tmp_path, data, kind):
    path = write(tmp_path, data, "scan.txt")
    with pytest.raises(IngestError) as exc:
        read_document(path)
    assert str(exc.value) == f"{path}: binary file ({kind}), not a text document"
    assert exc.value.path == str(path)


def test_text_that_merely_starts_like_a_magic_number_is_text():
    assert decode_bytes("GIF8 张图片\n".encode()).text == "GIF8 张图片\n"


def test_nul_bytes_are_binary():
    with pytest.raises(IngestError, match=r"^x\.bin: binary file.*NUL"):
        decode_bytes("罗湖".encode() + b"\x00\x01\x02" + "区".encode(), "x.bin")


def test_many_control_bytes_are_binary():
    data = b"abc\x01\x02\x03\x04\x05defghij" * 10
    with pytest.raises(IngestError, match="binary file"):
        decode_bytes(data)


def test_few_control_bytes_are_still_text():
    text = "罗湖区\x0c第二页\t表格\x1b" + "正文" * 50
    assert decode_bytes(text.encode()).text == text


@pytest.mark.parametrize("data", [b"", b"   \r\n\t\n", "\u3000\n".encode(), codecs.BOM_UTF8, codecs.BOM_UTF16_LE])
def test_empty_and_whitespace_only(tmp_path, data):
    path = write(tmp_path, data, "blank.txt")
    with pytest.raises(IngestError, match=rf"^{path}: empty file"):
        read_document(path)


def test_over_max_bytes_is_refused_without_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_BYTES", 100)
    path = write(tmp_path, ("罗" * 34).encode())  # 102 bytes
    real_open = open
    opened = []
    monkeypatch.setattr("builtins.open", lambda *a, **k: opened.append(a) or real_open(*a, **k))
    with pytest.raises(IngestError, match=r"too large \(102 bytes; the limit is MAX_BYTES = 100 bytes\)"):
        read_document(path)
    assert opened == []  # refused on stat() alone
    assert MAX_BYTES == 64 * 1024 * 1024


def test_exactly_max_bytes_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_BYTES", 102)
    path = write(tmp_path, ("罗" * 34).encode())
    assert read_document(path).text == "罗" * 34


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(IngestError, match="nope.txt: cannot read file"):
        read_document(tmp_path / "nope.txt")
    with pytest.raises(IngestError, match="not a regular file"):
        read_document(tmp_path)


def test_error_str_names_file_and_problem():
    err = IngestError("raw/foo.txt", "binary file (PDF), not a text document")
    assert str(err) == "raw/foo.txt: binary file (PDF), not a text document"
    assert (err.path, err.problem) == ("raw/foo.txt", "binary file (PDF), not a text document")


# --- properties -------------------------------------------------------------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
ASCII = st.sampled_from("abcXYZ0123456789 .,%-:;()\t\n\r")

# Real report phrases. A short GB byte string can also be valid UTF-8 (the
# spec then says UTF-8), so each phrase keeps at least one byte that never
# occurs in UTF-8 (0xC0, 0xC1, 0xF5-0xFF): the property is about unambiguous input.
_PHRASES = [
    "全区地区生产总值增长",
    "固定资产投资",
    "社会消费品零售总额",
    "城镇居民登记失业率",
    "一般公共预算收入",
    "罗湖区人民政府",
    "粤港澳大湾区",
    "先行示范区建设",
    "高质量发展",
    "城市更新",
    "棚户区改造",
    "营商环境持续优化",
    "全面建成小康社会",
    "民生福祉",
    "生态文明建设",
    "深化改革开放",
    "金融业增加值",
    "现代服务业",
    "科技创新",
]
PHRASES = [p for p in _PHRASES if any(b >= 0xF5 or b in (0xC0, 0xC1) for b in p.encode("gbk"))]


@st.composite
def cjk_and_ascii(draw):
    chars = draw(st.lists(st.one_of(CJK, ASCII), min_size=0, max_size=60))
    chars.insert(draw(st.integers(0, len(chars))), draw(CJK))  # never whitespace-only
    return "".join(chars)


@st.composite
def report_like(draw):
    parts = draw(st.lists(st.one_of(st.sampled_from(PHRASES), st.text(ASCII, max_size=8)), min_size=1, max_size=20))
    parts.insert(draw(st.integers(0, len(parts))), draw(st.sampled_from(PHRASES)))
    parts.insert(draw(st.integers(0, len(parts))), draw(st.sampled_from(PHRASES)))
    return "".join(parts)


def test_phrase_pool_is_big_enough():
    assert len(PHRASES) >= 8


@pytest.mark.slow
@given(cjk_and_ascii())
def test_utf8_round_trip(text):
    d = decode_bytes(text.encode("utf-8"))
    assert (d.text, d.encoding, d.warnings) == (text, "utf-8", ())


@pytest.mark.slow
@settings(max_examples=200)
@given(report_like())
def test_gb18030_round_trip(text):
    d = decode_bytes(text.encode("gb18030"))
    assert (d.text, d.encoding, d.warnings) == (text, "gb18030", ())

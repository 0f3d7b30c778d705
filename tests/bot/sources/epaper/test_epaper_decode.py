"""Response bytes to text: declarations that would decode any bytes are weighed against the
bytes, and a guess that gives characters no page has is marked and logged."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.sources.epaper import decode_document

TEXT = "浙江工人日报 朱镕基考察堃坝 新闻"  # (镕, 堃: GBK, not GB2312)


def page(charset: str | None, text: str = TEXT) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    return f"<html><head>{meta if charset else ''}</head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize("label", ["utf-16", "UTF-16LE", "utf-16be", "utf-32"])
def test_a_page_declaring_utf16_or_utf32_about_itself_is_read_as_utf8(label: str) -> None:
    decoded = decode_document(page(label).encode())
    assert decoded.text == page(label)
    assert decoded.encoding == "utf-8"


def test_a_header_declaring_utf16_on_bytes_without_nul_is_not_followed() -> None:
    data = page("utf-8").encode()
    data += b" " * (len(data) % 2)  # (even: UTF-16 would decode them, into garbage)
    data.decode("utf-16-le")
    assert decode_document(data, "text/html; charset=utf-16le").text == data.decode()


def test_utf16_bytes_the_header_declares_are_read_as_utf16() -> None:
    data = page(None).encode("utf-16-le")
    assert decode_document(data, "text/html; charset=utf-16le").text == page(None)


@pytest.mark.parametrize("header", ["ISO-8859-1", "windows-1252", "latin1", "us-ascii"])
def test_a_latin1_header_gives_way_to_the_pages_chinese_charset(header: str) -> None:
    data = page("gb2312").encode("gb18030")
    decoded = decode_document(data, f"text/html; charset={header}")
    assert decoded.text == page("gb2312")
    assert decoded.encoding == "gb18030"


def test_a_latin1_header_gives_way_to_bytes_that_are_utf8() -> None:
    decoded = decode_document(page(None).encode(), "text/html; charset=ISO-8859-1")
    assert decoded.text == page(None)


def test_a_latin1_header_on_latin1_text_is_followed() -> None:
    text = page(None, "Café, naïve")
    decoded = decode_document(text.encode("latin-1"), "text/html; charset=ISO-8859-1")
    assert decoded.text == text
    assert not decoded.doubtful


@pytest.mark.parametrize(
    ("header", "meta"),
    [("text/html; charset=gbk", None), (None, "gb2312"), ("text/html; charset=GB2312", "gbk")],
)
def test_a_gb_declaration_gives_way_to_bytes_that_are_utf8(
    header: str | None, meta: str | None
) -> None:
    # Every run of Chinese an even number of bytes: GB18030 decodes it too, into mojibake.
    text = page(meta, "人民日报 中国经济稳中向好")
    decoded = decode_document(text.encode(), header)
    assert (decoded.text, decoded.encoding) == (text, "utf-8")


def test_an_unknown_header_charset_gives_way_to_the_pages() -> None:
    data = page("gbk").encode("gb18030")
    assert decode_document(data, "text/html; charset=bogus").text == page("gbk")


def test_undeclared_big5_read_as_gb18030_is_marked_doubtful(
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = page(None, "臺灣日報 國際新聞 經濟")
    decoded = decode_document(text.encode("big5"))
    assert decoded.encoding == "gb18030"
    assert decoded.doubtful
    assert "garbled" in caplog.text


def test_undeclared_gbk_is_not_doubtful() -> None:
    decoded = decode_document(page(None).encode("gb18030"))
    assert decoded.text == page(None)
    assert not decoded.doubtful


@pytest.mark.parametrize("text", [TEXT, "第1版第1篇 本报讯 记者 李雷 工会驿站的新做法"])
def test_gbk_under_a_latin1_header_and_no_meta_is_read_as_gbk(text: str) -> None:
    # (Tomcat's and old Apache's default header; the second text's common hanzi give no byte
    # that Latin-1 would read as a C1 control character, so nothing marked it doubtful.)
    data = page(None, text).encode("gb18030")
    decoded = decode_document(data, "text/html; charset=ISO-8859-1")
    assert (decoded.text, decoded.encoding) == (page(None, text), "gb18030")
    assert not decoded.doubtful


def test_latin1_text_that_gb18030_would_read_stays_latin1() -> None:
    text = page(None, "Öl Über Äpfel, Ärger über Öl")  # GB18030 reads 謑 躡er 膒fel: rare
    data = text.encode("latin-1")
    data.decode("gb18030")
    decoded = decode_document(data, "text/html; charset=ISO-8859-1")
    assert (decoded.text, decoded.encoding) == (text, "iso8859-1")


GBK_TEXT = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1)
HEADERS = [None, "text/html", "text/html; charset=ISO-8859-1", "text/html; charset=windows-1252",
           "text/html; charset=gb2312", "text/html; charset=gbk", "text/html; charset=utf-16",
           "text/html; charset=bogus"]  # fmt: skip


@given(text=GBK_TEXT, header=st.sampled_from(HEADERS), label=st.sampled_from(["gb2312", "gbk"]))
def test_a_chinese_page_declaring_its_charset_reads_right_whatever_latin_header_it_has(
    text: str, header: str | None, label: str
) -> None:
    assert decode_document(page(label, text).encode("gb18030"), header).text == page(label, text)

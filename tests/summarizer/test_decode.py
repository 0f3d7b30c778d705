"""decode_bytes: the encodings real edition files arrive in, and the files that are not text."""

from __future__ import annotations

import codecs
import logging

import pytest

from summarizer.decode import decode_bytes
from summarizer.errors import EditionError

TEXT = "## 标题\n\n本报讯 记者张三报道 近日，全省工会召开会议。\n"


def test_plain_utf8_is_decoded() -> None:
    assert decode_bytes(TEXT.encode("utf-8"), "a.txt") == TEXT


def test_utf8_bom_is_dropped() -> None:
    assert decode_bytes(codecs.BOM_UTF8 + TEXT.encode("utf-8"), "a.txt") == TEXT


def test_gbk_is_decoded() -> None:
    assert decode_bytes(TEXT.encode("gbk"), "a.txt") == TEXT


def test_gb18030_beyond_gbk_is_decoded() -> None:
    text = TEXT + "𠮷野家\n"  # 𠮷 needs GB18030's four-byte form
    assert decode_bytes(text.encode("gb18030"), "a.txt") == text


def test_utf16_with_bom_is_decoded() -> None:
    assert decode_bytes(TEXT.encode("utf-16"), "a.txt") == TEXT


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_windows_and_old_mac_line_ends_become_newlines(newline: str) -> None:
    data = TEXT.replace("\n", newline).encode("utf-8")
    assert decode_bytes(data, "a.txt") == TEXT


def test_form_feed_between_pdf_pages_becomes_a_newline() -> None:
    assert decode_bytes("甲。\f乙。".encode(), "a.txt") == "甲。\n乙。"


def test_full_width_spaces_and_nbsp_are_kept() -> None:
    text = "\u3000\u3000本报讯\xa0记者张三报道。\n"
    assert decode_bytes(text.encode("utf-8"), "a.txt") == text


def test_empty_file_is_refused_naming_file_and_reason() -> None:
    with pytest.raises(EditionError, match=r"^p01\.txt: empty file") as info:
        decode_bytes(b"", "p01.txt")
    assert info.value.source == "p01.txt"


def test_bom_only_file_is_refused_as_empty() -> None:
    with pytest.raises(EditionError, match="empty file"):
        decode_bytes(codecs.BOM_UTF8, "p01.txt")


def test_nul_bytes_mean_binary() -> None:
    with pytest.raises(EditionError, match=r"p01\.txt: binary data.*NUL"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "p01.txt")


def test_nul_bytes_are_counted_and_the_first_is_located() -> None:
    with pytest.raises(EditionError, match=r"2 NUL bytes, the first at byte 9\)$"):
        decode_bytes("## 标题\n正文".encode().replace(b"\n", b"\x00\n\x00"), "p01.txt")


def test_utf16_without_its_byte_order_mark_is_named_as_such() -> None:
    text = "## 工会工作\n\n本报讯 全省职工书屋建设再上新台阶。2024年7月1日\n"
    for encoding in ("utf-16-le", "utf-16-be"):
        with pytest.raises(EditionError, match="looks like UTF-16 without a byte-order mark"):
            decode_bytes(text.encode(encoding), "p01.txt")


def test_control_characters_mean_binary() -> None:
    with pytest.raises(EditionError, match="binary data, not text"):
        decode_bytes(bytes(range(1, 9)) * 20, "p01.txt")


def test_a_pdf_is_refused_as_such() -> None:
    with pytest.raises(EditionError, match="a PDF file"):
        decode_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "p01.pdf")


def test_bytes_neither_utf8_nor_gb18030_are_refused() -> None:
    with pytest.raises(EditionError, match=r"p01\.txt: not UTF-8 or GB18030 text"):
        decode_bytes("## café au lait\n".encode("latin-1"), "p01.txt")


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_character_cut_at_the_end_is_dropped_with_a_warning(
    encoding: str, caplog: pytest.LogCaptureFixture
) -> None:
    data = (TEXT + "中文").encode(encoding)[:-1]
    with caplog.at_level(logging.WARNING, logger="summarizer.decode"):
        text = decode_bytes(data, "p01.txt")
    assert text == TEXT + "中"
    assert "p01.txt: truncated file" in caplog.text


def test_a_bad_byte_in_the_middle_is_not_taken_for_truncation() -> None:
    data = TEXT.encode("utf-8") + b"\xff\xfe\xfd" + TEXT.encode("utf-8")
    with pytest.raises(EditionError, match="not UTF-8 or GB18030"):
        decode_bytes(data, "p01.txt")

"""Text read from e-paper HTML loses its invisible characters, like text from edition files."""

from __future__ import annotations

from bot.sources.epaper.dom import block_texts, fragment_text, parse_html


def test_a_title_loses_bidi_overrides_and_zero_width_spaces() -> None:
    assert fragment_text("<b>工\u202e会&#8203;驿站&#x200F;</b>") == "工会驿站"


def test_paragraphs_lose_them_too() -> None:
    body = parse_html("<div><p>第一段\u200b。</p><p>\u202e第二段。</p></div>").body
    assert body is not None
    assert block_texts(body) == ["第一段。", "第二段。"]

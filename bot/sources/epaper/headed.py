"""Article pages of 人民日报's two templates: ``h3`` 引题, ``h1`` 标题, ``h2`` 副题 in one box,
the body in ``#ozoom`` (``<p>`` each, sometimes between ``<!--enpcontent-->`` markers).

Both templates differ only in where the box is and where the byline sits, so they pass those
in and share the rest.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.errors import TemplateError
from bot.sources.epaper.body import build_article
from bot.sources.epaper.dom import between_comments, block_texts, text_of
from summarizer.edition import Article

__all__ = ["headed_article"]


def headed_article(
    tree: LexborHTMLParser,
    url: str,
    *,
    template: str,
    box: str,
    byline: str | None,
    captions: list[str] | None = None,
    page: str | None = None,
) -> Article:
    """The article in the first ``box`` element (a CSS selector); ``byline`` is its text as
    the page gives it (None: take it from the body). Raises TemplateError without a box, a
    body or any text."""
    container = tree.css_first(box)
    if container is None:
        raise TemplateError(url, f"no article box ({box})", template=template)
    zoom = tree.css_first("#ozoom")
    if zoom is not None:
        paragraphs = block_texts(zoom)
    else:
        marked = between_comments(tree, "enpcontent", "/enpcontent")
        if not marked:
            raise TemplateError(url, "no #ozoom and no enpcontent body", template=template)
        paragraphs = [line for node in marked for line in block_texts(node)]
    title = _heading(container, "h1")
    if not title and not paragraphs:
        raise TemplateError(url, "an article page without title and text", template=template)
    return build_article(
        title or "",
        paragraphs,
        kicker=_heading(container, "h3"),
        subtitle=_heading(container, "h2"),
        byline=byline,
        captions=captions or [],
        page=page,
    )


def _heading(container: LexborNode, tag: str) -> str | None:
    node = container.css_first(tag)
    return text_of(node) or None if node is not None else None

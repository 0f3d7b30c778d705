"""An article page's parts → :class:`summarizer.edition.Article`, by the text parser's rules.

On the web each ``<p>`` is a true paragraph, so nothing is rejoined here (that is for PDF
dumps); what is shared with the text parser is how bylines and captions look
(:mod:`summarizer.byline`, :mod:`summarizer.captions`) and jump markers
(:mod:`summarizer.markers`):

* a photo credit or caption paragraph (``新华社记者 X 摄``, ``图为…``) goes to ``captions``;
* when the page gave no byline (``<founder-author>`` is often empty), the first paragraph
  gives it: a lone ``■ 本报记者 X`` paragraph whole, or an opening dateline (``本报讯 记者X``,
  ``新华社北京6月30日电``) split off its paragraph; failing that, a closing bracketed
  dateline at the very end;
* ``(下转第4版)`` markers leave the prose for ``markers``.
"""

from __future__ import annotations

from collections.abc import Iterable

from summarizer.byline import is_lone_byline, split_closing, split_opening
from summarizer.captions import is_photo_credit
from summarizer.edition import Article
from summarizer.markers import take_jumps
from summarizer.rejoin import normalize_ws

__all__ = ["build_article"]


def build_article(
    title: str,
    paragraphs: Iterable[str],
    *,
    kicker: str | None = None,
    subtitle: str | None = None,
    byline: str | None = None,
    captions: Iterable[str] = (),
    page: str | None = None,
) -> Article:
    """One article from its headings and body paragraphs (see the module docstring)."""
    article = Article(
        title=normalize_ws(title),
        kicker=_clean(kicker),
        subtitle=_clean(subtitle),
        byline=_clean(byline),
        captions=[c for c in (normalize_ws(x) for x in captions) if c],
        page=page,
    )
    for raw in paragraphs:
        text, jumps = take_jumps(normalize_ws(raw))
        text = normalize_ws(text)
        for jump in jumps:
            article.markers.append(jump.raw)
            if jump.forward and article.continued_on is None:
                article.continued_on = jump.page
            elif not jump.forward and article.continued_from is None:
                article.continued_from = jump.page
        if not text:
            continue
        opening = article.byline is None and not article.paragraphs
        dateline = split_opening(text) if opening else None
        if dateline is not None:
            article.byline, rest = dateline
            if rest:
                article.paragraphs.append(rest)
        elif is_photo_credit(text):
            article.captions.append(text)
        elif opening and is_lone_byline(text):
            article.byline = text
        else:
            article.paragraphs.append(text)
    if article.byline is None and article.paragraphs:
        closing = split_closing(article.paragraphs[-1])
        if closing is not None:
            rest, article.byline = closing
            if rest:
                article.paragraphs[-1] = rest
            else:
                article.paragraphs.pop()
    return article


def _clean(text: str | None) -> str | None:
    return normalize_ws(text) or None if text is not None else None

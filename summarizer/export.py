"""The JSON shape of a parsed and summarized edition: a contract for scripts.

Changing a key or a type here breaks users' scripts; add keys only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from summarizer.edition import Article, Edition, Summary


def edition_to_dict(edition: Edition, summaries: Sequence[Summary]) -> dict[str, Any]:
    """Return the stable JSON form of ``edition``; ``summaries`` align with its articles."""
    if len(summaries) != len(edition.articles):
        raise ValueError("one summary per article is required")
    return {
        "paper": edition.paper,
        "date": edition.date.isoformat() if edition.date else None,
        "articles": [
            _article_to_dict(number, article, summary)
            for number, (article, summary) in enumerate(
                zip(edition.articles, summaries, strict=True), start=1
            )
        ],
    }


def _article_to_dict(number: int, article: Article, summary: Summary) -> dict[str, Any]:
    """One article; ``kicker`` (引题) and ``subtitle`` (副题) appear only when set, so that
    text-parser output keeps exactly its old keys."""
    data: dict[str, Any] = {"id": number, "page": article.page}
    if article.kicker is not None:
        data["kicker"] = article.kicker
    data["title"] = article.title
    if article.subtitle is not None:
        data["subtitle"] = article.subtitle
    data.update(
        byline=article.byline,
        paragraphs=list(article.paragraphs),
        captions=list(article.captions),
        continued_on=article.continued_on,
        summary=list(summary.sentences),
        keywords=list(summary.keywords),
    )
    return data

"""The JSON export carries an e-paper article's 引题 and 副题, and nothing new for others."""

from __future__ import annotations

from summarizer.edition import Article, Edition, Summary
from summarizer.export import edition_to_dict

SUMMARY = Summary(sentences=("一句。",), keywords=("词",))


def export(article: Article) -> dict[str, object]:
    edition = Edition(paper="报", date=None, page=None, articles=[article])
    return edition_to_dict(edition, [SUMMARY])["articles"][0]


def test_kicker_and_subtitle_are_exported_around_the_title_when_set() -> None:
    data = export(Article(title="标题", kicker="引题", subtitle="副题"))
    assert list(data)[1:5] == ["page", "kicker", "title", "subtitle"]
    assert (data["kicker"], data["subtitle"]) == ("引题", "副题")


def test_an_article_without_them_keeps_exactly_the_old_keys() -> None:
    assert list(export(Article(title="标题"))) == [
        "id", "page", "title", "byline", "paragraphs", "captions", "continued_on", "summary",
        "keywords",
    ]  # fmt: skip

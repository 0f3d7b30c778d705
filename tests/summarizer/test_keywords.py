"""Keywords stop iterating early (``KEYWORD_TOLERANCE``) yet are the converged ranking's."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.common import DEFAULT_HEADLINES, article_cleaner, load_headlines
from summarizer.segment import BackendName
from summarizer.summary import Summarizer, SummarizerConfig
from summarizer.tokens import Tokenizer, load_stopwords

FAST = Summarizer(weights=None)
CONVERGED = Summarizer(weights=None, config=SummarizerConfig(keyword_tolerance=1e-13))


def test_seed_keywords_are_those_of_the_converged_pagerank(seed_path: Path) -> None:
    parser = pytest.importorskip("summarizer.parser")
    articles = [a.paragraphs for a in parser.read_page(seed_path).articles if a.paragraphs]
    assert articles
    for paragraphs in articles:
        assert FAST.summarize_text(paragraphs).keywords == (
            CONVERGED.summarize_text(paragraphs).keywords
        )


def test_real_articles_keep_the_converged_top_keywords() -> None:
    # Tolerance stated: the top 6, in order, as converged on at least 70 of the 71 articles.
    if not DEFAULT_HEADLINES.is_file():
        pytest.skip(f"{DEFAULT_HEADLINES} not found")
    _, clean = article_cleaner()
    articles = [clean(row.text).paragraphs for row in load_headlines(DEFAULT_HEADLINES)]
    same = sum(
        FAST.summarize_text(p).keywords == CONVERGED.summarize_text(p).keywords for p in articles
    )
    assert same >= len(articles) - 1


def test_the_tolerance_must_be_a_small_positive_number() -> None:
    with pytest.raises(ValueError, match="keyword_tolerance"):
        SummarizerConfig(keyword_tolerance=0.0)


AMOUNTS = [
    "今年上半年，全市接待游客1200万人次，同比增长15.3个百分点，旅游收入达到185.6亿元。",
    "全市新增就业岗位3.2万余个，帮扶困难职工5000余人次，惠及职工2.6万余人。",
    "其中，接待游客超过300万人次的景区有3家，累计带动就业5万余人次。",
    "截至6月底，全市共有各类市场主体120万余户，比年初增加8.6万余户，增长7.7个百分点。",
]


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_amounts_are_never_keywords(backend: BackendName) -> None:
    tokenizer = Tokenizer(stopwords=load_stopwords(), backend=backend)
    keywords = Summarizer(tokenizer=tokenizer).summarize_text(AMOUNTS).keywords
    assert len(keywords) == 6
    assert not {"万人次", "万余个", "余人次", "万余人次", "万余户", "百分点"} & set(keywords)

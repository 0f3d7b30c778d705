"""textrank4zh as the oracle: our graph and PageRank must reproduce its numbers.

Three levels, from exact to end to end:

1. On textrank4zh's own tokens, our similarity graph plus its self-loops, ranked by our
   PageRank, gives textrank4zh's scores to 1e-8 (it is run with a tight tolerance).
2. The same without self-loops (textrank4zh given a similarity function that is 0 on the
   diagonal) gives our no-self-loop scores: the only intended difference is the diagonal.
3. End to end with comparable tokenisation (textrank4zh's stopwords, our jieba.lcut and its
   posseg), our plain TextRank (undirected, no prior) ranks real articles like textrank4zh:
   same top sentence on most, high rank correlation. A wrong similarity (say, without the log
   normalisation) or terms handed to the wrong sentence fails the thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import networkx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import reference
from bench.common import DEFAULT_HEADLINES, article_cleaner, load_headlines
from summarizer.summary import Summarizer, SummarizerConfig, lead_sentences
from summarizer.textrank import pagerank, similarity_matrix
from summarizer.tokens import Tokenizer, load_stopwords

TIGHT = {"alpha": 0.85, "tol": 1e-13, "max_iter": 2000}


@pytest.fixture(scope="module")
def articles(seed_path: Path) -> list[list[str]]:
    """Paragraphs of real articles: the seed edition, plus the headline set when present."""
    parser = pytest.importorskip("summarizer.parser")
    found = [a.paragraphs for a in parser.read_page(seed_path).articles]
    if DEFAULT_HEADLINES.is_file():
        _, clean = article_cleaner()
        found += [clean(row.text).paragraphs for row in load_headlines(DEFAULT_HEADLINES)]
    return [paragraphs for paragraphs in found if len(lead_sentences(paragraphs)) >= 3]


def _their_words(sentences: Sequence[str]) -> list[list[str]]:
    module = reference.load()
    segmenter = module.Segmentation.WordSegmentation()
    return segmenter.segment_sentences(sentences, use_stop_words=True, use_speech_tags_filter=False)


def _their_scores(sentences: Sequence[str], words: list[list[str]], sim_func) -> np.ndarray:
    util = reference.load().util
    ranked = util.sort_sentences(sentences, words, sim_func=sim_func, pagerank_config=TIGHT)
    scores = np.zeros(len(sentences))
    for item in ranked:
        scores[item.index] = item.weight
    return scores


def _spearman(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.corrcoef(np.argsort(np.argsort(first)), np.argsort(np.argsort(second)))[0, 1])


def test_the_shim_runs_textrank4zh_without_touching_networkx() -> None:
    sentences = reference.key_sentences("工会服务职工。职工热爱工会。今天天气晴朗，适合出行。", 2)
    assert len(sentences) == 2
    assert not hasattr(networkx, "from_numpy_matrix")
    assert reference.stopwords_file().is_file()


@given(
    st.lists(st.sampled_from("甲乙丙丁戊己庚辛"), min_size=1, max_size=8),
    st.lists(st.sampled_from("甲乙丙丁戊己庚辛"), min_size=1, max_size=8),
)
@settings(max_examples=300, deadline=None)
def test_similarity_equals_textrank4zhs(first: list[str], second: list[str]) -> None:
    util = reference.load().util
    ours = similarity_matrix([first, second])[0, 1]
    assert ours == pytest.approx(util.get_similarity(first, second), abs=1e-12)


def test_scores_equal_textrank4zhs_when_given_its_self_loops(articles: list[list[str]]) -> None:
    util = reference.load().util
    for paragraphs in articles:
        sentences = lead_sentences(paragraphs)
        words = _their_words(sentences)
        graph = similarity_matrix(words)
        np.fill_diagonal(graph, [util.get_similarity(w, w) for w in words])
        expected = _their_scores(sentences, words, util.get_similarity)
        assert pagerank(graph) == pytest.approx(expected, abs=1e-8)


def test_scores_equal_textrank4zhs_without_self_loops(articles: list[list[str]]) -> None:
    util = reference.load().util

    def off_diagonal(first: list[str], second: list[str]) -> float:
        # sort_sentences passes the very same list for a sentence against itself
        return 0.0 if first is second else util.get_similarity(first, second)

    for paragraphs in articles:
        sentences = lead_sentences(paragraphs)
        words = _their_words(sentences)
        expected = _their_scores(sentences, words, off_diagonal)
        assert pagerank(similarity_matrix(words)) == pytest.approx(expected, abs=1e-8)


def test_plain_textrank_ranks_like_textrank4zh(articles: list[list[str]]) -> None:
    tokenizer = Tokenizer(stopwords=load_stopwords(reference.stopwords_file()))
    plain = Summarizer(tokenizer, SummarizerConfig(ranker="textrank", direction="undirected"))
    util = reference.load().util

    def off_diagonal(first: list[str], second: list[str]) -> float:
        return 0.0 if first is second else util.get_similarity(first, second)

    same_top, correlations = 0, []
    for paragraphs in articles:
        ours = np.array([s.score for s in plain.analyze(paragraphs).sentences])
        sentences = lead_sentences(paragraphs)
        theirs = _their_scores(sentences, _their_words(sentences), off_diagonal)
        same_top += int(np.argmax(ours) == np.argmax(theirs))
        correlations.append(_spearman(ours, theirs))
    assert len(articles) >= 5
    assert same_top >= 0.85 * len(articles)
    assert np.mean(correlations) >= 0.97
    assert min(correlations) >= 0.75


def test_textrank4zhs_own_pipeline_runs_on_a_real_article(articles: list[list[str]]) -> None:
    text = "\n".join(articles[0])
    scored = reference.sentence_scores(text)
    assert sum(score for _, score in scored) == pytest.approx(1.0)
    assert len(reference.keywords(text)) == 6

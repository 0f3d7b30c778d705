"""Article summaries: key sentences ranked by a learned weighting of TextRank features,
TextRank alone without the weights, and TextRank keywords.

The pieces are kept apart as in ``sumy``: :mod:`summarizer.sentences` splits,
:class:`~summarizer.tokens.Tokenizer` turns sentences into terms, :mod:`summarizer.textrank`
ranks, :mod:`summarizer.features` and :mod:`summarizer.ranker` weigh, and :class:`Summarizer`
only chooses candidates and selects within ``k`` and a budget.

The ranker. News is written point first, and plain TextRank does not know it: on an
undirected graph PageRank is close to weighted degree, so it favours long sentences that share
words with many others, in news the body's elaborations rather than the point. Unsupervised
fixes (the backward graph below, position priors, centroid similarity) each end up near
lead-1, while picking the right one of the first few sentences is worth several ROUGE points
(``bench/quality.py``'s oracle row). So by default sentences are scored by a small linear
weighting of TextRank-derived features (both PageRanks, position, centrality, keyword and
character-bigram coverage, length; :mod:`summarizer.features`), fitted offline on other
months of 人民日报 than any benchmark reads (``bench/train_ranker.py``) and shipped as a text
file. Without that file, or with ``ranker="textrank"``, the ranking is TextRank's own:

* edge direction (default): the *directed backward* graph, one of the three graphs the
  TextRank paper evaluates for sentence extraction on DUC 2002 news (Mihalcea & Tarau 2004,
  sec. 4.1): a sentence votes only for sentences before it, so a sentence that later ones
  elaborate collects their votes, which is what the inverted pyramid means. No parameter.
* teleport (``position_exponent``): personalised PageRank with teleport probability of the
  sentence at 0-based position ``i`` proportional to ``(i + 1) ** -a``; ``a = 1`` is
  PositionRank's prior (Florescu & Caragea 2017). Off by default: on the undirected graph it
  stayed well behind lead-1, and on top of the backward graph it counts the same belief twice
  and collapses onto lead-1. All variants tried are in the quality table.

Only the first ``max_sentences`` (300) candidates are ranked and keywords read only the first
``max_keyword_terms`` (20,000) terms: the similarity graph is n x n, and a pathological input
(thousands of tiny paragraphs, a 200k-character page) must not cost seconds and gigabytes.
News puts its point first and the backward graph favours early sentences anyway, so the cap
changes nothing on real articles (the longest benchmark article has far fewer candidates);
``bench/speed.py`` times such inputs in its "pathological input" rows.

Damping stays at TextRank's 0.85 throughout. ``SummarizerConfig(ranker="textrank",
direction="undirected")`` is textrank4zh's algorithm (without its self-loops): the oracle
tests compare that configuration with textrank4zh.

Everything here is immutable after construction; one :class:`Summarizer` serves any number
of threads. jieba loads on first use (see :func:`summarizer.tokens.ensure_loaded`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import numpy as np

from summarizer.byline import contains_dateline, may_hold_dateline, split_opening
from summarizer.edition import Article, Summary
from summarizer.features import SentenceGraph, sentence_features
from summarizer.markers import BARE_JUMP, BRACKETED_FORWARD_JUMP, FORWARD_JUMP
from summarizer.markers import BRACKETED_JUMP as _JUMP
from summarizer.ranker import LinearRanker, packaged_ranker
from summarizer.sentences import (
    CLOSERS,
    MAX_SENTENCE_CHARS,
    MIN_SENTENCE_CHARS,
    TERMINATORS,
    content_length,
    has_content,
    sentence_spans,
)
from summarizer.terms import SentenceTerms
from summarizer.textrank import (
    DAMPING,
    KEYWORD_TOLERANCE,
    ONE_THREAD_FROM,
    Direction,
    keyword_scores,
    orient,
    pagerank_exact,
    similarity_matrix,
)
from summarizer.tokens import Tokenizer, default_tokenizer, is_quantity

log = logging.getLogger(__name__)

HEADING_MAX_CHARS = 30
"""A piece without final punctuation and with fewer letters than this is a heading or label."""

MAX_SENTENCES = 300
"""Candidates ranked: the first this many (see the module docstring)."""
MAX_KEYWORD_TERMS = 20_000
"""Terms the keyword graph reads: the first this many of the ranked candidates'."""

_LEADING_JUMPS = re.compile(rf"(?:{_JUMP}\s*)*")
# Bracketed notes after the last sentence end: （新华社电） （完） （记者 X）.
_TRAILING_NOTES = re.compile(r"(?:\s*[（(][^（）()]*[）)])+\s*$")
_JUMP_MARKER = re.compile(rf"^(?:{_JUMP}|{BARE_JUMP})$")
# A jump that sends the rest of the text to another page: (下转第4版), 转A3版.
_OPENS_WITH_FORWARD_JUMP = re.compile(rf"{BRACKETED_FORWARD_JUMP}|{FORWARD_JUMP}$")
# …各族人民(下转第4版): a sentence that a jump cut off, with its marker still on it.
_ENDS_AT_FORWARD_JUMP = re.compile(rf"(?:{BRACKETED_FORWARD_JUMP}|\n\s*{FORWARD_JUMP})$")
_FORWARD_TAIL_CHARS = 24
_BYLINE = re.compile(r"^■|记者|通讯员")
_CLOSER_CHARS = "".join(sorted(CLOSERS))

RankerName = Literal["learned", "textrank"]


@dataclass(frozen=True, slots=True)
class SummarizerConfig:
    """The summarizer's parameters; the defaults are the ones ``python -m bench`` reports.

    ``ranker``: ``"learned"`` (the default) scores sentences with the packaged linear
    weighting of TextRank features (:mod:`summarizer.ranker`), falling back to TextRank alone
    when the weights are absent; ``"textrank"`` ranks by the PageRank below only.
    The next two shape that PageRank (and so the ``"textrank"`` ranking and the fallback);
    the learned ranker reads fixed graphs (backward and undirected, uniform teleport).
    ``direction``: ``"backward"`` (later sentences vote for earlier ones; the default) or
    ``"undirected"`` (plain TextRank, as textrank4zh). ``position_exponent``: teleport
    weight of the sentence at 0-based position ``i`` is ``(i + 1) ** -position_exponent``;
    0 (the default) is uniform teleport. ``keywords``: how many keywords;
    ``keyword_window``: co-occurrence window in terms;
    ``keyword_tolerance``: L1 error within which the keyword PageRank is solved (the top
    words are those of the converged ranking; ``tests/summarizer/test_keywords.py``).
    ``max_sentences``: only the first this many candidates are ranked; ``max_keyword_terms``:
    keywords read only the first this many terms (both bound time and memory on pathological
    input).
    """

    ranker: RankerName = "learned"
    direction: Direction = "backward"
    damping: float = DAMPING
    position_exponent: float = 0.0
    keywords: int = 6
    keyword_window: int = 2
    keyword_tolerance: float = KEYWORD_TOLERANCE
    min_keyword_chars: int = 2
    max_sentences: int = MAX_SENTENCES
    max_keyword_terms: int = MAX_KEYWORD_TERMS
    max_sentence_chars: int = MAX_SENTENCE_CHARS  # longer: cut at clause marks, or not chosen

    def __post_init__(self) -> None:
        if not 0.0 <= self.damping < 1.0:
            raise ValueError(f"damping must be in [0, 1), got {self.damping}")
        if self.ranker not in ("learned", "textrank"):
            raise ValueError(f"unknown ranker {self.ranker!r}")
        if self.direction not in ("undirected", "backward", "forward"):
            raise ValueError(f"unknown direction {self.direction!r}")
        if self.position_exponent < 0:
            raise ValueError("position_exponent must be >= 0")
        if self.keywords < 0 or self.keyword_window < 2:
            raise ValueError("keywords must be >= 0 and keyword_window >= 2")
        if not 0 < self.keyword_tolerance < 1:
            raise ValueError("keyword_tolerance must be in (0, 1)")
        if self.max_sentences < 1 or self.max_keyword_terms < 1:
            raise ValueError("max_sentences and max_keyword_terms must be >= 1")


@dataclass(frozen=True, slots=True)
class RankedSentence:
    """A candidate sentence: verbatim ``paragraphs[paragraph][start:end]``, with its score.

    ``position`` is its index among the article's candidates, in document order.
    """

    text: str
    paragraph: int
    start: int
    end: int
    position: int
    score: float


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything the summary is chosen from: candidates (document order) and keywords."""

    sentences: tuple[RankedSentence, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Summarizer:
    """Summarizer: a tokenizer, a config and the learned weights; immutable, thread-safe.

    ``weights`` defaults to the packaged :func:`~summarizer.ranker.packaged_ranker`; ``None``
    (or a config with ``ranker="textrank"``) ranks by TextRank alone.
    """

    tokenizer: Tokenizer = field(default_factory=default_tokenizer)
    config: SummarizerConfig = field(default_factory=SummarizerConfig)
    weights: LinearRanker | None = field(default_factory=packaged_ranker)

    def summarize(self, article: Article, *, k: int = 3, max_chars: int | None = None) -> Summary:
        """Summarize an article's paragraphs (its title, byline and captions are not read).

        An article that jumps to another page (``continued_on``) is ``continued``: when its
        text stops mid-sentence, that sentence was cut by the jump (the other page is not
        here, or its half ended unfinished too) and is not quoted.
        """
        continued = article.continued_on is not None
        return self.summarize_text(
            article.paragraphs, k=k, max_chars=max_chars, continued=continued
        )

    def summarize_text(
        self,
        paragraphs: Sequence[str],
        *,
        k: int = 3,
        max_chars: int | None = None,
        continued: bool = False,
    ) -> Summary:
        """Up to ``k`` key sentences in document order, together at most ``max_chars`` long.

        Sentences are taken best first; one that would overrun the budget is skipped and the
        next tried, so the budget can leave fewer than ``k`` (or none, if every sentence is
        longer than it). ``max_chars`` counts the sentences' characters, not separators.
        ``continued``: the text goes on elsewhere, so an unfinished last sentence is a cut
        one, never a candidate (see :func:`_candidates`).
        """
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        if max_chars is not None and max_chars < 0:
            raise ValueError(f"max_chars must be >= 0, got {max_chars}")
        analysis = self.analyze(paragraphs, continued=continued)
        chosen = select(analysis.sentences, k=k, max_chars=max_chars)
        return Summary(sentences=tuple(s.text for s in chosen), keywords=analysis.keywords)

    @property
    def learned(self) -> bool:
        """Whether sentences are scored by the learned weights (else by TextRank alone)."""
        return self.config.ranker == "learned" and self.weights is not None

    def analyze(self, paragraphs: Sequence[str], *, continued: bool = False) -> Analysis:
        """Split, segment (one jieba pass over the article up to its last ranked candidate)
        and rank; only the first ``max_sentences`` candidates are ranked. ``continued``: as
        for :meth:`summarize_text`."""
        candidates, terms = self._terms(paragraphs, continued=continued)
        return self._rank(paragraphs, candidates, terms)

    def _rank(
        self,
        paragraphs: Sequence[str],
        candidates: list[tuple[int, int, int]],
        terms: SentenceTerms,
    ) -> Analysis:
        similarity = similarity_matrix(terms)
        texts = tuple([paragraphs[p][start:end] for p, start, end in candidates])
        wants_keywords = self.config.keywords > 0
        weights = self.weights if self.learned and texts else None
        word_scores = self._keyword_scores(terms) if wants_keywords or weights else None
        if weights is not None and word_scores is not None:
            own = self.config.direction != "backward" or self.config.position_exponent != 0
            textrank = self._textrank(similarity) if own else None
            graph = self._graph(texts, candidates, terms, similarity, word_scores)
            features = sentence_features(graph, list(map(is_question, texts)))
            fallback = graph.backward if textrank is None else textrank
            scores = weights.score(features, fallback=fallback)
        else:
            scores = self._textrank(similarity)
        ranked = tuple(
            [
                RankedSentence(text, p, start, end, position, score)
                for position, (text, (p, start, end), score) in enumerate(
                    zip(texts, candidates, scores.tolist(), strict=True)
                )
            ]
        )
        keywords = self._top_keywords(terms, word_scores) if wants_keywords else ()
        return Analysis(sentences=ranked, keywords=keywords)

    def _textrank(self, similarity: np.ndarray) -> np.ndarray:
        """TextRank as configured (direction, teleport prior)."""
        return pagerank_exact(
            orient(similarity, self.config.direction),
            damping=self.config.damping,
            personalization=self._prior(len(similarity)),
        )

    def sentence_graph(self, paragraphs: Sequence[str]) -> SentenceGraph:
        """What the learned ranker's features are computed from (``bench/train_ranker.py``
        fits the weights on these)."""
        candidates, terms = self._terms(paragraphs)
        texts = tuple(paragraphs[p][start:end] for p, start, end in candidates)
        similarity = similarity_matrix(terms)
        return self._graph(texts, candidates, terms, similarity, self._keyword_scores(terms))

    def _terms(
        self, paragraphs: Sequence[str], *, continued: bool = False
    ) -> tuple[list[tuple[int, int, int]], SentenceTerms]:
        candidates = _candidates(
            paragraphs,
            limit=self.config.max_sentences,
            max_chars=self.config.max_sentence_chars,
            continued=continued,
        )
        if candidates:
            last, _, last_end = candidates[-1]
            paragraphs = paragraphs[: last + 1]
        bases = _paragraph_offsets(paragraphs)
        text = "\n".join(paragraphs)[: bases[-1] + last_end] if candidates else ""
        spans = [(bases[p] + start, bases[p] + end) for p, start, end in candidates]
        return candidates, self.tokenizer.term_ids_by_span(text, spans)

    def _graph(
        self,
        texts: tuple[str, ...],
        candidates: Sequence[tuple[int, int, int]],
        terms: SentenceTerms,
        similarity: np.ndarray,
        word_scores: np.ndarray,
    ) -> SentenceGraph:
        """The features' graph; both PageRanks (backward, undirected) in one batched solve,
        or in two where the matrices are large (memory, not call overhead, matters there)."""
        damping = self.config.damping
        backward_graph = orient(similarity, "backward")
        if len(similarity) < ONE_THREAD_FROM:
            backward, undirected = pagerank_exact(
                np.stack([backward_graph, similarity]), damping=damping
            )
        else:
            backward = pagerank_exact(backward_graph, damping=damping)
            undirected = pagerank_exact(similarity, damping=damping)
        return SentenceGraph(
            texts=texts,
            paragraphs=tuple(p for p, _, _ in candidates),
            terms=terms,
            similarity=similarity,
            backward=backward,
            undirected=undirected,
            keyword_scores=word_scores,
        )

    def _prior(self, size: int) -> np.ndarray | None:
        if self.config.position_exponent == 0 or size == 0:
            return None
        return np.arange(1, size + 1, dtype=np.float64) ** -self.config.position_exponent

    def _keyword_scores(self, terms: SentenceTerms) -> np.ndarray:
        """Keyword PageRank of every word of ``terms.vocabulary`` (0: not a candidate)."""
        minimum = self.config.min_keyword_chars
        head = terms.head(self.config.max_keyword_terms)
        candidate = _keyword_candidates(head.vocabulary, minimum)
        scores = keyword_scores(
            head,
            candidate,
            window=self.config.keyword_window,
            damping=self.config.damping,
            tol=self.config.keyword_tolerance,
        )
        if head is terms:
            return scores
        index = {word: i for i, word in enumerate(terms.vocabulary)}
        full = np.zeros(len(terms.vocabulary))
        full[[index[word] for word in head.vocabulary]] = scores
        return full

    def _top_keywords(self, terms: SentenceTerms, scores: np.ndarray | None) -> tuple[str, ...]:
        if scores is None:
            return ()
        vertices = np.flatnonzero(scores > 0)
        order = vertices[np.argsort(-scores[vertices], kind="stable")[: self.config.keywords]]
        return tuple(terms.vocabulary[word] for word in order.tolist())


_KEYWORD_MEMO_LIMIT = 200_000
_keyword_memo: dict[int, dict[str, bool]] = {}


def _keyword_candidates(vocabulary: Sequence[str], minimum: int) -> np.ndarray:
    """Which words may be keywords (``minimum`` characters or more, not a quantity).

    Memoised per word in a bounded dict: the check costs a regex per word, and an article's
    few hundred words are mostly ones seen before. Races only recompute a value.
    """
    memo = _keyword_memo.setdefault(minimum, {})
    known = list(map(memo.get, vocabulary))
    if None not in known:  # the usual case once warm: no Python step per word
        return np.array(known, dtype=bool)
    for index, value in enumerate(known):
        if value is None:
            word = vocabulary[index]
            known[index] = value = len(word) >= minimum and not is_quantity(word)
            if len(memo) < _KEYWORD_MEMO_LIMIT:
                memo[word] = value
    return np.array(known, dtype=bool)


def select(
    sentences: Sequence[RankedSentence], *, k: int, max_chars: int | None = None
) -> list[RankedSentence]:
    """The best ``k`` sentences that fit ``max_chars`` together, returned in document order.

    Questions (``…？``) are taken only when the statements run out: in news a question is a
    hook for what follows (``电梯有哪些常见故障？``), and a digest line should state the point.
    """
    chosen: list[RankedSentence] = []
    seen: set[str] = set()
    used = 0
    ranked = sorted(sentences, key=lambda s: (-s.score, s.position))
    asks = [is_question(s.text) for s in ranked]
    statements = [s for s, ask in zip(ranked, asks, strict=True) if not ask]
    questions = [s for s, ask in zip(ranked, asks, strict=True) if ask]
    for sentence in statements + questions:
        if len(chosen) >= k:
            break
        if sentence.text in seen:
            continue
        if max_chars is not None and used + len(sentence.text) > max_chars:
            continue
        chosen.append(sentence)
        seen.add(sentence.text)
        used += len(sentence.text)
    return sorted(chosen, key=lambda s: s.position)


def is_question(sentence: str) -> bool:
    """Whether the sentence ends with a question mark (closing quotes and brackets aside)."""
    return sentence.rstrip(_CLOSER_CHARS).endswith(("？", "?"))


def lead_sentences(paragraphs: Sequence[str]) -> list[str]:
    """The candidate sentences in document order: what lead-k baselines take from."""
    return [paragraphs[p][start:end] for p, start, end in _candidates(paragraphs)]


def _paragraph_offsets(paragraphs: Sequence[str]) -> list[int]:
    offsets, position = [], 0
    for paragraph in paragraphs:
        offsets.append(position)
        position += len(paragraph) + 1
    return offsets


def _candidates(
    paragraphs: Sequence[str],
    *,
    limit: int | None = None,
    max_chars: int = MAX_SENTENCE_CHARS,
    continued: bool = False,
) -> list[tuple[int, int, int]]:
    """``(paragraph, start, end)`` of every sentence that may appear in a summary (the first
    ``limit`` of them).

    The parser keeps bylines, datelines, headings, captions and jump markers out of
    paragraphs; this is the second line of defence. Leading jump markers and an opening
    dateline with its reporters (the parser's own :func:`summarizer.byline.split_opening`)
    are cut off the sentence, and so are bracketed notes after its end (``（新华社电）``,
    ``（完）``, ``（记者 X）``), which the splitter merges into the sentence before; what
    remains is still a verbatim substring. Sentences with a dateline further in, markers,
    bare bylines, bracketed notes and headings (no final punctuation, short) are not
    candidates.

    A long unfinished sentence is a candidate (a run-on cut at clause marks, a text without
    final punctuation), except where a jump cut it off: before a forward marker
    (``…各族人民`` + ``(下转第4版)``), and at the very end of a ``continued`` text (the
    parser takes the markers out and sets ``Article.continued_on``).
    """
    found: list[tuple[int, int, int]] = []
    open_end = False  # found[-1] stops mid-sentence and is the last span read
    for number, paragraph in enumerate(paragraphs):
        datelines = may_hold_dateline(paragraph)
        for start, end in sentence_spans(paragraph, max_chars=max_chars):
            if open_end and _OPENS_WITH_FORWARD_JUMP.match(paragraph, start, end):
                found.pop()  # the jump cut it off
            open_end = False
            start, end = _trim(paragraph, start, end, datelines=datelines)
            text = paragraph[start:end]
            if (
                len(text) > max_chars
                or _is_noise(text)
                or (datelines and contains_dateline(text))
                or _ends_at_forward_jump(text)
            ):
                log.debug("not a summary candidate: %r", text)
                continue
            found.append((number, start, end))
            open_end = not _ends_sentence(text)
            if limit is not None and len(found) >= limit:
                return found
    if continued and open_end:
        found.pop()
    return found


def _ends_at_forward_jump(text: str) -> bool:
    """``…各族人民(下转第4版)``: a forward marker still ends the span, so the sentence before
    it is unfinished (:func:`_trim` takes one off a finished sentence)."""
    return text[-1:] in "）)〕】版页" and bool(
        _ENDS_AT_FORWARD_JUMP.search(text[-_FORWARD_TAIL_CHARS:])
    )


def _trim(paragraph: str, start: int, end: int, *, datelines: bool = True) -> tuple[int, int]:
    """Cut leading jump markers and opening dateline, and trailing bracketed notes, off a span.

    ``datelines=False`` says the paragraph cannot hold one (:func:`may_hold_dateline`).
    """
    jumps = _LEADING_JUMPS.match(paragraph, start, end)
    start = jumps.end() if jumps else start
    opening = split_opening(paragraph[start:end]) if datelines else None
    if opening is not None:
        start = end - len(opening[1])  # the rest is a stripped suffix of a stripped span
    if paragraph[end - 1 : end] in ("）", ")"):
        notes = trailing_notes(paragraph, start, end)
        if notes is not None and _ends_sentence(paragraph[start:notes]):
            end = notes
    return start, end


def trailing_notes(text: str, start: int, end: int) -> int | None:
    """Where the bracketed notes that end ``text[start:end]`` begin, the space before them
    included: what ``_TRAILING_NOTES.search(text, start, end)`` finds, read from the end.
    (The search tried every start position, each running over the notes to the end: a span
    of 25,000 ``()`` took 6 s, 50,000 took 29 s.)"""
    position, found = end, None
    while position > start and text[position - 1].isspace():
        position -= 1
    while position > start and text[position - 1] in "）)":
        closing = position - 1
        opening = max(text.rfind("（", start, closing), text.rfind("(", start, closing))
        if opening < 0 or any(c in "（）()" for c in text[opening + 1 : closing]):
            break
        position = opening
        while position > start and text[position - 1].isspace():
            position -= 1
        found = position
    return found


def _is_noise(text: str) -> bool:
    if not has_content(text, MIN_SENTENCE_CHARS) or _JUMP_MARKER.match(text):
        return True
    if _TRAILING_NOTES.fullmatch(text):  # a bracketed note on its own
        return True
    if _ends_sentence(text):
        return False
    letters = content_length(text)
    return letters < HEADING_MAX_CHARS or bool(_BYLINE.search(text) and letters < 40)


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip(_CLOSER_CHARS)
    return bool(stripped) and stripped[-1] in TERMINATORS


@cache
def default_summarizer() -> Summarizer:
    """The summarizer with default tokenizer and config (one per process)."""
    return Summarizer()


def summarize(article: Article, *, k: int = 3, max_chars: int | None = None) -> Summary:
    """Key sentences (document order, verbatim) and keywords of ``article``."""
    return default_summarizer().summarize(article, k=k, max_chars=max_chars)


def summarize_text(
    paragraphs: Sequence[str],
    *,
    k: int = 3,
    max_chars: int | None = None,
    continued: bool = False,
) -> Summary:
    """Like :func:`summarize` for bare paragraphs (``continued``: see
    :meth:`Summarizer.summarize_text`)."""
    return default_summarizer().summarize_text(
        paragraphs, k=k, max_chars=max_chars, continued=continued
    )

"""textrank4zh 0.3, made to run on networkx 3 without scipy: the oracle and the baseline.

textrank4zh is the reference implementation of Chinese TextRank, and its last release predates
networkx 3. Two calls break, both in ``textrank4zh.util``:

* ``nx.from_numpy_matrix`` was removed in networkx 3.0; ``from_numpy_array`` is the same
  function under its new name.
* ``nx.pagerank`` is the scipy implementation since networkx 3.0 and raises
  ``ModuleNotFoundError`` without scipy. networkx keeps the pure-Python power iteration
  (``_pagerank_python``; same iteration, tolerance and dangling-node rule), used when scipy
  is missing.

Rather than patching networkx for the whole process, :func:`load` gives ``textrank4zh.util``
its own ``nx`` namespace with the two replacements; nothing else sees the change. The shim is
for the benchmarks and the oracle tests only: the product never imports textrank4zh.
"""

from __future__ import annotations

import importlib.util
import threading
import types
from pathlib import Path
from typing import Any

import networkx as nx

_lock = threading.Lock()
_module: types.ModuleType | None = None


def _pagerank_function() -> Any:
    if importlib.util.find_spec("scipy") is not None:
        return nx.pagerank
    from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python

    return _pagerank_python


def load() -> types.ModuleType:
    """Import textrank4zh with the compatibility shim installed (idempotent, thread-safe)."""
    global _module
    with _lock:
        if _module is None:
            import textrank4zh
            import textrank4zh.util as util

            util.nx = types.SimpleNamespace(
                from_numpy_matrix=nx.from_numpy_array, pagerank=_pagerank_function()
            )
            _module = textrank4zh
    return _module


def stopwords_file() -> Path:
    """textrank4zh's own stopword list (for comparable tokenisation in the oracle tests)."""
    load()
    from textrank4zh.Segmentation import get_default_stop_words_file

    return Path(get_default_stop_words_file())


def key_sentences(text: str, num: int = 3, *, delimiters: list[str] | None = None) -> list[str]:
    """textrank4zh's top ``num`` sentences of ``text`` (its defaults: no_stop_words, min len 6).

    ``delimiters`` overrides its sentence delimiters (``["\\n"]`` makes it rank exactly the
    lines it is given).
    """
    module = load()
    kwargs = {} if delimiters is None else {"delimiters": delimiters}
    ranker = module.TextRank4Sentence(**kwargs)
    ranker.analyze(text=text)
    return [item.sentence for item in ranker.get_key_sentences(num=num)]


def sentence_scores(text: str, *, delimiters: list[str] | None = None) -> list[tuple[str, float]]:
    """textrank4zh's sentences of ``text`` in document order with their PageRank scores."""
    module = load()
    kwargs = {} if delimiters is None else {"delimiters": delimiters}
    ranker = module.TextRank4Sentence(**kwargs)
    ranker.analyze(text=text)
    by_index = {item.index: item.weight for item in ranker.key_sentences}
    return [(sentence, by_index[i]) for i, sentence in enumerate(ranker.sentences)]


def keywords(text: str, num: int = 6) -> list[str]:
    """textrank4zh's top ``num`` keywords of ``text`` (its defaults: window 2, POS filter)."""
    module = load()
    ranker = module.TextRank4Keyword()
    ranker.analyze(text=text, window=2)
    return [item.word for item in ranker.get_keywords(num=num, word_min_len=2)]


def summarize(text: str, num: int = 3, keyword_count: int = 6) -> tuple[list[str], list[str]]:
    """What textrank4zh needs to produce what :func:`summarizer.summary.summarize` does."""
    return key_sentences(text, num), keywords(text, keyword_count)

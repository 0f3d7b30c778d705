"""Word segmentation behind one small interface, one module per backend (as sumy keeps its
tokenizers): the rest of the summarizer only ever calls :meth:`Segmenter.cut`.

Backends, by name:

* ``"jieba"`` (:mod:`summarizer.segment.jieba_backend`): the reference, pure Python.
* ``"rjieba"`` (:mod:`summarizer.segment.rjieba_backend`): jieba-rs through ``rjieba``, the
  same algorithm and dictionary in Rust, about 20x faster; token-identical on 70 of our 71
  real articles (``tests/summarizer/test_segment_agreement.py`` holds it to that).
* ``"auto"`` (the default): rjieba when it imports, else jieba, said once in the log.

Both honour a user dictionary in jieba's format (:mod:`summarizer.segment.userdict`). The
stopword filter is not the segmenter's business: :class:`summarizer.tokens.Tokenizer` applies
it to whatever tokens a backend returns.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

log = logging.getLogger(__name__)

BackendName = Literal["auto", "jieba", "rjieba"]
BACKENDS: tuple[BackendName, ...] = ("auto", "jieba", "rjieba")


@runtime_checkable
class Segmenter(Protocol):
    """Cuts text into words; the tokens concatenate back to the text exactly."""

    @property
    def name(self) -> str:
        """The backend's name, for logs and benchmark tables."""
        ...

    def cut(self, text: str, *, hmm: bool = True) -> list[str]:
        """The tokens of ``text`` in order; ``hmm`` finds words missing from the dictionary."""
        ...

    def search_tokens(self, text: str) -> list[tuple[str, int, int]]:
        """Search-mode tokens with their character spans: every word of :meth:`cut` plus the
        dictionary words inside the long ones (全国总工会 also yields 工会 at 3–5), so a
        lookup can tell a word inside a compound from characters across two words."""
        ...


class BackendUnavailable(RuntimeError):
    """The named backend cannot be used here (its package is missing or does not load)."""


_lock = threading.Lock()
_cache: dict[tuple[str, Path | None], Segmenter] = {}
_fallback_logged = False


def make_segmenter(name: BackendName = "auto", *, user_dict: Path | None = None) -> Segmenter:
    """A segmenter by backend name (one instance per name and dictionary per process).

    ``"auto"`` takes rjieba and falls back to jieba when rjieba cannot be imported or built,
    logging that once per process. Asking for ``"rjieba"`` explicitly raises
    :class:`BackendUnavailable` instead of falling back.
    """
    if name not in BACKENDS:
        raise ValueError(f"unknown segmentation backend {name!r}; expected one of {BACKENDS}")
    key = (name, user_dict)
    found = _cache.get(key)  # lock-free on the hot path: entries are never replaced
    if found is not None:
        return found
    with _lock:
        if key not in _cache:
            _cache[key] = _build(name, user_dict)
        return _cache[key]


def _build(name: BackendName, user_dict: Path | None) -> Segmenter:
    global _fallback_logged
    if name == "jieba":
        from summarizer.segment.jieba_backend import JiebaSegmenter

        return JiebaSegmenter(user_dict=user_dict)
    try:
        from summarizer.segment.rjieba_backend import RjiebaSegmenter

        return RjiebaSegmenter(user_dict=user_dict)
    except BackendUnavailable as error:
        if name == "rjieba":
            raise
        if not _fallback_logged:
            log.warning("rjieba unavailable (%s); segmenting with jieba (slower)", error)
            _fallback_logged = True
        from summarizer.segment.jieba_backend import JiebaSegmenter

        return JiebaSegmenter(user_dict=user_dict)

"""The reference backend: jieba itself (pure Python, about 150,000 characters a second).

Without a user dictionary this is jieba's process-wide default instance, the one
:mod:`summarizer.rejoin` also uses, so the 20 MB dictionary is loaded once. With one, a
dedicated ``jieba.Tokenizer`` gets the words, so that other users of jieba in the process
are not changed behind their backs.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import jieba

from summarizer.segment.userdict import read_user_dict

log = logging.getLogger(__name__)

_init_lock = threading.Lock()


class JiebaSegmenter:
    """jieba's ``lcut``; the dictionary is loaded when the segmenter is built."""

    name = "jieba"

    def __init__(self, *, user_dict: Path | None = None) -> None:
        # jieba logs its start-up at DEBUG through a stderr handler of its own; a library
        # must not print, so quiet it (its warnings still show).
        jieba.setLogLevel(logging.WARNING)
        self._jieba: Any = jieba.dt if user_dict is None else jieba.Tokenizer()
        with _init_lock:  # jieba's own initialize is not safe against concurrent first calls
            log.debug("loading the jieba dictionary")
            self._jieba.initialize()
            for entry in read_user_dict(user_dict) if user_dict is not None else ():
                self._jieba.add_word(entry.word, entry.freq, entry.tag)

    def cut(self, text: str, *, hmm: bool = True) -> list[str]:
        """jieba's tokens of ``text``."""
        tokens: list[str] = self._jieba.lcut(text, HMM=hmm)
        return tokens

    def search_tokens(self, text: str) -> list[tuple[str, int, int]]:
        """jieba's ``tokenize`` in search mode: (word, start, end) in characters."""
        return list(self._jieba.tokenize(text, mode="search", HMM=True))

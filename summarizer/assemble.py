"""One article's chunks → an :class:`Article`: byline, captions, markers and rejoined prose.

The chunks arrive in reading order, each with the number of blank lines before it. One pass
decides what each chunk is, in this order:

1. jump markers are taken out (``(下转第4版)``); a chunk that was only a marker is done;
2. a photo credit (``新华社记者 X 摄``, ``图为…``) is a caption;
3. before the first paragraph, a byline paragraph or a leading dateline goes to ``byline``
   (a caption may come first: it does not start the body);
4. a chunk standing apart (:data:`CAPTION_GAP` blank lines or more) that is not a
   subheading and not too long is a caption, even in the middle of a broken sentence;
5. anything else is prose: it continues the previous paragraph when that one stopped
   mid-sentence, else starts a paragraph (a short unfinished one is a 小标题, see
   :mod:`summarizer.rejoin`).

Finally, an article without an opening byline takes a closing bracketed dateline
(``（新华社北京7月7日电）``) as its byline.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from summarizer.byline import is_lone_byline, split_closing, split_opening
from summarizer.captions import CAPTION_GAP, CAPTION_MAX_CHARS, is_photo_credit
from summarizer.edition import Article
from summarizer.markers import take_jumps
from summarizer.rejoin import (
    ends_sentence,
    is_subheading_second_line,
    is_subheading_shape,
    join_chunks,
    normalize_ws,
)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of text between blank lines, whitespace-normalised, and the blank lines before it."""

    text: str
    gap: int


class _State(enum.Enum):
    """How the last paragraph ended, which decides what the next chunk can be."""

    START = "start"  # no paragraph yet
    ENDED = "ended"  # a finished sentence
    SUBHEADING = "subheading"  # a 小标题 of its own
    SUBHEADING_2 = "subheading-2"  # the second line of a two-line 小标题
    OPEN = "open"  # stopped mid-sentence: the next prose chunk continues it


_CLOSED = frozenset({_State.START, _State.ENDED, _State.SUBHEADING, _State.SUBHEADING_2})


class _Builder:
    """Feeds chunks into one article; see the module docstring for the rules."""

    def __init__(self, article: Article) -> None:
        self.article = article
        self.state = _State.START
        self.dateline_seen = False

    def feed(self, chunk: Chunk) -> None:
        text = self._take_markers(chunk.text)
        if not text:
            return
        if is_photo_credit(text):
            self.article.captions.append(text)
            return
        if self.state is _State.START:
            text, opened = self._take_opening_byline(text)
            if not text:
                return
            if opened:  # the rest of a dateline chunk is the first paragraph
                self._add_prose(text)
                return
        if chunk.gap >= CAPTION_GAP and self._stands_apart_as_caption(text):
            self.article.captions.append(text)
            return
        self._add_prose(text)

    def finish(self) -> Article:
        if self.article.byline is None and self.article.paragraphs:
            closing = split_closing(self.article.paragraphs[-1])
            if closing is not None:
                rest, self.article.byline = closing
                if rest:
                    self.article.paragraphs[-1] = rest
                else:
                    self.article.paragraphs.pop()
        return self.article

    def _take_markers(self, text: str) -> str:
        rest, jumps = take_jumps(text)
        for jump in jumps:
            self.article.markers.append(jump.raw)
            if jump.forward and self.article.continued_on is None:
                self.article.continued_on = jump.page
            elif not jump.forward and self.article.continued_from is None:
                self.article.continued_from = jump.page
        return normalize_ws(rest) if jumps else rest

    def _take_opening_byline(self, text: str) -> tuple[str, bool]:
        """Move a lone byline or a leading dateline to ``byline``; return the rest."""
        if is_lone_byline(text):
            self._add_byline(text)
            return "", False
        if self.dateline_seen:
            return text, False
        split = split_opening(text)
        if split is None:
            return text, False
        byline, rest = split
        self._add_byline(byline)
        self.dateline_seen = True
        return rest, True

    def _add_byline(self, text: str) -> None:
        current = self.article.byline
        self.article.byline = f"{current} {text}" if current else text

    def _stands_apart_as_caption(self, text: str) -> bool:
        if len(text) > CAPTION_MAX_CHARS:
            return False
        return not (self.state in _CLOSED and is_subheading_shape(text))

    def _add_prose(self, text: str) -> None:
        paragraphs = self.article.paragraphs
        if self.state is _State.OPEN:
            paragraphs[-1] = join_chunks(paragraphs[-1], text)
            self.state = _State.ENDED if ends_sentence(paragraphs[-1]) else _State.OPEN
            return
        previous, self.state = self.state, self._kind_of_new_paragraph(text)
        if (
            previous is _State.SUBHEADING
            and self.state is _State.OPEN
            and is_subheading_second_line(text)
        ):
            self.state = _State.SUBHEADING_2
        paragraphs.append(text)

    @staticmethod
    def _kind_of_new_paragraph(text: str) -> _State:
        if ends_sentence(text):
            return _State.ENDED
        if is_subheading_shape(text):
            return _State.SUBHEADING
        return _State.OPEN


def build_article(title: str, chunks: Iterable[Chunk], *, page: str | None = None) -> Article:
    """Assemble one article from its title and body chunks (see the module docstring)."""
    builder = _Builder(Article(title=title, page=page))
    for chunk in chunks:
        builder.feed(chunk)
    return builder.finish()

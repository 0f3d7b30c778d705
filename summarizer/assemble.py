"""One article's chunks → an :class:`Article`: byline, captions, markers and rejoined prose.

The chunks arrive in reading order, each with the number of blank lines before it. One pass
(with a look ahead for rule 5) decides what each chunk is, in this order:

1. jump markers are taken out (``(下转第4版)``); a chunk that was only a marker is done.
   A forward jump ends the article's prose: the sentence it cut goes on on another page
   (:func:`merge_pages` joins it there), so the chunks after the jump's own chunk (a
   footer ``本版责任编辑：…``, a caption, a short item) are captions, never its rest;
2. a chunk opening with a dateline (``新华社北京7月8日电 …``) always starts a paragraph.
   The dateline becomes the byline when there is none yet and no sentence has ended
   before it: the unfinished lines before it are heading lines (副题, 提要) and go to
   ``subtitle``, one line each (space-separated) even if they had been rejoined as one
   broken sentence, so no summary quotes them (not in a continuation, whose first text
   ends a sentence from another page). A dateline standing alone is followed by the lead:
   the next prose chunk is never a 小标题;
3. a photo credit (``新华社记者 X 摄``, ``图为…``) is a caption, but not in the middle of
   an open sentence unless it also stands apart (``试`` + ``图为…`` is prose) or follows a
   caption lifted out of that sentence (a credit line under its caption);
4. before the first paragraph, a lone byline paragraph goes to ``byline``
   (a caption may come first: it does not start the body), unless the next chunk
   follows closely and mends a word cut at the seam: then it began a sentence;
5. a chunk standing apart (:data:`CAPTION_GAP` blank lines or more) that is not a
   subheading and not too long is a caption, even in the middle of a broken sentence (but
   not as the first text of a continuation, which ends a sentence from another page); so
   is the next one standing apart (two photos, one under the other) unless it is the rest
   of that sentence: nothing follows it closely (fewer blank lines, no credit), or it
   mends a word cut at the seam (``加`` + ``快…``) and the chunk that follows closely does
   not;
6. anything else is prose: it continues the previous paragraph when that one stopped
   mid-sentence, else starts a paragraph. A short unfinished paragraph is a 小标题 only
   provisionally: when the next chunk continues a cut word or number
   (:func:`summarizer.rejoin.seam_is_broken`) the two are rejoined. The first chunk of a
   continuation (``（上接第1版）…``, or text before a page's first heading) is the rest of
   a sentence from another page, so it is never a 小标题. Paragraphs before a ``（上接…）``
   marker (a page header above the continuation) become captions: the continuation
   starts at the marker.

Finally, an article with no paragraph at all gets back its captions that are not photo
credits as prose (a 简讯 after a wide gap is not a caption), and an article without a
byline takes a closing bracketed dateline (``（新华社北京7月7日电）``) as its byline: at the
end, or standing alone as a paragraph anywhere.

Known limit: a caption that sits mid-sentence after fewer than :data:`CAPTION_GAP` blank
lines and carries no photo credit cannot be told from the rest of the sentence; it is
rejoined as prose.
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
    SUBHEADING_MAX_CHARS,
    ends_sentence,
    is_subheading_second_line,
    is_subheading_shape,
    join_chunks,
    normalize_ws,
    seam_is_broken,
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
    SUBHEADING = "subheading"  # a 小标题 of its own (unless the next chunk continues it)
    SUBHEADING_2 = "subheading-2"  # the second line of a two-line 小标题
    OPEN = "open"  # stopped mid-sentence: the next prose chunk continues it


_CLOSED = frozenset({_State.START, _State.ENDED, _State.SUBHEADING, _State.SUBHEADING_2})
_PROVISIONAL = frozenset({_State.SUBHEADING, _State.SUBHEADING_2})


class _Builder:
    """Feeds chunks into one article; see the module docstring for the rules."""

    def __init__(self, article: Article, *, continuation: bool = False) -> None:
        self.article = article
        self.state = _State.START
        self.continuation = continuation  # the first prose chunk ends another page's sentence
        self.pieces: list[str] = []  # the chunks the last paragraph was joined from
        self.heading_candidate = False  # the last paragraph may be a 小标题 cut in two lines
        self.sentence_ended = False  # some paragraph has ended a sentence
        self.lifted_while_open = False  # a caption was lifted out of the open sentence
        self.chunks: list[Chunk] = []  # the article's chunks, for a look at what follows
        self.index = 0  # the chunk being fed
        self.continued_text = False  # the first paragraph ends a sentence from another page
        self.lead_follows = False  # a dateline stood alone: the next prose opens the lead
        self.jumped_on = False  # a forward jump marker has been taken out
        self.closed = False  # the prose ended at a forward jump: what follows is set apart
        self._next_close: list[int | None] | None = None  # see _rest_of_sentence

    def build(self, chunks: list[Chunk]) -> Article:
        """Feed every chunk in order, then finish the article."""
        self.chunks = chunks
        for index, chunk in enumerate(chunks):
            self.index = index
            self.feed(chunk)
        return self.finish()

    def feed(self, chunk: Chunk) -> None:
        text = self._take_markers(chunk.text)
        if self.closed:
            if text:  # after the jump: not the rest of the sentence it cut
                self.article.captions.append(text)
        elif text:
            self._feed_text(text, chunk.gap)
        # The prose ends at a forward jump (the rest of its own chunk came before it).
        self.closed = self.jumped_on and bool(self.article.paragraphs)

    def _feed_text(self, text: str, gap: int) -> None:
        opening = split_opening(text)
        if opening is not None:
            self._start_at_dateline(text, *opening)
            return
        if self._is_credit_caption(text, gap):
            self._add_caption(text)
            return
        if self.state is _State.START and is_lone_byline(text) and not self._mended_by_next(text):
            self._add_byline(text)
            return
        if self._is_gap_caption(text, gap):
            self._add_caption(text)
            return
        self._add_prose(text)

    def finish(self) -> Article:
        article = self.article
        if not article.paragraphs and article.captions:
            prose = [c for c in article.captions if not is_photo_credit(c)]
            article.captions = [c for c in article.captions if is_photo_credit(c)]
            for text in prose:
                self._add_prose(text)
        if article.byline is None:
            self._take_closing_byline()
        return article

    def _take_closing_byline(self) -> None:
        """A closing dateline at the very end, or standing alone as a paragraph, is the byline."""
        paragraphs = self.article.paragraphs
        for index in [len(paragraphs) - 1, *range(len(paragraphs) - 1)]:
            closing = split_closing(paragraphs[index]) if index >= 0 else None
            if closing is None or (closing[0] and index != len(paragraphs) - 1):
                continue
            rest, self.article.byline = closing
            if rest:
                paragraphs[index] = rest
            else:
                del paragraphs[index]
            return

    def _take_markers(self, text: str) -> str:
        rest, jumps = take_jumps(text)
        for jump in jumps:
            self.article.markers.append(jump.raw)
            self.jumped_on = self.jumped_on or jump.forward
            if jump.forward and self.article.continued_on is None:
                self.article.continued_on = jump.page
                self.article.continued_on_section = jump.section
            elif not jump.forward and self.article.continued_from is None:
                self.article.continued_from = jump.page
                self.article.continued_from_section = jump.section
                if not self.closed:
                    self._start_continuation()
        return normalize_ws(rest) if jumps else rest

    def _start_continuation(self) -> None:
        """After ``（上接…）`` the text is the rest of a sentence from another page. Paragraphs
        before the marker (a page header, a footer above it) are no part of that sentence:
        they become captions, so that merge_pages joins the rest to its head, not to them."""
        self.article.captions.extend(self.article.paragraphs)
        self.article.paragraphs.clear()
        self.state = _State.START
        self.pieces = []
        self.heading_candidate = False
        self.sentence_ended = False
        self.lifted_while_open = False
        self.continuation = True
        self.continued_text = False

    def _start_at_dateline(self, text: str, byline: str, rest: str) -> None:
        """A dateline chunk starts a paragraph; its dateline is the byline if it can be."""
        takes_byline = not self.article.paragraphs or (
            self.article.byline is None and not self.sentence_ended
        )
        if not takes_byline:
            self._new_paragraph(text)
            return
        self._close_heading_lines()
        self._add_byline(byline)
        if rest:
            self._new_paragraph(rest)
        else:
            self.lead_follows = True

    def _close_heading_lines(self) -> None:
        """The unfinished paragraphs before an opening dateline are heading lines (副题,
        提要): they go to ``subtitle``, one line each, even if they had been rejoined as
        one broken sentence. Not in a continuation, whose first text ends a sentence from
        another page: that stays prose. Either way the dateline starts a new paragraph."""
        paragraphs = self.article.paragraphs
        if paragraphs and not self.continued_text:
            split = self.state is _State.OPEN and len(self.pieces) > 1
            lines = [*paragraphs[:-1], *(self.pieces if split else paragraphs[-1:])]
            subtitle = [self.article.subtitle] if self.article.subtitle else []
            self.article.subtitle = " ".join([*subtitle, *lines])
            paragraphs.clear()
        self.state = _State.START
        self.pieces = []
        self.heading_candidate = False
        self.lifted_while_open = False

    def _add_byline(self, text: str) -> None:
        current = self.article.byline
        self.article.byline = f"{current} {text}" if current else text

    def _add_caption(self, text: str) -> None:
        if self.state is _State.OPEN:
            self.lifted_while_open = True
        self.article.captions.append(text)

    def _after_lifted_caption(self) -> bool:
        """A caption has been lifted out of the open sentence since its last prose chunk."""
        return self.state is _State.OPEN and self.lifted_while_open

    def _is_credit_caption(self, text: str, gap: int) -> bool:
        """A credit is a caption where it cannot be prose cut by a column break."""
        if not is_photo_credit(text):
            return False
        return gap >= CAPTION_GAP or self._after_lifted_caption() or not self._continues(text)

    def _continues(self, text: str) -> bool:
        """True when ``text`` goes on with the last paragraph (open, or a cut 小标题)."""
        if self.state is _State.OPEN:
            return True
        paragraphs = self.article.paragraphs
        return self.state in _PROVISIONAL and seam_is_broken(paragraphs[-1], text)

    def _mended_by_next(self, text: str) -> bool:
        """Whether the chunk after this one follows closely and mends a word cut at the seam
        (``记者从应急`` + ``管理部获悉…``): ``text`` is then the start of a sentence."""
        following = self.index + 1
        if following >= len(self.chunks) or self.chunks[following].gap >= CAPTION_GAP:
            return False
        return seam_is_broken(text, self.chunks[following].text)

    def _is_gap_caption(self, text: str, gap: int) -> bool:
        if gap < CAPTION_GAP or self.continuation or not self._stands_apart_as_caption(text):
            return False  # a continuation's first text ends a sentence, whatever its gap
        return not (self._after_lifted_caption() and self._rest_of_sentence(text))

    def _rest_of_sentence(self, text: str) -> bool:
        """Whether ``text``, standing apart after a caption lifted out of the open sentence,
        is the rest of that sentence rather than a second caption.

        The rest usually follows closely (one blank line); the chunks standing apart before it
        are captions. With nothing close after ``text`` it is the rest; with something close,
        only when ``text`` mends a word cut at the seam and the close chunk does not.
        """
        close = self._close_after(self.index)
        if close is None:
            return True
        open_paragraph = self.article.paragraphs[-1]
        return seam_is_broken(open_paragraph, text) and not seam_is_broken(
            open_paragraph, self.chunks[close].text
        )

    def _close_after(self, index: int) -> int | None:
        """The first chunk after ``index`` that follows closely and is no photo credit.

        Worked out for all chunks in one backward pass, the first time it is asked (rarely),
        so an article of many chunks standing apart costs linear time.
        """
        if self._next_close is None:
            following: int | None = None
            self._next_close = [None] * len(self.chunks)
            for position in range(len(self.chunks) - 1, -1, -1):
                self._next_close[position] = following
                chunk = self.chunks[position]
                if chunk.gap < CAPTION_GAP and not is_photo_credit(chunk.text):
                    following = position
        return self._next_close[index]

    def _stands_apart_as_caption(self, text: str) -> bool:
        if len(text) > CAPTION_MAX_CHARS:
            return False
        return not (self.state in _CLOSED and is_subheading_shape(text))

    def _add_prose(self, text: str) -> None:
        paragraphs = self.article.paragraphs
        self.lifted_while_open = False
        if self._continues(text):
            paragraphs[-1] = join_chunks(paragraphs[-1], text)
            self.pieces.append(text)
            if ends_sentence(paragraphs[-1]):
                self.state = _State.ENDED
                self.sentence_ended = True
            elif (
                self.heading_candidate
                and len(self.pieces) == 2
                and is_subheading_shape(paragraphs[-1])
            ):
                self.state = _State.SUBHEADING  # “…”的 / 深刻启示: one heading in two lines
            else:
                self.state = _State.OPEN
            self.heading_candidate = False
            return
        self._new_paragraph(text)

    def _new_paragraph(self, text: str) -> None:
        previous = self.state
        if ends_sentence(text):
            self.state = _State.ENDED
            self.sentence_ended = True
        elif (self.continuation or self.lead_follows) and previous is _State.START:
            self.state = _State.OPEN
        elif is_subheading_shape(text):
            self.state = _State.SUBHEADING
        elif previous is _State.SUBHEADING and is_subheading_second_line(text):
            self.state = _State.SUBHEADING_2
        else:
            self.state = _State.OPEN
        self.heading_candidate = (
            self.state is _State.OPEN
            and previous in _CLOSED
            and not (self.continuation or self.lead_follows)
            and _may_start_a_heading(text)
        )
        if self.continuation and not self.article.paragraphs:
            self.continued_text = True
        self.continuation = False
        self.lead_follows = False
        self.article.paragraphs.append(text)
        self.pieces = [text]
        self.lifted_while_open = False


def _may_start_a_heading(text: str) -> bool:
    """A short unfinished line without clause punctuation (``“二十三年红旗不倒”的``)."""
    return len(text) < SUBHEADING_MAX_CHARS and not any(char in "，、；,;" for char in text)


def build_article(
    title: str,
    chunks: Iterable[Chunk],
    *,
    page: str | None = None,
    continuation: bool = False,
) -> Article:
    """Assemble one article from its title and body chunks (see the module docstring).

    ``continuation`` says the chunks are the rest of an article from another page (text
    before a page's first heading): the first chunk then ends a sentence begun there.
    """
    builder = _Builder(Article(title=title, page=page), continuation=continuation)
    return builder.build(list(chunks))

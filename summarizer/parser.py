"""Text dumps of printed pages → :class:`Edition`; one article's text → :class:`Article`.

The dump format (``docs/epaper.md``): ``#``, ``##`` or ``###`` lines start articles and hold
the whole heading (引题, 标题 and 副题 separated by spaces, kept as the title); blank lines
cut the body into chunks where the PDF's columns broke; captions stand apart after three or
more blank lines; ``(下转第4版)`` marks a jump. :mod:`summarizer.assemble` turns one
article's chunks into clean paragraphs.

Decisions worth knowing:

* Every non-blank character of the input, except the ``#`` marks of headings, ends up in
  exactly one of an article's title, byline, paragraphs, captions or markers.
* Text before the first heading (typically the rest of an article jumped from another page,
  ``（上接第1版）…``) becomes an article with an empty title, so :func:`merge_pages` can
  stitch it (it leaves out such a continuation whose head is not among the pages);
  consumers that show titles may skip untitled articles.
* Text without any heading is refused: ``EditionError(source, "no article headings (# …)
  found")``; so is blank text. A page that is only the rest of a jumped article (an
  ``上接`` marker, then prose) is not: it has no heading of its own. A truncated file
  parses as far as it goes.
* Work is bounded (:mod:`summarizer.limits`): a file larger than ``file_bytes`` is refused
  before it is read, and the scan stops with a :class:`~summarizer.limits.LimitError` at the
  first heading beyond ``articles_per_page`` or the first line that takes an article beyond
  ``article_chars`` (characters counted as they stand in the file), before any article is
  built.
* File names (:func:`read_page`): the date is ``YYYY-MM-DD``/``YYYYMMDD`` (``-_.``
  separators) in the stem, else in the folder (``2024-07-01/04.txt``); the page ends the
  stem after a separator: ``p04``/``_04``/``-04`` → ``"4"`` (leading zeros dropped),
  ``A04`` → ``"A04"`` (a section page keeps its letter, upper-cased). Arguments win over
  the name; see :mod:`summarizer.filenames`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from summarizer.assemble import Chunk, build_article
from summarizer.decode import decode_bytes
from summarizer.edition import Article, Edition, normalize_page
from summarizer.errors import BlankPageError, EditionError
from summarizer.filenames import date_from_path, page_from_path
from summarizer.limits import DEFAULT_LIMITS, LimitError, Limits
from summarizer.markers import take_jumps
from summarizer.rejoin import normalize_ws

log = logging.getLogger(__name__)

# A heading is 1-3 #s and its title; #s straight before a digit or a Latin letter are text:
# "#1机组和#2机组" (generating units), cut to the start of a line by a column break.
_HEADING = re.compile(r"^\s*#{1,3}(?![#0-9A-Za-z])(?P<title>.*)$")


def parse_page(
    text: str,
    *,
    source: str = "<text>",
    paper: str | None = None,
    date: dt.date | None = None,
    page: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Edition:
    """Parse one page's text dump into an :class:`Edition` of its articles.

    Raises :class:`EditionError` naming ``source`` when the text is blank or has no heading,
    and its :class:`~summarizer.limits.LimitError` when the page is beyond ``limits``.
    """
    page = normalize_page(page)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise BlankPageError(source, "no text (the file is blank)", page=page)
    articles: list[Article] = []
    saw_heading = False
    sections = list(_sections(text.splitlines(), limits, source))  # bounded before any work
    for title, chunks in sections:
        if title is None:
            if chunks:  # blank lines opening the file do not make a caption
                chunks[0] = Chunk(chunks[0].text, 0)
                articles.append(build_article("", chunks, page=page, continuation=True))
            continue
        saw_heading = True
        articles.append(_article(title, chunks, page))
    continuation_only = bool(articles) and articles[0].continued_from is not None
    if not (saw_heading or continuation_only):
        raise EditionError(source, "no article headings (# …) found")
    return Edition(paper=paper, date=date, page=page, articles=articles)


def read_page(
    path: Path,
    *,
    paper: str | None = None,
    date: dt.date | None = None,
    page: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Edition:
    """Read, decode and parse one page file; date and page default to what its name says.

    A file larger than ``limits.file_bytes`` is refused by its size, before it is read.
    """
    path = Path(path)
    try:
        data = read_bounded(path, limits.file_bytes)
    except OSError as exc:
        raise EditionError(path, f"cannot read the file ({exc.strerror or exc})") from None
    text = decode_bytes(data, str(path))
    return parse_page(
        text,
        source=str(path),
        paper=paper,
        date=date if date is not None else date_from_path(path),
        page=page if page is not None else page_from_path(path),
        limits=limits,
    )


def read_bounded(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, or :class:`LimitError` when it holds more than ``max_bytes``.

    The size is asked first (a 20 GB file costs one ``stat``), and at most ``max_bytes + 1``
    bytes are read, so a file that grows meanwhile cannot slip through either.
    """
    size = path.stat().st_size
    if size > max_bytes:
        what = f"too large a file ({size:,} bytes)"
        raise LimitError(str(path), what, max_bytes, "file_bytes", "bytes")
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        what = "too large a file (it grew while read)"
        raise LimitError(str(path), what, max_bytes, "file_bytes", "bytes")
    return data


def parse_article_text(text: str, *, title: str = "") -> Article:
    """Parse the body of one article given as text (from a web page, or benchmark data).

    Paragraphs are separated by line breaks or blank lines; the byline, caption, marker and
    rejoin rules are those of a page body. ``#`` lines are not headings here: they are text.
    """
    lines = text.removeprefix("\ufeff").splitlines()
    return build_article(normalize_ws(title), _chunks(lines), page=None)


def _article(heading: str, chunks: list[Chunk], page: str | None) -> Article:
    """Build the article of one heading; a jump marker in the heading is recorded too."""
    title, jumps = take_jumps(heading)
    if not jumps:
        return build_article(normalize_ws(heading), chunks, page=page)
    marker_chunks = [Chunk(jump.raw, 1) for jump in jumps]
    return build_article(normalize_ws(title), [*marker_chunks, *chunks], page=page)


def _sections(
    lines: list[str], limits: Limits, source: str
) -> Iterator[tuple[str | None, list[Chunk]]]:
    """Split lines at headings: (heading text or None before the first, its chunks).

    Stops with :class:`LimitError` at the first heading or line beyond ``limits``.
    """
    title: str | None = None
    body: list[str] = []
    headings = 0
    size = 0  # characters of the current article so far, as they stand in the file
    for line in lines:
        match = _HEADING.match(line)
        if match is None:
            size += len(line)
            body.append(line)
        else:
            headings += 1
            if headings > limits.articles_per_page:
                what = "too many article headings on one page"
                raise LimitError(source, what, limits.articles_per_page, "articles_per_page")
            yield title, list(_chunks(body))
            title, body, size = match["title"], [], len(match["title"])
        if size > limits.article_chars:
            what = "too long an article" + (f" ({title.strip()[:20]}…)" if title else "")
            raise LimitError(source, what, limits.article_chars, "article_chars", "characters")
    yield title, list(_chunks(body))


def _chunks(lines: list[str]) -> Iterator[Chunk]:
    """Non-blank lines as chunks, each with the count of blank lines before it."""
    gap = 0
    for line in lines:
        text = normalize_ws(line)
        if text:
            yield Chunk(text, gap)
            gap = 0
        else:
            gap += 1

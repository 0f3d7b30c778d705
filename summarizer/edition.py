"""The data that crosses module lines: an edition of a paper and its articles.

Everything downstream (summaries, storage, the digest) reads these dataclasses, so they
hold clean text only: no heading marks, no jump markers, no captions inside paragraphs.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

from summarizer.errors import EditionError
from summarizer.rejoin import ends_sentence, join_chunks


@dataclass(slots=True)
class Article:
    """One article as printed: title, byline, body paragraphs and what was set apart.

    ``markers`` keeps the raw jump markers ("(下转第4版)", "（上接第1版）") exactly as they
    stood, so that no character of the input is lost; ``continued_on`` / ``continued_from``
    hold their page numbers, and ``continued_on_section`` / ``continued_from_section`` the
    section letter a marker named (``下转A4版`` → ``"A"``; None when it named none), so that
    :func:`merge_pages` does not join A1's jump to B4.

    ``kicker`` (引题, the line above the title) and ``subtitle`` (副题, below it) are set by
    sources that print them apart (e-paper sites); the text parser keeps them in ``title``,
    except unfinished lines between the heading and an opening dateline (``——记…``), which it
    takes for the subtitle. :attr:`heading` is all three as one line.
    """

    title: str
    byline: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    page: str | None = None
    continued_on: int | None = None
    continued_from: int | None = None
    markers: list[str] = field(default_factory=list)
    kicker: str | None = None
    subtitle: str | None = None
    continued_on_section: str | None = None
    continued_from_section: str | None = None

    @property
    def text(self) -> str:
        """The body as one string, paragraphs separated by newlines."""
        return "\n".join(self.paragraphs)

    @property
    def heading(self) -> str:
        """引题, 标题 and 副题 as one line, as a text dump's heading holds them: where only
        one title is kept (the bot's archive), none of the heading is lost."""
        return " ".join(part for part in (self.kicker, self.title, self.subtitle) if part)


@dataclass(slots=True)
class Edition:
    """One edition (or one page of it) of one paper.

    ``page`` is set when the edition holds a single page; each article carries its own page.
    """

    paper: str | None
    date: dt.date | None
    page: str | None
    articles: list[Article] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Summary:
    """An article's key sentences (document order, verbatim from its paragraphs) and keywords."""

    sentences: tuple[str, ...]
    keywords: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# Pages: one spelling for page names, and joining page files of one date into one edition.

_SECTION_PAGE = re.compile(r"^(?P<section>[A-Za-z]*)\s*(?P<number>\d+)$")


def normalize_page(page: str | None) -> str | None:
    """One spelling per page: ``"04"``/``"p04"`` → ``"4"``; a section page keeps its letter.

    Pure numbers lose leading zeros (the file name ``_04`` and the marker ``第4版`` must
    agree); ``"a04"`` becomes ``"A04"`` and otherwise stays as printed. Digits written
    otherwise are read as theirs (NFKC): full-width ``"０４"``, circled ``"④"`` and
    superscript ``"⁴"`` are ``"4"`` (``"④".isdigit()`` is true, yet ``int("④")`` fails).
    """
    if page is None:
        return None
    text = unicodedata.normalize("NFKC", page).strip()
    if text[:1] in "pP" and text[1:].isdecimal():
        text = text[1:]
    if text.isdecimal():
        return str(int(text))
    return text.upper() or None


def page_number(page: str | None) -> int | None:
    """The number a jump marker would use for ``page``: ``"4"`` → 4, ``"A04"`` → 4."""
    parts = _section_page(page)
    return parts[1] if parts else None


def _section_page(page: str | None) -> tuple[str, int] | None:
    """``"A04"`` → ``("A", 4)``, ``"4"`` → ``("", 4)``; None when not a page number."""
    match = _SECTION_PAGE.match(page or "")
    return (match["section"].upper(), int(match["number"])) if match else None


def page_sort_key(page: str | None) -> tuple[int, str, int, str]:
    """Order pages as printed: sections in letter order, numbers numerically, unknown last."""
    match = _SECTION_PAGE.match(page or "")
    if match is None:
        return (1, "", 0, page or "")
    return (0, match["section"].upper(), int(match["number"]), page or "")


def title_similarity(left: str, right: str) -> float:
    """Share of character bigrams the shorter title has in common with the longer one.

    A continuation's heading is often a shortened title (``徐留平…调研`` for the full
    引题+标题+副题), so overlap with the shorter side, not Jaccard, is what counts.
    """
    return _overlap(_bigrams(left), _bigrams(right))


def _bigrams(title: str) -> frozenset[str]:
    return frozenset(title[i : i + 2] for i in range(len(title) - 1))


def _overlap(left: frozenset[str], right: frozenset[str]) -> float:
    if not left or not right:
        return 0.0
    return len(left & right) / min(len(left), len(right))


def merge_pages(pages: list[Edition]) -> Edition:
    """Join page files of one paper and date into one edition, stitching jumped articles.

    Articles come in page order. An article with ``continued_on=N`` absorbs the article on
    page N whose ``continued_from`` is its own page. Sections count: a marker naming one
    (``下转A4版``, ``上接B1版``) matches only a page of that section (or one without a
    letter), and one naming none prefers the article's own section (A01's ``下转第4版`` is
    A04 before B04). Among the rest the most similar title wins. Paragraphs are appended
    (the seam rejoined when the first half stops mid-sentence), captions and markers added,
    its jump fields describing the first half.
    The continuation's own heading is dropped (it repeats the title), and its byline is
    used only when the first half has none.
    A continuation without a title (the text before a page's first heading, or a page that
    is only that) whose head's page is not among these is left out (an article without a
    title is nothing to show a reader); when that page arrives the date's pages are merged
    again, and it is joined. Other unmatched halves stay as they are, an untitled one whose
    head's page is here but did not take it included (its text is not lost). The inputs are
    not modified.
    """
    if not pages:
        raise EditionError("merge_pages", "no pages to merge")
    papers = {p.paper for p in pages if p.paper is not None}
    dates = {p.date for p in pages if p.date is not None}
    if len(papers) > 1 or len(dates) > 1:
        found = ", ".join(sorted(map(str, papers | dates)))
        raise EditionError("merge_pages", f"pages of different papers or dates: {found}")
    ordered = sorted(pages, key=lambda p: page_sort_key(p.page))
    articles = [_copy(a) for page in ordered for a in page.articles]
    follower = _match_continuations(articles)
    absorbed = set(follower.values())
    present = {page_number(page.page) for page in ordered} | {page_number(a.page) for a in articles}
    merged: list[Article] = []
    for index, article in enumerate(articles):
        if index in absorbed or _waits_for_its_head(article, present):
            continue
        seen = {index}
        while index in follower and follower[index] not in seen:
            index = follower[index]
            seen.add(index)
            _append(article, articles[index])
        merged.append(article)
    single = ordered[0].page if len(ordered) == 1 else None
    return Edition(paper=_first(papers), date=_first(dates), page=single, articles=merged)


def _waits_for_its_head(article: Article, present: set[int | None]) -> bool:
    """An untitled continuation (``（上接第1版）…`` before any heading) whose head's page is
    not among the pages: left out until that page arrives. One whose head's page is here
    but did not take it (no ``下转`` marker there) stays, untitled, rather than be lost."""
    return not article.title and article.continued_from not in (None, *present)


def _first(values: set[Any]) -> Any:
    return next(iter(values), None)


def _copy(article: Article) -> Article:
    return replace(
        article,
        paragraphs=list(article.paragraphs),
        captions=list(article.captions),
        markers=list(article.markers),
    )


def _match_continuations(articles: list[Article]) -> dict[int, int]:
    """Pair each jumping article with its continuation: index → index of the continuation."""
    pages = [_section_page(article.page) for article in articles]
    titles = [_bigrams(article.title) for article in articles]
    # Continuations by (the page they come from, their own page number): a jumping article
    # looks only at those that can be its own, not at every article of the edition (200
    # pages of 100 jumping articles each took minutes).
    tails: dict[tuple[int, int], list[int]] = {}
    for j, (tail, target) in enumerate(zip(articles, pages, strict=True)):
        if tail.continued_from is not None and target is not None:
            tails.setdefault((tail.continued_from, target[1]), []).append(j)
    pairs: list[tuple[int, float, int, int]] = []
    for i, head in enumerate(articles):
        source = pages[i]
        if head.continued_on is None or source is None:
            continue
        for j in tails.get((source[1], head.continued_on), ()):
            tail, target = articles[j], pages[j]
            if j == i or target is None or not _jumps_back(head, source, tail, target):
                continue
            other_section = (head.continued_on_section or source[0]) != target[0]
            pairs.append((int(other_section), -_overlap(titles[i], titles[j]), i, j))
    follower: dict[int, int] = {}
    taken: set[int] = set()
    for _, _, i, j in sorted(pairs):
        if i not in follower and j not in taken and not _leads_to(follower, j, i):
            follower[i] = j
            taken.add(j)
    return follower


def _jumps_back(
    head: Article, source: tuple[str, int], tail: Article, target: tuple[str, int]
) -> bool:
    """Whether ``tail`` (on page ``target``) can be where ``head`` (on ``source``) goes on:
    the page numbers agree both ways, and no section a marker names contradicts a page's."""
    if tail.continued_from != source[1] or target[1] != head.continued_on:
        return False
    return _same_section(head.continued_on_section, target[0]) and _same_section(
        tail.continued_from_section, source[0]
    )


def _same_section(named: str | None, page_section: str) -> bool:
    """A section a marker names agrees with a page of that section or of none."""
    return named is None or not page_section or named == page_section


def _leads_to(follower: dict[int, int], start: int, target: int) -> bool:
    """Whether following continuations from ``start`` reaches ``target``: pairing ``target``
    with ``start`` would close a loop (two articles that each say they go on in the other),
    and an article in a loop is absorbed by another and never printed itself."""
    index = start
    while index in follower:  # the pairs made so far form chains, never loops: this ends
        index = follower[index]
        if index == target:
            return True
    return False


def _append(head: Article, tail: Article) -> None:
    paragraphs = list(tail.paragraphs)
    if head.paragraphs and paragraphs and not ends_sentence(head.paragraphs[-1]):
        head.paragraphs[-1] = join_chunks(head.paragraphs[-1], paragraphs.pop(0))
    head.paragraphs.extend(paragraphs)
    head.captions.extend(tail.captions)
    head.markers.extend(tail.markers)
    if head.byline is None:
        head.byline = tail.byline

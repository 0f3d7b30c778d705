"""The date and page an edition file names: ``zjgrrb-2024-07-01-p04.txt`` → 2024-07-01, "4".

Convention (also in :mod:`summarizer.parser`):

* date: ``YYYY-MM-DD``, ``YYYY_MM_DD``, ``YYYY.MM.DD`` or ``YYYYMMDD`` in the file's stem,
  else in its folder (``2024-07-01/04.txt``), else in folder and parent together
  (``2024-07/01/04.txt``, the e-paper's own layout);
* page: the end of the stem once the date is taken out, after a separator (``-_.`` or the
  start): ``p04``/``page04`` (a page number), ``04`` (``20240701_04``), or a section page
  ``A04``; normalised by :func:`summarizer.edition.normalize_page` (``"4"``, ``"A04"``).

A name without them (``000_66a55eaee7fab4ff.txt``) gives ``None``, never a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from summarizer.edition import normalize_page

_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)([-_.]?)(\d\d)\2(\d\d)(?!\d)")
_PAGE = re.compile(r"(?:^|[-_.\s])(?:[pP](?:age)?)?(?P<page>[A-Za-z]?\d{1,3})$")


def _find_date(text: str) -> tuple[dt.date, re.Match[str]] | None:
    for match in _DATE.finditer(text):
        try:
            return dt.date(int(match[1]), int(match[3]), int(match[4])), match
        except ValueError:
            continue
    return None


def date_from_path(path: Path) -> dt.date | None:
    """The edition date named by ``path``'s stem, folder, or folder and parent together."""
    candidates = [path.stem, path.parent.name, f"{path.parent.parent.name}-{path.parent.name}"]
    for text in candidates:
        found = _find_date(text)
        if found:
            return found[0]
    return None


def impossible_date(path: Path) -> str | None:
    """The date-shaped text in ``path``'s name that is no date (``2024-06-31``), when the
    name gives no real date: a typo to refuse rather than a name without a date to guess for
    (taken for "no date", the file would become the edition of the day it arrived)."""
    if date_from_path(path) is not None:
        return None
    candidates = [path.stem, path.parent.name, f"{path.parent.parent.name}-{path.parent.name}"]
    for text in candidates:
        match = _DATE.search(text)
        if match:
            return match[0]
    return None


def page_from_path(path: Path) -> str | None:
    """The page named at the end of ``path``'s stem (the date taken out first)."""
    stem = path.stem
    found = _find_date(stem)
    if found:
        match = found[1]
        stem = f"{stem[: match.start()]}-{stem[match.end() :]}"
    page = _PAGE.search(stem.strip())
    return normalize_page(page["page"]) if page else None

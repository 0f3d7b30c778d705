"""人民日报 articles with their printed headlines, read from an extracted month of the public
repository caspiankexin/people-daily-crawler-date (one ``.7z`` per month at commit d3f8f14).

The data is never in this repository (its owner withdrew it for copyright reasons): the
benchmark and the training script take the path of an extracted month as an argument, and
nothing derived from its text is committed. To get one month::

    git --git-dir=<mirror of the repository> show 'd3f8f14:2020年数据/2020年1月.7z' > 2020-01.7z
    python -c "import py7zr; py7zr.SevenZipFile('2020-01.7z').extractall('2020-01')"

Layout: one file per article (``YYYYMMDD/YYYYMMDD-PP-NN.txt``, UTF-8, CRLF), a blank line,
the headline (引题, title and 副题 on one or more lines), then the paragraphs, each indented
with two ideographic spaces. The headline is every non-blank line before the first indented
paragraph. Only articles whose body is over :data:`MIN_BODY_CHARS` characters are kept: short
items (photo captions, notices) have no sentence to choose.
"""

from __future__ import annotations

from pathlib import Path

from bench.common import HeadlineRow

MIN_BODY_CHARS = 500
_INDENT = ("\u3000", " ", "\t")


def parse_article(text: str, article_id: str = "") -> HeadlineRow | None:
    """Headline and body of one article file; ``None`` when it has no headline or body.

    The body is the paragraphs joined by blank lines, the layout of ``news_headlines.jsonl``,
    so both sets go through the same article cleaner.
    """
    headline: list[str] = []
    paragraphs: list[str] = []
    for line in text.replace("\r", "").split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        if paragraphs or line.startswith(_INDENT):
            paragraphs.append(stripped)
        else:
            headline.append(stripped)
    if not headline or not paragraphs:
        return None
    return HeadlineRow(article_id, " ".join(headline), "\n\n".join(paragraphs))


def load_month(folder: Path, *, min_body_chars: int = MIN_BODY_CHARS) -> list[HeadlineRow]:
    """Every article of an extracted month (files sorted by path) with a body over
    ``min_body_chars`` characters; ids are the paths relative to ``folder``."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder (extract the month's .7z first)")
    rows = []
    for path in sorted(folder.rglob("*.txt")):
        row = parse_article(
            path.read_text("utf-8-sig", errors="replace"), str(path.relative_to(folder))
        )
        if row is not None and len(row.text.replace("\n", "")) > min_body_chars:
            rows.append(row)
    return rows

"""What ``baozhai parse`` shows: editions from files or e-paper URLs, summarized, as tables or JSON.

Kept apart from the CLI's argument handling so it can be tested on its own.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from bot.config import Config, PaperConfig, check_http_url
from bot.errors import SourceError
from bot.ingest.epaper import fetch_limits
from bot.render.i18n import plural
from bot.sources.epaper import Fetcher, UrlReading, guess_template, read_url, template_names
from summarizer.edition import Edition, merge_pages
from summarizer.errors import EditionError
from summarizer.export import edition_to_dict
from summarizer.limits import (
    DEFAULT_LIMITS,
    LimitError,
    Limits,
    check_article_count,
    summarizer_for,
)
from summarizer.parser import read_page


def edition_files(path: Path) -> list[Path]:
    """The edition files at ``path``: the file itself, or the ``*.txt`` below a folder.

    Skipped: hidden files and folders, and what the ingest set aside (``failed/`` folders and
    their ``*.reason.txt`` notes), so pointing at an inbox shows what a reader would get.
    """
    if path.is_file():
        return [path]
    found = []
    for file in path.rglob("*.txt"):
        parts = file.relative_to(path).parts
        if any(part.startswith(".") for part in parts) or "failed" in parts[:-1]:
            continue
        if file.name.endswith(".reason.txt") or not file.is_file():
            continue
        found.append(file)
    return sorted(found)


def paper_of(file: Path, path: Path, papers: Sequence[PaperConfig]) -> str | None:
    """The configured paper whose inbox holds ``file``, if any."""
    resolved = file.resolve()
    for paper in papers:
        if paper.inbox is not None and resolved.is_relative_to(paper.inbox.resolve()):
            return paper.name
    return None


def _source_key(file: Path, path: Path, paper: str | None) -> str:
    """Which pages may form one edition: same paper, or else same top folder under ``path``."""
    if paper is not None:
        return paper
    if path.is_file():
        return ""
    parts = file.relative_to(path).parts
    return parts[0] if len(parts) > 1 else ""


def group_pages(pages: list[tuple[str, Edition]]) -> list[Edition]:
    """Merge the pages of one source and date into one edition; undated pages stay alone.

    ``pages`` pairs each page with its source key, so two papers' pages of the same date
    (two inboxes under one folder) are never stitched together.
    """
    by_date: dict[tuple[str, Any], list[Edition]] = defaultdict(list)
    alone: list[Edition] = []
    for source, page in pages:
        if page.date is None:
            alone.append(page)
        else:
            by_date[(source, page.date)].append(page)
    merged = [merge_pages(group) for _, group in sorted(by_date.items(), key=lambda kv: str(kv[0]))]
    return merged + alone


def parse_path(
    path: Path,
    *,
    sentences: int,
    progress: bool,
    console: Console,
    papers: Sequence[PaperConfig] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse and summarize every edition at ``path``; broken files are reported, not fatal.

    A file inside a configured paper's inbox is attributed to that paper. Files and editions
    beyond ``limits`` are reported as broken, before they are summarized.
    """
    files = edition_files(path)
    pages: list[tuple[str, Edition]] = []
    failures: list[str] = []
    if not files and path.exists() and not path.is_dir():  # /dev/null, a FIFO, a socket
        failures.append(f"{path}: neither a file nor a folder")
    elif not files:  # a typo'd or wrong folder must not look like a clean run
        try:
            next(path.iterdir(), None)
            failures.append(f"{path}: no edition files (*.txt) in this folder")
        except OSError as exc:
            failures.append(f"{path}: cannot list the folder: {exc.strerror or exc}")
    with Progress(console=console, disable=not progress or len(files) < 2, transient=True) as bar:
        task = bar.add_task("parsing", total=len(files))
        for file in files:
            paper = paper_of(file, path, papers)
            try:
                page = read_page(file, paper=paper, limits=limits)
                pages.append((_source_key(file, path, paper), page))
            except EditionError as exc:
                failures.append(str(exc))
            bar.advance(task)
    results = []
    summarizer = summarizer_for(limits)
    for edition in group_pages(pages):
        try:
            where = f"{edition.paper or path} {edition.date or ''}".strip()
            check_article_count(len(edition.articles), limits, where)
        except LimitError as exc:
            failures.append(str(exc))
            continue
        summaries = [summarizer.summarize(article, k=sentences) for article in edition.articles]
        results.append(edition_to_dict(edition, summaries))
    return results, failures


def print_tables(console: Console, editions: list[dict[str, Any]]) -> None:
    """One readable table per edition: number, page, title, byline, summary, keywords."""
    for edition in editions:
        heading = " ".join(str(x) for x in (edition["paper"], edition["date"]) if x) or "edition"
        count = plural(len(edition["articles"]), "article", "articles")
        table = Table(title=_markup(f"{heading} · {count}"), show_lines=True)
        table.add_column("#", justify="right", style="bold")
        table.add_column("page")
        # Chinese has no spaces to wrap at: fold long lines instead of cutting them with "…".
        table.add_column("title / byline", ratio=2, overflow="fold")
        table.add_column("summary", ratio=4, overflow="fold")
        table.add_column("keywords", ratio=1, overflow="fold")
        for article in edition["articles"]:
            title = f"[bold]{_markup(article['title'])}[/bold]"
            if article["byline"]:
                title += f"\n[dim]{_markup(article['byline'])}[/dim]"
            if article["continued_on"]:
                title += f"\n[italic]→ p.{article['continued_on']}[/italic]"
            table.add_row(
                str(article["id"]),
                _markup(article["page"] or ""),
                title,
                _markup("\n".join(article["summary"])),
                _markup("、".join(article["keywords"])),
            )
        console.print(table)


def _markup(text: str) -> str:
    return escape(text)


def parse_url(
    url: str, config: Config, *, template: str | None, as_json: bool, sentences: int
) -> int:
    """``baozhai parse URL``: an e-paper index, page or article, as a table or JSON.

    The template is ``template``, else that of the configured paper whose site ``url`` is
    on, else guessed from the URL's shape. Articles that could not be read go to stderr.
    """
    errors = Console(stderr=True, soft_wrap=True, highlight=False)
    names = ", ".join(template_names())
    try:
        url = check_http_url(url)  # its scheme in lower case: HTTP:// is http://
    except ValueError as exc:
        errors.print(f"baozhai parse: {url}: not a usable URL ({exc})", style="red", markup=False)
        return 2
    if template is not None and template not in template_names():
        errors.print(
            f"baozhai parse: unknown --template {template!r}; the templates are {names}",
            style="red",
            markup=False,
        )
        return 2
    paper = next((p for p in config.epaper_papers if p.epaper and url.startswith(p.epaper)), None)
    chosen = template or (paper.template if paper else None) or guess_template(url)
    if chosen is None or chosen not in template_names():
        errors.print(
            f"baozhai parse: {url}: which e-paper template? pass --template ({names})",
            style="red",
            markup=False,
        )
        return 2
    sources = config.sources
    limits = fetch_limits(sources)

    async def read() -> UrlReading:
        # As long as a poll may take in all ([sources] poll_seconds): a page listing a hundred
        # articles that each hang to the fetch's limit would hold the command for half an hour.
        async with asyncio.timeout(sources.poll_seconds):
            async with Fetcher(limits, contact=sources.contact or None) as fetcher:
                return await read_url(fetcher, url, chosen, config.limits.text)

    try:
        reading = asyncio.run(read())
    except TimeoutError:
        errors.print(
            f"baozhai parse: {url}: not read within {sources.poll_seconds:g} s"
            " ([sources] poll_seconds)",
            style="red",
            markup=False,
        )
        return 1
    except SourceError as exc:
        errors.print(f"baozhai parse: {exc}", style="red", markup=False)
        return 1
    edition = reading.edition
    if paper is not None:
        edition.paper = paper.name
    try:
        check_article_count(len(edition.articles), config.limits.text, url)
    except LimitError as exc:
        errors.print(f"baozhai parse: {exc}", style="red", markup=False)
        return 1
    summarizer = summarizer_for(config.limits.text)
    summaries = [summarizer.summarize(article, k=sentences) for article in edition.articles]
    result = edition_to_dict(edition, summaries)
    if as_json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print_tables(Console(), [result])
    for missing_url, reason in reading.missing:
        errors.print(f"baozhai parse: not read: {missing_url}: {reason}", style="red", markup=False)
    return 1 if reading.missing else 0

"""What ``baozhai parse`` shows: editions parsed from files, summarized, as tables or JSON.

Kept apart from the CLI's argument handling so it can be tested on its own.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from summarizer.edition import Edition, merge_pages
from summarizer.errors import EditionError
from summarizer.export import edition_to_dict
from summarizer.parser import read_page
from summarizer.summary import summarize


def edition_files(path: Path) -> list[Path]:
    """The edition files at ``path``: the file itself, or every visible ``*.txt`` in a folder."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*.txt") if not p.name.startswith(".") and p.is_file())


def group_pages(pages: list[Edition]) -> list[Edition]:
    """Merge page files of one paper and date into one edition; undated pages stay alone."""
    by_date: dict[tuple[str | None, Any], list[Edition]] = defaultdict(list)
    alone: list[Edition] = []
    for page in pages:
        if page.date is None:
            alone.append(page)
        else:
            by_date[(page.paper, page.date)].append(page)
    merged = [merge_pages(group) for _, group in sorted(by_date.items(), key=lambda kv: str(kv[0]))]
    return merged + alone


def parse_path(
    path: Path, *, sentences: int, progress: bool, console: Console
) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse and summarize every edition at ``path``; broken files are reported, not fatal."""
    files = edition_files(path)
    pages: list[Edition] = []
    failures: list[str] = []
    with Progress(console=console, disable=not progress or len(files) < 2, transient=True) as bar:
        task = bar.add_task("parsing", total=len(files))
        for file in files:
            try:
                pages.append(read_page(file))
            except EditionError as exc:
                failures.append(str(exc))
            bar.advance(task)
    results = []
    for edition in group_pages(pages):
        summaries = [summarize(article, k=sentences) for article in edition.articles]
        results.append(edition_to_dict(edition, summaries))
    return results, failures


def print_tables(console: Console, editions: list[dict[str, Any]]) -> None:
    """One readable table per edition: number, page, title, byline, summary, keywords."""
    for edition in editions:
        heading = " ".join(str(x) for x in (edition["paper"], edition["date"]) if x) or "edition"
        table = Table(title=f"{heading} · {len(edition['articles'])} articles", show_lines=True)
        table.add_column("#", justify="right", style="bold")
        table.add_column("page")
        table.add_column("title / byline", ratio=2)
        table.add_column("summary", ratio=4)
        table.add_column("keywords", ratio=1)
        for article in edition["articles"]:
            title = f"[bold]{_markup(article['title'])}[/bold]"
            if article["byline"]:
                title += f"\n[dim]{_markup(article['byline'])}[/dim]"
            if article["continued_on"]:
                title += f"\n[italic]→ p.{article['continued_on']}[/italic]"
            table.add_row(
                str(article["id"]),
                article["page"] or "",
                title,
                _markup("\n".join(article["summary"])),
                _markup("、".join(article["keywords"])),
            )
        console.print(table)


def _markup(text: str) -> str:
    from rich.markup import escape

    return escape(text)

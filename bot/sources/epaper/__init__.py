"""The e-paper source: a paper's own website (数字报) read page by page.

What is here (see ``../shared/docs/epaper.md`` for the sites):

* templates — pure parsers, one module each, by name: :func:`get_template` (``founder``,
  ``pc_layout``, ``rmrb_nbs``); each turns HTML text and its URL into :class:`PageListing` /
  :class:`ArticlePage` (holding a :class:`summarizer.edition.Article`) or raises
  :class:`bot.errors.TemplateError`;
* :class:`Fetcher` — polite async HTTP (limits in :class:`FetchLimits`, conditional requests
  with :class:`Validators`, charset decoding);
* :class:`EditionCrawler` — one site's edition: :meth:`~EditionCrawler.crawl` →
  :class:`CrawlResult` (the :class:`summarizer.edition.Edition`, what is :class:`Missing`, a
  fingerprint), :meth:`~EditionCrawler.refetch_missing`; its :class:`CrawlCache` (JSON) makes
  the next poll cost only 304s.

Imports: this package may import :mod:`summarizer`, :mod:`bot.errors` and :mod:`bot.sources`,
nothing else of ``bot`` (the bot wires it in, not the other way round).
"""

from __future__ import annotations

from bot.sources.epaper.cache import CacheEntry, CrawlCache
from bot.sources.epaper.crawl import CrawlResult, CrawlStats, EditionCrawler, Missing, Part
from bot.sources.epaper.decode import Decoded, decode_document
from bot.sources.epaper.fetch import Fetched, Fetcher, FetchLimits, Validators, user_agent
from bot.sources.epaper.model import ArticlePage, ArticleRef, PageListing, PageRef, Template
from bot.sources.epaper.reader import UrlKind, UrlReading, guess_template, read_url
from bot.sources.epaper.templates import get_template, register, template_names

__all__ = [
    "ArticlePage",
    "ArticleRef",
    "CacheEntry",
    "CrawlCache",
    "CrawlResult",
    "CrawlStats",
    "Decoded",
    "EditionCrawler",
    "FetchLimits",
    "Fetched",
    "Fetcher",
    "Missing",
    "PageListing",
    "PageRef",
    "Part",
    "Template",
    "UrlKind",
    "UrlReading",
    "Validators",
    "decode_document",
    "get_template",
    "guess_template",
    "read_url",
    "register",
    "template_names",
    "user_agent",
]

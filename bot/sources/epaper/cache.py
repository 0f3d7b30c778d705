"""What the crawler remembers between polls, per URL: validators and the parsed result.

With it, the second poll of an unchanged site costs only conditional requests answered 304,
and a 304 page needs no parsing (its listing is kept). Everything is plain JSON
(:meth:`CrawlCache.to_json`), so the caller can store it and a restarted bot polls as politely
as a running one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from bot.sources.epaper.fetch import Validators

__all__ = ["CacheEntry", "CrawlCache"]

log = logging.getLogger(__name__)

FORMAT: Final = 2
"""Bumped when the JSON shape changes; an older shape is dropped (costs one full poll). 2: an
entry page that is the first page itself keeps its page listing beside its target (a cache of
1 held the target alone there, and a 304 for the page then failed every poll)."""


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One URL: how it identified itself, and what was parsed from it (plain JSON)."""

    validators: Validators
    parsed: dict[str, Any]


class CrawlCache:
    """URL → :class:`CacheEntry`, in memory; serialisable with :meth:`to_json`."""

    def __init__(self) -> None:
        self._entries: dict[str, CacheEntry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, url: object) -> bool:
        return url in self._entries

    def urls(self) -> list[str]:
        """The URLs held, in the order they were put."""
        return list(self._entries)

    def get(self, url: str) -> CacheEntry | None:
        return self._entries.get(url)

    def put(self, url: str, validators: Validators, parsed: dict[str, Any]) -> None:
        self._entries[url] = CacheEntry(validators, parsed)

    def forget(self, url: str) -> None:
        self._entries.pop(url, None)

    def prune(self, keep: Iterable[str]) -> None:
        """Drop every URL not in ``keep`` (e.g. all but the latest crawl's ``urls``)."""
        kept = set(keep)
        self._entries = {url: e for url, e in self._entries.items() if url in kept}

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole cache."""
        return {
            "format": FORMAT,
            "entries": {
                url: {
                    "etag": entry.validators.etag,
                    "last_modified": entry.validators.last_modified,
                    "parsed": entry.parsed,
                }
                for url, entry in self._entries.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CrawlCache:
        """The cache :meth:`to_json` wrote; an unknown format or a broken entry is dropped
        with a warning (the next poll then fetches it in full: slower, never wrong)."""
        cache = cls()
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            log.warning("e-paper cache in an unknown format; starting empty")
            return cache
        for url, raw in (data.get("entries") or {}).items():
            try:
                validators = Validators(etag=raw["etag"], last_modified=raw["last_modified"])
                parsed = raw["parsed"]
                if not isinstance(parsed, dict):
                    raise TypeError("parsed is not an object")
            except (KeyError, TypeError) as exc:
                log.warning("e-paper cache: dropping broken entry %s (%s)", url, exc)
                continue
            cache.put(url, validators, parsed)
        return cache

"""Every error the bot side raises on purpose, in one hierarchy.

Two ways to catch, as in httpx's exception module:

- **By what to do next** — the three marker classes:
  :class:`RetryLater` (transient: the same call may succeed later, nothing is lost by waiting),
  :class:`GiveUp` (this item is beyond saving: set it aside and carry on with the others),
  :class:`TellOperator` (a person must act: a bad configuration, a site whose layout changed).
- **By where it came from** — :class:`ConfigError`, :class:`SourceError` (and its
  :class:`FetchError`, :class:`TemplateError`), :class:`StorageError`, :class:`DeliveryError`.

Each concrete class sits under exactly one origin and at most one or two markers, so a scheduler
job writes ``except RetryLater`` and a CLI writes ``except BaozhaiError``. The summarizer keeps
its own small hierarchy (:mod:`summarizer.errors`): it knows nothing of the bot.

This module imports nothing from the rest of the bot, so every package may import it.
"""

from __future__ import annotations

__all__ = [
    "BaozhaiError",
    "ConfigError",
    "DatabaseOpenError",
    "DeliveryError",
    "EditionChangedError",
    "FetchError",
    "GiveUp",
    "InboxError",
    "NoEditionError",
    "ResponseTooLargeError",
    "RetryLater",
    "SchemaTooNewError",
    "SearchTooLongError",
    "SourceError",
    "StorageError",
    "TellOperator",
    "TemplateError",
    "UnsupportedURLError",
]


class BaozhaiError(Exception):
    """Base class of everything the bot raises on purpose."""


# --- what the caller does next ------------------------------------------------------------


class RetryLater(BaozhaiError):
    """Transient: try the same thing again later (next poll, after a back-off)."""


class GiveUp(BaozhaiError):
    """Permanent for this item: set it aside with the reason and carry on with the rest."""


class TellOperator(BaozhaiError):
    """A person has to act; the message says what, naming the file, key or site."""


# --- where it came from -------------------------------------------------------------------


class ConfigError(TellOperator):
    """The configuration cannot be used; the message names the file and the offending key."""


class SourceError(BaozhaiError):
    """Reading an edition from its source (inbox folder or e-paper site) failed."""


class InboxError(SourceError, TellOperator):
    """An inbox folder cannot be made or listed (permissions, a file in its place): each
    poll would fail the same way until a person fixes the folder; the message names it."""


class FetchError(SourceError, RetryLater):
    """An HTTP fetch failed (network, timeout, 5xx, 429) even after the fetcher's own retries.

    ``url`` is the address asked for; ``status`` the HTTP status when there was one.
    """

    def __init__(self, url: str, reason: str, *, status: int | None = None) -> None:
        self.url = url
        self.reason = reason
        self.status = status
        super().__init__(f"{url}: {reason}")


class NoEditionError(FetchError):
    """The site has no edition where one was asked for: the edition's first page answered
    404, or with the site's own "not found" page (HTTP 200, as many sites answer), or with
    another date's edition. A :class:`FetchError`: a poll asks again next time (it may not
    be out yet); a backfill counts that date as having no edition, not as failed.
    """


class ResponseTooLargeError(SourceError, GiveUp):
    """A response was bigger than the configured limit; fetching it again will not help."""

    def __init__(self, url: str, limit: int) -> None:
        self.url = url
        self.limit = limit
        super().__init__(f"{url}: response larger than {limit} bytes")


class UnsupportedURLError(SourceError, GiveUp):
    """A URL the fetcher will not ask for (not http or https); asking again will not help.

    Not a :class:`FetchError`, which promises that a later try may succeed.
    """

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


class TemplateError(SourceError, TellOperator):
    """A page matches none of the e-paper template's expectations (the site's layout changed)."""

    def __init__(self, url: str, reason: str, *, template: str = "") -> None:
        self.url = url
        self.reason = reason
        self.template = template
        where = f"{template} template: " if template else ""
        super().__init__(f"{url}: {where}{reason}")


class StorageError(BaozhaiError):
    """The database refused or lost a write the caller depends on."""


class DatabaseOpenError(StorageError, TellOperator):
    """The database cannot be opened for a reason on this machine: the SQLite file's folder
    cannot be made, or the URL's driver is not installed. The message says which."""


class SchemaTooNewError(StorageError, TellOperator):
    """The database was migrated by a newer Baozhai, to a schema revision this one does not
    know (a deploy rolled back): it must not run on it, nor try to migrate it."""

    def __init__(self, revision: str, head: str) -> None:
        super().__init__(
            f"the database is at schema revision {revision}, which this version of Baozhai"
            f" does not know (its newest is {head}): a newer version migrated it. Run that"
            f" version, or have it migrate the database down first"
            f" (baozhai db downgrade {head})"
        )
        self.revision, self.head = revision, head


class EditionChangedError(StorageError, RetryLater):
    """``store.editions.replace`` was told which content it replaces, and it was not that.

    Another writer got there first; re-read the edition and merge again.
    """


class SearchTooLongError(StorageError, GiveUp):
    """A search ran past its time limit and was stopped (by the database itself).

    Words that match nearly every article, or many at once, can cost seconds on a large
    archive; the reader is asked for narrower words instead of holding a search thread.
    """


class DeliveryError(BaozhaiError):
    """Sending to Telegram failed in a way the caller must know about."""


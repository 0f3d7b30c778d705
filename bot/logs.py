"""Logging set up once, for every entry point.

The Bot API puts the token in every request URL and httpx logs URLs at INFO, so besides
quieting httpx we install a filter on our handlers that masks anything shaped like a bot
token (and the configured token itself) in every record, whoever logged it, and the user and
password of any URL (a proxy's, whose errors name it).
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from collections.abc import Iterable
from types import TracebackType

# Telegram tokens: "<bot id>:<35 url-safe chars>", found inside URLs too (".../bot<id>:..."),
# where no word boundary precedes the id; match generously so no variant slips through.
_TOKEN_SHAPE = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{20,}")
MASK = "<token>"
_URL_CREDENTIALS = re.compile(r"://[^/\s@'\"]+@")
"""A URL's ``user:password@`` (from ``://`` on, so it stays linear on any text)."""


class RedactTokens(logging.Filter):
    """Replace bot tokens in a record's final message with ``<token>``, and a URL's user and
    password with ``<credentials>``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def add_secret(self, secret: str) -> None:
        if secret and secret not in self._secrets:
            self._secrets.append(secret)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        text = _URL_CREDENTIALS.sub("://<credentials>@", text)
        return _TOKEN_SHAPE.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call ("%s %s" with one argument): still log it, safely
            message = f"{record.msg} {record.args!r}"
            record.msg, record.args = message, None
        redacted = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_redactor = RedactTokens()


def redactor() -> RedactTokens:
    """The process-wide filter (it knows the configured token once the CLI has loaded it)."""
    return _redactor


def _print_redacted(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    """``sys.excepthook``: the traceback of an exception nobody caught, through the filter.

    Python prints it itself, past every logging handler, and a chained aiohttp error names
    the request URL (``…/bot<token>/getMe``)."""
    text = "".join(traceback.format_exception(kind, value, tb))
    sys.stderr.write(_redactor.redact(text))


def _print_redacted_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        name = args.thread.name if args.thread else "?"
        sys.stderr.write(f"Exception in thread {name}:\n")
        _print_redacted(args.exc_type, args.exc_value, args.exc_traceback)


def setup_logging(level: str | int = "INFO", *, secrets: Iterable[str] = ()) -> RedactTokens:
    """Configure the root logger once; return the redaction filter so secrets can be added.

    Uncaught exceptions (of the process and of its threads) are printed through the same
    filter."""
    for secret in secrets:
        _redactor.add_secret(secret)
    sys.excepthook = _print_redacted
    threading.excepthook = _print_redacted_thread
    root = logging.getLogger()
    if not any(getattr(h, "_baozhai", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )
        handler.addFilter(_redactor)
        handler._baozhai = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL (which holds the token) at INFO; APScheduler is chatty too.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # The webhook's tornado server says "Malformed HTTP message" at INFO for each request it
    # cannot read: anyone reaching the port could fill the log with them.
    logging.getLogger("tornado.general").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # stamina logs each scheduled retry as a bare WARNING "stamina.retry_scheduled" (its
    # details in extra fields a plain formatter drops); the fetcher says URL and reason.
    logging.getLogger("stamina").setLevel(logging.ERROR)
    # With max_retries=0 PTB's rate limiter logs every 429 as an ERROR with a traceback; our
    # senders handle 429s (wait, retry or leave for later) and log them with context.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    return _redactor

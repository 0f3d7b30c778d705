"""Baozhai's configuration: one TOML file, validated strictly, turned into frozen dataclasses.

Why strict: the bot runs unattended for weeks. A typo such as ``digest_tmie`` silently falling
back to a default would only show up as a digest at the wrong hour, so every unknown key, wrong
type or bad value is a :class:`ConfigError` at start-up whose message names the file and the key,
e.g. ``config.toml: [schedule] digest_time: expected "HH:MM", got "7:3x"``.

Where values come from, highest priority first:

* environment: ``TELEGRAM_BOT_TOKEN`` (the token is a secret and belongs in the environment, not
  in a file under version control) and ``BAOZHAI_STORAGE_URL`` (deployments point the same file
  at another database);
* the file: ``load_config(path)``; with no path, ``$BAOZHAI_CONFIG`` or else ``config.toml`` in
  the working directory, and if that does not exist the built-in defaults;
* the built-in defaults, documented next to each option in the repository's ``config.toml``.

Relative paths (inboxes, a SQLite file) resolve against the directory of the config file (the
working directory when running on defaults), so the bot behaves the same from any cwd.

Each option is declared once, as a dataclass field whose metadata carries its converter (type,
bounds, the "expected ..." wording of errors) and optionally an environment variable; one
generic reader walks :func:`dataclasses.fields`, so adding an option is one line such as
``retries: int = option(3, integer(0, 10))`` plus its comment in ``config.toml``. No library:
pydantic, msgspec and cattrs all need custom hooks for ZoneInfo, "HH:MM", paths relative to the
file and environment overrides, and their errors (multi-line, ``$.a.b`` paths, echoing secrets)
would need a translation layer to stay one line naming the key, which leaves them only the
integer/number checks here, too little to pay for a dependency.
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import enum
import ipaddress
import logging
import math
import os
import re
import tomllib
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError
from bot.storage.engine import masked_url, resolve_url
from bot.storage.records import InDoubt
from summarizer.limits import DEFAULT_LIMITS, Limits

__all__ = [
    "DEFAULT_CONFIG_NAME",
    "Config",
    "ConfigError",
    "DeliveryConfig",
    "LimitsConfig",
    "LoggingConfig",
    "PaperConfig",
    "ScheduleConfig",
    "ServiceConfig",
    "StorageConfig",
    "SummaryConfig",
    "TelegramConfig",
    "check_http_url",
    "load_config",
]

log = logging.getLogger(__name__)

DEFAULT_CONFIG_NAME = "config.toml"
ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_STORAGE_URL = "BAOZHAI_STORAGE_URL"
ENV_CONFIG = "BAOZHAI_CONFIG"
ENV_WEBHOOK_SECRET = "TELEGRAM_WEBHOOK_SECRET"
MAX_PAPERS = 100
"""/papers shows one button per paper, and Telegram shows at most 100 on a keyboard."""

_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# Bot API tokens look like "123456789:AAE...". Checked loosely: the point is to catch a pasted
# quote or newline at start-up, not to second-guess Telegram.
_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

# --------------------------------------------------------------------------------------------
# Declaring options: option(), required(), tables() and the converters below.


@dataclass(frozen=True, slots=True)
class Converter(Generic[T_co]):
    """Turns a TOML value into an option's value; ``expected`` words the error when it cannot.

    ``convert(value, base)`` raises TypeError/ValueError (reported as "expected <expected>, got
    <value> (<reason>)") or :class:`Invalid` (its message is used as is, e.g. for a secret that
    must not be echoed). ``base`` is the config file's directory, for paths. Defaults go through
    the converter too (that is how the default SQLite file becomes absolute), so a converter
    also accepts its own output; a default of None means "not set" and is left alone.
    """

    expected: str
    convert: Callable[[Any, Path], T_co]


class Invalid(ValueError):
    """An unusable value or combination, from a converter or a dataclass's ``__post_init__``.

    The message is shown after the key, as is. ``key`` says which option to blame; a
    ``__post_init__`` checking several options (e.g. "exactly one of inbox or epaper") gives it.
    """

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True, slots=True)
class _Tables:
    item: str
    default: tuple[dict[str, Any], ...]
    nonempty: bool
    unique: tuple[str, ...]
    most: int | None


_OPTION = "baozhai.option"
_ENV = "baozhai.env"
_TABLES = "baozhai.tables"
_GIVEN = "baozhai.given"
_NEEDS = "baozhai.needs"
# Metadata of a field that is not in the file: whoever calls from_toml() passes it.
NOT_IN_FILE: Mapping[str, Any] = {_GIVEN: True}


def option(
    default: T,
    convert: Converter[T],
    *,
    env: str | None = None,
    secret: bool = False,
    needs: str | None = None,
) -> T:
    """An option with a default. A non-empty ``$env`` wins over the file; ``secret``: no repr.

    ``needs`` names a sibling option without which this one is never read: setting it there
    is an error rather than a setting silently ignored.
    """
    metadata = {_OPTION: convert, _ENV: env, _NEEDS: needs}
    return field(default=default, repr=not secret, metadata=metadata)


def required(convert: Converter[Any]) -> dict[str, Any]:
    """Metadata of an option without a default: ``name: str = field(metadata=required(NAME))``.

    Spelled with ``field`` so type checkers, like the dataclass, see a required argument.
    """
    return {_OPTION: convert, _ENV: None}


def tables(
    item: str,
    *,
    default: Sequence[dict[str, Any]] = (),
    nonempty: bool = False,
    unique: Sequence[str] = (),
    most: int | None = None,
) -> dict[str, Any]:
    """Metadata of an array of tables (``[[papers]]``) of the dataclass in the annotation.

    ``item`` names one table in messages ("paper"); ``default`` is read like file content when
    the array is absent; the ``unique`` keys may not repeat across tables (None aside); at
    most ``most`` tables. Checks within one table belong in its ``__post_init__``, raising
    :class:`Invalid` with a key.
    """
    return {_TABLES: _Tables(item, tuple(default), nonempty, tuple(unique), most)}


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _nonempty_str(value: Any) -> str:
    if not _str(value).strip():
        raise ValueError("must not be empty")
    return value


def integer(lo: int | None = None, hi: int | None = None) -> Converter[int]:
    """An integer within the bounds given; ``true`` is not 1 here."""

    def convert(value: Any, _base: Path) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError
        if lo is not None and value < lo:
            raise ValueError(f"must be >= {lo}")
        if hi is not None and value > hi:
            raise ValueError(f"must be <= {hi}")
        return value

    if lo is not None and hi is not None:
        return Converter(f"an integer from {lo} to {hi}", convert)
    bound = f" >= {lo}" if lo is not None else f" <= {hi}" if hi is not None else ""
    return Converter(f"an integer{bound}", convert)


def number(
    lo: float, hi: float | None = None, *, lo_open: bool = False, why: str = ""
) -> Converter[float]:
    """A finite number >= ``lo`` (> with ``lo_open``) and <= ``hi``; ``why`` explains a bound."""
    low = f"> {lo}" if lo_open else f">= {lo}"

    def convert(value: Any, _base: Path) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError
        result = float(value)
        if not math.isfinite(result):
            raise ValueError("must be finite")
        if result < lo or (lo_open and result == lo):
            raise ValueError(f"must be {low}")
        if hi is not None and result > hi:
            raise ValueError(f"must be <= {hi}")
        return result

    high = f" and <= {hi}" if hi is not None else ""
    return Converter(f"a number {low}{high}" + (f" ({why})" if why else ""), convert)


def one_of(*choices: str, upper: bool = False) -> Converter[str]:
    """One of a few strings (``upper``: compared, and kept, in upper case)."""

    def convert(value: Any, _base: Path) -> str:
        text = _str(value).upper() if upper else _str(value)
        if text not in choices:
            raise ValueError
        return text

    return Converter("one of " + ", ".join(choices), convert)


def _token(value: Any, _base: Path) -> str:
    token = _str(value).strip()
    if token and not _TOKEN_RE.match(token):
        # Never echo the value: it is (a mangled form of) a secret.
        raise Invalid(
            "expected a bot token like 123456:ABC-def..., got a malformed value (not shown)"
        )
    return token


def check_http_url(value: Any) -> str:
    """``value`` if it is an http(s) URL that names a host and parses, else ValueError saying
    why (TypeError if no string). Checked up front: a URL :func:`urllib.parse.urlsplit`
    rejects would otherwise fail on every request, with a traceback naming no option.

    The scheme is taken in any case (RFC 3986 3.1: ``HTTP://`` is ``http://``) and returned
    in lower case, its canonical form, so that the URL compares with others as written."""
    scheme, sep, rest = _str(value).partition("://")
    if not sep or scheme.lower() not in ("https", "http"):
        raise ValueError("must start with https:// or http://")
    value = f"{scheme.lower()}://{rest}"
    try:
        parts = urlsplit(value)
        _ = parts.port  # parsed on access: "host:99999" or "host:x" raise here
    except ValueError as exc:
        raise ValueError(f"{exc}; check the host and port") from None
    if not parts.hostname:
        raise ValueError("names no host")
    if any(char.isspace() or not char.isprintable() for char in parts.netloc):
        raise ValueError("the host contains a space or a control character")
    return value


def _database_url(value: Any, base: Path) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = _nonempty_str(value)  # a wrong type or an empty string is safe to show
    try:
        resolved = resolve_url(url, base)
        at_in_host = "@" in (make_url(resolved).host or "")
    except (ValueError, ArgumentError):
        # Not echoed: a database URL may carry a password.
        raise Invalid(
            'expected an SQLAlchemy database URL like "sqlite:///data/baozhai.db", '
            "got an unparsable value (not shown)"
        ) from None
    if at_in_host:
        # user:p@ss@host: the host would be "ss@host", and the password's tail shown with it.
        raise Invalid(
            'its user name or password holds an "@": write it as %40, e.g. '
            '"postgresql+psycopg://user:p%40ss@host/db" (the value is not shown)'
        )
    return resolved


def _chat_ids(value: Any, _base: Path) -> tuple[int, ...]:
    if not isinstance(value, list | tuple):
        raise TypeError
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            raise TypeError("every item must be an integer chat id")
    return tuple(value)


def _ip_addresses(value: Any, _base: Path) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise TypeError
    try:
        return tuple(str(ipaddress.ip_address(_str(item).strip())) for item in value)
    except (TypeError, ValueError):
        raise ValueError("every item must be an IP address (no name, no network)") from None


def _hhmm(value: Any, _base: Path) -> dt.time:
    # TOML has a native local-time type (digest_time = 07:30:00); accept it as well as "07:30".
    if isinstance(value, dt.time):
        if value.tzinfo is not None:
            raise ValueError("must not carry an offset; the [schedule] timezone applies")
        return value.replace(second=0, microsecond=0)
    match = _TIME_RE.match(_str(value))
    if match is None:
        raise ValueError
    return dt.time(int(match.group(1)), int(match.group(2)))


def _zone(value: Any, _base: Path) -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    try:
        return ZoneInfo(_nonempty_str(value))
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "../" or absolute paths
        raise ValueError("unknown timezone") from None


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError
    return value


def _time_window(value: Any, base: Path) -> tuple[dt.time, dt.time]:
    """``"00:00-08:00"``: from, to (a window may wrap midnight: ``"22:00-06:00"``)."""
    if isinstance(value, tuple) and len(value) == 2:  # a built-in default
        return _hhmm(value[0], base), _hhmm(value[1], base)
    start, sep, end = _str(value).partition("-")
    if not sep:
        raise ValueError
    return _hhmm(start.strip(), base), _hhmm(end.strip(), base)


def _poll_window(value: Any, base: Path) -> tuple[dt.time, dt.time]:
    """A time window that is never empty: equal ends, "none" for quiet hours, would be a
    site never polled, with nothing to say so."""
    start, end = _time_window(value, base)
    if start == end:
        raise Invalid(
            f"{_show(value)} has equal ends, a window in which the site would never be polled;"
            " to poll all day, leave poll_window out"
        )
    return start, end


_WEBHOOK_PATH = re.compile(r"[A-Za-z0-9._~/-]*")


def _webhook_url(value: Any, _base: Path) -> str:
    """An https URL whose path the webhook server can match as written: PTB's server takes
    the path as a regular expression (``tg+hook`` never matched ``/tg+hook``, a ``(`` stopped
    the start) and Telegram percent-encodes what is not ASCII."""
    if not _str(value):
        return value
    if not value.lower().startswith("https://"):
        raise ValueError("Telegram posts to https:// URLs only")
    value = check_http_url(value)
    parts = urlsplit(value)
    if not _WEBHOOK_PATH.fullmatch(parts.path):
        raise ValueError("its path may hold only letters, digits and . _ ~ / -")
    if (parts.port or 443) not in WEBHOOK_PORTS:
        raise ValueError("Telegram posts to ports 443, 80, 88 and 8443 only")
    return value


WEBHOOK_PORTS = (443, 80, 88, 8443)
"""The ports setWebhook accepts (the Bot API's documentation)."""


def _api_url(value: Any, _base: Path) -> str:
    """An http(s) URL that the bot's token and method are appended to: a query or fragment
    would swallow them (``…/bot?x=1`` + ``<token>/getMe``)."""
    value = check_http_url(value)
    parts = urlsplit(value)
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        raise ValueError("must have no ?query or #fragment: the token and method follow it")
    return value


def _listen_address(value: Any, _base: Path) -> str:
    """An IP address or a host name to bind the webhook server to."""
    address = _nonempty_str(value).strip()
    try:
        ipaddress.ip_address(address)
    except ValueError:
        if not _HOST_NAME.fullmatch(address):
            raise ValueError("expected an IP address or a host name") from None
    return address


_HOST_NAME = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?"
)


_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MIN_SECRET_CHARS = 16
"""Telegram takes 1 character; anyone who reaches the port could guess that in 64 posts, and
the log masks the secret wherever it occurs (a secret "hook" would blank out every webhook)."""


def _webhook_secret(value: Any, _base: Path) -> str:
    # Never echo the value: it is a secret.
    if _str(value) and not _SECRET_RE.match(value):
        raise Invalid(
            f"expected {MIN_SECRET_CHARS}-256 characters A-Z, a-z, 0-9, _ and -, got another "
            "(not shown)"
        )
    if value and len(value) < MIN_SECRET_CHARS:
        raise Invalid(
            f"at least {MIN_SECRET_CHARS} characters, got {len(value)} (not shown): too easy to "
            "guess; make one with `openssl rand -hex 32`"
        )
    return value


def _directory(value: Any, base: Path) -> Path:
    """An absolute folder path; a missing folder is fine (it is created), but not one that a
    file is in the way of: that would fail on every poll instead of once, here."""
    raw = value if isinstance(value, Path) else Path(_nonempty_str(value))
    try:
        expanded = raw.expanduser()
    except RuntimeError:  # "~nosuchuser/…"
        message = f"no home folder known for {raw.parts[0]}; write the path out in full"
        raise ValueError(message) from None
    try:
        path = (base / expanded).resolve()
    except RuntimeError as exc:  # a symlink loop
        raise ValueError(str(exc)) from None
    for existing in (path, *path.parents):
        try:
            if not existing.exists():
                continue
        except OSError:  # cannot look (permissions): the poll will say
            break
        if not existing.is_dir():
            raise ValueError(f"{existing} is a file, not a folder; name a folder")
        break
    return path


NAME = Converter("a non-empty string", lambda value, _base: _nonempty_str(value).strip())
HTTP_URL = Converter(
    'an http(s) URL like "https://host.example/path/"', lambda value, _base: check_http_url(value)
)
BOT_TOKEN = Converter("a string", _token)
DATABASE_URL = Converter("an SQLAlchemy database URL", _database_url)
CHAT_IDS = Converter("an array of integer chat ids", _chat_ids)
IP_ADDRESSES = Converter('an array of IP addresses like "127.0.0.1"', _ip_addresses)
HHMM = Converter('"HH:MM"', _hhmm)
TIMEZONE = Converter('an IANA timezone like "Asia/Shanghai"', _zone)
DIRECTORY = Converter("a directory path", _directory)
BOOLEAN = Converter("true or false", lambda value, _base: _bool(value))
TEXT = Converter("a string", lambda value, _base: _str(value).strip())
TIME_WINDOW = Converter('"HH:MM-HH:MM"', _time_window)
POLL_WINDOW = Converter('"HH:MM-HH:MM"', _poll_window)
WEBHOOK_URL = Converter('an https URL, or "" for none', _webhook_url)
API_URL = Converter('an http(s) URL like "https://api.telegram.org/bot"', _api_url)
LISTEN_ADDRESS = Converter("an IP address or host name", _listen_address)
DAY_SECONDS = 86_400
WEBHOOK_SECRET = Converter("a string", _webhook_secret)
IN_DOUBT = Converter(
    "one of " + ", ".join(m.value for m in InDoubt), lambda value, _base: InDoubt(_str(value))
)
FREE_RATE = 30.0  # messages per second Telegram allows a bot overall
PAID_RATE = 1000.0  # … with allow_paid_broadcast (paid in Stars)
# The e-paper templates (bot.sources.epaper.templates; a test keeps the two lists equal).
TEMPLATE_NAMES = ("founder", "pc_layout", "rmrb_nbs")

# --------------------------------------------------------------------------------------------
# The options


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    """How to reach Telegram and who may use admin commands."""

    # secret: the token must never reach a log line or a traceback.
    token: str = option("", BOT_TOKEN, env=ENV_TOKEN, secret=True)
    api_base_url: str = option("https://api.telegram.org/bot", API_URL)
    file_base_url: str = option("https://api.telegram.org/file/bot", API_URL)
    admins: tuple[int, ...] = option((), CHAT_IDS)
    # Webhook mode (empty: long polling, the default): Telegram posts updates to this public
    # HTTPS URL, which a reverse proxy forwards to webhook_listen:webhook_port.
    webhook_url: str = option("", WEBHOOK_URL)
    webhook_listen: str = option("127.0.0.1", LISTEN_ADDRESS)
    webhook_port: int = option(8443, integer(1, 65535))
    # secret: compared with X-Telegram-Bot-Api-Secret-Token on every webhook request.
    webhook_secret: str = option("", WEBHOOK_SECRET, env=ENV_WEBHOOK_SECRET, secret=True)

    def __post_init__(self) -> None:
        if self.webhook_url and not self.webhook_secret:
            raise Invalid(
                f"a webhook needs a secret token (set ${ENV_WEBHOOK_SECRET})", key="webhook_secret"
            )


@dataclass(frozen=True, slots=True)
class StorageConfig:
    """Where the archive lives: an SQLAlchemy URL (SQLite file paths already absolute)."""

    url: str = option("sqlite:///data/baozhai.db", DATABASE_URL, env=ENV_STORAGE_URL)

    def __repr__(self) -> str:
        # A PostgreSQL URL may carry a password; show it masked.
        shown = masked_url(self.url)
        return f"StorageConfig(url={shown!r})"


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    """When digests go out and how often inboxes are polled."""

    timezone: ZoneInfo = option(ZoneInfo("Asia/Shanghai"), TIMEZONE)
    digest_time: dt.time = option(dt.time(7, 30), HHMM)
    poll_interval_seconds: int = option(300, integer(5, DAY_SECONDS))
    misfire_grace_seconds: int = option(3600, integer(0, 7 * DAY_SECONDS))
    # A newer edition than this many days before today is pushed as the digest; an older one
    # is not (after a long outage readers get today's paper, not last week's). 0: no limit.
    max_edition_age_days: int = option(2, integer(0, 3650))
    # Default quiet hours for topic alerts and late digests, wall-clock in each reader's
    # timezone (a reader may set their own); equal ends ("00:00-00:00"): none. Alerts wait,
    # they are not dropped.
    quiet_hours: tuple[dt.time, dt.time] = option((dt.time(22, 0), dt.time(7, 0)), TIME_WINDOW)
    # An inbox file changed less than this many seconds ago is still being written.
    settle_seconds: float = option(10.0, number(0, 3600))


class SourceKind(enum.StrEnum):
    """Where a paper's editions come from."""

    INBOX = "inbox"  # text dumps dropped into a folder
    EPAPER = "epaper"  # the paper's own e-paper website


@dataclass(frozen=True, slots=True)
class PaperConfig:
    """One newspaper: its display name and its source, an inbox folder or an e-paper site.

    ``epaper`` needs ``template``; the site is polled every ``poll_minutes`` within
    ``poll_window`` (local time; None: all day). An edition with articles still missing waits
    ``complete_within_minutes`` after it was first seen, then is stored with what it has.
    """

    name: str = field(metadata=required(NAME))
    inbox: Path | None = option(None, DIRECTORY)
    epaper: str | None = option(None, HTTP_URL)
    template: str | None = option(None, one_of(*TEMPLATE_NAMES))
    poll_minutes: int = option(10, integer(1, 24 * 60), needs="epaper")
    poll_window: tuple[dt.time, dt.time] | None = option(None, POLL_WINDOW, needs="epaper")
    complete_within_minutes: int = option(60, integer(0, 24 * 60), needs="epaper")
    # New subscribers get the papers marked so; when none is marked, the first paper.
    subscribe_by_default: bool = option(False, BOOLEAN)

    def __post_init__(self) -> None:
        if (self.inbox is None) == (self.epaper is None):
            raise Invalid("expected exactly one of inbox or epaper", key="inbox")
        if self.epaper is not None and self.template is None:
            raise Invalid(
                "an epaper site needs its template: " + ", ".join(TEMPLATE_NAMES), key="template"
            )
        if self.inbox is not None and self.template is not None:
            raise Invalid("only an epaper site has a template", key="template")

    @property
    def kind(self) -> SourceKind:
        return SourceKind.INBOX if self.inbox is not None else SourceKind.EPAPER

    @property
    def inbox_dir(self) -> Path:
        """The inbox folder of an inbox paper (a programming error to ask an e-paper one)."""
        if self.inbox is None:
            raise ValueError(f"paper {self.name!r} reads an e-paper site, not an inbox")
        return self.inbox

    def polls_at(self, local: dt.time) -> bool:
        """True when the site may be polled at this local time of day (inside the window)."""
        if self.poll_window is None:
            return True
        start, end = self.poll_window
        if start <= end:
            return start <= local < end
        return local >= start or local < end

    @property
    def failed_dir(self) -> Path:
        """Where unparsable files are moved (with ``<name>.reason.txt`` beside them).

        Inside the inbox so it sits on the same filesystem (the move is an atomic rename) and
        an operator looking at the inbox sees the failures at once.
        """
        return self.inbox_dir / "failed"


@dataclass(frozen=True, slots=True)
class SourcesConfig:
    """How e-paper sites are fetched: politely, and within limits."""

    # Shown in the User-Agent so a site's operator can reach us: a URL or an e-mail address.
    contact: str = option("", TEXT)
    timeout_seconds: float = option(20.0, number(0, 300, lo_open=True))
    attempts: int = option(3, integer(1, 10))
    requests_per_site: int = option(4, integer(1, 32))
    max_response_bytes: int = option(5 * 1024 * 1024, integer(1024))
    # One poll of a site in all: a site slow to every request must not hold it for hours.
    poll_seconds: float = option(900.0, number(0, 3600, lo_open=True))
    # Not public, yet fetched from when a URL names one of them as its host (a test site).
    allow_addresses: tuple[str, ...] = option((), IP_ADDRESSES)


@dataclass(frozen=True, slots=True)
class LimitsConfig:
    """What one input may cost (:mod:`summarizer.limits`); beyond a limit it is set aside."""

    file_bytes: int = option(DEFAULT_LIMITS.file_bytes, integer(1024))
    articles_per_page: int = option(DEFAULT_LIMITS.articles_per_page, integer(1))
    articles_per_edition: int = option(DEFAULT_LIMITS.articles_per_edition, integer(1))
    pages_per_edition: int = option(DEFAULT_LIMITS.pages_per_edition, integer(1))
    article_chars: int = option(DEFAULT_LIMITS.article_chars, integer(100))
    sentence_chars: int = option(DEFAULT_LIMITS.sentence_chars, integer(50))
    # A chat sending more than this many commands (or button presses) in the window below
    # is told once to slow down and ignored until the window passes.
    commands_per_chat: int = option(20, integer(1))
    commands_window_seconds: float = option(60.0, number(0, 3600, lo_open=True))
    # Topics one reader may follow (/follow).
    follows_per_reader: int = option(20, integer(1, 100))

    @property
    def text(self) -> Limits:
        """The limits as the summarizer takes them (its fields, by name)."""
        return Limits(**{f.name: getattr(self, f.name) for f in dataclasses.fields(Limits)})


@dataclass(frozen=True, slots=True)
class SummaryConfig:
    """How long each article's summary is."""

    sentences: int = option(3, integer(1, 20))


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    """Send rates that stay under Telegram's flood limits."""

    messages_per_second: float = option(
        25.0, number(0, PAID_RATE, lo_open=True, why="30 unless allow_paid_broadcast")
    )
    per_chat_interval_seconds: float = option(1.0, number(0))
    group_interval_seconds: float = option(3.1, number(3, why="Telegram: 20 a minute"))
    allow_paid_broadcast: bool = option(False, BOOLEAN)
    in_doubt: InDoubt = option(InDoubt.RESEND, IN_DOUBT)

    def __post_init__(self) -> None:
        if self.messages_per_second > FREE_RATE and not self.allow_paid_broadcast:
            raise Invalid(
                f"must be <= {FREE_RATE:g} (Telegram's limit) unless allow_paid_broadcast = true",
                key="messages_per_second",
            )


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """How several processes on one database share the work: one leader, lease-based."""

    lease_seconds: float = option(15.0, number(1, 600))


@dataclass(frozen=True, slots=True)
class LoggingConfig:
    """Log verbosity (a name from :mod:`logging`)."""

    level: str = option("INFO", one_of(*_LOG_LEVELS, upper=True))


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration. ``path`` is the file it came from (None: built-in defaults).

    Each field but ``path`` is a section of the file: a dataclass field is a ``[table]``, a
    ``tables()`` field an array of ``[[tables]]``.
    """

    path: Path | None = field(metadata=NOT_IN_FILE)
    telegram: TelegramConfig
    storage: StorageConfig
    schedule: ScheduleConfig
    papers: tuple[PaperConfig, ...] = field(
        metadata=tables(
            "paper",
            default=[{"name": "浙江工人日报", "inbox": "data/inbox/zjgrrb"}],
            nonempty=True,
            unique=("name", "inbox"),
            most=MAX_PAPERS,
        )
    )
    sources: SourcesConfig
    limits: LimitsConfig
    summary: SummaryConfig
    delivery: DeliveryConfig
    service: ServiceConfig
    logging: LoggingConfig

    def __post_init__(self) -> None:
        _check_inboxes_apart(self.papers)

    @property
    def base_dir(self) -> Path:
        """The directory relative paths were resolved against."""
        return self.path.parent if self.path is not None else Path.cwd()

    def paper(self, name: str) -> PaperConfig | None:
        """The paper called ``name``, if configured."""
        return next((p for p in self.papers if p.name == name), None)

    @property
    def inbox_papers(self) -> tuple[PaperConfig, ...]:
        """The papers read from an inbox folder."""
        return tuple(p for p in self.papers if p.kind is SourceKind.INBOX)

    @property
    def epaper_papers(self) -> tuple[PaperConfig, ...]:
        """The papers read from their e-paper website."""
        return tuple(p for p in self.papers if p.kind is SourceKind.EPAPER)

    @property
    def default_papers(self) -> tuple[PaperConfig, ...]:
        """A new subscriber's papers: those marked ``subscribe_by_default``, else the first."""
        marked = tuple(p for p in self.papers if p.subscribe_by_default)
        return marked or self.papers[:1]


def _check_inboxes_apart(papers: Sequence[PaperConfig]) -> None:
    """No inbox inside another paper's inbox (nor around it).

    A paper reads the folders in its inbox as dated folders of its own pages and keeps its
    done/ and failed/ there: an inbox nested in another's would have its files ingested as
    the other paper's edition, moved to the other's done/, and its folder removed.
    """
    for later, paper in enumerate(papers, start=1):
        for earlier, other in enumerate(papers[: later - 1], start=1):
            if paper.inbox is None or other.inbox is None:
                continue
            named = f"paper #{earlier} {_show(other.name)}"
            if paper.inbox.is_relative_to(other.inbox):
                clash = f"is inside the inbox of {named} ({other.inbox}); that paper would"
                clash += " ingest this one's files"
            elif other.inbox.is_relative_to(paper.inbox):
                clash = f"holds the inbox of {named} ({other.inbox}); this paper would"
                clash += " ingest that one's files"
            else:
                continue
            raise Invalid(
                f"{paper.inbox} {clash} as its own edition; give each paper a folder of its"
                " own, side by side (e.g. data/inbox/a and data/inbox/b)",
                key=f"[[papers]] #{later} inbox",
            )


# --------------------------------------------------------------------------------------------
# Loading


def load_config(path: Path | str | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    """Read, validate and resolve the configuration.

    ``path`` given explicitly (or via ``$BAOZHAI_CONFIG``) must exist: a typo in a path on the
    command line must not silently start a bot on defaults. It may be a pipe (``/dev/stdin``,
    ``<(envsubst < baozhai.toml.in)``): relative paths in it then resolve against the working
    directory, as it has no folder of its own. With no path, ``config.toml`` in the
    working directory is used if present, the built-in defaults otherwise. ``env`` defaults to
    :data:`os.environ` (tests pass their own).
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    if path is None and environ.get(ENV_CONFIG):
        path = environ[ENV_CONFIG]
    if path is None:
        candidate = Path.cwd() / DEFAULT_CONFIG_NAME
        if candidate.is_file():
            return _load_file(candidate, environ)
        log.info("no %s in %s; using built-in defaults", DEFAULT_CONFIG_NAME, Path.cwd())
        return from_toml(Config, {}, where="<defaults>", base=Path.cwd(), env=environ, path=None)
    file = Path(path)
    try:
        found = file.exists()
    except OSError as exc:  # a folder on the way this user may not enter (/etc/baozhai 0750)
        raise ConfigError(f"{file}: cannot read: {exc.strerror or exc}") from exc
    if not found or file.is_dir():
        what = "a directory, not a config file" if found else "config file not found"
        raise ConfigError(f"{file}: {what}")
    return _load_file(file, environ)


def _load_file(file: Path, environ: Mapping[str, str]) -> Config:
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(_toml_text(file, raw))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from exc
    if not file.is_file():  # a pipe: no folder to resolve against, no file to name later
        return from_toml(Config, data, where=str(file), base=Path.cwd(), env=environ, path=None)
    resolved = file.resolve()
    return from_toml(
        Config, data, where=str(file), base=resolved.parent, env=environ, path=resolved
    )


def _toml_text(file: Path, raw: bytes) -> str:
    """The file's text: TOML is UTF-8. A byte-order mark (Windows Notepad writes one) is
    dropped; another encoding (GBK, as Chinese Windows editors save) is refused saying where."""
    text = raw.removeprefix(codecs.BOM_UTF8)
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = text[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{file}: not UTF-8 (byte {text[exc.start]:#04x} on line {line});"
            " save the file as UTF-8"
        ) from exc


def from_toml(
    cls: type[T],
    data: Mapping[str, Any],
    *,
    where: str,
    base: Path,
    env: Mapping[str, str] | None = None,
    **given: Any,
) -> T:
    """Read parsed TOML ``data`` into ``cls`` (fields not read from the file come in ``given``).

    ``where`` is how messages name the file, ``base`` the directory paths are relative to.
    """
    reading = _Reading(where, base, {} if env is None else env)
    return reading.table(cls, data, "", given)


_Kind = Literal["option", "table", "tables"]


def _members(cls: type) -> tuple[tuple[dataclasses.Field[Any], _Kind, Any], ...]:
    """What each field of ``cls`` is in the file, and its dataclass if it is a table."""
    hints = typing.get_type_hints(cls)
    members: list[tuple[dataclasses.Field[Any], _Kind, Any]] = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if _OPTION in f.metadata:
            members.append((f, "option", None))
        elif _TABLES in f.metadata:
            members.append((f, "tables", typing.get_args(hint)[0]))
        elif dataclasses.is_dataclass(hint):
            members.append((f, "table", hint))
        elif not f.metadata.get(_GIVEN):
            # A forgotten option() would otherwise surface as "unknown key" for a documented key.
            raise TypeError(
                f"{cls.__name__}.{f.name}: declare it with option(), required() or tables()"
            )
    return tuple(members)


def _label(parent: str, name: str, kind: _Kind) -> str:
    """How messages name a table: [telegram], [telegram.webhook], [[papers]], [[papers]] #1 poll."""
    if parent.startswith("[["):
        return f"{parent} {name}"
    path = f"{parent[1:-1]}.{name}" if parent else name
    return f"[[{path}]]" if kind == "tables" else f"[{path}]"


def _key(label: str, key: str | None) -> str:
    """How messages name a key: "[schedule] digest_time" (the table alone if no key)."""
    return " ".join(part for part in (label, key) if part)


def converter(cls: type, name: str) -> Converter[Any]:
    """The converter of option ``name`` of table ``cls``: for a command-line flag that
    overrides it, so the flag takes exactly what the file would (one declaration of bounds)."""
    for f, kind, _ in _members(cls):
        if kind == "option" and f.name == name:
            convert: Converter[Any] = f.metadata[_OPTION]
            return convert
    raise KeyError(f"{cls.__name__} has no option {name!r}")


def option_names(cls: type = Config, parent: str = "") -> Iterator[tuple[str, str]]:
    """Every option as (table, key), e.g. ("[schedule]", "digest_time"), ("[[papers]]", "name")."""
    for f, kind, inner in _members(cls):
        if kind == "option":
            yield parent, f.name
        else:
            yield from option_names(inner, _label(parent, f.name, kind))


@dataclass(frozen=True, slots=True)
class _Reading:
    """One file being read: where it is (for messages and relative paths) and the environment."""

    where: str
    base: Path
    environ: Mapping[str, str]

    def error(self, label: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where}: {label}: {message}")

    def table(self, cls: type[T], raw: Any, label: str, given: Mapping[str, Any]) -> T:
        """One table: each option converted, sub-tables read, unknown keys rejected."""
        if not isinstance(raw, dict):
            raise self.error(label, f"expected a table, got {_show(raw)}")
        values = dict(given)
        known: list[str] = []
        for f, kind, inner in _members(cls):
            known.append(f.name)
            if kind == "option":
                values[f.name] = self.option(f, raw, label)
            elif kind == "table":
                values[f.name] = self.table(
                    inner, raw.get(f.name, {}), _label(label, f.name, kind), {}
                )
            else:
                values[f.name] = self.tables(
                    inner, f.metadata[_TABLES], raw, f.name, _label(label, f.name, kind)
                )
        for key in raw:
            if key not in known:
                # Almost always a typo of a real option.
                listed = ", ".join(sorted(known))
                if not label:
                    raise ConfigError(
                        f"{self.where}: unknown section [{key}] (expected one of: {listed})"
                    )
                raise self.error(_key(label, key), f"unknown key (known keys: {listed})")
        try:
            made = cls(**values)
        except Invalid as exc:  # from __post_init__: a combination of options
            raise self.error(_key(label, exc.key), str(exc)) from None
        for f, kind, _ in _members(cls):
            needs = f.metadata.get(_NEEDS) if kind == "option" else None
            if needs and f.name in raw and values.get(needs) is None:
                raise self.error(
                    _key(label, f.name), f"only read with {needs}, which is not set here"
                )
        return made

    def option(self, f: dataclasses.Field[Any], raw: Mapping[str, Any], label: str) -> Any:
        """The value of one option: environment, else the file, else the default; converted."""
        convert: Converter[Any] = f.metadata[_OPTION]
        env: str | None = f.metadata[_ENV]
        key = _key(label, f.name)
        if env and self.environ.get(env, "").strip():
            value, key = self.environ[env].strip(), f"{key} (from ${env})"
        elif f.name in raw:
            value = raw[f.name]
        elif f.default is not dataclasses.MISSING:
            if f.default is None:  # None: absent, nothing to convert
                return None
            value = f.default
        else:
            raise self.error(key, "missing (required)")
        try:
            return convert.convert(value, self.base)
        except Invalid as exc:
            raise self.error(key, str(exc)) from None
        except (TypeError, ValueError) as exc:
            detail = f" ({exc})" if str(exc) else ""
            raise self.error(
                key, f"expected {convert.expected}, got {_show(value)}{detail}"
            ) from None

    def tables(
        self, cls: type, spec: _Tables, raw: Mapping[str, Any], key: str, label: str
    ) -> tuple[Any, ...]:
        """An array of tables, each read like a table, then checked for ``unique`` keys."""
        items = raw.get(key, spec.default)
        if not isinstance(items, list | tuple) or not all(isinstance(i, dict) for i in items):
            raise self.error(label, f"expected an array of tables, got {_show(items)}")
        if spec.nonempty and not items:
            raise self.error(label, f"at least one {spec.item} is needed")
        if spec.most is not None and len(items) > spec.most:
            raise self.error(label, f"at most {spec.most} {spec.item}s, got {len(items)}")
        result: list[Any] = []
        for index, item in enumerate(items, start=1):
            item_label = f"{label} #{index}"
            value: Any = self.table(cls, item, item_label, {})
            for name in spec.unique:
                mine = getattr(value, name)
                same = [i for i, other in enumerate(result, 1) if getattr(other, name) == mine]
                if mine is not None and same:
                    message = f"duplicate {spec.item} {name} {_show(item[name])} (as in #{same[0]})"
                    raise self.error(_key(item_label, name), message)
            result.append(value)
        return tuple(result)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dt.date | dt.time):  # TOML's dates and times, in TOML's own form
        return value.isoformat()
    return repr(value)

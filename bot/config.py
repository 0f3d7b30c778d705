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
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError
from bot.storage.engine import resolve_url

__all__ = [
    "DEFAULT_CONFIG_NAME",
    "Config",
    "ConfigError",
    "DeliveryConfig",
    "LoggingConfig",
    "PaperConfig",
    "ScheduleConfig",
    "StorageConfig",
    "SummaryConfig",
    "TelegramConfig",
    "load_config",
]

log = logging.getLogger(__name__)

DEFAULT_CONFIG_NAME = "config.toml"
ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_STORAGE_URL = "BAOZHAI_STORAGE_URL"
ENV_CONFIG = "BAOZHAI_CONFIG"

_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# Bot API tokens look like "123456789:AAE...". Checked loosely: the point is to catch a pasted
# quote or newline at start-up, not to second-guess Telegram.
_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    """How to reach Telegram and who may use admin commands."""

    # repr=False: the token must never reach a log line or a traceback.
    token: str = field(default="", repr=False)
    api_base_url: str = "https://api.telegram.org/bot"
    file_base_url: str = "https://api.telegram.org/file/bot"
    admins: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class StorageConfig:
    """Where the archive lives: an SQLAlchemy URL (SQLite file paths already absolute)."""

    url: str = "sqlite:///data/baozhai.db"

    def __repr__(self) -> str:
        # A PostgreSQL URL may carry a password; show it masked.
        from sqlalchemy.engine import make_url

        try:
            shown = make_url(self.url).render_as_string(hide_password=True)
        except Exception:  # an unparsable URL is reported elsewhere; never echo it raw
            shown = "<unparsable>"
        return f"StorageConfig(url={shown!r})"


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    """When digests go out and how often inboxes are polled."""

    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    digest_time: dt.time = dt.time(7, 30)
    poll_interval_seconds: int = 300
    misfire_grace_seconds: int = 3600
    # A newer edition than this many days before today is pushed as the digest; an older one
    # is not (after a long outage readers get today's paper, not last week's). 0: no limit.
    max_edition_age_days: int = 2


@dataclass(frozen=True, slots=True)
class PaperConfig:
    """One newspaper: its display name and the directory its edition files are dropped into."""

    name: str
    inbox: Path

    @property
    def failed_dir(self) -> Path:
        """Where unparsable files are moved (with ``<name>.reason.txt`` beside them).

        Inside the inbox so it sits on the same filesystem (the move is an atomic rename) and
        an operator looking at the inbox sees the failures at once.
        """
        return self.inbox / "failed"


@dataclass(frozen=True, slots=True)
class SummaryConfig:
    """How long each article's summary is."""

    sentences: int = 3


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    """Send rates that stay under Telegram's flood limits."""

    messages_per_second: float = 25.0
    per_chat_interval_seconds: float = 1.0


@dataclass(frozen=True, slots=True)
class LoggingConfig:
    """Log verbosity (a name from :mod:`logging`)."""

    level: str = "INFO"


def _default_papers(base: Path) -> tuple[PaperConfig, ...]:
    return (PaperConfig(name="浙江工人日报", inbox=base / "data" / "inbox" / "zjgrrb"),)


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration. ``path`` is the file it came from (None: built-in defaults)."""

    path: Path | None
    telegram: TelegramConfig
    storage: StorageConfig
    schedule: ScheduleConfig
    papers: tuple[PaperConfig, ...]
    summary: SummaryConfig
    delivery: DeliveryConfig
    logging: LoggingConfig

    @property
    def base_dir(self) -> Path:
        """The directory relative paths were resolved against."""
        return self.path.parent if self.path is not None else Path.cwd()

    def paper(self, name: str) -> PaperConfig | None:
        """The paper called ``name``, if configured."""
        return next((p for p in self.papers if p.name == name), None)


# --------------------------------------------------------------------------------------------
# Loading


def load_config(path: Path | str | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    """Read, validate and resolve the configuration.

    ``path`` given explicitly (or via ``$BAOZHAI_CONFIG``) must exist: a typo in a path on the
    command line must not silently start a bot on defaults. With no path, ``config.toml`` in the
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
        return _build({}, None, Path.cwd(), environ)
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"{file}: config file not found")
    return _load_file(file, environ)


def _load_file(file: Path, environ: Mapping[str, str]) -> Config:
    try:
        with file.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror or exc}") from exc
    resolved = file.resolve()
    return _build(data, file, resolved.parent, environ, resolved)


def _build(
    data: dict[str, Any],
    shown: Path | None,
    base: Path,
    environ: Mapping[str, str],
    resolved: Path | None = None,
) -> Config:
    """Turn the parsed TOML into a Config; ``shown`` is the path as error messages name it."""
    where = str(shown) if shown is not None else "<defaults>"
    known = {"telegram", "storage", "schedule", "papers", "summary", "delivery", "logging"}
    for key in data:
        if key not in known:
            raise ConfigError(
                f"{where}: unknown section [{key}] (expected one of: {', '.join(sorted(known))})"
            )
    return Config(
        path=resolved,
        telegram=_telegram(_Section(where, "telegram", data), environ),
        storage=_storage(_Section(where, "storage", data), base, environ),
        schedule=_schedule(_Section(where, "schedule", data)),
        papers=_papers(where, data, base),
        summary=_summary(_Section(where, "summary", data)),
        delivery=_delivery(_Section(where, "delivery", data)),
        logging=_logging(_Section(where, "logging", data)),
    )


T = TypeVar("T")


class _Section:
    """One TOML table being read: typed getters that know how to name a key in an error."""

    def __init__(
        self, where: str, name: str, data: Mapping[str, Any], label: str | None = None
    ) -> None:
        self.where = where
        self.label = label or f"[{name}]"
        raw = data.get(name, {}) if label is None else data
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: {self.label}: expected a table, got {_show(raw)}")
        self.raw: dict[str, Any] = raw
        self.used: set[str] = set()

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where}: {self.label} {key}: {message}")

    def get(self, key: str, default: T, convert: Callable[[Any], T], expected: str) -> T:
        """The value of ``key`` converted, ``default`` if absent; ConfigError if unusable."""
        self.used.add(key)
        if key not in self.raw:
            return default
        value = self.raw[key]
        try:
            return convert(value)
        except (TypeError, ValueError) as exc:
            detail = f" ({exc})" if str(exc) else ""
            raise self.error(key, f"expected {expected}, got {_show(value)}{detail}") from None

    def require(self, key: str) -> None:
        if key not in self.raw:
            raise self.error(key, "missing (required)")

    def finish(self) -> None:
        """Reject keys nobody asked for: almost always a typo of a real option."""
        for key in self.raw:
            if key not in self.used:
                known = ", ".join(sorted(self.used))
                raise self.error(key, f"unknown key (known keys: {known})")


def _show(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return repr(value)


# Converters: raise TypeError/ValueError; _Section turns that into a ConfigError naming the key.


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _nonempty_str(value: Any) -> str:
    if not _str(value).strip():
        raise ValueError("must not be empty")
    return value


def _int(lo: int | None = None, hi: int | None = None) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        # bool is an int in Python; `poll_interval_seconds = true` is a mistake, not 1.
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError
        if lo is not None and value < lo:
            raise ValueError(f"must be >= {lo}")
        if hi is not None and value > hi:
            raise ValueError(f"must be <= {hi}")
        return value

    return convert


def _float(lo: float, hi: float | None = None, *, lo_open: bool = False) -> Callable[[Any], float]:
    def convert(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("must be finite")
        if (lo_open and number <= lo) or number < lo:
            raise ValueError(f"must be > {lo}" if lo_open else f"must be >= {lo}")
        if hi is not None and number > hi:
            raise ValueError(f"must be <= {hi}")
        return number

    return convert


def _chat_ids(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise TypeError
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            raise TypeError("every item must be an integer chat id")
    return tuple(value)


def _url(value: Any) -> str:
    text = _str(value)
    if not text.startswith(("https://", "http://")):
        raise ValueError("must start with https:// or http://")
    return text


def _hhmm(value: Any) -> dt.time:
    # TOML has a native local-time type (digest_time = 07:30:00); accept it as well as "07:30".
    if isinstance(value, dt.time):
        if value.tzinfo is not None:
            raise ValueError("must not carry an offset; the [schedule] timezone applies")
        return value.replace(second=0, microsecond=0)
    match = _TIME_RE.match(_str(value))
    if match is None:
        raise ValueError
    return dt.time(int(match.group(1)), int(match.group(2)))


def _zone(value: Any) -> ZoneInfo:
    try:
        return ZoneInfo(_nonempty_str(value))
    except ZoneInfoNotFoundError:
        raise ValueError("unknown timezone") from None
    except (ValueError, OSError):  # e.g. absolute paths or "../" in the key
        raise ValueError("unknown timezone") from None


def _level(value: Any) -> str:
    level = _str(value).upper()
    if level not in _LOG_LEVELS:
        raise ValueError
    return level


# Sections


def _telegram(sec: _Section, environ: Mapping[str, str]) -> TelegramConfig:
    d = TelegramConfig()
    token = sec.get("token", d.token, _str, "a string")
    api_base_url = sec.get("api_base_url", d.api_base_url, _url, "an http(s) URL")
    file_base_url = sec.get("file_base_url", d.file_base_url, _url, "an http(s) URL")
    admins = sec.get("admins", d.admins, _chat_ids, "an array of integer chat ids")
    sec.finish()
    token = token.strip()
    source = f"{sec.label} token"
    env_token = environ.get(ENV_TOKEN, "").strip()
    if env_token:
        token, source = env_token, f"${ENV_TOKEN}"
    if token and not _TOKEN_RE.match(token):
        # Never echo the value: it is (a mangled form of) a secret.
        raise ConfigError(
            f"{sec.where}: {source}: expected a bot token like 123456:ABC-def..., "
            "got a malformed value (not shown)"
        )
    return TelegramConfig(
        token=token, api_base_url=api_base_url, file_base_url=file_base_url, admins=admins
    )


def _storage(sec: _Section, base: Path, environ: Mapping[str, str]) -> StorageConfig:
    raw = sec.get("url", StorageConfig().url, _nonempty_str, "an SQLAlchemy database URL")
    sec.finish()
    key = "url"
    if environ.get(ENV_STORAGE_URL, "").strip():
        raw, key = environ[ENV_STORAGE_URL].strip(), f"url (from ${ENV_STORAGE_URL})"
    try:
        return StorageConfig(url=resolve_url(raw, base))
    except ValueError:
        # Not echoed: a database URL may carry a password.
        raise sec.error(
            key,
            'expected an SQLAlchemy database URL like "sqlite:///data/baozhai.db", '
            "got an unparsable value (not shown)",
        ) from None


def _schedule(sec: _Section) -> ScheduleConfig:
    d = ScheduleConfig()
    result = ScheduleConfig(
        timezone=sec.get("timezone", d.timezone, _zone, 'an IANA timezone like "Asia/Shanghai"'),
        digest_time=sec.get("digest_time", d.digest_time, _hhmm, '"HH:MM"'),
        poll_interval_seconds=sec.get(
            "poll_interval_seconds", d.poll_interval_seconds, _int(5), "an integer >= 5"
        ),
        misfire_grace_seconds=sec.get(
            "misfire_grace_seconds", d.misfire_grace_seconds, _int(0), "an integer >= 0"
        ),
        max_edition_age_days=sec.get(
            "max_edition_age_days", d.max_edition_age_days, _int(0), "an integer >= 0"
        ),
    )
    sec.finish()
    return result


def _papers(where: str, data: Mapping[str, Any], base: Path) -> tuple[PaperConfig, ...]:
    if "papers" not in data:
        return _default_papers(base)
    raw = data["papers"]
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ConfigError(f"{where}: [[papers]]: expected an array of tables, got {_show(raw)}")
    if not raw:
        raise ConfigError(f"{where}: [[papers]]: at least one paper is needed")
    papers: list[PaperConfig] = []
    for index, item in enumerate(raw, start=1):
        sec = _Section(where, "papers", item, label=f"[[papers]] #{index}")
        sec.require("name")
        sec.require("inbox")
        name = sec.get("name", "", _nonempty_str, "a non-empty string").strip()
        inbox = sec.get("inbox", "", _nonempty_str, "a directory path")
        sec.finish()
        if any(p.name == name for p in papers):
            raise sec.error("name", f"duplicate paper name {_show(name)}")
        path = (base / Path(inbox).expanduser()).resolve()
        if any(p.inbox == path for p in papers):
            raise sec.error("inbox", f"{_show(inbox)} is already the inbox of another paper")
        papers.append(PaperConfig(name=name, inbox=path))
    return tuple(papers)


def _summary(sec: _Section) -> SummaryConfig:
    d = SummaryConfig()
    result = SummaryConfig(
        sentences=sec.get("sentences", d.sentences, _int(1, 20), "an integer from 1 to 20"),
    )
    sec.finish()
    return result


def _delivery(sec: _Section) -> DeliveryConfig:
    d = DeliveryConfig()
    result = DeliveryConfig(
        messages_per_second=sec.get(
            "messages_per_second",
            d.messages_per_second,
            _float(0, 30, lo_open=True),
            "a number > 0 and <= 30 (Telegram's global limit)",
        ),
        per_chat_interval_seconds=sec.get(
            "per_chat_interval_seconds",
            d.per_chat_interval_seconds,
            _float(0),
            "a number >= 0",
        ),
    )
    sec.finish()
    return result


def _logging(sec: _Section) -> LoggingConfig:
    level = sec.get("level", LoggingConfig().level, _level, "one of " + ", ".join(_LOG_LEVELS))
    sec.finish()
    return LoggingConfig(level=level)

"""The inbox folder source: text dumps dropped into ``<inbox>/``, one file per page.

Layout an operator sees::

    inbox/
      zjgrrb-2024-07-02-p01.txt          new, waiting for the next scan
      2024-07-03/p01.txt                 a dated folder works too (one level deep)
      done/2024-07-01/…                  ingested (or recognised as already stored)
      done/2024-07-01/2-….txt            the same name dropped again (number in front)
      failed/broken.txt                  could not be ingested …
      failed/broken.txt.reason.txt       … and why

Why moves: the inbox stays small, and whether a file was taken is visible without a database.
The store's hash check still makes a re-drop harmless. ``done/YYYY-MM-DD/`` is also the record
of what that date's edition was made from: a page of that date arriving later is ingested
together with the pages read back from there (:meth:`InboxSource.settled_pages`), so leave
them in place.

What is left alone until a later scan, so that no page is read half-written:

* hidden files (``.name``, ``~name``, ``name~``: editors' temporary files),
* partial uploads (``*.part``, ``*.tmp``, ``*.partial``, ``*.crdownload``, ``*.filepart``,
  ``*.download``, and rsync's ``.NAME.XXXXXX`` for ``NAME``): while one of them is younger
  than :data:`STALE_PARTIAL`, the edition of its date waits for it,
* a dated folder that cannot be listed (another user's, or moved away meanwhile): the edition of
  its date waits, and a warning is logged each scan,
* ``*.txt`` files modified less than ``grace`` ago (default :data:`DEFAULT_GRACE`): probably
  still being written. The whole edition of that date waits, so that its pages are ingested
  together. (A page arriving after its edition was stored still joins that edition, but by
  then a digest without it may have gone out.)

A file's age is counted from the later of its modification time and its status change time
(``ctime``): copy tools (``rsync -a``, ``cp -p``) give a finished page the source's old
mtime, but the rename or copy that put it here moves its ctime, which no tool can set. A ctime
more than :data:`STALE_PARTIAL` after ``now`` only says that ``now`` is not the file system's
present (a scan replayed with an earlier ``now``): then the mtime alone counts.

One scan reads about :data:`SCAN_BYTES` of pages at most, so that memory is bounded by that
and not by how much was dropped at once: the editions past it, newer than those taken, are
left for the next scan (listed in ``pending``).

Dates come from the file name (``2024-07-01.txt``, ``20240701_01.txt``,
``zjgrrb-2024-07-01-p04.txt``), else from the name of the dated folder the file is in (the
parser's convention, :func:`summarizer.filenames.date_from_path`, applied to the path relative to
the inbox so the inbox's own name never counts), else from the file's arrival time (mtime, in
the timezone of ``now``, i.e. the configured one); that last choice is logged. The date found
here is passed to the parser, so grouping and parsing can never disagree.

Set aside alone, unread, each to ``failed/`` with its reason (its neighbours of the same date
flow on): a symbolic link (a file or a folder: the inbox takes regular files only, so that an
upload account cannot make the bot publish, or move away, a file outside it), and a name with a
date that does not exist (``2024-06-31``: a typo, not a name without a date).

A file whose name is not UTF-8 (GBK bytes from a Windows share or a zip archive) is not read:
it goes to ``failed/`` with its edition, under a UTF-8 reading of its name (GB18030 when its
bytes are that, else with U+FFFD for the bytes that are not), and the reason note keeps the
original bytes. Logs, the database and Telegram name files in UTF-8 only; moved back, the
renamed file is taken like any other.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bot.errors import InboxError
from bot.sources import EditionBatch, Page, content_hash
from summarizer.decode import decode_bytes
from summarizer.edition import Edition
from summarizer.errors import EditionError
from summarizer.filenames import date_from_path, impossible_date, page_from_path
from summarizer.limits import DEFAULT_LIMITS, LimitError, Limits
from summarizer.parser import parse_page, read_bounded

__all__ = [
    "DEFAULT_GRACE",
    "DONE_DIR",
    "FAILED_DIR",
    "PARTIAL_SUFFIXES",
    "SCAN_BYTES",
    "STALE_PARTIAL",
    "InboxSource",
    "unlisted_inbox",
]

log = logging.getLogger(__name__)

DEFAULT_GRACE: Final = dt.timedelta(seconds=10)
"""A ``.txt`` file modified more recently than this is taken to be still being written (the
bot passes ``[schedule] settle_seconds``)."""
STALE_PARTIAL: Final = dt.timedelta(minutes=10)
"""A partial upload untouched for this long is abandoned and stops holding its edition back;
so is an unreadable page (then set aside with the reason), by this process's clock."""
STALE_PARTIAL_S: Final = STALE_PARTIAL.total_seconds()
SCAN_BYTES: Final = 32 * 1024 * 1024
"""How many bytes of pages one :meth:`InboxSource.poll` reads, about: the pages are held
until the scan is ingested. A backlog (weeks of editions dropped at once) is taken oldest
date first over several scans; an edition is taken whole, so one larger than this still is,
alone."""
PARTIAL_SUFFIXES: Final = (".part", ".tmp", ".partial", ".crdownload", ".filepart", ".download")
DONE_DIR: Final = "done"
FAILED_DIR: Final = "failed"
REASON_SUFFIX: Final = ".reason.txt"

_NATURAL_RE: Final = re.compile(r"(\d+)")
_RSYNC_TEMP: Final = re.compile(r"\.(?P<final>.+)\.[A-Za-z0-9]{6}")
"""rsync writes ``NAME`` as ``.NAME.XXXXXX`` (six random characters), then renames it."""
_STEADY: dict[Path, dict[tuple[str, int, int], float]] = {}
"""Per inbox, when this process first saw each file as it is now (``time.monotonic``): the
bot makes an :class:`InboxSource` per poll, and what one poll saw must reach the next."""
_SKIPPED: dict[Path, set[str]] = {}
"""Per inbox, the names this process has warned it does not read (once each, not per poll)."""


@dataclass(frozen=True, slots=True)
class _Entry:
    path: Path
    name: str  # relative to the inbox, POSIX separators
    mtime: dt.datetime  # what the file's date is taken from when its name gives none
    changed: dt.datetime  # its age is counted from this: see the module docstring
    size: int
    key: tuple[str, int, int]  # name, size, mtime in ns: a change of the file changes it
    raw_name: bytes | None = None  # the name as the file system has it, if that is not UTF-8
    partial_of: str | None = None  # the name a partial upload will have once complete
    refused: str | None = None  # set aside alone, unread, for this reason (a symbolic link)


def unlisted_inbox(inbox: Path, exc: OSError) -> InboxError:
    """The operator's error for an inbox folder that cannot be listed (permissions, a lost
    mount): one line naming it."""
    return InboxError(f"cannot list the inbox {inbox}: {exc.strerror or exc}")


class InboxSource:
    """One paper's inbox folder as a :class:`bot.sources.Source`. Created per scan or reused."""

    def __init__(
        self,
        paper: str,
        inbox: Path,
        *,
        grace: dt.timedelta = DEFAULT_GRACE,
        limits: Limits = DEFAULT_LIMITS,
        scan_bytes: int = SCAN_BYTES,
    ) -> None:
        self._paper = paper
        self.inbox = inbox
        self.grace = grace
        self.limits = limits
        self.scan_bytes = scan_bytes
        self.pending: list[str] = []
        """Files the last :meth:`poll` left for a later scan (names relative to the inbox)."""
        self._steady: dict[tuple[str, int, int], float] = _STEADY.setdefault(inbox, {})

    @property
    def paper(self) -> str:
        return self._paper

    @property
    def done_dir(self) -> Path:
        return self.inbox / DONE_DIR

    @property
    def failed_dir(self) -> Path:
        return self.inbox / FAILED_DIR

    # ---------------------------------------------------------------------------------------
    # Finding ready editions

    def poll(self, now: dt.datetime) -> list[EditionBatch]:
        """The complete editions in the inbox at ``now`` (aware), oldest date first."""
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"now must be timezone-aware (the configured timezone), got {now!r}")
        self.inbox.mkdir(parents=True, exist_ok=True)
        self.pending = []
        ready: dict[dt.date, list[_Entry]] = defaultdict(list)
        guessed: set[dt.date] = set()
        waiting: dict[dt.date, list[str]] = defaultdict(list)

        steady = self._steady
        self._steady = _STEADY[self.inbox] = {}  # only what this poll sees is kept
        clock = time.monotonic()

        def unchanged_for(entry: _Entry) -> float:
            """Seconds this process has seen ``entry`` unchanged (size and time): how long a
            file whose own time cannot be trusted (dated in the future, or unreadable) has
            been at rest, by our clock."""
            since = self._steady[entry.key] = steady.get(entry.key, clock)
            return clock - since

        unlisted: list[str] = []
        alone: list[_Entry] = []  # set aside each on its own, unread
        for entry in self._entries(now, unlisted):
            if entry.refused is not None:
                alone.append(entry)
                continue
            if entry.partial_of is not None:
                if now - entry.changed < STALE_PARTIAL and unchanged_for(entry) < STALE_PARTIAL_S:
                    final = entry.partial_of
                    waiting[self._date_of(entry, final, quiet=True)[0]].append(entry.name)
                else:
                    log.debug("%s: ignoring abandoned partial upload %s", self.paper, entry.name)
                continue
            if not _page_name(entry.name):
                # A reason note (moved back from failed/ with its page) is no page either.
                if not entry.name.lower().endswith(REASON_SUFFIX):
                    self._not_read(entry.name, "not a .txt file")
                continue
            age = now - entry.changed
            if age < -self.grace:  # dated in the future: a writer's clock ahead, or a write
                if unchanged_for(entry) < self.grace.total_seconds():
                    log.warning(
                        "%s: %s was modified in the future (%s); clock skew? taken once it has"
                        " not changed for %s",
                        self.paper,
                        entry.name,
                        entry.changed.isoformat(),
                        self.grace,
                    )
                    waiting[self._date_of(entry, entry.name, quiet=True)[0]].append(entry.name)
                    continue
            elif age < self.grace:
                waiting[self._date_of(entry, entry.name, quiet=True)[0]].append(entry.name)
                continue
            if (typo := impossible_date(Path(entry.name))) is not None:
                reason = (
                    f"the name gives {typo}, which is not a date: rename the file with the"
                    " edition's date and drop it in again"
                )
                alone.append(dataclasses.replace(entry, refused=reason))
                continue
            date, from_arrival = self._date_of(entry, entry.name, quiet=False)
            if from_arrival:
                guessed.add(date)
            ready[date].append(entry)

        for folder in unlisted:
            # Its pages may be of any date its name gives; one that gives none holds nothing.
            folder_date = date_from_path(Path(folder, "_"))
            (waiting[folder_date] if folder_date else self.pending).append(f"{folder}/")

        batches = [self._alone(entry, now) for entry in alone]
        spent = 0  # bytes read by this scan
        deferred: list[dt.date] = []
        for date in sorted(ready):
            entries = sorted(ready[date], key=lambda e: _natural_key(e.name))
            if date not in waiting and len(entries) > self.limits.pages_per_edition:
                # Refused unread: reading them first held every byte (1.5 GB for 400 pages of
                # 2 MB) before the article count could refuse the edition.
                batches.append(self._too_many(date, entries, guessed))
                continue
            if date not in waiting:
                # Oldest date first, whole editions only: the first is taken whatever its size.
                size = sum(e.size for e in entries if _to_read(e, self.limits.file_bytes))
                if deferred or (batches and spent + size > self.scan_bytes):
                    deferred.append(date)
                    self.pending.extend(e.name for e in entries)
                    continue
                pages, unreadable = self._read(entries, unchanged_for)
                if not unreadable:
                    spent += sum(len(page.data) for page in pages)
                    batches.append(
                        EditionBatch(
                            paper=self.paper,
                            date=date,
                            pages=tuple(pages),
                            content_hash=content_hash(pages),
                            date_from_arrival=date in guessed,
                        )
                    )
                    continue
                waiting[date].extend(unreadable)
            log.info(
                "%s: edition %s waits for %s still arriving",
                self.paper,
                date,
                ", ".join(waiting[date]),
            )
            self.pending.extend(e.name for e in entries if e.name not in waiting[date])
        if deferred:
            log.info(
                "%s: %s left for the next scan: this one has read %s bytes (at most %s a scan)",
                self.paper,
                ", ".join(str(date) for date in deferred),
                f"{spent:,}",
                f"{self.scan_bytes:,}",
            )
        self.pending.extend(name for names in waiting.values() for name in names)
        self.pending.sort()
        return batches

    def _not_read(self, name: str, why: str) -> None:
        """Warn, once per process, of something in the inbox no scan will read: a page
        misplaced there would otherwise wait for ever without a word."""
        skipped = _SKIPPED.setdefault(self.inbox, set())
        if name not in skipped:
            skipped.add(name)
            log.warning(
                "%s: %s is left alone (%s); pages are .txt files in the inbox or in one dated"
                " folder (2024-07-01/p01.txt)",
                self.paper,
                name,
                why,
            )

    def _alone(self, entry: _Entry, now: dt.datetime) -> EditionBatch:
        """A batch of ``entry`` alone, refused unread: the ingest sets it aside with its
        reason. Dated by its arrival, never after today (else the refusal would be for that)."""
        page = Page(entry.name, entry.path, b"", entry.refused, entry.changed)
        return EditionBatch(
            paper=self.paper,
            date=min(entry.mtime.date(), now.date()),
            pages=(page,),
            content_hash=content_hash([page]),
            date_from_arrival=True,
        )

    def _too_many(
        self, date: dt.date, entries: list[_Entry], guessed: set[dt.date]
    ) -> EditionBatch:
        """The batch of an edition of more files than ``[limits] pages_per_edition``, every
        page refused unread (the ingest sets them aside together)."""
        reason = (
            f"{len(entries):,} files for the edition of {date}, more than the"
            f" {self.limits.pages_per_edition:,} pages one edition may have"
            " ([limits] pages_per_edition)"
        )
        pages = tuple(Page(e.name, e.path, b"", reason, e.changed) for e in entries)
        return EditionBatch(
            paper=self.paper,
            date=date,
            pages=pages,
            content_hash=content_hash(pages),
            date_from_arrival=date in guessed,
        )

    def _read(
        self, entries: list[_Entry], unchanged_for: Callable[[_Entry], float]
    ) -> tuple[list[Page], list[str]]:
        """The pages of one date's ``entries``, and the names of those its edition must wait
        for (unreadable a while yet); a file gone since it was listed is left out."""
        pages: list[Page] = []
        held: list[str] = []
        for entry in entries:
            refused = None
            try:
                if entry.raw_name is not None:  # not read: set aside (renamed) with its edition
                    data, refused = b"", _misnamed(entry.name, entry.raw_name)
                else:
                    data = read_bounded(entry.path, self.limits.file_bytes)
            except LimitError as exc:  # not read at all: set aside with its edition
                data, refused = b"", exc.reason
            except OSError as exc:
                if not entry.path.exists():  # gone since it was listed: nothing to wait for
                    continue
                # Unreadable (permissions): its edition waits a while for it, as for a file
                # still arriving, then is set aside with the reason instead of going without it.
                log.warning("%s: cannot read %s: %s", self.paper, entry.name, exc)
                if unchanged_for(entry) < STALE_PARTIAL_S:
                    held.append(entry.name)
                    continue
                data, refused = b"", f"cannot read the file ({exc.strerror or exc})"
            pages.append(Page(entry.name, entry.path, data, refused, entry.changed))
        return pages, held

    def _entries(self, now: dt.datetime, unlisted: list[str]) -> Iterator[_Entry]:
        """Visible files in the inbox and in its (non-hidden, non-bookkeeping) folders; the
        names of folders that cannot be listed are added to ``unlisted``."""
        try:
            listed = sorted(self.inbox.iterdir())
        except OSError as exc:
            raise unlisted_inbox(self.inbox, exc) from exc
        for path in listed:
            if path.is_symlink():  # before is_dir and is_file, which follow it
                if _listed(path.name) and (_page_name(path.name) or path.is_dir()):
                    yield from self._entry(path, now, refused=_linked(path))
                continue
            if path.is_dir():
                if _hidden(path.name) or path.name in (DONE_DIR, FAILED_DIR):
                    continue
                try:
                    inside = sorted(path.iterdir())
                except OSError as exc:  # another user's (mode 0700), or moved away meanwhile
                    name, _ = _utf8(path.name)
                    log.warning(
                        "%s: cannot list %s/ (%s); its date waits",
                        self.paper,
                        name,
                        exc.strerror or exc,
                    )
                    unlisted.append(name)
                    continue
                for inner in inside:
                    if not _listed(inner.name):
                        continue
                    if inner.is_symlink():
                        if _page_name(inner.name):
                            yield from self._entry(inner, now, refused=_linked(inner))
                    elif inner.is_file():
                        yield from self._entry(inner, now)
                    elif inner.is_dir():
                        self._not_read(f"{path.name}/{inner.name}/", "a folder two levels deep")
            elif _listed(path.name) and path.is_file():
                yield from self._entry(path, now)

    def _entry(
        self, path: Path, now: dt.datetime, *, refused: str | None = None
    ) -> Iterator[_Entry]:
        try:
            stat = path.lstat()  # a link's own (symbolic links are set aside, never followed)
        except OSError:  # removed between listing and stat
            return
        mtime = _file_time(stat.st_mtime, now)
        changed = stat.st_mtime
        if stat.st_mtime < stat.st_ctime <= now.timestamp() + STALE_PARTIAL_S:
            changed = stat.st_ctime
        listed = path.relative_to(self.inbox).as_posix()
        name, raw_name = _utf8(listed)
        yield _Entry(
            path,
            name,
            mtime,
            _file_time(changed, now),
            stat.st_size,
            (listed, stat.st_size, stat.st_mtime_ns),
            raw_name,
            _partial_of(name),
            refused,
        )

    def _date_of(self, entry: _Entry, name: str, *, quiet: bool) -> tuple[dt.date, bool]:
        """The edition date of ``entry`` (``name`` minus any partial suffix), and whether it is
        only the arrival date (``entry.mtime`` is already in the configured timezone)."""
        # Relative to the inbox, so only the file's own name and its dated folder count,
        # never the name of the inbox itself (same convention as the parser).
        date = date_from_path(Path(name))
        if date is not None:
            return date, False
        arrival = entry.mtime.date()
        if not quiet:
            log.info(
                "%s: %s names no date; using the date it arrived, %s (file time in %s)",
                self.paper,
                entry.name,
                arrival,
                entry.mtime.tzinfo,
            )
        return arrival, True

    # ---------------------------------------------------------------------------------------
    # Reading and settling

    def read(self, batch: EditionBatch, page: Page) -> Edition:
        """Parse the page's bytes as read at the scan (``page.data``, the bytes its hash is
        of: a file rewritten since is not half read); the page comes from its name, and the
        batch's date wins over whatever the parser would guess."""
        text = decode_bytes(page.data, str(page.location))
        return parse_page(
            text,
            source=str(page.location),
            paper=self.paper,
            date=batch.date,
            page=page_from_path(page.location),
            limits=self.limits,
        )

    def accept(self, batch: EditionBatch) -> dict[str, str]:
        """Move the batch's files to ``done/YYYY-MM-DD/``; a failed move is logged and skipped."""
        target_dir = self.done_dir / batch.date.isoformat()
        locations: dict[str, str] = {}
        for page in batch.pages:
            locations[page.name] = str(self._move(page, target_dir))
        return locations

    def settled_pages(self, date: dt.date) -> tuple[Page, ...]:
        """The ``.txt`` pages in ``done/YYYY-MM-DD/``, in natural order (none if no folder).

        Raises :class:`~summarizer.errors.EditionError` if the folder or a page in it cannot
        be read (or is larger than ``[limits] file_bytes``: a page is never read unbounded):
        extending the stored edition without one of its pages would lose it.
        """
        folder = self.done_dir / date.isoformat()
        pages: list[Page] = []
        try:
            if not folder.is_dir():
                return ()
            paths = sorted(folder.iterdir(), key=lambda p: _natural_key(p.name))
            for path in paths:
                lowered = path.name.lower()
                if _hidden(path.name) or not lowered.endswith(".txt") or not path.is_file():
                    continue
                if lowered.endswith(REASON_SUFFIX):
                    continue
                name = path.relative_to(self.inbox).as_posix()
                data = read_bounded(path, self.limits.file_bytes)
                pages.append(Page(name=name, location=path, data=data))
        except OSError as exc:
            where = exc.filename or folder
            raise EditionError(where, f"cannot read back ({exc.strerror or exc})") from None
        return tuple(pages)

    def reject(self, page: Page, reason: str) -> str:
        """Move the file to ``failed/`` and write ``<name>.reason.txt`` beside it."""
        # "2024-07-03/p01.txt" becomes "2024-07-03_p01.txt": failed/ is flat, and the name must
        # keep the date so that moving the repaired file back into the inbox just works.
        moved = self._move(page, self.failed_dir, name=page.name.replace("/", "_"))
        if moved != page.location:
            note = moved.with_name(moved.name + REASON_SUFFIX)
            try:
                note.write_text(
                    f"{page.name}: {reason}\n", encoding="utf-8", errors="backslashreplace"
                )
            except OSError as exc:
                log.error("%s: cannot write %s: %s", self.paper, note, exc)
        return str(moved)

    def _move(self, page: Page, target_dir: Path, *, name: str | None = None) -> Path:
        """Rename ``page`` into ``target_dir`` (as ``name``, default its own) without
        overwriting anything; returns where it is now (its old place if the move failed)."""
        source = page.location
        try:
            target_dir.mkdir(parents=True, exist_ok=True)
            target = _free_name(target_dir, name or source.name)
            os.replace(source, target)  # same filesystem (inside the inbox): atomic rename
        except OSError as exc:
            log.error("%s: cannot move %s to %s: %s", self.paper, page.name, target_dir, exc)
            return source
        if source.parent != self.inbox:
            # A dated folder, once emptied, goes; not empty yet (other pages remain) is fine.
            with contextlib.suppress(OSError):
                source.parent.rmdir()
        return target


def _page_name(name: str) -> bool:
    """Whether a file so named is read as a page: ``.txt``, and no reason note (one moved
    back from ``failed/`` with its page)."""
    lowered = name.lower()
    return lowered.endswith(".txt") and not lowered.endswith(REASON_SUFFIX)


def _linked(path: Path) -> str:
    """Why a symbolic link in the inbox is set aside."""
    try:
        target = f" to {os.readlink(path)}"
    except OSError:
        target = ""
    return (
        f"a symbolic link{target}: the inbox takes regular files only; copy the page itself in"
    )


def _file_time(stamp: float, now: dt.datetime) -> dt.datetime:
    """A file time in the timezone of ``now``. One a file system may hold but a datetime may
    not (year 33658, set by a broken tool) reads as the far future or past: the file is then
    timed by this process's clock (see ``unchanged_for``), and no one file stops the scan."""
    try:
        return dt.datetime.fromtimestamp(stamp, tz=now.tzinfo)
    except (ValueError, OverflowError, OSError):
        year = 9998 if stamp > 0 else 2
        return dt.datetime(year, 1, 1, tzinfo=now.tzinfo)


def _utf8(listed: str) -> tuple[str, bytes | None]:
    """A name as listed, and its bytes if they are not UTF-8: logs, the database and Telegram
    take UTF-8 only, so such a name is replaced by a reading of its bytes (:func:`_readable`;
    the file is then set aside under it, :func:`_misnamed`)."""
    raw = os.fsencode(listed)
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        return _readable(raw), raw


def _readable(raw: bytes) -> str:
    """A name that is not UTF-8, read as GB18030 (what a Chinese Windows share or zip archive
    gives, GBK included), else as UTF-8 with U+FFFD for the bytes that are not."""
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace")


def _misnamed(name: str, raw: bytes) -> str:
    """Why a file whose name is not UTF-8 (its ``raw`` bytes, read as ``name``) is set aside."""
    if "\ufffd" in name:
        how = "with \ufffd for the bytes that are neither UTF-8 nor GB18030"
    else:
        how = "under its GB18030 reading"
    return (
        f"the file name is not UTF-8 ({raw!r}); set aside {how}:"
        " check the name, then move the file back into the inbox"
    )


def _to_read(entry: _Entry, file_bytes: int) -> bool:
    """Whether a scan reads ``entry`` (a file too large, or misnamed, is refused unread)."""
    return entry.raw_name is None and entry.size <= file_bytes


def _hidden(name: str) -> bool:
    return name.startswith((".", "~")) or name.endswith("~")


def _listed(name: str) -> bool:
    """Whether a file named ``name`` is looked at: visible, or one of rsync's partial uploads."""
    return not _hidden(name) or _RSYNC_TEMP.fullmatch(name) is not None


def _partial_of(name: str) -> str | None:
    """The name (relative to the inbox) the partial upload ``name`` will have once complete;
    None if ``name`` is no partial upload."""
    folder, slash, base = name.rpartition("/")
    if rsync := _RSYNC_TEMP.fullmatch(base):
        return folder + slash + rsync["final"]
    if base.lower().endswith(PARTIAL_SUFFIXES):
        return name[: name.rfind(".")]
    return None


def _free_name(directory: Path, name: str) -> Path:
    """``directory/name``, or ``name`` with ``2-``, ``3-`` … in front if taken.

    Re-dropped files keep their name in ``done/``; nothing an operator might want is overwritten.
    The number goes in front because the page is read from the end of the name (``p01-2.txt``
    would be page 2): pages in ``done/`` are read again when a late page extends their edition,
    and a file moved back from ``failed/`` must still name its page.
    """
    name = _fitting(name)
    candidate = directory / name
    number = 1
    while candidate.exists() or _reason_note_exists(candidate):
        number += 1
        candidate = directory / f"{number}-{name}"
    return candidate


def _reason_note_exists(candidate: Path) -> bool:
    try:
        return candidate.with_name(candidate.name + REASON_SUFFIX).exists()
    except OSError:  # a name too long for a note beside it: then there is none
        return False


NAME_BYTES: Final = 255 - len(REASON_SUFFIX) - len("99999-")
"""The longest name a file is moved under: a file system's 255 bytes less room for a reason
note beside it and a number in front (:func:`_free_name`)."""


def _fitting(name: str) -> str:
    """``name``, or if it is longer than :data:`NAME_BYTES` its start and end with the middle
    left out, the page number (read from the end) kept, and its date put first if the cut
    took it (a file moved back from ``failed/`` must still name its date)."""
    if len(os.fsencode(name)) <= NAME_BYTES:
        return name
    date = date_from_path(Path(name))
    lead = f"{date.isoformat()}_" if date is not None else ""
    tail = name[-40:]
    room = NAME_BYTES - len(os.fsencode(lead)) - len(os.fsencode(tail)) - 1
    fitted = os.fsencode(name[:-40])[:room].decode(errors="ignore") + "-" + tail
    return fitted if date_from_path(Path(fitted)) == date else lead + fitted


def _natural_key(name: str) -> list[int | str]:
    """Sort ``p2`` before ``p10``. The split alternates text and digit runs (text first), so
    the keys of any two names compare text with text and numbers with numbers. Only the runs
    the pattern matched are numbers: ``"①".isdigit()`` is true, but ``int("①")`` fails."""
    parts = _NATURAL_RE.split(name)
    return [int(part) if index % 2 else part for index, part in enumerate(parts)]

"""``baozhai demo``: the real bot, a local Bot API server, and a chat in this terminal.

Nothing is simulated on the bot's side: the same Application as ``baozhai run`` talks HTTP to
:class:`bot.localapi.server.LocalBotApi` on 127.0.0.1, which checks every message the way Telegram
does. The terminal plays the user: what you type is sent as a Telegram message, and the
bot's replies are rendered with their formatting and buttons.

Input: a terminal gets an interactive prompt; piped input sends one message per line; no input
at all (``make run`` in a script, CI) plays a short tour so the demo still shows the product.

What the chat shows is what the bot did to it: new messages, and messages edited in place
(a search's ◀ ▶ pager turns the page of the message it is on), marked "(edited)". A reply is
what arrives after a line until the chat goes quiet for longer than the bot's pause between
two messages to one chat; what arrives between lines (a digest of a later poll) is shown as
sent on the bot's own. Input waits for the start-up poll, so its catch-up digest never mixes
with the answer to the first lines.
``BAOZHAI_DEMO_LANG=en`` makes the demo user an English-speaking one, prompt and name included.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import NoReturn

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobEvent
from rich.console import Console
from rich.panel import Panel
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from telegram.ext import Application

from bot.app import build_application, make_services
from bot.components.jobs import (
    POLL_JOB,
    digest_at_time,
    digest_job_id,
    held_in_quiet_hours,
    job_queue,
)
from bot.config import Config, PaperConfig, SourceKind, StorageConfig, TelegramConfig
from bot.ingest import ingest_inbox
from bot.localapi.server import LocalBotApi, LocalUser, SentMessage
from bot.localapi.telegram_html import Entity
from bot.render.i18n import language_for
from bot.services import services
from bot.storage.engine import driver_message
from bot.storage.records import EditionRecord
from bot.storage.store import Store

log = logging.getLogger(__name__)

DEMO_TOKEN = "100000001:BAOZHAI-LOCAL-DEMO"
DEMO_CHAT = 20240701
SAMPLE_PAPER = "浙江工人日报"
TOUR = ("/start", "/subscribe", "/today", "/article 2", "/search 工会", "/stats", "/push")
QUIET_SECONDS = 0.8
"""How long the chat must stay quiet after a reply began, beyond the pause the bot keeps
between two messages to one chat (``[delivery] per_chat_interval_seconds``)."""
MAX_LINE_BYTES = 1 << 20
"""Longest piped line taken whole (the bot answers one so long that it is too long)."""
FIRST_REPLY_SECONDS = 20.0
FIRST_POLL_SECONDS = 30.0
"""At most this long the prompt waits for the start-up poll (then goes on without it)."""
# A piped script is one reader typing fast: the demo takes any number of lines.
DEMO_COMMANDS_PER_CHAT = 10_000
# The demo user, per language: (name, prompt).
PERSONA = {"zh": ("读者", "你"), "en": ("Reader", "you")}

_STYLES = {
    "bold": "bold",
    "italic": "italic",
    "underline": "underline",
    "strikethrough": "strike",
    "code": "cyan",
    "pre": "cyan",
    "spoiler": "reverse",
    "text_link": "underline blue",
    "blockquote": "dim",
}

INTRO = """\
[bold]报摘 Baozhai — local demo[/bold]
A Bot API server is running at {url}; the real bot talks to it over HTTP.
Sample edition: {paper} {date}, {count} articles, summarized and stored.

Type a command as you would in Telegram: [cyan]/today[/cyan], [cyan]/article 2[/cyan], \
[cyan]/search 工会[/cyan], [cyan]/stats[/cyan], [cyan]/settings 06:45[/cyan], [cyan]/help[/cyan].
Press a button by typing its label in brackets, e.g. [cyan][3][/cyan].
[cyan]/push[/cyan] runs the scheduled daily digest now; [cyan]/quit[/cyan] or Ctrl-C leaves.
"""


def sample_files() -> list[Path]:
    """The bundled sample edition page(s) shipped inside the package."""
    folder = resources.files("bot") / "sample"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".txt"))


def run_demo(
    config: Config,
    *,
    keep_data: bool = False,
    lines: Iterable[str] | None = None,
    console: Console | None = None,
) -> int:
    """Run the demo until /quit or the end of input; returns the exit code."""
    console = console or Console()
    root = logging.getLogger()
    if root.level > logging.DEBUG:  # keep the chat readable unless -v asked for details
        root.setLevel(logging.WARNING)
    piped = lines is None and (sys.stdin is None or not sys.stdin.isatty())
    code = 0  # also when stopped by a signal outside the event loop
    with (
        _stopped_by_signals(),
        tempfile.TemporaryDirectory(prefix="baozhai-demo-") as scratch,
    ):
        workdir = Path(scratch)
        demo_config = config if keep_data else _throwaway_config(config, workdir)
        try:
            code = asyncio.run(_demo(demo_config, lines, console, workdir, piped=piped))
        except SQLAlchemyError as exc:
            if keep_data:
                raise  # the configured database: the command line names it
            # Not the configured database (never touched): the scratch one, in $TMPDIR.
            log.debug("scratch database error", exc_info=exc)
            said = f"the demo's scratch database in {workdir}: {driver_message(exc)}"
            print(f"baozhai: {said} (is its disk full? TMPDIR=… chooses another)", file=sys.stderr)
            code = 1
    if any(reader.is_alive() for reader in _READERS):
        _leave_now(code)
    return code


def _piped_line() -> str:
    """The next line piped in, without its end, read as it comes (a pipe may stay open:
    ``tail -f script | baozhai demo``); bytes that are not UTF-8 shown as U+FFFD (a reader's
    typing is text, never a reason to stop). EOFError at the end, and with no stdin at all
    (``<&-``). A line longer than :data:`MAX_LINE_BYTES` is cut there and the rest of it
    skipped: whatever is piped in, memory stays bounded."""
    if sys.stdin is None:
        raise EOFError
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text-only stand-in (a test's StringIO)
        text = sys.stdin.readline(MAX_LINE_BYTES)
        if not text:
            raise EOFError
        return as_text(text).rstrip("\r\n")
    raw = bytes(stream.readline(MAX_LINE_BYTES))
    if not raw:
        raise EOFError
    rest = raw
    while rest and not rest.endswith(b"\n"):  # the rest of a line too long to take
        rest = bytes(stream.readline(MAX_LINE_BYTES))
    return raw.decode("utf-8", errors="replace").rstrip("\r\n")


_CONTROLS = {
    **{code: 0x2400 + code for code in range(0x20) if chr(code) not in "\t\n"},
    0x7F: 0x2421,  # ␡
    **{code: 0xFFFD for code in range(0x80, 0xA0)},
}


def visible(text: str) -> str:
    """``text`` with its control characters shown as their pictures (ESC as ␛, C1 controls
    as U+FFFD), tabs and line ends kept: typed or piped text, and what the bot sends, is
    printed on a terminal, which must never obey an escape sequence in it (a colour, a
    window title, OSC 52 writing the clipboard). One character for one, so Telegram's
    entity offsets still fit."""
    return text.translate(_CONTROLS)


def as_text(line: str) -> str:
    """``line`` as valid Unicode: a terminal's undecodable bytes (lone surrogates, as
    ``surrogateescape`` reads them under the C locale) become U+FFFD, not characters no
    client can send."""
    try:  # one U+FFFD per byte the terminal could not decode, as for piped input
        raw = line.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:  # a surrogate that stands for no byte
        raw = line.encode("utf-8", errors="surrogatepass")
    return raw.decode("utf-8", errors="replace")


def _leave_now(code: int) -> NoReturn:
    """End the process, everything cleaned up, with a reader thread still blocked on the
    terminal (the demo was interrupted at its prompt). That thread cannot be stopped, and
    when ``input()`` reads ``sys.stdin`` itself (stdout not a terminal: ``baozhai demo |
    tee``) it holds stdin's lock, on which the interpreter's shutdown aborts the process."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _throwaway_config(config: Config, workdir: Path) -> Config:
    """The configuration with a scratch database and inbox, so the demo touches nothing real."""
    return dataclasses.replace(
        config,
        # The bundled sample is from 2024: let /push send it anyway, at any hour (a catch-up
        # inside quiet hours would wait for their end: the demo's push is asked for now).
        schedule=dataclasses.replace(
            config.schedule, max_edition_age_days=0, quiet_hours=(dt.time(0), dt.time(0))
        ),
        storage=StorageConfig(url=f"sqlite:///{workdir / 'demo.db'}"),
        papers=(PaperConfig(name=SAMPLE_PAPER, inbox=workdir / "inbox"),),
        limits=dataclasses.replace(config.limits, commands_per_chat=DEMO_COMMANDS_PER_CHAT),
    )


async def _demo(
    config: Config, lines: Iterable[str] | None, console: Console, workdir: Path, *, piped: bool
) -> int:
    """The demo from start to end: 0 when it ends, or is stopped at any moment by SIGTERM or
    the terminal closing (Ctrl-C at the prompt too), the bot stopped either way and the
    scratch folder left to go with it. Ctrl-C before the prompt: ``KeyboardInterrupt``."""
    with _interruptible():
        try:
            await _run(config, lines, console, workdir, piped=piped)
        except asyncio.CancelledError:
            if not _uncancelled():
                raise
            console.print()  # after the prompt the ^C was typed at
    return 0


async def _run(
    config: Config, lines: Iterable[str] | None, console: Console, workdir: Path, *, piped: bool
) -> None:
    store = Store(config.storage.url)
    try:
        paper = config.papers[0]
        edition = await asyncio.to_thread(_ingest_sample, store, config)
        async with LocalBotApi(DEMO_TOKEN) as server:
            demo_config = dataclasses.replace(
                config,
                telegram=TelegramConfig(token=DEMO_TOKEN, api_base_url=server.base_url),
            )
            application = build_application(
                demo_config, make_services(demo_config, store), token=DEMO_TOKEN
            )
            updater = application.updater
            assert updater is not None  # built by ApplicationBuilder unless told otherwise
            async with application:
                try:
                    if application.post_init is not None:
                        await application.post_init(application)  # as run_polling does
                    first_poll = _first_run(application, POLL_JOB)
                    await application.start()
                    await updater.start_polling(poll_interval=0.0, timeout=1)
                    console.print(
                        INTRO.format(
                            url=server.url,
                            paper=edition.paper if edition else paper.name,
                            date=edition.date if edition else "—",
                            count=edition.article_count if edition else 0,
                        )
                    )
                    code = _terminal_language()
                    name, prompt = PERSONA[language_for(code)]
                    user = server.user(DEMO_CHAT, name, language_code=code)
                    quiet = config.delivery.per_chat_interval_seconds + QUIET_SECONDS
                    feed = _Feed(server, DEMO_CHAT, quiet=quiet, charts=workdir)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(first_poll.wait(), FIRST_POLL_SECONDS)
                    await _chat(application, user, feed, lines, console, prompt=prompt, piped=piped)
                finally:  # what was started is stopped, however far it got ("still running")
                    if updater.running:
                        await updater.stop()
                    if application.running:
                        await application.stop()
    finally:
        store.close()


_STOPPING = (signal.SIGTERM, signal.SIGHUP)
"""A termination request, and the terminal closing (SIGHUP)."""


class _Stopped(Exception):
    """SIGTERM or SIGHUP came while no event loop was there to take it (see
    :func:`_stopped_by_signals`)."""


def _raise_stopped(signum: int, frame: object) -> None:
    raise _Stopped(signal.Signals(signum).name)


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """Around the whole demo: SIGTERM or SIGHUP before the event loop takes them over (see
    :func:`_interruptible`), or after, raise :class:`_Stopped`, taken here as the end of
    the demo, so the scratch folder is removed on the way out, never left behind by the
    signal's default action (to die at once)."""
    try:
        before = {stopping: signal.signal(stopping, _raise_stopped) for stopping in _STOPPING}
    except ValueError:  # not the main thread: the caller's signals are the caller's
        yield
        return
    try:
        yield
    except _Stopped as stopped:
        log.debug("%s while starting or leaving: the demo ends", stopped)
    finally:
        for stopping, handler in before.items():
            signal.signal(stopping, handler)


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Let a termination request or the terminal closing end the demo as Ctrl-C does, by
    cancelling it, at any moment: the bot is stopped and the scratch folder removed either
    way, rather than left in /tmp by the signal's default (to die at once)."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    before = {stopping: signal.getsignal(stopping) for stopping in _STOPPING}
    try:
        for stopping in _STOPPING:
            loop.add_signal_handler(stopping, task.cancel)
    except (NotImplementedError, RuntimeError):  # not the main thread, or no signals here
        yield
        return
    try:
        yield
    finally:
        for stopping, handler in before.items():
            loop.remove_signal_handler(stopping)  # (which leaves the default: to die at once)
            signal.signal(stopping, handler)


def _first_run(application: Application, job_id: str) -> asyncio.Event:
    """An event set when the job ``job_id`` first ends (run, failed or missed); call before
    the application starts, so that run cannot be missed."""
    scheduler = job_queue(application).scheduler
    loop = asyncio.get_running_loop()
    ended = asyncio.Event()

    def heard(event: JobEvent) -> None:
        if event.job_id == job_id:
            loop.call_soon_threadsafe(ended.set)
            scheduler.remove_listener(heard)

    scheduler.add_listener(heard, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return ended


def _uncancelled() -> bool:
    """Take back the cancellation of Ctrl-C (``asyncio.run`` cancels the main task) or
    SIGTERM so the bot can still be stopped; False when the task was not cancelled."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0 and task.uncancel() == 0


def _ingest_sample(store: Store, config: Config) -> EditionRecord | None:
    """Ingest the first inbox paper's inbox, with the bundled sample dropped in first when
    that paper is the sample's own (:data:`SAMPLE_PAPER`) and has no edition yet; the newest
    edition of the first paper.

    With ``--keep-data`` the papers are the operator's: the sample never goes into another
    paper's inbox (it would be stored as that paper's edition), and a site is not polled
    from here (the demo shows what is stored).
    """
    paper = next((p for p in config.papers if p.kind is SourceKind.INBOX), None)
    if paper is not None:
        grace = dt.timedelta(seconds=config.schedule.settle_seconds)
        if paper.name == SAMPLE_PAPER and store.editions.latest(paper.name) is None:
            paper.inbox_dir.mkdir(parents=True, exist_ok=True)
            for sample in sample_files():
                shutil.copy2(sample, paper.inbox_dir / sample.name)
            # Copied whole just now: nothing to wait for (the copy's ctime is now).
            grace = dt.timedelta(0)
        now = dt.datetime.now(config.schedule.timezone)
        ingest_inbox(
            store,
            paper,
            sentences=config.summary.sentences,
            now=now,
            grace=grace,
            limits=config.limits.text,
        )
    return store.editions.latest(config.papers[0].name)


def _terminal_language() -> str:
    """The demo user's Telegram language: Chinese, or ``BAOZHAI_DEMO_LANG=en`` for English."""
    return os.environ.get("BAOZHAI_DEMO_LANG") or "zh-hans"


class _Feed:
    """What the bot does to one chat, in order: messages sent, and messages edited in place;
    ``quiet``: the seconds of silence that end a reply; ``charts``: where photos are saved."""

    def __init__(self, server: LocalBotApi, chat_id: int, *, quiet: float, charts: Path) -> None:
        self.server = server
        self.quiet = quiet
        self.charts = charts
        self.events: list[tuple[str, SentMessage]] = []
        self._seen = 0
        server.add_listener(self._listen(chat_id))

    def _listen(self, chat_id: int) -> Callable[[str, SentMessage], None]:
        def listen(event: str, message: SentMessage) -> None:
            if message.chat_id == chat_id and event in ("sent", "edited"):
                self.events.append((event, message))

        return listen

    async def next(self, timeout: float) -> list[SentMessage]:
        """The messages sent or edited since the last call (waiting up to ``timeout``)."""
        await self.server.wait_for(lambda: len(self.events) > self._seen, timeout)
        return self.taken()

    def taken(self) -> list[SentMessage]:
        """The messages sent or edited since the last call, without waiting (each once)."""
        fresh = [message for _, message in self.events[self._seen :]]
        self._seen = len(self.events)
        return list(dict.fromkeys(fresh))


async def _chat(
    application: Application,
    user: LocalUser,
    feed: _Feed,
    lines: Iterable[str] | None,
    console: Console,
    *,
    prompt: str,
    piped: bool = False,
) -> None:
    """The chat: ``lines`` (a script), else what is ``piped`` in, line by line as it comes
    (nothing at all: the tour), else what is typed at the terminal."""
    label = f"[bold green]{prompt} ›[/bold green]"
    source = iter(lines) if lines is not None else None
    heard = False  # a line that was not blank came through the pipe
    while True:
        if source is not None or piped:
            line = next(source, None) if source is not None else await _next_piped()
            if line is None and source is None and not heard:
                console.print("[dim]No input: playing a short tour.[/dim]")
                source, piped = iter(TOUR), False
                continue
            if line is None:
                break
            if not line.strip():
                continue
            heard = True
            _show_meanwhile(feed, console)
            # As typed: [/b] is text, not rich markup; an escape sequence is shown, not obeyed.
            console.print(label, Text(visible(line)))
        else:
            try:
                line = await _typed(console, f"{label} ")
            except EOFError:
                break
            _show_meanwhile(feed, console)  # (what came while the reader was typing)
        line = as_text(line).strip()
        if not line:
            continue
        if line in {"/quit", "/exit", "quit", "exit"}:
            break
        if line == "/push":
            await _push(application, feed, console)
            continue
        elif line.startswith("[") and line.endswith("]"):
            target = _message_with_button(user.history, line[1:-1])
            if target is None:
                said = f"No button {visible(line)} on the recent messages."
                console.print(Text(said, "yellow"))
                continue
            await user.press(target, line[1:-1])
        else:
            await user.send(line)
        answer = await _replies(feed)
        if not answer:
            console.print(Text(f"(no reply within {FIRST_REPLY_SECONDS:g} s)", "dim"))
        for message in answer:
            _show(message, feed.charts, console)
    _show_meanwhile(feed, console)


def _show_meanwhile(feed: _Feed, console: Console) -> None:
    """What the bot sent between two lines, on its own (a poll's digest or alert), as such."""
    arrived = feed.taken()
    if arrived:
        console.print(Text("(meanwhile, sent by the bot on its own:)", "dim"))
    for message in arrived:
        _show(message, feed.charts, console)


async def _push(application: Application, feed: _Feed, console: Console) -> None:
    """Run the scheduled daily digest job now, or say at once why it would send nothing."""
    reason = await asyncio.to_thread(_why_no_digest, application)
    if reason is not None:
        console.print(f"[dim]{reason}[/dim]")
        return
    console.print("[dim]Running the scheduled daily digest job now…[/dim]")
    await _push_now(application)
    sent = await _replies(feed)
    if not sent:
        console.print("[dim]No digest was sent (run with -v to see why).[/dim]")
    for message in sent:
        _show(message, feed.charts, console)


def _why_no_digest(application: Application) -> str | None:
    """Why the digest job would send this chat nothing now, or None if it would send one."""
    svc = services(application)
    subscriber = svc.store.subscribers.get(DEMO_CHAT)
    if subscriber is None or not subscriber.active:
        return "No digest: this chat is not subscribed. Send /subscribe first, then /push."
    editions = [svc.store.editions.latest(paper.name) for paper in svc.config.papers]
    stored = [edition for edition in editions if edition is not None]
    if not stored:
        return "No digest: no edition is stored."
    if all(svc.store.deliveries.was_sent(edition.id, DEMO_CHAT) for edition in stored):
        names = ", ".join(f"{edition.paper} {edition.date}" for edition in stored)
        return (
            f"No digest: this chat already has the digest of {names}; each digest reaches a "
            "chat once. /today shows it again."
        )
    schedule, now = svc.config.schedule, svc.now()
    if all(
        held_in_quiet_hours(edition, subscriber, now, schedule.digest_time, schedule.quiet_hours)
        for edition in stored
    ):
        return (
            "No digest now: it is late and this chat's quiet hours have begun; it goes out when"
            " they end (/settings quiet off sends late digests at any hour)."
        )
    return None


async def _push_now(application: Application) -> None:
    """Run the default digest-time job through the scheduler, as at the configured time."""
    svc = services(application)
    job_id = digest_job_id(svc.config.schedule.digest_time)
    queue = job_queue(application)
    job = queue.scheduler.get_job(job_id)
    if job is not None:
        job.modify(next_run_time=dt.datetime.now(svc.tz))
    else:  # the jobs were not scheduled (should not happen): run the same callback directly
        queue.run_once(digest_at_time, 0, data=svc.config.schedule.digest_time)


async def _replies(feed: _Feed) -> list[SentMessage]:
    """What the bot does in answer: wait for the first message or edit, then until it goes
    quiet."""
    try:
        got = await feed.next(FIRST_REPLY_SECONDS)
    except TimeoutError:
        return []
    while True:
        try:
            got += await feed.next(feed.quiet)
        except TimeoutError:
            return list(dict.fromkeys(got))  # sent, then edited: shown once, as it is now


_READERS: list[threading.Thread] = []
"""The thread reading the terminal's last line (see :func:`_leave_now`)."""


async def _next_piped() -> str | None:
    """The next line piped in (see :func:`_piped_line`); None at the end of the input."""
    try:
        return await _on_a_thread(_piped_line)
    except EOFError:
        return None


async def _typed(console: Console, prompt: str) -> str:
    """A line typed at the terminal (see :func:`_on_a_thread`)."""
    return await _on_a_thread(lambda: console.input(prompt))


async def _on_a_thread(read_line: Callable[[], str]) -> str:
    """``read_line()`` (the terminal's or a pipe's next line), on a daemon thread: a thread
    of the loop's pool would be waited for at exit, so Ctrl-C at the prompt (or /quit with a
    pipe still open) would hang until the next line came."""
    loop = asyncio.get_running_loop()
    typed: asyncio.Future[str] = loop.create_future()

    def settle(line: str | None, error: BaseException | None) -> None:
        if typed.done():
            return
        if error is not None:
            typed.set_exception(error)
        else:
            assert line is not None
            typed.set_result(line)

    def read() -> None:
        line, error = None, None
        try:
            line = read_line()
        except Exception as exc:  # EOFError, or the terminal closed under it
            error = exc
        with contextlib.suppress(RuntimeError):  # the demo ended meanwhile: nobody waits
            loop.call_soon_threadsafe(settle, line, error)

    reader = threading.Thread(target=read, name="demo-input", daemon=True)
    _READERS[:] = [reader]
    reader.start()
    return await typed


def _message_with_button(history: Sequence[SentMessage], label: str) -> SentMessage | None:
    for message in reversed(history):
        try:
            message.button(label)
        except LookupError:
            continue
        return message
    return None


def _show(message: SentMessage, charts: Path, console: Console) -> None:
    """Render a bot message: formatting from its entities, buttons as [labels], photos saved
    in ``charts`` (the demo's scratch folder: gone with it, nothing left in a shared /tmp)."""
    body = _rich_text(message.text, message.entities)
    if message.photo:
        path = charts / f"chart-{message.message_id}.png"
        path.write_bytes(message.photo)
        said = f"🖼  chart saved to {path} (until the demo ends)\n\n"
        body = Text.assemble(Text(said, style="magenta"), body)
    buttons = [b.get("text", "") for row in message.buttons for b in row]
    if buttons:
        body.append("\n\n" + "  ".join(f"[{label}]" for label in buttons), style="cyan")
    title = "报摘" + (" (edited)" if message.edit_count else "")
    console.print(Panel(body, title=title, title_align="left", border_style="blue"))


def _rich_text(text: str, entities: Sequence[Entity]) -> Text:
    """Apply Telegram entities (UTF-16 offsets) to a rich Text (str indices)."""
    index_of = [0]
    for position, char in enumerate(text):
        index_of.extend([position + 1] * (2 if ord(char) > 0xFFFF else 1))
    rendered = Text(visible(text))
    for entity in entities:
        style = _STYLES.get(entity.type)
        if style is None:
            continue
        start = index_of[min(entity.offset, len(index_of) - 1)]
        end = index_of[min(entity.offset + entity.length, len(index_of) - 1)]
        rendered.stylize(style, start, end)
    return rendered

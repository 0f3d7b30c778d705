"""The ``baozhai`` command line, run as a user runs it: a real process, real files."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import http.server
import json
import os
import pty
import re
import resource as limits
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from subprocess import Popen
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy

from bot.localapi.server import LocalBotApi
from bot.storage.engine import head_revision
from bot.storage.store import Store
from tests.bot.processes import inbox_held_by_another_process
from tests.bot.sources.epaper.server import SiteServer
from tests.bot.sources.epaper.sites import Resource, Sheet, Story, founder_site

REPO = Path(__file__).resolve().parents[2]


def baozhai(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = "", timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=environ,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_help_explains_every_subcommand(tmp_path: Path) -> None:
    result = baozhai("--help", cwd=tmp_path)
    assert result.returncode == 0
    for word in ("run", "demo", "parse", "digest", "ingest", "db", "TELEGRAM_BOT_TOKEN"):
        assert word in result.stdout


def test_every_subcommand_has_a_description_in_its_help() -> None:
    from bot.cli import build_parser

    def parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
        yield parser
        for action in parser._actions:  # argparse keeps its subparsers here only
            if isinstance(action, argparse._SubParsersAction):
                for child in action.choices.values():
                    yield from parsers(child)

    found = {parser.prog: parser.description for parser in parsers(build_parser())}
    assert len(found) >= 10  # baozhai, run, demo, parse, backfill, digest (send), ingest, db …
    assert all(found.values()), [prog for prog, text in found.items() if not text]


@pytest.mark.parametrize(
    ("typed", "verbose", "config"),
    [
        (["ingest", "-v", "--config", "b.toml"], True, Path("b.toml")),
        (["-v", "--config", "a.toml", "db", "upgrade"], True, Path("a.toml")),
        (["--config", "a.toml", "digest", "send", "--verbose"], True, Path("a.toml")),
        (["--config", "a.toml", "status", "--config", "b.toml"], False, Path("b.toml")),
        (["status"], False, None),
    ],
)
def test_config_and_verbose_work_before_or_after_the_command(
    typed: list[str], verbose: bool, config: Path | None
) -> None:
    from bot.cli import build_parser

    parsed = build_parser().parse_args(typed)
    assert (parsed.verbose, parsed.config) == (verbose, config)


def test_parse_into_a_closed_pipe_stops_quietly(tmp_path: Path, seed_path: Path) -> None:
    for day in range(1, 21):  # JSON well beyond a pipe's buffer
        shutil.copy(seed_path, tmp_path / f"2024-07-{day:02d}.txt")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "parse", str(tmp_path), "--json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(100)  # what `head -c 100` reads
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=90) == 141
    assert "Traceback" not in errors and "BrokenPipe" not in errors


def test_parse_prints_a_table_of_the_seed(tmp_path: Path, seed_path: Path) -> None:
    result = baozhai("parse", str(seed_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "7 articles" in result.stdout
    assert "徐留平" in result.stdout


def test_parse_tables_show_brackets_in_names_and_pages_as_written() -> None:
    # A paper's name comes from a site's <title>: rich markup in it is text, not a style.
    from rich.console import Console

    from bot.parse_view import print_tables

    article = {"id": 1, "page": "[b]A1", "title": "标题", "byline": None, "continued_on": None}
    edition = {"paper": "Daily [/b] News", "date": "2024-07-01", "articles": [article]}
    console = Console(record=True, width=120)
    print_tables(console, [{**edition, "articles": [{**article, "summary": [], "keywords": []}]}])
    shown = console.export_text()
    assert "Daily [/b] News 2024-07-01" in shown and "[b]A1" in shown


@pytest.mark.parametrize("count", ["0", "21", "99", "three"])
def test_parse_sentences_outside_what_the_config_allows_is_refused(
    tmp_path: Path, seed_path: Path, count: str
) -> None:
    # The same bounds as [summary] sentences: the CLI never summarizes as no config could.
    result = baozhai("parse", str(seed_path), "--sentences", count, cwd=tmp_path)
    assert result.returncode == 2
    assert "--sentences" in result.stderr and "from 1 to 20" in result.stderr
    assert not result.stdout


def test_parse_json_follows_the_contract(tmp_path: Path, seed_path: Path) -> None:
    result = baozhai("parse", str(seed_path), "--json", "--sentences", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"paper", "date", "articles"}
    assert len(data["articles"]) == 7
    keys = {
        "id",
        "page",
        "title",
        "byline",
        "paragraphs",
        "captions",
        "continued_on",
        "summary",
        "keywords",
    }
    for number, article in enumerate(data["articles"], start=1):
        assert set(article) == keys
        assert article["id"] == number
        assert 1 <= len(article["summary"]) <= 2
        body = "\n".join(article["paragraphs"])
        assert all(sentence in body for sentence in article["summary"])
    assert data["articles"][0]["continued_on"] == 4


def test_parse_a_folder_reports_a_broken_file_and_keeps_the_rest(
    tmp_path: Path, seed_path: Path
) -> None:
    folder = tmp_path / "editions"
    folder.mkdir()
    shutil.copy(seed_path, folder / "2024-07-01-p01.txt")
    (folder / "2024-07-02-p01.txt").write_bytes(b"\x00\x00binary")
    result = baozhai("parse", str(folder), "--json", cwd=tmp_path)
    assert result.returncode == 1
    editions = json.loads(result.stdout)
    assert [e["date"] for e in editions] == ["2024-07-01"]
    assert "2024-07-02-p01.txt" in result.stderr
    assert "Traceback" not in result.stderr


def test_parse_of_a_device_says_it_is_neither_a_file_nor_a_folder(tmp_path: Path) -> None:
    result = baozhai("parse", "/dev/null", cwd=tmp_path)
    assert result.returncode == 1
    assert "/dev/null: neither a file nor a folder" in result.stderr


def test_parse_a_folder_without_edition_files_says_so_and_fails(tmp_path: Path) -> None:
    (tmp_path / "editions").mkdir()
    (tmp_path / "editions" / "notes.md").write_text("not an edition", encoding="utf-8")
    result = baozhai("parse", "editions", cwd=tmp_path)
    assert result.returncode == 1
    assert "no edition files (*.txt) in this folder" in result.stderr


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("htps://epaper.example/index.htm", "only http:// and https:// addresses can be read"),
        ("ftp://epaper.example/index.htm", "only http:// and https:// addresses can be read"),
        ("", "give a file, a folder or an address"),
    ],
)
def test_parse_of_a_mistyped_address_or_nothing_is_one_clear_line(
    tmp_path: Path, given: str, said: str
) -> None:
    result = baozhai("parse", given, cwd=tmp_path)
    assert result.returncode == 2
    assert said in result.stderr and "Traceback" not in result.stderr


def test_parse_takes_an_address_whatever_the_case_of_its_scheme(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = baozhai("parse", f"HTTP://127.0.0.1:{port}/index.htm", cwd=tmp_path)
    assert result.returncode != 0
    assert "no such file or folder" not in result.stderr


def test_parse_a_missing_path_is_one_clear_line(tmp_path: Path) -> None:
    result = baozhai("parse", "nowhere.txt", cwd=tmp_path)
    assert result.returncode == 1
    assert "nowhere.txt" in result.stderr and "Traceback" not in result.stderr


def test_a_config_error_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[schedule]\ndigest_time = "7:3x"\n', encoding="utf-8")
    result = baozhai("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 2
    assert "digest_time" in result.stderr and "Traceback" not in result.stderr


def test_a_database_folder_that_cannot_be_made_is_one_line_naming_it(tmp_path: Path) -> None:
    (tmp_path / "db").write_text("a file where the folder should be", encoding="utf-8")
    (tmp_path / "config.toml").write_text(
        '[storage]\nurl = "sqlite:///db/baozhai.db"\n', encoding="utf-8"
    )
    result = baozhai("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"cannot make its folder {tmp_path / 'db'}" in result.stderr


def test_a_database_url_whose_driver_is_not_installed_says_so_in_one_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "config.toml").write_text(
        '[storage]\nurl = "postgresql+psycopg2://baozhai:secret@127.0.0.1/baozhai"\n',
        encoding="utf-8",
    )
    result = baozhai("status", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "driver is not installed (psycopg2)" in result.stderr
    assert "secret" not in result.stderr


def test_without_a_token_run_plays_the_demo(tmp_path: Path) -> None:
    result = baozhai("run", cwd=tmp_path, stdin="/today\n/article 2\n/stats\n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "local demo" in result.stdout
    assert "浙江工人日报" in result.stdout
    assert "徐留平" in result.stdout  # /article 2
    assert "chart saved to" in result.stdout  # /stats sent a photo


def test_the_demo_shows_a_search_turning_its_page(tmp_path: Path) -> None:
    result = baozhai("demo", cwd=tmp_path, stdin="/search 的\n[下一页 ▶]\n")
    assert result.returncode == 0, result.stderr[-2000:]
    first, _, turned = result.stdout.partition("[下一页 ▶]")
    assert "1. " in first and "(edited)" not in first
    assert "(edited)" in turned and "6. " in turned and "[◀ 上一页]" in turned


def test_each_reply_in_the_demo_shows_under_the_line_it_answers(tmp_path: Path) -> None:
    # Subscribing at once used to race the start-up poll's catch-up digest, which then
    # showed under the next lines and pushed each reply one line down.
    result = baozhai("demo", cwd=tmp_path, stdin="/subscribe\n/article 0\n/help\n/stats\n")
    assert result.returncode == 0, result.stderr[-2000:]
    answers = dict(part.split("\n", 1) for part in result.stdout.split("你 › ")[1:])
    assert list(answers) == ["/subscribe", "/article 0", "/help", "/stats"]
    assert "订阅成功" in answers["/subscribe"] and "📰" not in answers["/subscribe"]
    assert "不是有效的文章编号" in answers["/article 0"]
    assert "使用帮助" in answers["/help"] and "📰" not in answers["/help"]
    assert "chart saved to" in answers["/stats"]


def test_a_demo_script_longer_than_the_command_limit_is_answered_to_the_end(
    tmp_path: Path,
) -> None:
    (tmp_path / "config.toml").write_text(  # a short pause per chat: a quicker test
        "[delivery]\nper_chat_interval_seconds = 0.1\n[limits]\ncommands_per_chat = 2\n",
        encoding="utf-8",
    )
    result = baozhai("demo", cwd=tmp_path, stdin="/article 1\n/article 2\n/article 3\n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "太快" not in result.stdout and "no reply" not in result.stdout
    assert "第 3/7 篇" in result.stdout


def test_the_demos_charts_are_saved_in_its_scratch_folder_and_go_with_it(tmp_path: Path) -> None:
    result = baozhai("demo", cwd=tmp_path, stdin="/stats\n")
    assert result.returncode == 0, result.stderr[-2000:]
    [path] = re.findall(r"chart saved to (\S+\.png)", result.stdout)
    assert Path(path).parent.name.startswith("baozhai-demo-") and not Path(path).exists()


def test_a_second_push_in_the_demo_says_the_digest_was_delivered(tmp_path: Path) -> None:
    result = baozhai("demo", cwd=tmp_path, stdin="/subscribe\n/push\n/push\n")
    assert result.returncode == 0, result.stderr[-2000:]
    _, _, second = result.stdout.rpartition("/push")
    assert "already has the digest" in second
    assert "/subscribe first" not in result.stdout


def test_a_push_before_subscribing_says_so_at_once(tmp_path: Path) -> None:
    result = baozhai("demo", cwd=tmp_path, stdin="/push\n")
    assert "not subscribed" in result.stdout
    assert "Running the scheduled daily digest job" not in result.stdout


def test_the_demo_in_english_is_english_throughout(tmp_path: Path) -> None:
    result = baozhai("demo", cwd=tmp_path, env={"BAOZHAI_DEMO_LANG": "en"}, stdin="/start\n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "you › /start" in result.stdout and "你 ›" not in result.stdout
    assert "Hello, Reader!" in result.stdout and "读者" not in result.stdout


def test_stats_on_the_demos_old_sample_shows_its_keywords(tmp_path: Path) -> None:
    result = baozhai("demo", cwd=tmp_path, stdin="/stats\n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "热门关键词" in result.stdout and "工会" in result.stdout


def test_the_demo_on_kept_data_reads_a_site_papers_archive_without_polling_it(
    tmp_path: Path,
) -> None:
    config = (
        '[[papers]]\nname = "海南日报"\nepaper = "https://epaper.example.com/paperindex.htm"\n'
        'template = "founder"\n[[papers]]\nname = "浙江工人日报"\ninbox = "inbox"\n'
    )
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    result = baozhai("demo", "--keep-data", cwd=tmp_path, stdin="/today\n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "海南日报" in result.stdout
    assert (tmp_path / "inbox" / "done").is_dir()  # the sample paper's own inbox got the sample


def test_the_demo_on_kept_data_never_puts_the_sample_into_another_papers_inbox(
    tmp_path: Path,
) -> None:
    (tmp_path / "config.toml").write_text(
        '[[papers]]\nname = "海南日报"\ninbox = "inbox"\n', encoding="utf-8"
    )
    result = baozhai("demo", "--keep-data", cwd=tmp_path, stdin="/today\n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert Store(f"sqlite:///{tmp_path / 'data' / 'baozhai.db'}").editions.latest() is None
    assert not any((tmp_path / "inbox").rglob("*.txt"))


def test_the_demo_shows_rich_markup_typed_as_text(tmp_path: Path) -> None:
    result = baozhai("demo", cwd=tmp_path, stdin="/search [/b] x\n[/x]\n/article 2\n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "/search [/b] x" in result.stdout and "No button [/x]" in result.stdout
    assert "徐留平" in result.stdout  # and it went on


def test_bytes_that_are_not_utf8_in_the_demos_input_are_replaced_and_it_goes_on(
    tmp_path: Path,
) -> None:
    environ = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        cwd=tmp_path,
        env={**environ, "PYTHONIOENCODING": "utf-8:strict"},
        input=b"/search \xff\xfe\n/article 2\n",
        capture_output=True,
        timeout=90,
    )
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 0 and "Traceback" not in err, err[-2000:]
    assert "/search \ufffd\ufffd" in out
    assert "徐留平" in out  # the next command is answered


def test_control_characters_in_the_demos_input_are_shown_not_obeyed(tmp_path: Path) -> None:
    # A piped line is echoed under the prompt: an escape sequence in it (a colour, a window
    # title, OSC 52 setting the clipboard) must reach the terminal as visible text.
    result = baozhai("demo", cwd=tmp_path, stdin="\x1b[31mRED\x1b[0m\n/search \x1b]0;PWNED\x07x\n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "␛[31mRED␛[0m" in result.stdout


def test_a_typed_byte_the_terminal_could_not_decode_is_one_replacement_character() -> None:
    from bot.demo import as_text

    assert as_text("/search \udcff\udcfe") == "/search \ufffd\ufffd"  # surrogateescape
    assert as_text("\ud800x") == "\ufffd" * 3 + "x"  # a surrogate standing for no byte


def test_a_demo_whose_scratch_folder_fills_up_names_that_folder_not_the_real_database(
    tmp_path: Path,
) -> None:
    # The demo's database is a scratch one under $TMPDIR; the configured one is never
    # touched. A full $TMPDIR (here: a file size limit) must not send the operator to it.
    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead
        limits.setrlimit(limits.RLIMIT_FSIZE, (200_000, 200_000))

    environ = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        cwd=tmp_path,
        env={**environ, "TMPDIR": str(scratch)},
        input=b"/today\n",
        capture_output=True,
        preexec_fn=small_files,
        timeout=90,
    )
    said = result.stderr.decode(errors="replace")
    assert result.returncode == 1 and "Traceback" not in said, said[-2000:]
    assert f"the demo's scratch database in {scratch}/baozhai-demo-" in said, said[-2000:]
    assert "data/baozhai.db" not in said
    assert list(scratch.iterdir()) == []


def test_the_demo_with_no_stdin_at_all_plays_its_tour(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = subprocess.run(
        ["sh", "-c", f'exec "{sys.executable}" -m bot demo <&-'],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "playing a short tour" in result.stdout


def test_piped_lines_are_answered_as_they_come_not_when_the_pipe_closes(tmp_path: Path) -> None:
    # `tail -f script | baozhai demo`, or a slow script: each line is sent when it arrives
    # (before, the whole input was read first, so a pipe that stays open showed nothing).
    environ = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        env=environ,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(b"/article 2\n")
        process.stdin.flush()
        shown, deadline = b"", time.monotonic() + 60
        while "徐留平".encode() not in shown and time.monotonic() < deadline:
            if select.select([process.stdout], [], [], 0.5)[0]:
                shown += os.read(process.stdout.fileno(), 65536)
        assert "徐留平".encode() in shown, shown.decode(errors="replace")[-2000:]
        process.stdin.write(b"/quit\n")
        process.stdin.close()
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def demo_at_its_prompt(tmp_path: Path, *, piped: bool) -> tuple[subprocess.Popen[bytes], int]:
    """``baozhai demo`` typed into from a terminal of its own (a pseudo-terminal: the
    interactive prompt), its output on that terminal or, ``piped``, into a pipe (``baozhai
    demo | tee``), waiting at its prompt; the process and where its output is read. Its
    scratch folder goes under ``tmp_path / "tmp"``."""
    master, slave = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    (tmp_path / "tmp").mkdir()
    environ["TMPDIR"] = str(tmp_path / "tmp")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo"],
        stdin=slave,
        stdout=subprocess.PIPE if piped else slave,
        stderr=subprocess.STDOUT if piped else slave,
        cwd=tmp_path,
        env=environ,
        start_new_session=True,
    )
    os.close(slave)
    output = process.stdout.fileno() if process.stdout is not None else master
    shown = b""
    deadline = time.monotonic() + 60
    while "›".encode() not in shown and time.monotonic() < deadline:
        if select.select([output], [], [], 0.5)[0]:
            shown += os.read(output, 65536)
    assert "›".encode() in shown, shown.decode(errors="replace")[-2000:]
    return process, output


def output_of(output: int) -> str:
    shown = b""
    while select.select([output], [], [], 0.2)[0]:
        try:
            chunk = os.read(output, 65536)
        except OSError:  # the process is gone, and the terminal with it
            break
        if not chunk:
            break
        shown += chunk
    return shown.decode(errors="replace")


@pytest.mark.parametrize("piped", [False, True], ids=["on-a-terminal", "output-piped"])
@pytest.mark.parametrize(
    "sent", ["SIGINT", "SIGTERM", "SIGHUP"], ids=["ctrl-c", "terminated", "terminal-closed"]
)
def test_the_demo_interrupted_at_its_prompt_stops_at_once_and_cleans_up(
    tmp_path: Path, sent: str, piped: bool
) -> None:
    process, output = demo_at_its_prompt(tmp_path, piped=piped)
    process.send_signal(getattr(signal, sent))
    try:
        code = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"still running 30 s after {sent}: {output_of(output)[-2000:]}")
    shown = output_of(output)
    assert code == 0, shown[-2000:]
    assert "Traceback" not in shown and "Fatal Python error" not in shown
    assert list((tmp_path / "tmp").iterdir()) == []  # the scratch database and inbox


@pytest.mark.parametrize(
    "sent", ["SIGINT", "SIGTERM", "SIGHUP"], ids=["ctrl-c", "terminated", "terminal-closed"]
)
def test_the_demo_stopped_while_it_starts_stops_in_one_line_and_cleans_up(
    tmp_path: Path, sent: str
) -> None:
    # The signal comes as soon as the scratch folder exists: the sample is being stored, the
    # bot started. Before, SIGTERM and SIGHUP killed it there with the folder (a database, an
    # inbox) left in /tmp, and Ctrl-C as the bot started printed five tracebacks.
    environ = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo"],
        stdin=subprocess.PIPE,  # kept open: the demo waits for lines
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        env={**environ, "TMPDIR": str(scratch)},
    )
    try:
        deadline = time.monotonic() + 60
        while not list(scratch.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.005)
        process.send_signal(getattr(signal, sent))
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    shown = out.decode(errors="replace")
    assert process.returncode in (0, 130), shown[-2000:]
    assert "Traceback" not in shown, shown[-3000:]
    assert list(scratch.iterdir()) == []


@contextmanager
def serving_in_thread(
    start: Callable[[], Awaitable[object]], stop: Callable[[], Awaitable[object]]
) -> Iterator[None]:
    """Run an asyncio server on its own event loop in a thread, for a process of its own."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@pytest.fixture
def server_in_thread() -> Iterator[LocalBotApi]:
    """A local Bot API server on its own event loop, for a bot process of its own."""
    server = LocalBotApi("777:RIGHT-TOKEN")
    with serving_in_thread(server.start, server.stop):
        yield server


@pytest.fixture
def site_in_thread() -> Iterator[SiteServer]:
    """An e-paper site on 127.0.0.1, for a ``baozhai`` process to read."""
    site = SiteServer()
    with serving_in_thread(site.start, site.stop):
        yield site


def test_an_invalid_token_stops_startup_with_one_line_and_never_shows_the_token(
    tmp_path: Path, server_in_thread: LocalBotApi
) -> None:
    wrong = "888:WRONG-TOKEN-abcdefghijklmnopqrstuvwxyz"
    (tmp_path / "config.toml").write_text(
        f'[telegram]\napi_base_url = "{server_in_thread.base_url}"\n', encoding="utf-8"
    )
    result = baozhai("-v", "run", cwd=tmp_path, env={"TELEGRAM_BOT_TOKEN": wrong})
    assert result.returncode == 1
    assert "token" in result.stderr.strip().splitlines()[-1]
    assert wrong not in result.stdout + result.stderr
    assert "WRONG-TOKEN" not in result.stdout + result.stderr


@contextmanager
def http_answering(status: int, body: bytes, content_type: str) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 answering every request with ``status`` and ``body`` (a
    proxy's error page, a Bot API's refusal); its base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("status", "body", "content_type", "said"),
    [
        (403, b"<html>Forbidden</html>", "text/html", "answered 403 Forbidden"),
        (
            429,
            b'{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5",'
            b'"parameters":{"retry_after":5}}',
            "application/json",
            "asks to wait 5 s (flood control)",
        ),
        (404, b"<html>404 Not Found</html>", "text/html", "or is no Bot API"),
    ],
)
def test_a_bot_api_refusing_at_start_up_is_one_line_naming_it(
    tmp_path: Path, status: int, body: bytes, content_type: str, said: str
) -> None:
    token = "888:SECRET-TOKEN-abcdefghijklmnopqrstuvwxyz"
    with http_answering(status, body, content_type) as url:
        (tmp_path / "config.toml").write_text(
            f'[telegram]\napi_base_url = "{url}"\n', encoding="utf-8"
        )
        result = baozhai("run", cwd=tmp_path, env={"TELEGRAM_BOT_TOKEN": token})

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()[-1:]
    assert line.startswith(f"baozhai: the Bot API at {url.removesuffix('/bot')} ") and said in line
    assert "SECRET-TOKEN" not in result.stdout + result.stderr


def test_a_password_in_the_bot_api_address_is_never_printed(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    (tmp_path / "config.toml").write_text(
        f'[telegram]\napi_base_url = "http://admin:hunter2@127.0.0.1:{port}/bot"\n',
        encoding="utf-8",
    )
    result = baozhai("run", cwd=tmp_path, env={"TELEGRAM_BOT_TOKEN": "888:SECRET-TOKEN"})

    assert result.returncode == 1
    assert f"cannot reach the Bot API at http://127.0.0.1:{port}:" in result.stderr
    assert "hunter2" not in result.stdout + result.stderr


def test_run_webhook_without_a_token_exits_2_and_never_plays_the_demo(tmp_path: Path) -> None:
    result = baozhai("run", "--webhook", cwd=tmp_path)

    assert result.returncode == 2
    assert "no Telegram token configured (TELEGRAM_BOT_TOKEN): --webhook needs one" in (
        result.stderr
    )
    assert "starting the local demo" not in result.stdout + result.stderr


def test_run_as_a_systemd_service_without_a_token_exits_2_and_never_plays_the_demo(
    tmp_path: Path,
) -> None:
    # systemd names the journal stream stderr is connected to in $JOURNAL_STREAM.
    journal = tmp_path / "journal"
    with journal.open("w") as stderr:
        stat = os.fstat(stderr.fileno())
        environ = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
        environ["JOURNAL_STREAM"] = f"{stat.st_dev}:{stat.st_ino}"
        result = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            timeout=90,
        )

    assert result.returncode == 2
    said = journal.read_text(encoding="utf-8")
    assert "no Telegram token configured (TELEGRAM_BOT_TOKEN): a systemd service needs one" in (
        said
    )
    assert "starting the local demo" not in result.stdout + said


def test_a_configured_webhook_url_run_without_webhook_is_warned_about(
    tmp_path: Path, server_in_thread: LocalBotApi
) -> None:
    (tmp_path / "config.toml").write_text(
        f'[telegram]\napi_base_url = "{server_in_thread.base_url}"\n'
        'webhook_url = "https://bot.example.org/hook"\nwebhook_secret = "s3cret-s3cret-s3cret"\n',
        encoding="utf-8",
    )
    process = Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={**os.environ, "TELEGRAM_BOT_TOKEN": "777:RIGHT-TOKEN"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if "webhook_url is set but run without --webhook" in line:
                break
        else:
            raise AssertionError("no warning")
    finally:
        process.terminate()
        process.wait(30)


def ingested_archive(folder: Path, seed: Path, server: LocalBotApi) -> Store:
    """A config pointing at ``server``, the seed ingested by ``baozhai ingest``, its store."""
    inbox = folder / "inbox"
    inbox.mkdir()
    shutil.copy2(seed, inbox / "2024-07-01-p01.txt")
    (folder / "config.toml").write_text(
        f'[telegram]\napi_base_url = "{server.base_url}"\n'
        "[schedule]\nsettle_seconds = 0\n"  # copied whole: no need to wait since the copy
        f'[[papers]]\nname = "浙江工人日报"\ninbox = "inbox"\n',
        encoding="utf-8",
    )
    ingested = baozhai("ingest", cwd=folder)
    assert ingested.returncode == 0, ingested.stderr
    assert "7 articles" in ingested.stdout
    return Store(f"sqlite:///{folder / 'data' / 'baozhai.db'}")


def test_a_page_that_cannot_be_moved_out_of_the_inbox_fails_the_ingest_saying_so(
    tmp_path: Path, seed_path: Path
) -> None:
    # A file where done/ must be: no move can succeed, even as root (as an inbox this user
    # may read but not write, or a full disk).
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy2(seed_path, inbox / "2024-07-01-p01.txt")
    (inbox / "done").write_text("", encoding="utf-8")
    (tmp_path / "config.toml").write_text(
        '[schedule]\nsettle_seconds = 0\n[[papers]]\nname = "浙江工人日报"\ninbox = "inbox"\n',
        encoding="utf-8",
    )

    first = baozhai("ingest", cwd=tmp_path)
    again = baozhai("ingest", cwd=tmp_path)

    stuck = (
        "浙江工人日报: 2024-07-01-p01.txt: cannot be moved out of the inbox (the error is "
        "above); every poll reads it again until it can"
    )
    assert first.returncode == 1 and "stored, 7 articles" in first.stdout
    assert stuck in first.stderr
    assert again.returncode == 1 and stuck in again.stderr


def test_digest_send_pushes_now_and_skips_chats_that_have_it(
    tmp_path: Path, seed_path: Path, server_in_thread: LocalBotApi
) -> None:
    token = "777:RIGHT-TOKEN"
    with ingested_archive(tmp_path, seed_path, server_in_thread) as store:
        store.subscribers.subscribe(31, "zh", ["浙江工人日报"])
    reader = server_in_thread.user(31, "王芳")

    first = baozhai(
        "digest", "send", "--date", "2024-07-01", cwd=tmp_path, env={"TELEGRAM_BOT_TOKEN": token}
    )
    assert first.returncode == 0, first.stderr
    assert "sent 1" in first.stdout
    assert any("浙江工人日报" in m.text for m in reader.history)

    again = baozhai(
        "digest", "send", "--date", "2024-07-01", cwd=tmp_path, env={"TELEGRAM_BOT_TOKEN": token}
    )
    assert again.returncode == 0, again.stderr
    assert "sent 0" in again.stdout and "already had it 1" in again.stdout


def test_digest_send_gives_a_combined_reader_one_message_and_a_per_paper_reader_two(
    tmp_path: Path, seed_path: Path, server_in_thread: LocalBotApi
) -> None:
    from bot.storage.records import DigestMode
    from tests.bot.delivery.editions import SECOND_PAPER, reprint_page

    for inbox, text in (("inbox", seed_path.read_text("utf-8")), ("inbox2", None)):
        (tmp_path / inbox).mkdir()
        page = reprint_page(seed_path.read_text("utf-8")) if text is None else text
        (tmp_path / inbox / "2024-07-01-p01.txt").write_text(page, encoding="utf-8")
    (tmp_path / "config.toml").write_text(
        f'[telegram]\napi_base_url = "{server_in_thread.base_url}"\n'
        "[schedule]\nsettle_seconds = 0\n"  # written whole: no need to wait since the write
        f'[[papers]]\nname = "浙江工人日报"\ninbox = "inbox"\n'
        f'[[papers]]\nname = "{SECOND_PAPER}"\ninbox = "inbox2"\n',
        encoding="utf-8",
    )
    for page in tmp_path.glob("inbox*/*.txt"):  # arrived a minute ago, not being written now
        os.utime(page, (time.time() - 60, time.time() - 60))
    assert baozhai("ingest", cwd=tmp_path).returncode == 0
    with Store(f"sqlite:///{tmp_path / 'data' / 'baozhai.db'}") as store:
        for chat_id in (41, 42):
            store.subscribers.subscribe(chat_id, "zh", ["浙江工人日报", SECOND_PAPER])
        store.subscribers.set_digest_mode(41, DigestMode.COMBINED)
    combined, per_paper = server_in_thread.user(41, "甲"), server_in_thread.user(42, "乙")

    result = baozhai("digest", "send", cwd=tmp_path, env={"TELEGRAM_BOT_TOKEN": "777:RIGHT-TOKEN"})

    assert result.returncode == 0, result.stderr
    assert [m.text.splitlines()[0] for m in combined.history] == ["📰 今日报摘"]
    assert len(per_paper.history) == 2
    assert "combined digest (浙江工人日报, 海南日报): sent 1" in result.stdout


def test_ingest_of_an_empty_inbox_says_nothing_was_new_and_where_it_looked(
    tmp_path: Path,
) -> None:
    (tmp_path / "inbox").mkdir()
    (tmp_path / "config.toml").write_text(
        '[[papers]]\nname = "浙江工人日报"\ninbox = "inbox"\n', encoding="utf-8"
    )
    result = baozhai("ingest", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"浙江工人日报: nothing new in {(tmp_path / 'inbox').resolve()}\n"


def test_ingest_leaves_an_edition_still_uploading_and_says_it_waits(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    ready = tmp_path / "inbox" / "2024-07-01-p01.txt"
    ready.write_text("第1版：要闻\n", encoding="utf-8")
    os.utime(ready, (time.time() - 60, time.time() - 60))
    (tmp_path / "inbox" / "2024-07-01-p02.txt.part").write_text("第2版", encoding="utf-8")
    (tmp_path / "config.toml").write_text(
        '[[papers]]\nname = "浙江工人日报"\ninbox = "inbox"\n', encoding="utf-8"
    )

    result = baozhai("ingest", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "浙江工人日报: waiting for 2 files still arriving (2024-07-01-p01.txt" in result.stdout
    assert ready.exists()


def test_ingest_skips_an_inbox_another_process_is_ingesting_and_says_so(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    page = inbox / "2024-07-01-p01.txt"
    page.write_text("## 要闻\n\n本报讯 今天的消息。\n", encoding="utf-8")
    os.utime(page, (time.time() - 60, time.time() - 60))
    (tmp_path / "config.toml").write_text(
        '[[papers]]\nname = "浙江工人日报"\ninbox = "inbox"\n', encoding="utf-8"
    )

    with inbox_held_by_another_process(inbox):
        result = baozhai("ingest", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "浙江工人日报: another process is ingesting its inbox; skipped, run again later"
    ]
    assert page.exists()


def test_digest_send_for_a_date_without_an_edition_says_so(tmp_path: Path) -> None:
    result = baozhai(
        "digest",
        "send",
        "--date",
        "1999-01-01",
        cwd=tmp_path,
        env={"TELEGRAM_BOT_TOKEN": "777:RIGHT-TOKEN"},
    )
    assert result.returncode == 1
    assert "1999-01-01" in result.stderr and "Traceback" not in result.stderr


def test_an_unreachable_bot_api_stops_startup_with_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "config.toml").write_text(
        f'[telegram]\napi_base_url = "http://127.0.0.1:{port}/bot"\n', encoding="utf-8"
    )
    token = "999:UNREACHABLE-TOKEN"
    result = baozhai("run", cwd=tmp_path, env={"TELEGRAM_BOT_TOKEN": token})
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("baozhai: cannot reach the Bot API at http://127.0.0.1:")
    assert "Traceback" not in result.stderr and token not in result.stderr + result.stdout


def test_digest_send_exits_non_zero_when_a_chat_fails(
    tmp_path: Path, seed_path: Path, server_in_thread: LocalBotApi
) -> None:
    with ingested_archive(tmp_path, seed_path, server_in_thread) as store:
        # a chat Telegram does not know: 400 chat not found
        store.subscribers.subscribe(404404, "zh", ["浙江工人日报"])
    result = baozhai("digest", "send", cwd=tmp_path, env={"TELEGRAM_BOT_TOKEN": "777:RIGHT-TOKEN"})
    assert result.returncode == 1
    assert "failed 1" in result.stdout


def test_parse_a_folder_keeps_two_papers_of_one_date_apart_and_skips_what_was_set_aside(
    tmp_path: Path, seed_path: Path
) -> None:
    for paper in ("zjgrrb", "hnrb"):
        (tmp_path / "inbox" / paper / "failed").mkdir(parents=True)
        shutil.copy(seed_path, tmp_path / "inbox" / paper / "2024-07-01-p01.txt")
        (tmp_path / "inbox" / paper / "failed" / "2024-07-02-p01.txt").write_bytes(b"\x00")
        (tmp_path / "inbox" / paper / "failed" / "2024-07-02-p01.txt.reason.txt").write_text(
            "binary", encoding="utf-8"
        )
    result = baozhai("parse", "inbox", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    editions = json.loads(result.stdout)
    assert [len(e["articles"]) for e in editions] == [7, 7]


def test_parse_names_the_paper_of_a_configured_inbox(tmp_path: Path, seed_path: Path) -> None:
    (tmp_path / "in").mkdir()
    shutil.copy(seed_path, tmp_path / "in" / "2024-07-01-p01.txt")
    (tmp_path / "config.toml").write_text(
        '[[papers]]\nname = "浙江工人日报"\ninbox = "in"\n', encoding="utf-8"
    )
    result = baozhai("parse", "in", "--json", cwd=tmp_path)
    assert json.loads(result.stdout)[0]["paper"] == "浙江工人日报"


def test_the_parse_table_folds_long_chinese_lines_instead_of_cutting_them(
    tmp_path: Path, seed_path: Path
) -> None:
    result = baozhai("parse", str(seed_path), cwd=tmp_path, env={"COLUMNS": "100"})
    assert result.returncode == 0
    assert "…" not in result.stdout  # rich marks a cut cell with an ellipsis; the seed has none


def test_a_file_name_that_looks_like_markup_is_reported_as_it_is(tmp_path: Path) -> None:
    odd = tmp_path / "[red]x-2024-07-03.txt"
    odd.write_bytes(b"")
    result = baozhai("parse", str(tmp_path), cwd=tmp_path)
    assert "[red]x-2024-07-03.txt" in result.stderr


# -- e-paper sites ------------------------------------------------------------------------------

SITE_DAY = dt.date(2024, 7, 1)
ALLOW_SITE = '[sources]\nallow_addresses = ["127.0.0.1"]\n'
"""The test allowance: the site is served on 127.0.0.1, which is no public address."""


def allow_site_config(folder: Path, more: str = "") -> None:
    """A config.toml in ``folder`` letting ``baozhai`` fetch from the local site."""
    (folder / "config.toml").write_text(ALLOW_SITE + more, encoding="utf-8")


def site_sheets(day: dt.date) -> list[Sheet]:
    return [
        Sheet(
            f"A0{p}",
            f"版{p}",
            tuple(
                Story(
                    title=f"{day:%m月%d日}第{p}版第{k}篇",
                    byline="本报讯 记者 李雷",
                    paragraphs=("海南自由贸易港建设稳步推进，各项政策陆续落地。", "职工们说好。"),
                )
                for k in (1, 2)
            ),
            node=187 + p,
        )
        for p in (1, 2)
    ]


def test_parse_of_an_index_url_prints_the_whole_edition_as_json(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    site_in_thread.site.update(founder_site("海南日报", SITE_DAY, site_sheets(SITE_DAY)))
    allow_site_config(tmp_path)
    result = baozhai("parse", site_in_thread.url("/paperindex.htm"), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    edition = json.loads(result.stdout)
    assert (edition["paper"], edition["date"]) == ("海南日报", "2024-07-01")
    assert [a["page"] for a in edition["articles"]] == ["A01", "A01", "A02", "A02"]
    assert all(a["summary"] for a in edition["articles"])


def test_parse_of_an_index_url_with_its_scheme_in_capitals_reads_the_edition(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    site_in_thread.site.update(founder_site("海南日报", SITE_DAY, site_sheets(SITE_DAY)))
    allow_site_config(tmp_path)
    url = site_in_thread.url("/paperindex.htm").replace("http://", "HTTP://")
    result = baozhai("parse", url, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["articles"]) == 4


def test_parse_of_a_page_url_prints_that_pages_articles(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    site = founder_site("海南日报", SITE_DAY, site_sheets(SITE_DAY))
    site_in_thread.site.update(site)
    page = next(path for path in site if path.endswith("node_189.htm"))
    allow_site_config(tmp_path)
    result = baozhai("parse", site_in_thread.url(page), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    titles = [a["title"] for a in json.loads(result.stdout)["articles"]]
    assert titles == ["07月01日第2版第1篇", "07月01日第2版第2篇"]


def test_parse_of_an_article_whose_page_number_is_a_circled_digit_reads_it(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    site = founder_site("海南日报", SITE_DAY, site_sheets(SITE_DAY))
    article = next(path for path in site if b">A02</founder-pagenum>" in site[path].body)
    body = site[article].body.replace(b">A02</founder-pagenum>", ">②</founder-pagenum>".encode())
    site_in_thread.site.update({**site, article: Resource(body)})
    allow_site_config(tmp_path)
    result = baozhai("parse", site_in_thread.url(article), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [a["page"] for a in json.loads(result.stdout)["articles"]] == ["2"]


def long_story_site() -> tuple[dict[str, Resource], str]:
    """The edition with its first page's second article longer than 100 characters."""
    pages = site_sheets(SITE_DAY)
    story = pages[0].stories[1]
    long = dataclasses.replace(story, paragraphs=(*story.paragraphs, "很长的一段。" * 30))
    pages[0] = dataclasses.replace(pages[0], stories=(pages[0].stories[0], long))
    site = founder_site("海南日报", SITE_DAY, pages)
    article = next(path for path in site if "很长的一段".encode() in site[path].body)
    return site, article


def test_parse_of_an_article_longer_than_article_chars_refuses_it_as_the_crawler_does(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    site, article = long_story_site()
    site_in_thread.site.update(site)
    allow_site_config(tmp_path, "[limits]\narticle_chars = 100\n")
    result = baozhai("parse", site_in_thread.url(article), cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert "too long an article" in result.stderr and "[limits] article_chars" in result.stderr
    assert "Traceback" not in result.stderr


def test_parse_of_a_page_url_reads_its_articles_but_one_longer_than_article_chars(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    site, article = long_story_site()
    site_in_thread.site.update(site)
    page = next(path for path in site if path.endswith("node_188.htm"))
    allow_site_config(tmp_path, "[limits]\narticle_chars = 100\n")
    result = baozhai("parse", site_in_thread.url(page), "--json", cwd=tmp_path)
    assert result.returncode == 1
    titles = [a["title"] for a in json.loads(result.stdout)["articles"]]
    assert titles == ["07月01日第1版第1篇"]
    assert f"not read: {site_in_thread.url(article)}: " in result.stderr
    assert "too long an article" in result.stderr


def test_parse_of_a_page_url_listing_more_articles_than_allowed_fetches_none(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    site = founder_site("海南日报", SITE_DAY, site_sheets(SITE_DAY))
    site_in_thread.site.update(site)
    page = next(path for path in site if path.endswith("node_189.htm"))
    allow_site_config(tmp_path, "[limits]\narticles_per_page = 1\n")
    result = baozhai("parse", site_in_thread.url(page), cwd=tmp_path)
    assert result.returncode == 1
    assert "too many articles on one page (2)" in result.stderr
    assert [hit.path for hit in site_in_thread.hits] == [page]


def test_parse_of_a_site_slower_than_a_poll_may_take_stops_at_that_bound(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    site = founder_site("海南日报", SITE_DAY, site_sheets(SITE_DAY))
    for path, resource in site.items():
        if "content_" in path:  # each article answers, but only after 4 s
            site[path] = dataclasses.replace(resource, delay=4.0)
    site_in_thread.site.update(site)
    allow_site_config(tmp_path, "poll_seconds = 1\n")
    result = baozhai("parse", site_in_thread.url("/paperindex.htm"), cwd=tmp_path)
    assert result.returncode == 1
    assert "not read within 1 s ([sources] poll_seconds)" in result.stderr


def test_a_command_interrupted_by_ctrl_c_stops_with_one_line(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    site = founder_site("海南日报", SITE_DAY, site_sheets(SITE_DAY))
    for path, resource in site.items():
        if "content_" in path:  # each article hangs until the interrupt
            site[path] = dataclasses.replace(resource, delay=60.0)
    site_in_thread.site.update(site)
    allow_site_config(tmp_path)
    environ = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "parse", site_in_thread.url("/paperindex.htm")],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(lambda: site_in_thread.in_flight > 0 and len(site_in_thread.hits) >= 2, process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert err.strip().splitlines()[-1] == "baozhai: interrupted"
    assert "Traceback" not in err


def test_parse_of_an_article_url_prints_that_article(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    site = founder_site("海南日报", SITE_DAY, site_sheets(SITE_DAY))
    site_in_thread.site.update(site)
    article = next(path for path in site if "content_" in path)
    allow_site_config(tmp_path)
    result = baozhai("parse", site_in_thread.url(article), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [only] = json.loads(result.stdout)["articles"]
    assert only["title"] == "07月01日第1版第1篇" and only["byline"]


def test_parse_of_a_url_of_no_known_shape_asks_for_the_template(tmp_path: Path) -> None:
    result = baozhai("parse", "http://127.0.0.1:9/news/today", cwd=tmp_path)
    assert result.returncode == 2
    assert "--template" in result.stderr and "Traceback" not in result.stderr


def test_parse_of_an_unparsable_url_is_one_clear_line(tmp_path: Path) -> None:
    result = baozhai("parse", "http://[::1", cwd=tmp_path)
    assert result.returncode == 2
    assert "http://[::1: not a usable URL (Invalid IPv6 URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_parse_with_an_unknown_template_names_the_known_ones(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/html/2024-07/01/node_1.htm"
    result = baozhai("parse", url, "--template", "foo", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown --template 'foo'; the templates are founder, pc_layout" in result.stderr


def test_the_ingest_help_says_it_reads_e_paper_sites_too(tmp_path: Path) -> None:
    overview = " ".join(baozhai("--help", cwd=tmp_path).stdout.split())
    assert "poll every paper once now (its inbox or its e-paper site)" in overview
    own = " ".join(baozhai("ingest", "--help", cwd=tmp_path).stdout.split())
    assert "scan each inbox and read each e-paper site's newest edition" in own


def site_paper_config(folder: Path, site: SiteServer) -> None:
    """A config.toml in ``folder`` with one paper, 海南日报, read from ``site``."""
    allow_site_config(
        folder, f'[[papers]]\nname = "海南日报"\nepaper = "{site.url("/")}"\ntemplate = "founder"\n'
    )


def test_backfill_stores_a_date_range_once_and_never_as_a_digest(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    days = [SITE_DAY, SITE_DAY + dt.timedelta(days=2)]  # no edition on the day between
    for day in days:
        site_in_thread.site.update(founder_site("海南日报", day, site_sheets(day)))
    site_paper_config(tmp_path, site_in_thread)
    first = baozhai(
        "backfill", "海南日报", "--from", "2024-07-01", "--to", "2024-07-03", cwd=tmp_path
    )
    assert first.returncode == 0, first.stderr
    assert "2 stored, 0 already stored, 1 no edition, 0 failed" in first.stdout

    site_in_thread.reset()
    again = baozhai(
        "backfill", "海南日报", "--from", "2024-07-01", "--to", "2024-07-03", cwd=tmp_path
    )
    assert "0 stored, 2 already stored, 1 no edition" in again.stdout
    assert [h.path for h in site_in_thread.hits if "content_" in h.path] == []
    with Store(f"sqlite:///{tmp_path / 'data' / 'baozhai.db'}") as store:
        stored = [store.editions.on(day, "海南日报") for day in days]
        assert all(e is not None and e.backfilled for e in stored)


def test_backfill_of_a_date_whose_articles_all_fail_counts_it_failed_and_stores_nothing(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    site = founder_site("海南日报", SITE_DAY, site_sheets(SITE_DAY))
    site_in_thread.site.update({p: r for p, r in site.items() if "content_" not in p})
    site_paper_config(tmp_path, site_in_thread)
    result = baozhai(
        "backfill", "海南日报", "--from", "2024-07-01", "--to", "2024-07-01", cwd=tmp_path
    )
    assert result.returncode == 1
    assert "0 stored, 0 already stored, 0 no edition, 1 failed" in result.stdout
    with Store(f"sqlite:///{tmp_path / 'data' / 'baozhai.db'}") as store:
        assert store.editions.on(SITE_DAY, "海南日报") is None


NOT_FOUND_PAGES = {
    "page not found": (
        "<html><head><meta charset=utf-8><title>404 页面不存在</title></head><body>"
        "<div class=error><p>对不起，您访问的页面不存在或已被删除！</p>"
        '<a href="../../../../paperindex.htm">返回首页</a></div></body></html>'
    ),
    "no edition for this date": (
        "<html><head><meta charset=utf-8><title>海南日报数字报</title></head><body>"
        "<p>该日期没有报纸，请选择其他日期。</p></body></html>"
    ),
}
"""What real sites answer, with HTTP 200, for a date they have no edition of."""


@pytest.mark.parametrize("shape", sorted(NOT_FOUND_PAGES))
def test_backfill_counts_a_date_the_site_answers_with_its_not_found_page_as_no_edition(
    tmp_path: Path, site_in_thread: SiteServer, shape: str
) -> None:
    site_in_thread.site.update(founder_site("海南日报", SITE_DAY, site_sheets(SITE_DAY)))
    page = NOT_FOUND_PAGES[shape].encode()
    site_in_thread.site["/html/2024-07/02/node_188.htm"] = Resource(page)
    site_paper_config(tmp_path, site_in_thread)
    result = baozhai(
        "backfill", "海南日报", "--from", "2024-07-01", "--to", "2024-07-02", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "1 stored, 0 already stored, 1 no edition, 0 failed" in result.stdout
    said = [line for line in result.stderr.splitlines() if "2024-07-02" in line]
    assert len(said) == 1, result.stderr
    assert "no edition" in said[0] and "WARNING" not in said[0]


def test_backfill_counts_a_date_the_site_answers_with_another_dates_edition_as_no_edition(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    site_in_thread.site.update(founder_site("海南日报", SITE_DAY, site_sheets(SITE_DAY)))
    newest = "/html/2024-07/01/node_188.htm"  # a site sending a date it lacks to its newest
    moved = Resource(status=302, headers={"Location": newest}, validators=False)
    site_in_thread.site["/html/2024-07/02/node_188.htm"] = moved
    site_paper_config(tmp_path, site_in_thread)
    result = baozhai(
        "backfill", "海南日报", "--from", "2024-07-01", "--to", "2024-07-02", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "1 stored, 0 already stored, 1 no edition, 0 failed" in result.stdout
    said = [line for line in result.stderr.splitlines() if "2024-07-02" in line]
    assert len(said) == 1 and "no edition of 2024-07-02" in said[0], result.stderr


@pytest.mark.parametrize(
    ("shape", "second"),
    [
        (
            "a changed layout",  # neither page list nor articles, and no "not found" said
            Resource(
                "<html><head><meta charset=utf-8><title>海南日报数字报</title></head><body>"
                "<div id=app></div><script src=/static/app.js></script></body></html>".encode()
            ),
        ),
        ("HTTP 500 after the retries", Resource(status=500, validators=False)),
    ],
)
def test_backfill_still_counts_a_date_the_site_cannot_serve_as_failed(
    tmp_path: Path, site_in_thread: SiteServer, shape: str, second: Resource
) -> None:
    site_in_thread.site.update(founder_site("海南日报", SITE_DAY, site_sheets(SITE_DAY)))
    site_in_thread.site["/html/2024-07/02/node_188.htm"] = second
    site = site_in_thread.url("/")
    allow_site_config(  # ([sources] attempts = 2: the 500 is asked twice, not three times)
        tmp_path,
        f'attempts = 2\n[[papers]]\nname = "海南日报"\nepaper = "{site}"\ntemplate = "founder"\n',
    )
    result = baozhai(
        "backfill", "海南日报", "--from", "2024-07-01", "--to", "2024-07-02", cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr
    assert "1 stored, 0 already stored, 0 no edition, 1 failed" in result.stdout
    said = [line for line in result.stderr.splitlines() if "2024-07-02" in line]
    assert any("WARNING" in line for line in said), result.stderr


def test_backfill_of_a_site_whose_entry_page_is_gone_counts_its_dates_failed(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    site = founder_site("海南日报", SITE_DAY, site_sheets(SITE_DAY))
    site_in_thread.site.update({p: r for p, r in site.items() if p != "/paperindex.htm"})
    site_paper_config(tmp_path, site_in_thread)  # (a mistyped address: nothing there)
    result = baozhai(
        "backfill", "海南日报", "--from", "2024-07-01", "--to", "2024-07-01", cwd=tmp_path
    )
    assert result.returncode == 1
    assert "0 stored, 0 already stored, 0 no edition, 1 failed" in result.stdout
    assert "paperindex.htm: HTTP 404" in result.stderr


def test_backfill_up_to_today_leaves_todays_edition_for_the_digest(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    yesterday = today - dt.timedelta(days=1)
    for day in (yesterday, today):
        site_in_thread.site.update(founder_site("海南日报", day, site_sheets(day)))
    site_paper_config(tmp_path, site_in_thread)
    result = baozhai(
        "backfill", "海南日报", "--from", str(yesterday), "--to", str(today), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "2 stored" in result.stdout
    with Store(f"sqlite:///{tmp_path / 'data' / 'baozhai.db'}") as store:
        old, new = (store.editions.on(day, "海南日报") for day in (yesterday, today))
        assert old is not None and old.backfilled
        assert new is not None and not new.backfilled


def test_backfill_of_a_date_after_today_is_refused(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        '[[papers]]\nname = "海南日报"\nepaper = "http://127.0.0.1:9/"\ntemplate = "founder"\n',
        encoding="utf-8",
    )
    tomorrow = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date() + dt.timedelta(days=1)
    result = baozhai(
        "backfill", "海南日报", "--from", "2024-07-01", "--to", str(tomorrow), cwd=tmp_path
    )
    assert result.returncode == 2
    assert f"--to {tomorrow} is after today" in result.stderr


def test_backfill_of_a_range_of_many_years_is_refused_without_yes(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    site_paper_config(tmp_path, site_in_thread)
    result = baozhai(
        "backfill", "海南日报", "--from", "0001-01-01", "--to", "2024-07-01", cwd=tmp_path
    )
    assert result.returncode == 2
    assert "0001-01-01..2024-07-01 is 739,068 dates" in result.stderr
    assert "pass --yes" in result.stderr
    assert site_in_thread.hits == []


def backfill_in_background(folder: Path, start: dt.date, end: dt.date, *extra: str) -> Popen[str]:
    """A ``baozhai backfill`` of 海南日报 running in ``folder``, its output piped."""
    environ = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    command = [sys.executable, "-m", "bot", "backfill", "海南日报"]
    return subprocess.Popen(
        [*command, "--from", str(start), "--to", str(end), *extra],
        cwd=folder,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(done: Callable[[], bool], process: Popen[str], seconds: float = 60) -> None:
    """Until ``done()``, failing with the process's output if it ends or time runs out."""
    deadline = time.monotonic() + seconds
    while not done():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.02)


def test_backfill_with_yes_reads_a_range_of_many_years(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    site_paper_config(tmp_path, site_in_thread)
    start = dt.date(1, 1, 1)
    process = backfill_in_background(tmp_path, start, SITE_DAY, "--yes")
    wait_for(lambda: len(site_in_thread.hits) >= 3, process)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert f"海南日报 {start}..{SITE_DAY}, up to 0001-01-" in out


def test_backfill_interrupted_by_ctrl_c_says_what_it_did_and_how_to_go_on(
    tmp_path: Path, site_in_thread: SiteServer
) -> None:
    second = SITE_DAY + dt.timedelta(days=1)
    site_in_thread.site.update(founder_site("海南日报", SITE_DAY, site_sheets(SITE_DAY)))
    slow = founder_site("海南日报", second, site_sheets(second))
    for path, resource in slow.items():
        if "content_" in path:  # the second date's articles hang until the interrupt
            slow[path] = dataclasses.replace(resource, delay=60.0)
    site_in_thread.site.update(slow)
    site_paper_config(tmp_path, site_in_thread)
    process = backfill_in_background(tmp_path, SITE_DAY, second + dt.timedelta(days=1))
    page = f"/{second:%Y-%m/%d}/node_"
    wait_for(
        lambda: site_in_thread.in_flight > 0 and any(page in h.path for h in site_in_thread.hits),
        process,
    )
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert f"up to {second}: 1 stored, 0 already stored, 0 no edition, 0 failed" in out
    assert f"interrupted at {second}; run the same command again" in err
    assert "Traceback" not in err
    with Store(f"sqlite:///{tmp_path / 'data' / 'baozhai.db'}") as store:
        assert store.editions.on(SITE_DAY, "海南日报") is not None
        assert store.editions.on(second, "海南日报") is None


def test_backfill_of_a_paper_without_a_site_says_which_have_one(tmp_path: Path) -> None:
    result = baozhai(
        "backfill", "浙江工人日报", "--from", "2024-07-01", "--to", "2024-07-02", cwd=tmp_path
    )
    assert result.returncode == 2
    assert "no e-paper paper called '浙江工人日报'" in result.stderr


def test_status_prints_polls_editions_and_digest_counts_without_the_token(
    tmp_path: Path, seed_path: Path, server_in_thread: LocalBotApi
) -> None:
    token = "777:RIGHT-TOKEN"
    with ingested_archive(tmp_path, seed_path, server_in_thread) as store:
        store.subscribers.subscribe(31, "zh", ["浙江工人日报"])
        store.subscribers.subscribe(32, "en", ["浙江工人日报"])
    server_in_thread.user(31, "王芳")
    server_in_thread.user(32, "Ann")
    env = {"TELEGRAM_BOT_TOKEN": token}
    sent = baozhai("digest", "send", "--date", "2024-07-01", cwd=tmp_path, env=env)
    assert sent.returncode == 0, sent.stderr

    result = baozhai("status", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    page = result.stdout
    assert re.search(r"浙江工人日报\n  last poll: \d{4}-\d\d-\d\d \d\d:\d\d\+08:00, new", page)
    assert "last edition: 2024-07-01, 7 articles" in page
    assert (
        "Last digest: 浙江工人日报 2024-07-01\n  sent 2 · pending 0 · in doubt 0 · failed 0" in page
    )
    assert "Subscribed chats: 2" in page
    assert "Leader: none" in page
    assert f"Database: sqlite:///{tmp_path / 'data' / 'baozhai.db'}" in page
    assert "Version: 0.1.0" in page
    assert "RIGHT-TOKEN" not in page + result.stderr


def test_status_in_chinese_is_the_admins_status_page(
    tmp_path: Path, seed_path: Path, server_in_thread: LocalBotApi
) -> None:
    ingested_archive(tmp_path, seed_path, server_in_thread).close()
    result = baozhai("status", "--lang", "zh", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("报摘运行状态\n")
    assert "最新一期：2024年7月1日，共 7 篇" in result.stdout
    assert "最近一次推送：还没有" in result.stdout


def test_status_reads_a_database_named_by_a_sqlite_uri(tmp_path: Path) -> None:
    path = tmp_path / "uri.sqlite"
    Store(f"sqlite:///{path}").close()
    url = f"sqlite:///file:{path}?mode=rw&uri=true"
    (tmp_path / "config.toml").write_text(f'[storage]\nurl = "{url}"\n', encoding="utf-8")

    result = baozhai("status", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Subscribed chats: 0" in result.stdout


@pytest.mark.parametrize(
    ("made", "said"),
    [
        ("nothing", "yet (`baozhai db upgrade` creates it"),
        ("a folder", "names a directory, not a database"),
    ],
)
def test_status_says_what_stands_where_the_database_file_should_be(
    tmp_path: Path, made: str, said: str
) -> None:
    if made == "a folder":
        (tmp_path / "data" / "baozhai.db").mkdir(parents=True)
    result = baozhai("status", cwd=tmp_path)
    assert result.returncode == 1
    assert said in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [("db", "upgrade"), ("db", "downgrade", "0013")])
def test_db_commands_say_a_folder_where_the_database_file_should_be_is_one(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    (tmp_path / "data" / "baozhai.db").mkdir(parents=True)
    result = baozhai(*command, cwd=tmp_path)
    assert result.returncode == 1
    assert "names a directory, not a database file" in result.stderr
    assert "Traceback" not in result.stderr


def test_status_of_an_unreachable_database_masks_its_password(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://baozhai:hunter2@127.0.0.1:{port}/baozhai"
    (tmp_path / "config.toml").write_text(f'[storage]\nurl = "{url}"\n', encoding="utf-8")
    result = baozhai("status", cwd=tmp_path)
    assert result.returncode == 1
    assert "hunter2" not in result.stdout + result.stderr
    assert f"baozhai:***@127.0.0.1:{port}/baozhai" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["ingest"], ["db", "upgrade"], ["digest", "send"], ["status"]])
def test_a_database_that_cannot_be_opened_is_one_line_naming_it(
    tmp_path: Path, command: list[str]
) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://baozhai:hunter2@127.0.0.1:{port}/baozhai"
    (tmp_path / "config.toml").write_text(f'[storage]\nurl = "{url}"\n', encoding="utf-8")
    result = baozhai(*command, cwd=tmp_path, env={"TELEGRAM_BOT_TOKEN": "123:ABC"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "hunter2" not in result.stdout + result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("baozhai: ")]
    assert line.startswith(f"baozhai: database postgresql+psycopg://baozhai:***@127.0.0.1:{port}")
    assert "refused" in line.lower() or "failed" in line.lower()


def test_status_changes_no_database_and_asks_for_an_upgrade_when_behind(tmp_path: Path) -> None:
    from bot.storage.engine import current_revision, downgrade, upgrade

    missing = baozhai("status", cwd=tmp_path)
    assert missing.returncode == 1 and "no database" in missing.stderr
    assert not (tmp_path / "data" / "baozhai.db").exists()

    url = f"sqlite:///{tmp_path / 'data' / 'baozhai.db'}"
    (tmp_path / "data").mkdir()
    upgrade(url)
    downgrade(url, "0005")
    behind = baozhai("status", cwd=tmp_path)
    assert behind.returncode == 1
    assert "run `baozhai db upgrade`" in behind.stderr and "Traceback" not in behind.stderr
    assert current_revision(url) == "0005"


@pytest.mark.parametrize(
    "command", [["ingest"], ["db", "upgrade"], ["db", "downgrade", "0005"], ["status"]]
)
def test_a_database_migrated_by_a_newer_version_is_refused_in_one_line(
    tmp_path: Path, command: list[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'newer.sqlite'}"
    Store(url).close()
    with sqlalchemy.create_engine(url).begin() as conn:  # a later release's migration ran
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    (tmp_path / "config.toml").write_text(f'[storage]\nurl = "{url}"\n', encoding="utf-8")

    result = baozhai(*command, cwd=tmp_path)

    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("baozhai: ")]
    assert "schema revision 0099, which this version of Baozhai does not know" in line


def test_db_downgrade_takes_the_schema_back_for_an_older_release(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rolled-back.sqlite'}"
    Store(url).close()
    (tmp_path / "config.toml").write_text(f'[storage]\nurl = "{url}"\n', encoding="utf-8")

    result = baozhai("db", "downgrade", "0013", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    with sqlalchemy.create_engine(url).connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0013"


def test_db_downgrade_to_a_revision_it_does_not_have_says_so(tmp_path: Path) -> None:
    result = baozhai("db", "downgrade", "0099", cwd=tmp_path)
    assert result.returncode == 2
    assert "baozhai: no schema revision '0099' in this release" in result.stderr.splitlines()


@pytest.mark.parametrize("revision", ["base", "head", head_revision(), "0099"])
def test_db_downgrade_goes_only_to_a_numbered_revision_below_the_current_one(
    tmp_path: Path, revision: str
) -> None:
    url = f"sqlite:///{tmp_path / 'kept.sqlite'}"
    Store(url).close()
    (tmp_path / "config.toml").write_text(f'[storage]\nurl = "{url}"\n', encoding="utf-8")

    result = baozhai("db", "downgrade", revision, cwd=tmp_path)

    assert result.returncode == 2 and "Traceback" not in result.stderr
    with sqlalchemy.create_engine(url).connect() as conn:  # nothing dropped
        assert conn.exec_driver_sql("SELECT count(*) FROM subscribers").scalar() == 0


def test_db_downgrade_steps_down_past_the_revision_that_brought_the_leases(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    Store(url).close()
    (tmp_path / "config.toml").write_text(f'[storage]\nurl = "{url}"\n', encoding="utf-8")

    for revision in ("0003", "0002"):  # from 0003 on, no leases table to look a bot up in
        result = baozhai("db", "downgrade", revision, cwd=tmp_path)
        assert result.returncode == 0, result.stderr

    with sqlalchemy.create_engine(url).connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0002"


def test_db_downgrade_of_a_database_that_is_not_there_creates_none(tmp_path: Path) -> None:
    path = tmp_path / "typo.sqlite"
    (tmp_path / "config.toml").write_text(f'[storage]\nurl = "sqlite:///{path}"\n', "utf-8")

    result = baozhai("db", "downgrade", "0013", cwd=tmp_path)

    assert result.returncode == 2 and "nothing to downgrade" in result.stderr
    assert not path.exists()


def test_db_downgrade_refuses_while_a_bot_holds_the_leader_lease(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'busy.sqlite'}"
    with Store(url) as store:
        store.leases.acquire("leader", "host:1:abc", dt.timedelta(minutes=5))
    (tmp_path / "config.toml").write_text(f'[storage]\nurl = "{url}"\n', encoding="utf-8")

    result = baozhai("db", "downgrade", "0013", cwd=tmp_path)

    assert result.returncode == 2
    assert "a bot is running on this database (host:1:abc); stop it first" in result.stderr

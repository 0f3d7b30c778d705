"""The bot token never reaches a log line, whoever logs it."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import MASK, RedactTokens, setup_logging

REPO = Path(__file__).resolve().parents[2]
TOKEN = "5012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("httpx", logging.INFO, __file__, 1, message, args, None)


def test_a_token_in_a_request_url_is_masked() -> None:
    record = _record('HTTP Request: POST https://api.telegram.org/bot%s/getMe "200 OK"', TOKEN)
    RedactTokens().filter(record)
    assert TOKEN not in record.getMessage()
    assert MASK in record.getMessage()


def test_a_configured_token_of_any_shape_is_masked() -> None:
    odd = "42:short"
    record = _record("calling with %s", odd)
    RedactTokens([odd]).filter(record)
    assert odd not in record.getMessage()


def test_the_user_and_password_of_a_url_are_masked_and_the_rest_kept() -> None:
    record = _record("proxy refused: url='%s'", "http://alice:hunter2secret@10.0.0.1:3128/x")
    RedactTokens().filter(record)
    assert record.getMessage() == "proxy refused: url='http://<credentials>@10.0.0.1:3128/x'"


def test_an_at_sign_after_a_urls_host_is_left_alone() -> None:
    message = "see https://example.org/users/@baozhai and mail news@example.org"
    record = _record(message)
    RedactTokens().filter(record)
    assert record.getMessage() == message


def test_a_token_inside_a_traceback_is_masked() -> None:
    try:
        raise RuntimeError(f"failed https://api.telegram.org/bot{TOKEN}/sendMessage")
    except RuntimeError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    RedactTokens().filter(record)
    assert TOKEN not in (record.exc_text or "")


@pytest.fixture
def logging_given_back() -> Iterator[None]:
    """:func:`setup_logging` sets up the whole process's logging (handlers, levels, exception
    hooks): put it back afterwards, or every later test would log at DEBUG into this test's
    closed capture stream (a "Logging error" traceback per record)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {
        name: logger.level
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    hooks = sys.excepthook, threading.excepthook
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, logger_level in levels.items():
        logging.getLogger(name).setLevel(logger_level)
    sys.excepthook, threading.excepthook = hooks


@pytest.mark.usefixtures("logging_given_back")
def test_setup_logging_quiets_httpx_and_masks_what_reaches_the_console(
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup_logging("DEBUG", secrets=[TOKEN])
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    logging.getLogger("telegram.ext").warning("token %s leaked?", TOKEN)
    err = capsys.readouterr().err
    assert TOKEN not in err and "leaked?" in err


@pytest.mark.usefixtures("logging_given_back")
def test_setup_logging_quiets_staminas_bare_retry_warnings() -> None:
    setup_logging("INFO")
    assert not logging.getLogger("stamina").isEnabledFor(logging.WARNING)


@pytest.mark.parametrize("where", ["main", "thread"])
def test_an_exception_nobody_caught_is_printed_without_the_token(where: str) -> None:
    # Python prints it past every logging handler; a chained aiohttp error names the URL.
    program = (
        "import threading\n"
        "from bot.logs import setup_logging\n"
        "setup_logging()\n"
        "def fail():\n"
        "    try:\n"
        f"        raise OSError('Connection timeout to host http://h/bot{TOKEN}/getMe')\n"
        "    except OSError as err:\n"
        "        raise RuntimeError('request not sent') from err\n"
        + ("fail()\n" if where == "main" else "t = threading.Thread(target=fail)\nt.start()\n")
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert "RuntimeError: request not sent" in result.stderr
    assert TOKEN not in result.stderr and f"/bot{MASK}/getMe" in result.stderr


def test_a_malformed_log_call_is_logged_not_raised_into_its_caller() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "retrying %s after %s", (TOKEN,), None
    )
    assert RedactTokens().filter(record)
    assert TOKEN not in record.getMessage() and "retrying" in record.getMessage()


def test_redacting_a_long_record_takes_time_in_proportion_to_it() -> None:
    # 'a.a.a…' made a scheme-shaped regex rescan from every letter (11 s for 100,000). A
    # subprocess, so a regression fails by its timeout instead of hanging the run.
    program = (
        "from bot.logs import RedactTokens\n"
        "text = 'charset ' + 'a.' * 500_000 + ' http://u:p@host/'\n"
        "assert RedactTokens().redact(text).endswith('http://<credentials>@host/')\n"
    )
    subprocess.run([sys.executable, "-c", program], check=True, timeout=30, cwd=REPO)

"""Webhook mode: Telegram posts updates to us instead of us polling for them.

For deployments behind a reverse proxy (nginx, Caddy) that terminates TLS on
``[telegram] webhook_url`` and forwards to ``webhook_listen:webhook_port``. PTB's own webhook
server (tornado) does the work: it calls ``setWebhook`` with the secret token and answers
403, without processing the update, to any request whose ``X-Telegram-Bot-Api-Secret-Token``
header is missing or wrong. Polling stays the default.

An update that reaches a leader whose lease is no longer valid (a request accepted while it
was paused, answered when it runs again) is refused with 503 (:class:`LeaderQueue`), not
accepted and then dropped by the leader gate: Telegram delivers a webhook update again until it
is answered with a success, so the new leader gets it once the old one has stopped.

A standby that takes the leader lease over on the same host may find the port still taken:
the old leader is paused (SIGSTOP) or hung, not dead, and its listening socket lives on. The
new leader then keeps the lease and tries to bind again, at growing intervals up to
:data:`MAX_BIND_DELAY`, saying so once; the old leader, if it ever runs again, finds its lease
lost and exits, which frees the port. (Exiting instead, the restarted standby would take the
lease again and fail again: a restart loop that systemd's start limit ends for good, leaving
nobody to serve once the old leader is gone.)
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import HTTPError

from bot.app import BOOTSTRAP_RETRIES, start_up_failure_said_once
from bot.config import TelegramConfig
from bot.logs import redactor

__all__ = [
    "BODY_TIMEOUT",
    "MAX_BIND_DELAY",
    "MAX_BODY_BYTES",
    "CannotListen",
    "LeaderQueue",
    "PortInUse",
    "WebhookNotServed",
    "WebhookRefused",
    "run_webhook",
    "wait_for_port",
    "webhook_path",
]

log = logging.getLogger(__name__)

MAX_BIND_DELAY = 5.0
"""Seconds, at most, between two tries to bind a webhook port that another process holds."""


MAX_BODY_BYTES = 1024 * 1024
"""The largest request body read: updates are a few kB (a message is at most 4,096
characters), and anyone who reaches the port may post before the secret is looked at, which
PTB's handler does only once the whole body is in (tornado's own cap is 100 MB)."""
BODY_TIMEOUT = 10.0
"""Seconds a client may take to send a body: a slow drip holds a connection no longer."""


class WebhookNotServed(Exception):
    """The webhook could not be served: the process stops with this sentence as its reason
    (one line, no traceback; the lease is released on the way out)."""


class PortInUse(WebhookNotServed):
    """The webhook port was taken between the check that it is free and PTB's bind."""


class CannotListen(WebhookNotServed):
    """``webhook_listen:webhook_port`` cannot be bound at all: an address this host does not
    have, a name that does not resolve, a port below 1024 without the right to it."""


class WebhookRefused(WebhookNotServed):
    """Telegram refused ``setWebhook``: a host it cannot resolve or may not post to (a
    private address), a certificate it does not trust. The operator must fix the URL or the
    proxy; the words are Telegram's."""


class LeaderQueue(asyncio.Queue[Any]):
    """The application's update queue in webhook mode, taking updates only while ``valid()``.

    PTB's webhook handler answers Telegram 200 once it has put the update here, before any
    handler runs; the leader gate would then drop an update that came in after the lease
    lapsed, and Telegram would never send it again. Refused here, in the request, it gets
    503 instead and Telegram retries it. PTB's own entries (its stop signal) always go in.
    """

    def __init__(self, valid: Callable[[], bool]) -> None:
        super().__init__()
        self._valid = valid

    async def put(self, item: Any) -> None:
        if isinstance(item, Update) and not self._valid():
            log.warning(
                "update %d refused (503, Telegram sends it again): the leader lease is not valid",
                item.update_id,
            )
            raise HTTPError(HTTPStatus.SERVICE_UNAVAILABLE, reason="not the leader now")
        await super().put(item)


def webhook_path(url: str) -> str:
    """The path the bot serves: the public URL's path, so the proxy can forward it as is."""
    return urlsplit(url).path.lstrip("/")


async def wait_for_port(listen: str, port: int, keep_waiting: Callable[[], bool]) -> bool:
    """Wait until ``listen:port`` can be bound (as PTB's server will bind it), or until
    ``keep_waiting()`` turns false; whether it is free. One warning line while it is taken."""
    delay, told = 0.25, False
    while keep_waiting():
        try:
            sockets = bind_sockets(port, address=listen)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            if not told:
                log.warning(
                    "webhook port %s:%d is in use (an earlier leader paused or hung on this "
                    "host?); keeping the lease and trying again until it is free",
                    listen,
                    port,
                )
                told = True
            await asyncio.sleep(delay)
            delay = min(2 * delay, MAX_BIND_DELAY)
            continue
        for sock in sockets:
            sock.close()
        if told:
            log.info("webhook port %s:%d is free now", listen, port)
        return True
    return False


def run_webhook(
    application: Application, telegram: TelegramConfig, still_leader: Callable[[], bool]
) -> None:
    """Serve the webhook until a stop signal (blocking, like ``run_polling``), once the port
    is free (:func:`wait_for_port`, while ``still_leader()``).

    Raises :class:`PortInUse` if another process took the port at the last moment anyway,
    :class:`CannotListen` if the address or port cannot be listened on at all,
    :class:`WebhookRefused` if Telegram refuses the URL."""
    setup = application.post_init

    async def post_init(app: Application) -> None:
        if setup is not None:
            await setup(app)
        await wait_for_port(telegram.webhook_listen, telegram.webhook_port, still_leader)

    application.post_init = post_init
    # PTB makes its tornado server without these; tornado's Configurable passes them on to
    # every HTTPServer made in this process (only the webhook's, here).
    HTTPServer.configure(None, max_body_size=MAX_BODY_BYTES, body_timeout=BODY_TIMEOUT)
    try:
        with start_up_failure_said_once():
            application.run_webhook(
                listen=telegram.webhook_listen,
                port=telegram.webhook_port,
                url_path=webhook_path(telegram.webhook_url),
                webhook_url=telegram.webhook_url,
                secret_token=telegram.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
                bootstrap_retries=BOOTSTRAP_RETRIES,
            )
    except OSError as exc:
        where = f"{telegram.webhook_listen}:{telegram.webhook_port}"
        if exc.errno != errno.EADDRINUSE:  # an address not here, a name unknown, port < 1024
            reason = exc.strerror or str(exc)
            raise CannotListen(
                f"cannot listen on {where} ([telegram] webhook_listen, webhook_port): {reason}"
            ) from exc
        raise PortInUse(f"webhook port {where} was taken by another process") from exc
    except BadRequest as exc:  # only setWebhook asks Telegram anything before serving
        said = redactor().redact(f"{telegram.webhook_url}: {exc.message}")
        raise WebhookRefused(f"Telegram refused the webhook {said}") from exc
    except TelegramError as exc:  # 429s or 5xx on every try
        said = redactor().redact(exc.message)
        tries = BOOTSTRAP_RETRIES + 1
        raise WebhookNotServed(f"setWebhook failed {tries} times, the last: {said}") from exc

"""Webhook mode: Telegram posts updates to us instead of us polling for them.

For deployments behind a reverse proxy (nginx, Caddy) that terminates TLS on
``[telegram] webhook_url`` and forwards to ``webhook_listen:webhook_port``. PTB's own webhook
server (tornado) does the work: it calls ``setWebhook`` with the secret token and answers
403, without processing the update, to any request whose ``X-Telegram-Bot-Api-Secret-Token``
header is missing or wrong. Polling stays the default.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import Application

from bot.config import TelegramConfig

__all__ = ["run_webhook", "webhook_path"]


def webhook_path(url: str) -> str:
    """The path the bot serves: the public URL's path, so the proxy can forward it as is."""
    return urlsplit(url).path.lstrip("/")


def run_webhook(application: Application, telegram: TelegramConfig) -> None:
    """Serve the webhook until a stop signal (blocking, like ``run_polling``)."""
    application.run_webhook(
        listen=telegram.webhook_listen,
        port=telegram.webhook_port,
        url_path=webhook_path(telegram.webhook_url),
        webhook_url=telegram.webhook_url,
        secret_token=telegram.webhook_secret,
        allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
    )

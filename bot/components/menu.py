"""The one command table, and the three things it drives: routing, the menus and /help.

Each command is written once, here: its name, its handler, the i18n key of its description
(the same words serve the ``setMyCommands`` menu and the /help line), the i18n key of its
argument placeholder, and its scope. :func:`bot.app.add_handlers` registers a handler per row,
:func:`register_menus` sets the menu per language and per scope (admins see their extra
commands in their own chats only, via ``BotCommandScopeChat``, and in an operators' group
its admins only), and /help is rendered from the
same rows, so the three can never disagree.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeChat,
    BotCommandScopeChatAdministrators,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.components import admin, chats, commands, follows, papers, settings
from bot.components.replies import language, reply
from bot.render import Markup, escape, t_plain
from bot.render.i18n import DEFAULT_LANGUAGE, LANGUAGES

__all__ = ["COMMANDS", "Command", "Scope", "help_text", "menu", "register_menus"]

log = logging.getLogger(__name__)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


class Scope(enum.StrEnum):
    """Who may run a command (and sees it in the menu)."""

    EVERYONE = "everyone"
    ADMINS = "admins"  # chat ids in [telegram] admins


@dataclass(frozen=True, slots=True)
class Command:
    """One row of the table.

    ``description`` and ``usage`` are i18n keys: the description is the menu text (plain, at
    most 256 characters) and the /help line; ``usage`` names the argument in /help
    (``/article 编号``).
    """

    name: str
    handler: Handler
    description: str
    usage: str | None = None
    scope: Scope = Scope.EVERYONE


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: the commands this chat may use, from the table."""
    operator = await admin.is_operator(update, context)
    await reply(update, help_text(language(update), Scope.ADMINS if operator else Scope.EVERYONE))


COMMANDS: tuple[Command, ...] = (
    Command("start", commands.start, "cmd_start"),
    Command("help", help_command, "cmd_help"),
    Command("subscribe", commands.subscribe, "cmd_subscribe", usage="usage_paper"),
    Command("unsubscribe", commands.unsubscribe, "cmd_unsubscribe", usage="usage_paper"),
    Command("papers", papers.papers, "cmd_papers"),
    Command("today", commands.today, "cmd_today"),
    Command("article", commands.article, "cmd_article", usage="usage_article"),
    Command("search", commands.search, "cmd_search", usage="usage_search"),
    Command("follow", follows.follow, "cmd_follow", usage="usage_follow"),
    Command("unfollow", follows.unfollow, "cmd_unfollow", usage="usage_follow"),
    Command("following", follows.following, "cmd_following"),
    Command("stats", commands.stats, "cmd_stats"),
    Command("settings", settings.settings, "cmd_settings", usage="usage_settings"),
    Command("channel", chats.channel, "cmd_channel", usage="usage_channel"),
    Command("status", admin.status, "cmd_status", scope=Scope.ADMINS),
    Command(
        "broadcast", admin.broadcast, "cmd_broadcast", usage="usage_broadcast", scope=Scope.ADMINS
    ),
    Command("ingest", admin.ingest, "cmd_ingest", scope=Scope.ADMINS),
)


def _visible(scope: Scope, table: Iterable[Command]) -> list[Command]:
    """The commands a chat of ``scope`` may use: admins get everyone's commands too."""
    allowed = {Scope.EVERYONE} if scope is Scope.EVERYONE else {Scope.EVERYONE, scope}
    return [command for command in table if command.scope in allowed]


def menu(
    lang: str, scope: Scope = Scope.EVERYONE, table: Sequence[Command] = COMMANDS
) -> list[BotCommand]:
    """The ``setMyCommands`` entries of one language and scope."""
    return [BotCommand(c.name, t_plain(lang, c.description)) for c in _visible(scope, table)]


def help_text(
    lang: str, scope: Scope = Scope.EVERYONE, table: Sequence[Command] = COMMANDS
) -> Markup:
    """/help in Telegram HTML: a title, then ``/name usage — description`` per command."""
    lines = [f"<b>{escape(t_plain(lang, 'help_title'))}</b>", ""]
    for command in _visible(scope, table):
        usage = f" {escape(t_plain(lang, command.usage))}" if command.usage else ""
        description = escape(t_plain(lang, command.description))
        lines.append(f"/{command.name}{usage} — {description}")
    return Markup("\n".join(lines))


async def register_menus(
    bot: Bot, admins: Sequence[int] = (), table: Sequence[Command] = COMMANDS
) -> None:
    """The command menus: per language for everyone, and per admin chat when admins have more.

    The default language's menu is the one without a language code (what clients in any other
    language see).
    """
    for lang in LANGUAGES:
        code = None if lang == DEFAULT_LANGUAGE else lang
        await bot.set_my_commands(menu(lang, Scope.EVERYONE, table), language_code=code)
    if not any(command.scope is Scope.ADMINS for command in table):
        return
    for chat_id in admins:
        # In an operators' group, the commands are its admins' (bot.components.admin).
        scope: BotCommandScope = (
            BotCommandScopeChat(chat_id)
            if chat_id > 0
            else BotCommandScopeChatAdministrators(chat_id)
        )
        try:
            for lang in LANGUAGES:
                code = None if lang == DEFAULT_LANGUAGE else lang
                if chat_id < 0:  # an earlier release gave the whole group the admin menu
                    await bot.delete_my_commands(BotCommandScopeChat(chat_id), code)
                await bot.set_my_commands(
                    menu(lang, Scope.ADMINS, table), scope=scope, language_code=code
                )
        except TelegramError as exc:  # e.g. an admin who never started the bot
            log.warning("admin menu for chat %s not set: %s", chat_id, exc)


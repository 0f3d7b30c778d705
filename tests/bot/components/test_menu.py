"""Specification of the command table: one row per command drives routing, the menus per
language and scope, and /help — so they can never disagree."""

from __future__ import annotations

import re

import pytest

from bot.components.menu import COMMANDS, Command, Scope, help_text, menu
from bot.localapi.telegram_html import parse_html
from bot.render.i18n import LANGUAGES


def test_command_menus_list_the_same_commands_in_both_languages() -> None:
    names = [c.command for c in menu("zh")]
    assert names == [c.command for c in menu("en")]
    assert set(names) == {
        "start",
        "help",
        "subscribe",
        "unsubscribe",
        "papers",
        "today",
        "article",
        "search",
        "follow",
        "unfollow",
        "following",
        "stats",
        "settings",
        "channel",
    }


def test_the_admin_menu_adds_status_broadcast_and_ingest() -> None:
    everyone = {c.command for c in menu("zh", Scope.EVERYONE)}
    admins = {c.command for c in menu("zh", Scope.ADMINS)}
    assert admins - everyone == {"status", "broadcast", "ingest"}
    assert everyone <= admins


@pytest.mark.parametrize("lang", LANGUAGES)
def test_command_menu_entries_are_within_telegram_limits(lang: str) -> None:
    assert len(menu(lang)) <= 100
    for entry in menu(lang):
        assert re.fullmatch(r"[a-z0-9_]{1,32}", entry.command)
        assert 1 <= len(entry.description) <= 256


@pytest.mark.parametrize("lang", LANGUAGES)
def test_help_mentions_every_command_of_the_menu(lang: str) -> None:
    text = parse_html(help_text(lang)).text
    for entry in menu(lang):
        assert f"/{entry.command}" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_help_and_menu_describe_each_command_in_the_same_words(lang: str) -> None:
    lines = parse_html(help_text(lang)).text.splitlines()
    for entry in menu(lang):
        [line] = [line for line in lines if line.startswith(f"/{entry.command} ")]
        assert line.endswith(f" — {entry.description}")


def test_admin_commands_show_only_in_the_admin_scope() -> None:
    async def status(update: object, context: object) -> None:
        return None

    table = (*COMMANDS, Command("status", status, "cmd_stats", scope=Scope.ADMINS))
    assert "status" not in [c.command for c in menu("zh", Scope.EVERYONE, table)]
    assert "status" in [c.command for c in menu("zh", Scope.ADMINS, table)]
    assert "/status" not in parse_html(help_text("en", Scope.EVERYONE, table)).text
    assert "/status" in parse_html(help_text("en", Scope.ADMINS, table)).text

"""The operators' commands — /status, /broadcast, /ingest — over the real bot stack against the
local Bot API server, on both databases: admins only, real numbers, a broadcast that needs its
confirmation, reaches every active subscriber once through its own ledger and resumes after a
crash."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import BotCommandScopeChat

from bot.components.jobs import POLL_JOB
from bot.components.menu import register_menus
from bot.localapi.server import LocalGroup, LocalUser, SentMessage
from bot.storage.leases import LEADER, sender_lease_name
from bot.storage.records import DeliveryStatus, PollOutcome
from tests.bot.running_bot import (
    DIGEST_TIME,
    PAPER,
    TOKEN,
    RunningBot,
    eventually,
    start_bot,
    stop_bot,
)

pytestmark = pytest.mark.timeout(120)

ADMIN = 9001
DAY = dt.date(2024, 7, 1)  # the seed edition's date
GROUP = -1001500000001


@pytest.fixture
async def bot(tmp_path: Path, db: str) -> AsyncIterator[RunningBot]:
    running = await start_bot(tmp_path, db, admins=(ADMIN,))
    try:
        yield running
    finally:
        await stop_bot(running)


async def admin_of(bot: RunningBot, language: str = "zh-hans") -> LocalUser:
    admin = bot.user(ADMIN, "Admin", language)
    await admin.send("/start")
    await admin.wait_for_messages(1)
    return admin


async def subscribed(bot: RunningBot, chat_id: int) -> LocalUser:
    reader = bot.user(chat_id)
    await reader.send("/subscribe")
    await reader.wait_for_messages(1)
    return reader


async def ingested(bot: RunningBot, seed: Path) -> int:
    bot.set_clock(DAY, dt.time(6, 0))
    bot.drop_edition(seed, DAY)
    await bot.poll_now()
    edition = await eventually(lambda: bot.store.editions.on(DAY, PAPER))
    return edition.id


async def nothing_more_arrives(*chats: object, seconds: float = 1.0) -> None:
    await asyncio.sleep(seconds)
    for chat in chats:
        assert chat.new_messages() == []  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- menus and access


async def test_an_admin_sees_the_admin_commands_in_their_menu_and_others_do_not(
    bot: RunningBot,
) -> None:
    admin = bot.user(ADMIN, "Admin")
    reader = bot.user(1001)
    scope = BotCommandScopeChat(ADMIN).to_dict()
    assert {"status", "broadcast", "ingest"} <= {
        c["command"] for c in bot.server.commands("", scope)
    }
    assert {"status", "broadcast", "ingest"} <= {c["command"] for c in admin.visible_commands()}
    assert not {"status", "broadcast", "ingest"} & {c["command"] for c in reader.visible_commands()}


async def test_a_non_admins_status_gets_the_unknown_command_reply(bot: RunningBot) -> None:
    reader = bot.user(1001)
    for command in ("/status", "/broadcast 你好", "/ingest"):
        await reader.send(command)
        [answer] = await reader.wait_for_messages(1)
        assert answer.text == "没有这个命令。发送 /help 查看可用命令。"


async def test_help_lists_the_admin_commands_for_an_admin_only(bot: RunningBot) -> None:
    admin, reader = bot.user(ADMIN, "Admin"), bot.user(1001)
    await admin.send("/help")
    await reader.send("/help")
    [for_admin], [for_reader] = await admin.wait_for_messages(1), await reader.wait_for_messages(1)
    assert "/broadcast" in for_admin.text and "/status" in for_admin.text
    assert "/broadcast" not in for_reader.text and "/status" not in for_reader.text


# --------------------------------------------------------------------------- an operators' group

OPS = -1001500000009
OPERATORS_ONLY = "在运营群里，只有群管理员可以使用 /status、/broadcast 和 /ingest。"


@pytest.fixture
async def ops_bot(tmp_path: Path, db: str) -> AsyncIterator[RunningBot]:
    """A bot whose admins are one operator and an operators' group."""
    running = await start_bot(tmp_path, db, admins=(ADMIN, OPS))
    try:
        yield running
    finally:
        await stop_bot(running)


def operators_group(bot: RunningBot) -> tuple[LocalGroup, LocalUser, LocalUser]:
    """The operators' group with its owner (2001) and a plain member (2002)."""
    return bot.group_of_two(OPS, "运营群")


async def test_in_the_operators_group_a_plain_member_gets_no_operator_command(
    ops_bot: RunningBot,
) -> None:
    group, _, member = operators_group(ops_bot)
    for command in ("/status", "/broadcast 免费领取", "/ingest"):
        await group.send(member, command)
        [answer] = await group.wait_for_messages(1)
        assert answer.text == OPERATORS_ONLY
    assert ops_bot.store.broadcasts.unfinished() == []


async def test_in_the_operators_group_its_owner_gets_status(ops_bot: RunningBot) -> None:
    group, owner, _ = operators_group(ops_bot)
    await group.send(owner, "/status")
    [answer] = await group.wait_for_messages(1)
    assert answer.text.startswith("报摘运行状态")


async def test_a_plain_members_press_of_the_groups_broadcast_button_sends_nothing(
    ops_bot: RunningBot,
) -> None:
    reader = await subscribed(ops_bot, 1001)
    group, owner, member = operators_group(ops_bot)
    await group.send(owner, "/broadcast 明天停刊一天。")
    [preview] = await group.wait_for_messages(1)
    draft = int(preview.button("✅ 发送（1）")["callback_data"].split(":")[1])

    query = await group.press(member, preview, "✅ 发送（1）")
    await eventually(lambda: query.answered)

    assert query.answer_text == "这个按钮已失效，请重新发送命令。"
    assert ops_bot.store.broadcasts.get(draft).confirmed_at is None
    await nothing_more_arrives(reader)


async def test_the_operators_groups_menu_lists_the_admin_commands_for_its_admins_only(
    ops_bot: RunningBot,
) -> None:
    admins_scope = {"type": "chat_administrators", "chat_id": OPS}
    assert {"status", "broadcast", "ingest"} <= {
        c["command"] for c in ops_bot.server.commands("", admins_scope)
    }
    assert ops_bot.server.commands("", {"type": "chat", "chat_id": OPS}) is None


async def test_an_operators_groups_menu_set_for_everyone_by_an_earlier_release_is_removed(
    ops_bot: RunningBot,
) -> None:
    everyone = BotCommandScopeChat(OPS)
    await ops_bot.application.bot.set_my_commands([("status", "状态")], scope=everyone)
    await register_menus(ops_bot.application.bot, (ADMIN, OPS))  # the next start
    assert ops_bot.server.commands("", everyone.to_dict()) is None


async def test_help_in_the_operators_group_lists_the_admin_commands_for_its_admins_only(
    ops_bot: RunningBot,
) -> None:
    group, owner, member = operators_group(ops_bot)
    await group.send(owner, "/help")
    [for_owner] = await group.wait_for_messages(1)
    await group.send(member, "/help")
    [for_member] = await group.wait_for_messages(1)
    assert "/broadcast" in for_owner.text
    assert "/broadcast" not in for_member.text


# --------------------------------------------------------------------------- /status


async def a_morning_with_numbers(bot: RunningBot, seed: Path) -> None:
    """Four readers; at 07:30 two get the digest, one has deleted their account (403), one
    reads at 08:00."""
    for chat_id in (1001, 1002, 1003, 1004):
        await subscribed(bot, chat_id)
    later = bot.user(1004)
    await later.send("/settings 08:00")
    await later.wait_for_messages(1)
    await ingested(bot, seed)
    bot.user(1003).deactivate()  # Telegram says so only when the bot writes: 403
    bot.set_clock(DAY, DIGEST_TIME)
    await bot.digest_now()
    await bot.user(1001).wait_for_messages(1)
    await bot.user(1002).wait_for_messages(1)
    await eventually(lambda: not bot.store.subscribers.get(1003).active)
    # The server has the two digests before the ledger records Telegram's answers (its
    # flushers commit in groups): /status counts what the ledger knows.
    edition = bot.store.editions.latest(PAPER)
    assert edition is not None
    await eventually(
        lambda: bot.store.deliveries.counts(edition.id).get(DeliveryStatus.SENT, 0) == 2
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "zh-hans",
            [
                "报摘运行状态",
                f"{PAPER}\n  上次检查：",
                "有新内容",
                "最新一期：2024年7月1日，共 7 篇",
                f"最近一次推送：{PAPER} 2024年7月1日\n  已送达 2 · 待发送 1 · 存疑 0 · 失败 1",
                "订阅中的聊天：3",
                "版本：0.1.0",
            ],
        ),
        (
            "en",
            [
                "Baozhai status",
                f"{PAPER}\n  last poll: ",
                "new edition",
                "last edition: 2024-07-01, 7 articles",
                f"Last digest: {PAPER} 2024-07-01\n  sent 2 · pending 1 · in doubt 0 · failed 1",
                "Subscribed chats: 3",
                "Version: 0.1.0",
            ],
        ),
    ],
)
async def test_status_shows_polls_editions_and_the_last_digests_counts(
    bot: RunningBot, seed_path: Path, language: str, expected: list[str]
) -> None:
    await a_morning_with_numbers(bot, seed_path)
    admin = await admin_of(bot, language)
    await admin.send("/status")
    [page] = await admin.wait_for_messages(1)
    for part in expected:
        assert part in page.text, page.text


async def test_status_names_the_leader_holding_the_lease(bot: RunningBot) -> None:
    bot.store.leases.acquire(LEADER, "host-a:4242:abcd", dt.timedelta(minutes=1))
    admin = await admin_of(bot, "en")
    await admin.send("/status")
    [page] = await admin.wait_for_messages(1)
    assert "Leader: host-a:4242:abcd (lease until " in page.text


async def test_status_names_the_database_but_never_the_token_or_a_password(
    bot: RunningBot,
) -> None:
    admin = await admin_of(bot)
    await admin.send("/status")
    [page] = await admin.wait_for_messages(1)
    assert "数据库：" in page.text
    assert TOKEN not in page.text and TOKEN.split(":")[1] not in page.text


def test_a_database_url_is_shown_with_its_password_masked() -> None:
    from bot.storage.engine import masked_url

    shown = masked_url("postgresql+psycopg://baozhai:s3cr%40t@db.internal:5432/baozhai")
    assert "s3cr" not in shown
    assert shown == "postgresql+psycopg://baozhai:***@db.internal:5432/baozhai"


def test_a_password_with_an_unescaped_at_is_masked_whole() -> None:
    from bot.storage.engine import masked_url

    shown = masked_url("postgresql+psycopg://baozhai:s3cr@t@db.internal:5432/baozhai")
    assert shown == "postgresql+psycopg://***@db.internal:5432/baozhai"


def test_a_password_given_as_a_query_parameter_is_masked_too() -> None:
    from bot.storage.engine import masked_url

    url = "postgresql+psycopg:///baozhai?host=/run/pg&user=bao&password=s3cret&sslpassword=k3y"
    shown = masked_url(url)
    assert "s3cret" not in shown and "k3y" not in shown
    assert "password=***" in shown and "sslpassword=***" in shown and "user=bao" in shown


# --------------------------------------------------------------------------- /broadcast


async def test_broadcast_asks_for_confirmation_and_sends_nothing_before(
    bot: RunningBot,
) -> None:
    readers = [await subscribed(bot, chat_id) for chat_id in (1001, 1002)]
    admin = await admin_of(bot)
    await admin.send("/broadcast 明天停刊一天，后天见。")
    [preview] = await admin.wait_for_messages(1)
    assert "明天停刊一天，后天见。" in preview.text and "2" in preview.text
    assert [b["text"] for row in preview.buttons for b in row] == ["✅ 发送（2）", "取消"]
    await nothing_more_arrives(*readers)
    assert bot.store.broadcasts.unfinished() == []


async def test_a_broadcast_too_long_for_telegram_is_refused_counting_as_telegram_does(
    bot: RunningBot,
) -> None:
    admin = await admin_of(bot)
    await admin.send("/broadcast " + "😀" * 2100)  # 2,100 characters, 4,200 UTF-16 units
    [answer] = await admin.wait_for_messages(1)
    assert answer.text == "公告太长了：4200 个字，最多 4096 个字。"
    assert bot.store.broadcasts.unfinished() == []


async def test_a_confirmed_broadcast_reaches_every_active_subscriber_once(
    bot: RunningBot,
) -> None:
    readers = [await subscribed(bot, chat_id) for chat_id in (1001, 1002, 1003)]
    gone = await subscribed(bot, 1004)
    await gone.send("/unsubscribe")
    await gone.wait_for_messages(1)
    group = bot.server.group(GROUP, "读报会")
    bot.store.subscribers.subscribe(GROUP, "zh", [PAPER])
    admin = await admin_of(bot)
    await admin.send("/broadcast 明天停刊一天，<b>后天</b>见 & 谢谢。")
    [preview] = await admin.wait_for_messages(1)
    broadcast_id = int(preview.button("✅ 发送（4）")["callback_data"].split(":")[1])
    query = await admin.press(preview, "✅ 发送（4）")
    await admin.wait_for_answer(query)
    sending, done = await admin.wait_for_messages(2)
    assert "4" in sending.text
    assert "送达 4" in done.text
    for chat in (*readers, group):
        [message] = chat.new_messages()
        assert message.text == "明天停刊一天，<b>后天</b>见 & 谢谢。"  # as typed, not as HTML
    assert gone.new_messages() == []
    assert preview.buttons == []  # the confirmation cannot be pressed again
    assert bot.store.broadcasts.counts(broadcast_id) == {DeliveryStatus.SENT: 4}
    assert bot.store.broadcasts.get(broadcast_id).finished_at is not None


async def test_a_broadcast_reaches_readers_with_its_emoji_sequences_and_joiners_whole(
    bot: RunningBot,
) -> None:
    # The technologist, the rainbow and England's flags are joined by invisible characters
    # (ZWJ, tags); Persian needs its ZWNJ. Dropped, readers got 👨💻, 🏳️🌈 and a black flag.
    reader = await subscribed(bot, 1001)
    admin = await admin_of(bot)
    england = "🏴" + "".join(chr(0xE0000 + ord(c)) for c in "gbeng") + "\U000e007f"
    typed = f"👨\u200d💻 今晚维护 🏳️\u200d🌈 {england} می\u200cخواهم"
    await admin.send("/broadcast " + typed)
    [preview] = await admin.wait_for_messages(1)
    assert typed in preview.text
    query = await admin.press(preview, "✅ 发送（1）")
    await admin.wait_for_answer(query)
    await admin.wait_for_messages(2)
    [message] = reader.new_messages()
    assert message.text == typed


async def test_a_broadcast_of_only_invisible_characters_gets_the_usage(bot: RunningBot) -> None:
    admin = await admin_of(bot)
    await admin.send("/broadcast \u200b\u200d\u2060")
    [answer] = await admin.wait_for_messages(1)
    assert "/broadcast" in answer.text
    assert bot.store.broadcasts.unfinished() == []


async def test_a_poll_while_the_confirmation_is_answered_leaves_the_broadcast_to_it(
    bot: RunningBot,
) -> None:
    # Between the press and the send, a poll finds the broadcast confirmed and unfinished:
    # it must not send it too, or the admin's report counts only what was left over.
    readers = [await subscribed(bot, chat_id) for chat_id in (1001, 1002, 1003)]
    admin = await admin_of(bot)
    await admin.send("/broadcast 明天停刊一天。")
    [preview] = await admin.wait_for_messages(1)
    broadcast_id = int(preview.button("✅ 发送（3）")["callback_data"].split(":")[1])
    await admin.press(preview, "✅ 发送（3）")
    await eventually(lambda: bot.store.broadcasts.get(broadcast_id).confirmed_at is not None)
    await bot.poll_to_end()

    _, done = await admin.wait_for_messages(2)
    assert "送达 3" in done.text
    for reader in readers:
        assert [m.text for m in reader.new_messages()] == ["明天停刊一天。"]


async def test_a_double_press_of_the_confirmation_sends_it_once(bot: RunningBot) -> None:
    reader = await subscribed(bot, 1001)
    admin = await admin_of(bot)
    await admin.send("/broadcast 通知")
    [preview] = await admin.wait_for_messages(1)
    first = await admin.press(preview, "✅ 发送（1）")
    second = await admin.press(preview, "✅ 发送（1）")  # before the bot took the buttons away
    await admin.wait_for_answer(first)
    await admin.wait_for_answer(second)
    assert sorted([first.answer_text or "", second.answer_text or ""]) == [
        "",
        "这条公告已经发送或取消了。",
    ]
    await reader.wait_for_messages(1)
    await bot.poll_now()  # the poll resumes unfinished broadcasts: this one is finished
    await nothing_more_arrives(reader)


async def test_a_forged_confirmation_from_a_non_admin_sends_nothing(bot: RunningBot) -> None:
    reader = await subscribed(bot, 1001)
    draft = bot.store.broadcasts.create("伪造的公告", ADMIN)
    # A client can put any callback_data on a button of any message in its own chat.
    [confirmation] = reader.history
    forged = SentMessage(
        chat_id=reader.chat_id,
        message_id=confirmation.message_id,
        date=confirmation.date,
        kind="text",
        text=confirmation.text,
        html=None,
        parse_mode=None,
        entities=(),
        reply_markup={"inline_keyboard": [[{"text": "x", "callback_data": f"bcs:{draft.id}"}]]},
    )
    query = await reader.press(forged, "x")
    await reader.wait_for_answer(query)
    assert query.answer_text == "这个按钮已失效，请重新发送命令。"
    assert bot.store.broadcasts.get(draft.id).confirmed_at is None
    await nothing_more_arrives(reader)


async def test_cancelling_a_broadcast_sends_nothing(bot: RunningBot) -> None:
    reader = await subscribed(bot, 1001)
    admin = await admin_of(bot)
    await admin.send("/broadcast 通知")
    [preview] = await admin.wait_for_messages(1)
    await admin.wait_for_answer(await admin.press(preview, "取消"))
    [answer] = await admin.wait_for_messages(1)
    assert answer.text == "公告已取消，没有发送。"
    await nothing_more_arrives(reader)


async def test_a_broadcast_cut_short_by_a_crash_is_resumed_and_reaches_no_one_twice(
    bot: RunningBot,
) -> None:
    had_it, in_doubt, not_yet = [await subscribed(bot, c) for c in (1001, 1002, 1003)]
    store = bot.store.broadcasts
    draft = store.create("系统维护通知", ADMIN)
    assert store.confirm(draft.id)
    # A sender that died: 1001's message was confirmed, 1002's was on the wire, 1003 untouched.
    dead = "dead-sender"
    bot.store.leases.acquire(sender_lease_name(dead), dead, dt.timedelta(seconds=30))
    first = store.claim(draft.id, 1001, dead)
    second = store.claim(draft.id, 1002, dead)
    assert first is not None and second is not None
    assert store.put_on_wire(first.delivery_id, 0, dead)
    store.confirm_part(first.delivery_id, 0, message_id=77)
    assert store.put_on_wire(second.delivery_id, 0, dead)
    bot.store.leases.release(sender_lease_name(dead), dead)  # its lease is gone: it is dead

    await bot.run_job_now(POLL_JOB)
    [resent] = await in_doubt.wait_for_messages(1)  # in doubt: [delivery] in_doubt = resend
    [fresh] = await not_yet.wait_for_messages(1)
    assert resent.text == fresh.text == "系统维护通知"
    await nothing_more_arrives(had_it)
    await eventually(lambda: store.get(draft.id).finished_at is not None)
    assert store.counts(draft.id) == {DeliveryStatus.SENT: 3}
    await bot.run_job_now(POLL_JOB)
    await nothing_more_arrives(had_it, in_doubt, not_yet)


# --------------------------------------------------------------------------- /ingest


async def test_ingest_polls_every_paper_now_and_says_how_it_went(
    bot: RunningBot, seed_path: Path
) -> None:
    admin = await admin_of(bot)
    bot.drop_edition(seed_path, DAY)
    await admin.send("/ingest")
    started, done = await admin.wait_for_messages(2)
    assert started.text == "正在检查各报的新一期……"
    assert done.text == f"检查完毕：\n• {PAPER}：有新内容"
    assert bot.store.editions.on(DAY, PAPER).article_count == 7
    last = bot.store.state.last_poll(PAPER)
    assert last is not None and last.outcome is PollOutcome.NEW
    await admin.send("/ingest")
    _, again = await admin.wait_for_messages(2)
    assert again.text == f"检查完毕：\n• {PAPER}：没有新内容"

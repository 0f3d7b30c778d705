"""``/article N`` opens the article the reader saw as N, typed by a reader of the real bot over
real HTTP against the local Bot API server, on both databases, with two papers configured.

After a combined /today (numbered across the papers) N is the article listed as N; after
one digest per paper, article N of the one digest that lists an N, or a question which
paper's, with a button each, when several do; with no digest seen in this chat (a fresh
chat, or any chat after a restart: what it saw is not kept), the same over the newest
edition of each of the reader's own papers, never of a paper they do not read. A title
(``/article 党员总数``) is looked for in the same editions.

浙江工人日报 (the seed, 7 articles) and 海南日报 (a reprint of the seed's Xinhua wire and a
story of its own, ``tests/bot/delivery/editions.py``) of 2024-07-01: combined, the wire is
listed once, so 1–7 are 浙江工人日报's and 8 is 海南日报's own story.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.localapi.server import LocalUser, SentMessage
from bot.render.i18n import t_plain
from bot.storage.records import EditionRecord
from summarizer.edition import Summary
from summarizer.parser import read_page
from tests.bot.delivery.editions import (
    REPRINT_TITLE,
    SECOND_PAPER,
    SECOND_PAPER_CONFIG,
    drop_reprint,
)
from tests.bot.running_bot import (
    DIGEST_TIME,
    PAPER,
    RunningBot,
    bot_running,
    eventually,
)

pytestmark = pytest.mark.timeout(120)

DAY = dt.date(2024, 7, 1)
FIRST_TITLE = "《求是》杂志发表习近平总书记重要文章《新时代新征程中国共产党的使命任务》"
SECOND_TITLE = "徐留平在浙江江苏调研工会工作时指出"
LAST_TITLE = "我省举办电梯安装维修职业技能竞赛"  # the seed's last article
OWN_STORY_TITLE = "上半年我省新设外资企业增长两成"  # 海南日报's article 2
NO_EDITION = "还没有可看的报纸，新一期入库后就能看到了。"


@pytest.fixture
async def bot(tmp_path: Path, db: str) -> AsyncIterator[RunningBot]:
    async with bot_running(tmp_path, db, extra_config=SECOND_PAPER_CONFIG) as running:
        yield running


async def first_paper_arrives(bot: RunningBot, seed_path: Path) -> None:
    bot.set_clock(DAY, dt.time(6, 0))
    bot.drop_edition(seed_path, DAY)
    await bot.poll_to_end()
    await eventually(lambda: bot.store.editions.on(DAY, PAPER))


async def second_paper_arrives(bot: RunningBot, seed_text: str) -> None:
    """海南日报 of the same day, stored after 浙江工人日报: the newest edition of all."""
    drop_reprint(bot.config.papers[1].inbox, seed_text, DAY)
    await bot.poll_to_end()
    await eventually(lambda: bot.store.editions.on(DAY, SECOND_PAPER))


async def both_papers_arrive(bot: RunningBot, seed_path: Path, seed_text: str) -> None:
    await first_paper_arrives(bot, seed_path)
    await second_paper_arrives(bot, seed_text)


async def reader_of_both(
    bot: RunningBot, chat_id: int, *, combined: bool, language: str = "zh-hans"
) -> LocalUser:
    reader = bot.user(chat_id, language=language)
    await reader.send("/subscribe")
    await reader.wait_for_messages(1)
    await reader.send(f"/subscribe {SECOND_PAPER}")
    await reader.wait_for_messages(1)
    if combined:
        await reader.send("/settings")
        [settings] = await reader.wait_for_messages(1)
        mode = t_plain("en" if language == "en" else "zh", "mode_combined")
        await reader.wait_for_answer(await reader.press(settings, mode))
    reader.new_messages()
    return reader


async def today(reader: LocalUser, digests: int = 1) -> None:
    await reader.send("/today")
    await reader.wait_for_messages(digests)


async def saw_both_digests(
    bot: RunningBot, seed_path: Path, seed_text: str, chat_id: int, language: str = "zh-hans"
) -> LocalUser:
    """A reader of both papers, one digest per paper, after their /today (浙江工人日报's,
    then 海南日报's)."""
    await both_papers_arrive(bot, seed_path, seed_text)
    reader = await reader_of_both(bot, chat_id, combined=False, language=language)
    await today(reader, digests=2)
    return reader


async def article(reader: LocalUser, argument: str) -> str:
    await reader.send(f"/article {argument}")
    [answer] = await reader.wait_for_messages(1)
    return answer.text


async def asked(reader: LocalUser, command: str) -> SentMessage:
    await reader.send(command)
    [answer] = await reader.wait_for_messages(1)
    return answer


def labels(message: SentMessage) -> list[str]:
    return [button["text"] for row in message.buttons for button in row]


def first_edition(bot: RunningBot) -> EditionRecord:
    edition = bot.store.editions.on(DAY, PAPER)
    assert edition is not None
    return edition


# --------------------------------------------------------------------------- after /today


async def test_after_a_combined_today_article_n_opens_the_article_listed_as_n(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    await both_papers_arrive(bot, seed_path, seed_text)
    reader = await reader_of_both(bot, 8001, combined=True)
    await today(reader)
    assert (await article(reader, "1")).startswith(FIRST_TITLE)
    assert (await article(reader, "8")).startswith(OWN_STORY_TITLE)


async def test_after_a_combined_today_article_n_opens_what_the_button_n_opens(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    await both_papers_arrive(bot, seed_path, seed_text)
    reader = await reader_of_both(bot, 8002, combined=True)
    await reader.send("/today")
    [digest] = await reader.wait_for_messages(1)
    await reader.wait_for_answer(await reader.press(digest, "2"))
    [pressed] = await reader.wait_for_messages(1)
    assert await article(reader, "2") == pressed.text


async def test_after_a_combined_today_a_number_past_its_last_says_how_many_it_listed(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    await both_papers_arrive(bot, seed_path, seed_text)
    reader = await reader_of_both(bot, 8003, combined=True)
    await today(reader)
    assert await article(reader, "9") == "今日报摘共 8 篇，请输入 1–8 之间的编号。"


async def test_after_a_combined_today_a_number_past_its_last_is_explained_in_english(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    await both_papers_arrive(bot, seed_path, seed_text)
    reader = await reader_of_both(bot, 8004, combined=True, language="en")
    await today(reader)
    assert await article(reader, "9") == (
        "Today's papers list 8 articles; please send a number from 1 to 8."
    )


async def test_after_a_per_paper_today_a_number_both_digests_list_asks_which_paper(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    reader = await saw_both_digests(bot, seed_path, seed_text, 8005)
    choice = await asked(reader, "/article 1")
    assert choice.text == "几份报纸都有第 1 篇，要看哪一篇？"
    assert labels(choice) == [
        f"{PAPER} · 1. {FIRST_TITLE}",
        f"{SECOND_PAPER} · 1. {REPRINT_TITLE}",
    ]


async def test_after_a_per_paper_today_the_chosen_papers_button_opens_its_article_n(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    reader = await saw_both_digests(bot, seed_path, seed_text, 8008)
    choice = await asked(reader, "/article 1")
    await reader.wait_for_answer(await reader.press(choice, labels(choice)[1]))
    [opened] = await reader.wait_for_messages(1)
    assert opened.text.startswith(REPRINT_TITLE)


async def test_after_a_per_paper_today_a_number_one_digest_lists_opens_that_article(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    # 海南日报 has 2 articles, 浙江工人日报 7
    reader = await saw_both_digests(bot, seed_path, seed_text, 8006)
    third = bot.store.editions.articles(first_edition(bot).id)[2].title
    assert (await article(reader, "3")).startswith(third)


async def test_after_a_per_paper_today_a_number_past_every_digest_says_the_most_there_is(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    reader = await saw_both_digests(bot, seed_path, seed_text, 8009)
    assert await article(reader, "8") == "这几份报纸每期最多 7 篇，请输入 1–7 之间的编号。"


async def test_after_a_per_paper_today_the_question_which_paper_is_asked_in_english(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    reader = await saw_both_digests(bot, seed_path, seed_text, 8010, language="en")
    assert (await asked(reader, "/article 2")).text == (
        "Several papers have an article 2. Which one?"
    )


async def test_a_per_paper_today_after_a_combined_one_numbers_by_paper_again(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    await both_papers_arrive(bot, seed_path, seed_text)
    reader = await reader_of_both(bot, 8007, combined=True)
    await today(reader)
    assert (await article(reader, "8")).startswith(OWN_STORY_TITLE)  # numbered across papers
    await reader.send("/settings")
    [settings] = await reader.wait_for_messages(1)
    await reader.wait_for_answer(await reader.press(settings, "每份报纸一条"))
    reader.new_messages()
    await today(reader, digests=2)
    assert await article(reader, "8") == "这几份报纸每期最多 7 篇，请输入 1–7 之间的编号。"


# --------------------------------------------------------------------------- by title


async def test_a_title_in_one_of_the_digests_seen_opens_that_article(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    reader = await saw_both_digests(bot, seed_path, seed_text, 8011)
    assert (await article(reader, "外资企业")).startswith(OWN_STORY_TITLE)


async def test_a_title_in_several_digests_seen_offers_each_article(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    # The wire story is in both papers, titled apart.
    reader = await saw_both_digests(bot, seed_path, seed_text, 8012)
    choice = await asked(reader, "/article 党员")
    assert choice.text == "有 2 篇文章的标题含“党员”，要看哪一篇？"
    assert [label.split(" · ")[0] for label in labels(choice)] == [PAPER, SECOND_PAPER]
    assert all("党员" in label for label in labels(choice))


# --------------------------------------------------------------------------- no digest seen


async def test_with_no_digest_seen_article_n_is_of_the_readers_own_paper(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    reader = bot.user(8101)
    await reader.send("/subscribe")  # 浙江工人日报 only
    await reader.wait_for_messages(1)
    await both_papers_arrive(bot, seed_path, seed_text)  # 海南日报 is the newest edition
    reader.new_messages()
    assert (await article(reader, "2")).startswith(SECOND_TITLE)


async def test_after_only_the_pushed_combined_digest_article_n_opens_the_article_listed_as_n(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    # The morning push is what most readers see; no /today was typed in this chat.
    reader = await reader_of_both(bot, 8104, combined=True)
    await both_papers_arrive(bot, seed_path, seed_text)
    bot.set_clock(DAY, DIGEST_TIME)
    await bot.digest_now()
    [pushed] = await reader.wait_for_messages(1)
    assert f"8. {OWN_STORY_TITLE}" in pushed.text
    assert (await article(reader, "8")).startswith(OWN_STORY_TITLE)


async def test_after_the_next_days_push_article_n_opens_the_pushed_digests_article_n(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    # /today yesterday, then this morning's digest pushed: N is this morning's N, as its
    # button N opens, not the N of what /today showed the day before.
    reader = bot.user(8105)
    await reader.send("/subscribe")  # 浙江工人日报 only
    await reader.wait_for_messages(1)
    await first_paper_arrives(bot, seed_path)
    await today(reader)
    head, *articles = seed_text.split("\n#")
    reversed_page = head + "".join("\n#" + a for a in reversed(articles))
    next_day = DAY + dt.timedelta(days=1)
    bot.set_clock(next_day, dt.time(6, 0))
    bot.drop_edition(reversed_page.encode(), next_day)
    await bot.poll_to_end()
    await eventually(lambda: bot.store.editions.on(next_day, PAPER))
    bot.set_clock(next_day, DIGEST_TIME)
    await bot.digest_now()
    [pushed] = await reader.wait_for_messages(1)
    assert f"1. {LAST_TITLE}" in pushed.text
    # The ledger confirms the push a moment after Telegram has it (group commit); a reader
    # types slower than that, this test does not.
    pushed_edition = bot.store.editions.on(next_day, PAPER)
    assert pushed_edition is not None
    await eventually(lambda: bot.store.deliveries.was_sent(pushed_edition.id, 8105))

    assert (await article(reader, "1")).startswith(LAST_TITLE)


async def test_with_no_digest_seen_and_none_of_the_readers_papers_out_it_says_nothing_yet(
    bot: RunningBot, seed_path: Path
) -> None:
    reader = bot.user(8102)
    await reader.send(f"/subscribe {SECOND_PAPER}")  # 海南日报 only
    await reader.wait_for_messages(1)
    await first_paper_arrives(bot, seed_path)
    reader.new_messages()
    assert await article(reader, "1") == NO_EDITION


async def test_with_no_digest_seen_a_non_subscriber_is_asked_which_papers_article_n(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    await both_papers_arrive(bot, seed_path, seed_text)
    reader = bot.user(8103)
    choice = await asked(reader, "/article 2")
    assert [label.split(" · ")[0] for label in labels(choice)] == [PAPER, SECOND_PAPER]


async def test_with_no_digest_seen_a_non_subscriber_gets_the_only_paper_with_article_n(
    bot: RunningBot, seed_path: Path, seed_text: str
) -> None:
    await both_papers_arrive(bot, seed_path, seed_text)
    reader = bot.user(8105)
    third = bot.store.editions.articles(first_edition(bot).id)[2].title
    assert (await article(reader, "3")).startswith(third)


# --------------------------------------------------------------------------- many papers

MANY = [f"第{n}号{'报' * 40}" for n in range(11)]  # with 浙江工人日报: 12 papers


@pytest.fixture
async def many_papers_bot(tmp_path: Path, db: str) -> AsyncIterator[RunningBot]:
    extra = "".join(
        f'\n[[papers]]\nname = "{name}"\ninbox = "inbox{n}"\n' for n, name in enumerate(MANY)
    )
    async with bot_running(tmp_path, db, extra_config=extra) as running:
        yield running


async def test_article_n_in_twelve_papers_offers_each_paper_with_its_number_and_title(
    many_papers_bot: RunningBot, seed_path: Path
) -> None:
    bot = many_papers_bot
    for name in [PAPER, *MANY]:
        edition = read_page(seed_path, paper=name, date=DAY)
        summaries = [Summary((a.paragraphs[0],), ()) for a in edition.articles]
        bot.store.editions.add(name, edition, summaries, f"h-{name}")
    reader = bot.user(8106)
    await reader.send("/subscribe")
    await reader.wait_for_messages(1)
    for name in MANY:
        await reader.send(f"/subscribe {name}")
        await reader.wait_for_messages(1)

    question = await asked(reader, "/article 1")

    assert len(labels(question)) == 12
    assert all(" · 1. 《求是》" in label for label in labels(question))

"""Every user-facing string of the bot, in Chinese (default) and English.

Messages are Telegram-HTML templates (``str.format`` fields). The escaping rule is single and
lives here so no caller can forget it:

    ``t()`` escapes every keyword value (``< > &``), unless the value is a :class:`Markup`.

So pass user input, titles and numbers as they are; pass a fragment you built yourself from
escaped parts (e.g. ``<b>…</b>`` from ``bot.render``) wrapped in ``Markup`` so it is not escaped
twice. Templates themselves only contain tags Telegram accepts (``b i u code``) and no bare
``< > &``; ``tests/bot/test_render.py`` parses every one of them with the strict parser.

Plurals are explicit: ``{count:article|articles}`` is the word that goes with the integer
``count`` (the singular for exactly 1, else the plural), so an English template says
``{count} {count:article|articles}``. Chinese needs none. Two forms cover both languages we
have; a language with more (gettext's plural rules, Babel) would need a library.
"""

from __future__ import annotations

import html
import string
from collections.abc import Mapping

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "MESSAGES",
    "Markup",
    "language_for",
    "plural",
    "t",
    "t_plain",
    "template_fields",
]

DEFAULT_LANGUAGE = "zh"
LANGUAGES: tuple[str, ...] = ("zh", "en")


class Markup(str):
    """A string that is already valid Telegram HTML; ``t()`` inserts it without escaping."""

    __slots__ = ()


def language_for(code: str | None) -> str:
    """Map a Telegram ``language_code`` (``en-GB``, ``zh-hans``, None …) to ``"zh"`` or ``"en"``.

    Chinese is the default: the bot summarises Chinese newspapers, so anyone whose client is not
    set to English gets Chinese. ``"zh"``/``"en"`` map to themselves, so a stored language can be
    passed through again safely.
    """
    if code and code.strip().lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


# Keys are grouped by where they are used. Field names must be the same in both languages
# (the test suite checks it).
MESSAGES: dict[str, dict[str, str]] = {
    "zh": {
        # /start and /help
        "start": (
            "👋 你好，{name}！我是<b>报摘</b>。\n\n"
            "每天报纸一出版，我就把当天的每篇文章浓缩成几句话发给你：先看要点，"
            "想细读哪篇再点开。\n\n"
            "点下面的按钮订阅每日摘要，或发送 /help 查看全部命令。"
        ),
        "start_button_subscribe": "📬 订阅每日摘要",
        "help_title": "报摘 · 使用帮助",
        # the command table (bot.components.menu): menu entries and /help lines
        "cmd_start": "开始使用报摘",
        "cmd_help": "查看全部命令",
        "cmd_subscribe": "订阅每日摘要（可加报纸名称）",
        "cmd_unsubscribe": "退订某份报纸，或全部取消",
        "cmd_papers": "选择要订阅的报纸",
        "cmd_today": "查看最新一期摘要",
        "cmd_article": "查看某篇文章的摘要，如 /article 3",
        "cmd_search": "按关键词搜索文章，如 /search 工会",
        "cmd_stats": "统计数据",
        "cmd_settings": "查看或修改每日推送时间",
        "usage_article": "编号",
        "usage_search": "关键词",
        "usage_paper": "[报纸]",
        "usage_settings": "[时间]",
        # subscription
        "subscribed": "✅ 订阅成功！每天 {time} 左右，新一期摘要会准时送到。",
        "already_subscribed": "你已经订阅过了，每天 {time} 左右推送。",
        "unsubscribed": "已取消订阅。想再看时，随时发送 /subscribe。",
        "not_subscribed": "你还没有订阅。发送 /subscribe 即可订阅每日摘要。",
        "your_papers": "你订阅的报纸：{papers}。发送 /papers 增减。",
        "paper_unsubscribed": "已退订《{paper}》。你仍订阅：{papers}。",
        "paper_not_subscribed": "你没有订阅《{paper}》。发送 /papers 查看全部报纸。",
        "paper_unknown": "没有叫“{name}”的报纸。可订阅的有：{papers}。",
        "papers_header": "📰 <b>可订阅的报纸</b>\n点按钮订阅或退订（✅ 表示已订阅）。",
        "paper_on": "✅ {paper}",
        "paper_off": "➕ {paper}",
        "paper_toggled_on": "已订阅《{paper}》",
        "paper_toggled_off": "已退订《{paper}》",
        "list_separator": "、",
        # editions and articles
        "no_edition": "还没有可看的报纸，新一期入库后就能看到了。",
        "article_not_found": "本期共 {count} 篇，请输入 1–{count} 之间的编号。",
        "article_usage": "用法：<code>/article 编号</code>，例如 <code>/article 3</code>。",
        "article_bad_argument": (
            "“{arg}”不是有效的文章编号。用法：<code>/article 编号</code>，"
            "例如 <code>/article 3</code>。"
        ),
        # search
        "search_usage": (
            "用法：<code>/search 关键词</code>，例如 <code>/search 工会</code>。\n"
            "几个词（都要有）：<code>/search 工会 劳模</code>；"
            "短语：<code>/search \"乡村振兴\"</code>；"
            "排除：<code>/search 工会 -美国</code>；日期：<code>/search 工会 2024-07</code>；"
            "报纸：<code>/search 工会 海南日报</code>；最新的在前：<code>/search 工会 最新</code>。"
        ),
        "search_no_results": "没有找到与“{query}”相关的文章，换个关键词试试。",
        "search_header": "🔍 “{query}”的搜索结果（共 {count} 篇，{order}）",
        "search_order_relevance": "最相关的在前",
        "search_order_newest": "最新的在前",
        "search_count_at_least": "{count}+",
        "search_result_more": "还有 {count} 篇，点 ◀ ▶ 翻页。",
        "search_result_hidden": "还有 {count} 篇未显示。",
        # input and errors
        "input_too_long": "输入太长了（{length} 个字符），请控制在 {limit} 个字符以内。",
        "unknown_command": "没有这个命令。发送 /help 查看可用命令。",
        "internal_error": "抱歉，出了点问题，请稍后再试。我们已经记录下来，会尽快处理。",
        "slow_down": "你发得太快啦，我跟不上。请 {seconds} 秒后再试，这期间的消息我会先忽略。",
        # settings
        "settings": (
            "<b>⚙️ 推送设置</b>\n\n"
            "每日摘要推送时间：<b>{time}</b>（{zone}，{origin}）\n\n"
            "修改时间：<code>/settings 07:30</code>\n"
            "恢复默认（{default}）：<code>/settings default</code>"
        ),
        "settings_mode_hint": (
            "<b>摘要方式</b>：订阅了几份报纸时，每份各发一条，还是合并成一条？（✅ 为当前选择）"
        ),
        "mode_per_paper": "每份报纸一条",
        "mode_combined": "合并成一条",
        "mode_selected": "✅ {label}",
        "mode_saved_per_paper": "好的，以后每份报纸各发一条摘要",
        "mode_saved_combined": "好的，以后你的报纸合并成一条摘要",
        "mode_not_subscribed": "请先订阅（/subscribe）",
        "settings_origin_default": "默认",
        "settings_origin_custom": "自定义",
        "settings_saved": "✅ 好的，以后每天 <b>{time}</b>（{zone}）推送摘要。",
        "settings_reset": "✅ 已恢复默认推送时间 <b>{time}</b>（{zone}）。",
        "settings_invalid": (
            "“{value}”不是有效的时间。请用 24 小时制，例如 <code>/settings 07:30</code>，"
            "或用 <code>/settings default</code> 恢复默认。"
        ),
        # stats
        "stats_header": "<b>📊 统计</b>",
        "stats_editions": "已收录报纸：{count} 期",
        "stats_articles": "文章：{count} 篇",
        "stats_subscribers": "订阅用户：{count} 位",
        "stats_delivered": "已送达摘要：{count} 份",
        "stats_top_keywords": "<b>热门关键词</b>",
        "stats_keyword_item": "{keyword}（{count}）",
        "stats_daily": "<b>最近几天</b>",
        "stats_daily_item": "{date}：{articles} 篇，{keywords} 个关键词",
        "stats_empty": "暂无数据。",
        # digest and article card
        "digest_header": "<b>📰 {paper}</b>\n{date} · 共 {count} 篇",
        "digest_continued": "<b>📰 {paper}</b> · {date}（续）",
        "digest_footer": "点击下方编号查看详细摘要。",
        "combined_header": "<b>📰 今日报摘</b>\n{date} · {paper_count} 份报纸 · 共 {count} 篇",
        "combined_continued": "<b>📰 今日报摘</b> · {date}（续）",
        "combined_section": "<b>📄 {paper}</b> · {date} · {count} 篇",
        "combined_section_continued": "<b>📄 {paper}</b>（续）",
        "digest_also_in": "<i>也见于：{papers}</i>",
        "date": "{year}年{month}月{day}日",
        "page": "第{page}版",
        "keywords": "关键词：{keywords}",
        "keyword_separator": "、",
        "continued_on": "（下转第{page}版）",
        "article_number": "第 {number}/{count} 篇",
        # buttons
        "button_open_article": "{number}",
        "button_open_article_long": "📄 第{number}篇",
        "button_next_page": "下一页 ▶",
        "button_previous_page": "◀ 上一页",
        "button_expired": "这个按钮已失效，请重新发送命令。",
        # added for the handlers
        "friend": "朋友",
        "zone_asia_shanghai": "北京时间",
        "text_hint": "想找文章？发送 <code>/search 关键词</code>；发送 /help 查看全部命令。",
        "article_no_title_match": (
            "本期没有标题含“{query}”的文章。试试 <code>/search {query}</code> 搜索全部存档。"
        ),
        "stats_chart_title": "报摘 · 最近两周",
        "admin_ingest_failed": "⚠️ {paper}：{count} 个文件无法入库，已移到 failed/：\n{items}",
        "admin_poll_failed": "⚠️ {paper}：扫描收件箱失败：{reason}",
        "admin_template_error": (
            "⚠️ {paper}：电子报网页与模板对不上（网站改版？），暂停入库：\n{reason}"
        ),
        "admin_articles_missing": (
            "⚠️ {paper} {date}：已入库，但缺 {count} 篇文章（之后的轮询会继续补）：\n{items}"
        ),
    },
    "en": {
        "start": (
            "👋 Hello, {name}! I am <b>Baozhai</b> (报摘).\n\n"
            "Every day, as soon as the paper is out, I boil each of its articles down to a few "
            "sentences and send them to you: skim the gist, then open the ones you want.\n\n"
            "Tap the button below to subscribe to the daily digest, or send /help for all "
            "commands."
        ),
        "start_button_subscribe": "📬 Subscribe to the daily digest",
        "help_title": "Baozhai · Help",
        "cmd_start": "Start using Baozhai",
        "cmd_help": "List all commands",
        "cmd_subscribe": "Subscribe to the daily digest (optionally of one paper)",
        "cmd_unsubscribe": "Drop one paper, or stop the digest",
        "cmd_papers": "Choose your papers",
        "cmd_today": "The latest digest",
        "cmd_article": "Summary of one article, e.g. /article 3",
        "cmd_search": "Search articles by keyword, e.g. /search 工会",
        "cmd_stats": "Statistics",
        "cmd_settings": "See or change your delivery time",
        "usage_article": "N",
        "usage_search": "WORDS",
        "usage_paper": "[PAPER]",
        "usage_settings": "[HH:MM]",
        "subscribed": "✅ Subscribed! A new digest will arrive every day at about {time}.",
        "already_subscribed": "You are already subscribed; the digest arrives at about {time}.",
        "unsubscribed": "Unsubscribed. Send /subscribe whenever you want it back.",
        "not_subscribed": "You are not subscribed. Send /subscribe to get the daily digest.",
        "your_papers": "Your papers: {papers}. Send /papers to change them.",
        "paper_unsubscribed": "Dropped {paper}. You still get: {papers}.",
        "paper_not_subscribed": "You do not get {paper}. Send /papers to see all papers.",
        "paper_unknown": "There is no paper called “{name}”. Papers: {papers}.",
        "papers_header": "📰 <b>Papers</b>\nTap to subscribe or drop one (✅: you get it).",
        "paper_on": "✅ {paper}",
        "paper_off": "➕ {paper}",
        "paper_toggled_on": "Subscribed to {paper}",
        "paper_toggled_off": "Dropped {paper}",
        "list_separator": ", ",
        "no_edition": "No edition yet. You will find it here as soon as one is in.",
        "article_not_found": (
            "This edition has {count} {count:article|articles}; please send a number from 1 "
            "to {count}."
        ),
        "article_usage": "Usage: <code>/article N</code>, e.g. <code>/article 3</code>.",
        "article_bad_argument": (
            "“{arg}” is not an article number. Usage: <code>/article N</code>, "
            "e.g. <code>/article 3</code>."
        ),
        "search_usage": (
            "Usage: <code>/search WORDS</code>, e.g. <code>/search 工会</code>.\n"
            "Several words (all must match): <code>/search 工会 劳模</code>; a phrase: "
            "<code>/search \"乡村振兴\"</code>; leave out: <code>/search 工会 -美国</code>; "
            "dates: <code>/search 工会 2024-07</code>; "
            "a paper: <code>/search 工会 海南日报</code>; "
            "newest first: <code>/search 工会 newest</code>."
        ),
        "search_no_results": "Nothing found for “{query}”. Try another word.",
        "search_header": "🔍 Results for “{query}” ({count} found, {order})",
        "search_order_relevance": "best match first",
        "search_order_newest": "newest first",
        "search_count_at_least": "{count}+",
        "search_result_more": "{count} more: turn pages with ◀ ▶.",
        "search_result_hidden": "{count} more not shown.",
        "input_too_long": (
            "That is too long ({length} characters); please keep it under {limit} characters."
        ),
        "unknown_command": "I don't know that command. Send /help to see what I can do.",
        "internal_error": (
            "Sorry, something went wrong on our side. It has been logged; please try again later."
        ),
        "slow_down": (
            "Whoa, that is faster than I can keep up with. Please try again in {seconds} "
            "{seconds:second|seconds}; I will ignore messages until then."
        ),
        "settings": (
            "<b>⚙️ Settings</b>\n\n"
            "Daily digest time: <b>{time}</b> {zone} ({origin})\n\n"
            "Change it: <code>/settings 07:30</code>\n"
            "Back to the default ({default}): <code>/settings default</code>"
        ),
        "settings_mode_hint": (
            "<b>Digest</b>: with several papers, one message per paper or all in one? "
            "(✅: your choice)"
        ),
        "mode_per_paper": "One per paper",
        "mode_combined": "All in one",
        "mode_selected": "✅ {label}",
        "mode_saved_per_paper": "Done: one digest per paper",
        "mode_saved_combined": "Done: all your papers in one digest",
        "mode_not_subscribed": "Subscribe first (/subscribe)",
        "settings_origin_default": "default",
        "settings_origin_custom": "your choice",
        "settings_saved": "✅ Done: the digest will arrive daily at <b>{time}</b> ({zone}).",
        "settings_reset": "✅ Back to the default time, <b>{time}</b> ({zone}).",
        "settings_invalid": (
            "“{value}” is not a valid time. Use 24-hour time, e.g. <code>/settings 07:30</code>, "
            "or <code>/settings default</code> for the default."
        ),
        "stats_header": "<b>📊 Statistics</b>",
        "stats_editions": "Editions: {count}",
        "stats_articles": "Articles: {count}",
        "stats_subscribers": "Subscribers: {count}",
        "stats_delivered": "Digests delivered: {count}",
        "stats_top_keywords": "<b>Top keywords</b>",
        "stats_keyword_item": "{keyword} ({count})",
        "stats_daily": "<b>Recent days</b>",
        "stats_daily_item": (
            "{date}: {articles} {articles:article|articles}, "
            "{keywords} {keywords:keyword|keywords}"
        ),
        "stats_empty": "No data yet.",
        "digest_header": "<b>📰 {paper}</b>\n{date} · {count} {count:article|articles}",
        "digest_continued": "<b>📰 {paper}</b> · {date} (continued)",
        "digest_footer": "Tap a number below for the full summary.",
        "combined_header": (
            "<b>📰 Today's papers</b>\n{date} · {paper_count} {paper_count:paper|papers} · "
            "{count} {count:article|articles}"
        ),
        "combined_continued": "<b>📰 Today's papers</b> · {date} (continued)",
        "combined_section": "<b>📄 {paper}</b> · {date} · {count} {count:article|articles}",
        "combined_section_continued": "<b>📄 {paper}</b> (continued)",
        "digest_also_in": "<i>Also in: {papers}</i>",
        "date": "{year}-{month:0>2}-{day:0>2}",
        "page": "Page {page}",
        "keywords": "Keywords: {keywords}",
        "keyword_separator": ", ",
        "continued_on": "(continued on page {page})",
        "article_number": "article {number} of {count}",
        "button_open_article": "{number}",
        "button_open_article_long": "📄 Article {number}",
        "button_next_page": "Next ▶",
        "button_previous_page": "◀ Previous",
        "button_expired": "This button has expired; please send the command again.",
        "friend": "there",
        "zone_asia_shanghai": "Beijing time",
        "text_hint": (
            "Looking for an article? Send <code>/search word</code>; /help lists all commands."
        ),
        "article_no_title_match": (
            "No article in this edition has “{query}” in its title. Try "
            "<code>/search {query}</code> to search the whole archive."
        ),
        "stats_chart_title": "Baozhai · last two weeks",
        "admin_ingest_failed": (
            "⚠️ {paper}: {count} {count:file|files} could not be ingested, moved to "
            "failed/:\n{items}"
        ),
        "admin_poll_failed": "⚠️ {paper}: scanning the inbox failed: {reason}",
        "admin_template_error": (
            "⚠️ {paper}: the e-paper pages no longer match the template (site redesign?); "
            "nothing is ingested until it is fixed:\n{reason}"
        ),
        "admin_articles_missing": (
            "⚠️ {paper} {date}: stored, but {count} {count:article is|articles are} missing "
            "(later polls keep trying):\n{items}"
        ),
    },
}

class _Formatter(string.Formatter):
    """``str.format`` plus the plural spec ``{count:one|other}`` (see the module docstring)."""

    def format_field(self, value: object, format_spec: str) -> str:
        if "|" not in format_spec:
            return str(super().format_field(value, format_spec))
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"a plural needs an integer, got {value!r}")
        one, other = format_spec.split("|", 1)
        return one if value == 1 else other


_FORMATTER = _Formatter()


def plural(count: int, one: str, other: str) -> str:
    """``"1 article"``, ``"7 articles"``: the count and the word that goes with it."""
    return f"{count} {_FORMATTER.format_field(count, f'{one}|{other}')}"


def template_fields(template: str) -> frozenset[str]:
    """The field names a template uses (``{count}`` → ``"count"``)."""
    return frozenset(
        field.split(".")[0].split("[")[0]
        for _, field, _, _ in _FORMATTER.parse(template)
        if field is not None
    )


def _prepare(value: object) -> object:
    """Escape one keyword value: Markup passes as is, numbers stay numbers (for format specs)."""
    if isinstance(value, Markup):
        return str(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    return html.escape(str(value), quote=False)


def t(lang: str, key: str, /, **kwargs: object) -> Markup:
    """The message ``key`` in ``lang`` with ``kwargs`` filled in, as safe Telegram HTML.

    Unknown languages fall back to Chinese; an unknown key or a missing kwarg raises
    ``KeyError`` (a programming error, caught by the tests). Every kwarg value is escaped
    unless it is a :class:`Markup`; the result is a ``Markup`` so it can be nested.
    """
    table: Mapping[str, str] = MESSAGES.get(lang) or MESSAGES[DEFAULT_LANGUAGE]
    values = {name: _prepare(value) for name, value in kwargs.items()}
    return Markup(_FORMATTER.vformat(table[key], (), values))


def t_plain(lang: str, key: str, /, **kwargs: object) -> str:
    """The message ``key`` as plain text, nothing escaped: for button labels and other places
    Telegram does not parse as HTML (an escaped ``&amp;`` would show literally there).

    Only for keys whose template holds no HTML tags (button labels, separators).
    """
    table: Mapping[str, str] = MESSAGES.get(lang) or MESSAGES[DEFAULT_LANGUAGE]
    return _FORMATTER.vformat(table[key], (), kwargs)

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
        "start_group": (
            "👋 大家好！我是<b>报摘</b>。\n\n"
            "每天报纸一出版，我就把当天的每篇文章浓缩成几句话发到本群：先看要点，"
            "想细读哪篇再点开。\n\n"
            "群管理员点下面的按钮即可为本群订阅每日摘要；发送 /help 查看全部命令。"
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
        "cmd_settings": "推送时间、时区与免打扰",
        "cmd_follow": "关注话题：新一期报纸提到它就提醒你",
        "cmd_unfollow": "取消关注话题",
        "cmd_following": "查看你关注的话题",
        "usage_article": "编号",
        "usage_search": "关键词",
        "usage_paper": "[报纸]",
        "cmd_channel": "把每日摘要发到频道，如 /channel @频道名",
        "cmd_status": "运行状态（管理员）",
        "cmd_broadcast": "向所有订阅者发公告（管理员）",
        "cmd_ingest": "立即检查各报新一期（管理员）",
        "usage_channel": "@频道名",
        "usage_broadcast": "公告内容",
        "usage_settings": "[时间 | tz 时区 | quiet 时段 | lang zh/en]",
        "usage_follow": "话题",
        # subscription
        "subscribed": "✅ 订阅成功！每天 {time} 左右，新一期摘要会准时送到。",
        "already_subscribed": "你已经订阅过了，每天 {time} 左右推送。",
        "unsubscribed": "已取消订阅。想再看时，随时发送 /subscribe。",
        "not_subscribed": "你还没有订阅。发送 /subscribe 即可订阅每日摘要。",
        "your_papers": "你订阅的报纸：{papers}。发送 /papers 增减。",
        "paper_unsubscribed": "已退订《{paper}》。你仍订阅：{papers}。",
        "paper_not_subscribed": "你没有订阅《{paper}》。发送 /papers 查看全部报纸。",
        "paper_unknown": "没有叫“{name}”的报纸。可订阅的有：{papers}。",
        "paper_ambiguous": "“{name}”可以指：{papers}。请写出全名。",
        "papers_header": "📰 <b>可订阅的报纸</b>\n点按钮订阅或退订（✅ 表示已订阅）。",
        "paper_on": "✅ {paper}",
        "paper_off": "➕ {paper}",
        "paper_toggled_on": "已订阅《{paper}》",
        "paper_toggled_off": "已退订《{paper}》",
        "list_separator": "、",
        # editions and articles
        "no_edition": "还没有可看的报纸，新一期入库后就能看到了。",
        "article_not_found": "本期共 {count} 篇，请输入 1–{count} 之间的编号。",
        "combined_article_not_found": "今日报摘共 {count} 篇，请输入 1–{count} 之间的编号。",
        "papers_article_not_found": "这几份报纸每期最多 {count} 篇，请输入 1–{count} 之间的编号。",
        "article_which_paper": "几份报纸都有第 {number} 篇，要看哪一篇？",
        "article_title_choices": "有 {count} 篇文章的标题含“{query}”，要看哪一篇？",
        "article_title_first": (
            "有 {count} 篇文章的标题含“{query}”，下面是前 {shown} 篇；"
            "换个更具体的词，或用 <code>/search</code> 查看全部。"
        ),
        "article_gone": "这期报纸补进了新版面，这篇文章已不在其中。发送 /today 查看最新目录。",
        "article_edition_gone": "这期报纸已不在存档中。发送 /today 查看最新一期。",
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
        "search_needs_word": (
            "日期和报纸只是范围，还要加上要找的词，例如 <code>/search 工会 2024-07</code>、"
            "<code>/search 工会 海南日报</code>。"
        ),
        "search_needs_word_to_exclude_from": (
            "排除词之外，还要加上要找的词，例如 <code>/search 工会 -美国</code>。"
        ),
        "search_too_many_words": (
            "一次最多搜 {most} 个词（含排除的词），请删去几个再试。"
        ),
        "search_bad_date": (
            "“{date}”不是有效的日期。日期可以写成 <code>2024-07</code>、<code>2024-07-01</code>、"
            "<code>2024年7月1日</code>，或一段时间 <code>2024-07-01~2024-07-15</code>。"
        ),
        "search_no_papers_left": "排除这些报纸后，就没有报纸可搜了。",
        "search_no_operators": (
            "搜索不用 {word}：写下的词都要有；要排除一个词，在它前面加 -，"
            "例如 <code>/search 工会 -美国</code>。"
        ),
        "search_too_long": (
            "“{query}”几乎每篇文章都有，搜索太久，已停止。请换更具体的词，"
            "或加上日期、报纸，例如 <code>/search 工会 2024-07</code>。"
        ),
        "search_header": "🔍 “{query}”的搜索结果（共 {count} 篇，{order}）",
        "search_order_relevance": "最相关的在前",
        "search_order_newest": "最新的在前",
        "search_order_print": "按版面顺序",
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
            "每日摘要推送时间：<b>{time}</b>（{origin}）\n"
            "时区：{zone}\n"
            "下一期摘要：{next}\n"
            "免打扰（话题提醒、迟到的摘要）：{quiet}\n\n"
            "修改时间：<code>/settings 07:30</code>\n"
            "恢复默认（{default}）：<code>/settings default</code>\n"
            "修改时区：<code>/settings tz Europe/Berlin</code>、<code>/settings tz UTC+8</code>，"
            "或点下面的按钮\n"
            "免打扰：<code>/settings quiet 22:00-07:00</code>，"
            "关闭：<code>/settings quiet off</code>"
        ),
        "settings_next": "{date} {time}（{zone}）",
        "settings_next_poll": "{minutes} 分钟内（下次检查时送出）",
        "settings_next_arrival": "今天，报纸一到就送出",
        "settings_next_none": "无（还没有订阅，发送 /subscribe 订阅）",
        "settings_quiet_none": "不设",
        "settings_quiet_window": "{start}–{end}",
        "settings_tz_saved": (
            "✅ 时区已设为 <b>{zone}</b>。每日摘要在当地时间 {time} 推送，下一期：{next}。"
        ),
        "settings_tz_invalid": (
            "“{value}”不是可用的时区。请用 IANA 时区名，写成“地区/城市”，例如 "
            "<code>/settings tz Europe/Berlin</code>、<code>/settings tz America/New_York</code>、"
            "<code>/settings tz Asia/Shanghai</code>，或写与 UTC 的偏移，例如 "
            "<code>/settings tz UTC+8</code>；恢复默认："
            "<code>/settings tz default</code>。也可以点下面的按钮。"
        ),
        "settings_tz_usage": (
            "发送 <code>/settings tz 时区</code>，例如 <code>/settings tz Europe/Berlin</code> "
            "或 <code>/settings tz UTC+8</code>，或点下面的按钮。"
        ),
        "settings_tz_offset_invalid": (
            "“{value}”不是有效的 UTC 偏移：偏移在 UTC−12 到 UTC+14 之间，例如 "
            "<code>/settings tz UTC+8</code>、<code>/settings tz UTC-5</code>；"
            "也可以用城市所在的时区，例如 <code>/settings tz Europe/Berlin</code>。"
        ),
        "settings_tz_offset_place": (
            "{offset} 不是整点的偏移，这样的时区我只能按地名记下。请用所在城市的时区，例如 "
            "<code>/settings tz {place}</code>（现在是 {offset}）。时区没有改动。"
        ),
        "settings_tz_fixed": (
            "{offset} 是固定偏移，不随夏令时变化；如果你那里会调夏令时，请改用城市所在的时区，"
            "例如 <code>/settings tz America/New_York</code>。"
        ),
        "settings_quiet_saved": (
            "✅ 免打扰：<b>{quiet}</b>（{zone}）。这段时间里的话题提醒会在结束后再发；"
            "报纸来晚了的摘要也是（除非你的推送时间就在这段时间里）。"
        ),
        "settings_quiet_off": "✅ 已关闭免打扰：话题提醒随到随发，报纸来晚了摘要也随到随发。",
        "settings_quiet_usage": (
            "免打扰现在是：<b>{quiet}</b>（{zone}），这段时间里的话题提醒和报纸来晚了的摘要"
            "会在结束后再发。设置时段："
            "<code>/settings quiet 22:00-07:00</code>（可以跨午夜），关闭："
            "<code>/settings quiet off</code>，恢复默认：<code>/settings quiet default</code>。"
        ),
        "settings_quiet_reset": "✅ 免打扰已恢复默认：<b>{quiet}</b>（{zone}）。",
        "settings_quiet_invalid": (
            "“{value}”不是有效的时段。请写成 <code>/settings quiet 22:00-07:00</code>"
            "（可以跨午夜），关闭用 <code>/settings quiet off</code>，"
            "恢复默认用 <code>/settings quiet default</code>。"
        ),
        "settings_zone_chosen": "时区：{zone}",
        "settings_lang_saved": "✅ 这里的每日摘要今后用<b>{language}</b>。",
        "settings_lang_usage": (
            "发送 <code>/settings lang zh</code>（中文）或 <code>/settings lang en</code>"
            "（English），选择本群每日摘要的语言。现在：<b>{language}</b>。"
        ),
        "settings_lang_private": (
            "私聊里的每日摘要跟随你的 Telegram 语言（现在：<b>{language}</b>）："
            "在 Telegram 的设置里换了语言，摘要也跟着换。"
        ),
        "settings_group_language": (
            "本群每日摘要的语言：<b>{language}</b>（修改：<code>/settings lang zh</code> 或 "
            "<code>/settings lang en</code>）"
        ),
        "language_zh": "中文",
        "language_en": "英文",
        # follows and alerts
        "follow_usage": (
            "用法：<code>/follow 话题</code>，例如 <code>/follow 工会</code>；"
            "几个话题用逗号隔开：<code>/follow 工会，驿站</code>。"
            "新一期报纸有文章提到它时，我会提醒你。"
        ),
        "follow_added": (
            "✅ 已关注{terms}（{count}/{cap}）。新一期报纸提到{topics:它|它们}时我会提醒你；"
            "免打扰时段（{quiet}）的提醒会在结束后再发。"
        ),
        "follow_added_anytime": (
            "✅ 已关注{terms}（{count}/{cap}）。新一期报纸提到{topics:它|它们}时我会随即提醒你。"
        ),
        "follow_exists": "你已经关注了{terms}。发送 /following 查看全部。",
        "follow_full": (
            "最多可以关注 {cap} 个话题。先用 <code>/unfollow 话题</code> 取消一个，再关注新的。"
        ),
        "follow_full_some": (
            "已到 {cap} 个话题的上限，没有关注{terms}。"
            "先用 <code>/unfollow 话题</code> 取消一个，再关注新的。"
        ),
        "follow_too_long": "话题太长了（{length} 个字符），请控制在 {limit} 个字符以内。",
        "follow_invalid": "这里没有可以匹配的文字。请发送词语，例如 <code>/follow 工会</code>。",
        "unfollow_usage": "用法：<code>/unfollow 话题</code>。发送 /following 查看你关注的话题。",
        "unfollowed": "已取消关注{terms}。",
        "unfollow_unknown": "你没有关注{terms}。发送 /following 查看你关注的话题。",
        "following_none": "你还没有关注任何话题。试试 <code>/follow 工会</code>。",
        "following_list": (
            "<b>🔔 你关注的话题（{count}/{cap}）</b>\n{terms}\n\n"
            "取消关注：<code>/unfollow 话题</code>"
        ),
        "alert_header": "<b>🔔 你关注的话题上报了</b>\n《{paper}》{date} · 相关 {count} 篇",
        "alert_term": "关注：{term}",
        "alert_more": "还有 {count} 篇未列出，发送 /today 查看全部。",
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
        "settings_saved": "✅ 好的，以后每天 <b>{time}</b>（{zone}）推送摘要。下一期：{next}。",
        "settings_reset": "✅ 已恢复默认推送时间 <b>{time}</b>（{zone}）。下一期：{next}。",
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
        "digest_also_in_more": "{papers}，另有 {count} 份报纸",
        "digest_told_earlier": "<i>已见于今日摘要：{papers}</i>",
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
        "article_sent_privately": "已私信发给你。",
        # added for the handlers
        "friend": "朋友",
        "zone_asia_shanghai": "北京时间",
        "zone_with_offset": "{zone}（{offset}）",
        "text_hint": "想找文章？发送 <code>/search 关键词</code>；发送 /help 查看全部命令。",
        "article_no_title_match": (
            "本期没有标题含“{query}”的文章。试试 <code>/search {query}</code> 搜索全部存档。"
        ),
        "stats_chart_title": "报摘 · 最近两周",
        "admin_ingest_failed": "⚠️ {paper}：{count} 个文件无法入库，已移到 failed/：\n{items}",
        "admin_poll_failed": "⚠️ {paper}：扫描收件箱失败：{reason}",
        "admin_poll_recovered": "✅ {paper}：收件箱又能扫描了。",
        "admin_site_recovered": "✅ {paper}：电子报网站又能读取了，恢复入库。",
        "admin_template_error": (
            "⚠️ {paper}：电子报网站无法按配置读取（网站改版？搬迁？），暂停入库：\n{reason}"
        ),
        "admin_articles_missing": (
            "⚠️ {paper} {date}：已入库，但缺 {count} 篇文章（之后的轮询会继续补）：\n{items}"
        ),
        "admin_edition_unfetched": (
            "⚠️ {paper} {date}：{count} 篇文章一篇也没取到，这一期没有入库（之后的轮询会继续取）："
            "\n{items}"
        ),
        # operators: /status, /broadcast, /ingest (bot.components.admin)
        "status_title": "<b>报摘运行状态</b>",
        "status_paper": "<b>{paper}</b>\n  上次检查：{poll}\n  最新一期：{edition}",
        "status_poll": "{when}，{outcome}",
        "status_never": "还没有",
        "status_no_edition": "还没有",
        "poll_new": "有新内容",
        "poll_nothing_new": "没有新内容",
        "poll_failed": "失败：{detail}",
        "status_edition": "{date}，共 {count} 篇（{when} 入库）",
        "status_digest": (
            "最近一次推送：{paper} {date}\n"
            "  已送达 {sent} · 待发送 {pending} · 存疑 {in_doubt} · 失败 {failed}"
        ),
        "status_no_digest": "最近一次推送：还没有",
        "status_broadcast": (
            "最近一次公告：{when}\n"
            "  已送达 {sent} · 待发送 {pending} · 存疑 {in_doubt} · 失败 {failed}"
        ),
        "status_subscribers": "订阅中的聊天：{count}",
        "status_leader": "主进程：<code>{holder}</code>（租约到 {until}）",
        "status_no_leader": "主进程：无（没有进程持有租约）",
        "status_database": "数据库：<code>{url}</code>",
        "status_version": "版本：{version}",
        "broadcast_usage": (
            "用法：<code>/broadcast 公告内容</code>——先给你看一遍，确认后才发给所有订阅者。"
        ),
        "broadcast_too_long": "公告太长了：{length} 个字，最多 {limit} 个字。",
        "broadcast_preview": (
            "📢 这条公告将发给 <b>{count}</b> 个订阅中的聊天：\n\n{text}\n\n确认发送吗？"
        ),
        "broadcast_button_send": "✅ 发送（{count}）",
        "broadcast_button_cancel": "取消",
        "broadcast_sending": "📢 公告开始发送，共 {count} 个聊天。",
        "broadcast_done": (
            "📢 公告发完了：送达 {sent}，存疑 {in_doubt}，失败 {failed}，已屏蔽机器人 {blocked}。"
        ),
        "broadcast_cancelled": "公告已取消，没有发送。",
        "broadcast_gone": "这条公告已经发送或取消了。",
        "ingest_started": "正在检查各报的新一期……",
        "operators_group_admins_only": (
            "在运营群里，只有群管理员可以使用 /status、/broadcast 和 /ingest。"
        ),
        "ingest_done": "检查完毕：\n{lines}",
        "ingest_line": "• {paper}：{outcome}",
        # groups and channels (bot.components.chats)
        "group_admins_only": "在群里，只有群管理员可以订阅、退订、修改设置或关注话题。",
        "channel_usage": (
            "用法：<code>/channel @频道名</code>。先把我设为该频道的管理员（允许发消息），"
            "每日摘要就会发到频道里；<code>/channel off @频道名</code> 停止。"
        ),
        "channel_list": "已绑定的频道：{channels}",
        "channel_bad_name": "“{name}”不是频道的用户名。用法：<code>/channel @频道名</code>",
        "channel_not_found": "找不到频道 {name}：请确认它是公开频道，用户名没有拼错。",
        "channel_not_a_channel": "{name} 不是频道。",
        "channel_bot_not_admin": (
            "我还不是 {name} 的管理员，不能在那里发消息。请在频道设置里把 @{bot} 添加为管理员"
            "并允许发消息，然后再试一次。"
        ),
        "channel_user_not_admin": "只有 {name} 的管理员才能把它绑定到报摘。",
        "channel_anonymous": (
            "你现在以匿名管理员身份发言，我无法核实你是不是 {name} 的管理员。"
            "请关闭匿名后再发送一次。"
        ),
        "channel_bound": "✅ 每天 {time} 会把 {papers} 的摘要用中文发到 {name}。",
        "channel_unbound": "已停止向 {name} 发送摘要。",
        "channel_not_bound": "{name} 没有从这里绑定。",
    },
    "en": {
        "start": (
            "👋 Hello, {name}! I am <b>Baozhai</b> (报摘).\n\n"
            "Every day, as soon as the paper is out, I boil each of its articles down to a few "
            "sentences and send them to you: skim the gist, then open the ones you want.\n\n"
            "Tap the button below to subscribe to the daily digest, or send /help for all "
            "commands."
        ),
        "start_group": (
            "👋 Hello, everyone! I am <b>Baozhai</b> (报摘).\n\n"
            "Every day, as soon as the paper is out, I boil each of its articles down to a few "
            "sentences and post them to this group: skim the gist, then open the ones you "
            "want.\n\n"
            "A group admin can tap the button below to subscribe the group to the daily digest; "
            "send /help for all commands."
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
        "cmd_settings": "Delivery time, time zone and quiet hours",
        "cmd_follow": "Follow a topic: an alert when a new edition mentions it",
        "cmd_unfollow": "Stop following a topic",
        "cmd_following": "The topics you follow",
        "usage_article": "N",
        "usage_search": "WORDS",
        "usage_paper": "[PAPER]",
        "cmd_channel": "Post the daily digest to a channel, e.g. /channel @name",
        "cmd_status": "Service status (admins)",
        "cmd_broadcast": "Announce something to every subscriber (admins)",
        "cmd_ingest": "Look for new editions now (admins)",
        "usage_channel": "@channel",
        "usage_broadcast": "TEXT",
        "usage_settings": "[HH:MM | tz ZONE | quiet HH:MM-HH:MM | lang zh/en]",
        "usage_follow": "TOPIC",
        "subscribed": "✅ Subscribed! A new digest will arrive every day at about {time}.",
        "already_subscribed": "You are already subscribed; the digest arrives at about {time}.",
        "unsubscribed": "Unsubscribed. Send /subscribe whenever you want it back.",
        "not_subscribed": "You are not subscribed. Send /subscribe to get the daily digest.",
        "your_papers": "Your papers: {papers}. Send /papers to change them.",
        "paper_unsubscribed": "Dropped {paper}. You still get: {papers}.",
        "paper_not_subscribed": "You do not get {paper}. Send /papers to see all papers.",
        "paper_unknown": "There is no paper called “{name}”. Papers: {papers}.",
        "paper_ambiguous": "“{name}” could be {papers}: please give the whole name.",
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
        "combined_article_not_found": (
            "Today's papers list {count} {count:article|articles}; please send a number from 1 "
            "to {count}."
        ),
        "papers_article_not_found": (
            "These papers have at most {count} {count:article|articles} an edition; please send "
            "a number from 1 to {count}."
        ),
        "article_which_paper": "Several papers have an article {number}. Which one?",
        "article_title_choices": (
            "{count} {count:article has|articles have} “{query}” in the title. Which one?"
        ),
        "article_title_first": (
            "{count} articles have “{query}” in the title; here are the first {shown}. Try a "
            "more specific word, or <code>/search</code> for all of them."
        ),
        "article_edition_gone": (
            "That edition is no longer in the archive. Send /today for the latest."
        ),
        "article_gone": (
            "This edition was updated with pages that came in late, and that article is no "
            "longer in it. Send /today for the current list."
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
        "search_needs_word": (
            "Dates and papers only narrow a search: add a word to find, e.g. "
            "<code>/search 工会 2024-07</code> or <code>/search 工会 海南日报</code>."
        ),
        "search_needs_word_to_exclude_from": (
            "Add a word to find besides the ones to leave out, e.g. "
            "<code>/search 工会 -美国</code>."
        ),
        "search_too_many_words": (
            "A search takes at most {most} words (those left out included): drop a few "
            "and try again."
        ),
        "search_bad_date": (
            "“{date}” is not a valid date. Write dates as <code>2024-07</code>, "
            "<code>2024-07-01</code> or <code>2024年7月1日</code>, or a span as "
            "<code>2024-07-01~2024-07-15</code>."
        ),
        "search_no_papers_left": "With those papers left out, there is no paper left to search.",
        "search_no_operators": (
            "Search has no {word}: every word typed must match; to leave a word out, put - "
            "before it, e.g. <code>/search 工会 -美国</code>."
        ),
        "search_too_long": (
            "“{query}” is in nearly every article: the search took too long and was "
            "stopped. Try more specific words, or add a date or a paper, e.g. "
            "<code>/search 工会 2024-07</code>."
        ),
        "search_header": "🔍 Results for “{query}” ({count} found, {order})",
        "search_order_relevance": "best match first",
        "search_order_newest": "newest first",
        "search_order_print": "in print order",
        "search_count_at_least": "{count}+",
        "search_result_more": "{count} more: turn pages with ◀ ▶.",
        "search_result_hidden": "{count} more not shown.",
        "input_too_long": (
            "That is too long ({length} characters); please keep it to {limit} characters at most."
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
            "Daily digest time: <b>{time}</b> ({origin})\n"
            "Time zone: {zone}\n"
            "Next digest: {next}\n"
            "Quiet hours (topic alerts, late digests): {quiet}\n\n"
            "Change the time: <code>/settings 07:30</code>\n"
            "Back to the default ({default}): <code>/settings default</code>\n"
            "Change the time zone: <code>/settings tz Europe/Berlin</code> or "
            "<code>/settings tz UTC+8</code>, or tap a button below\n"
            "Quiet hours: <code>/settings quiet 22:00-07:00</code>, "
            "none: <code>/settings quiet off</code>"
        ),
        "settings_next": "{date} {time} ({zone})",
        "settings_next_poll": "within {minutes} minutes (with the next check)",
        "settings_next_arrival": "today, as soon as today's paper arrives",
        "settings_next_none": "none (not subscribed: send /subscribe)",
        "settings_quiet_none": "none",
        "settings_quiet_window": "{start}–{end}",
        "settings_tz_saved": (
            "✅ Time zone set to <b>{zone}</b>. The digest arrives at {time} local time; "
            "next: {next}."
        ),
        "settings_tz_invalid": (
            "“{value}” is not a time zone I know. Use an IANA name, Area/City, e.g. "
            "<code>/settings tz Europe/Berlin</code>, <code>/settings tz America/New_York</code>, "
            "<code>/settings tz Asia/Shanghai</code>, or an offset from UTC, e.g. "
            "<code>/settings tz UTC+8</code>; back to the default: "
            "<code>/settings tz default</code>. Or tap a button below."
        ),
        "settings_tz_usage": (
            "Send <code>/settings tz ZONE</code>, e.g. <code>/settings tz Europe/Berlin</code> "
            "or <code>/settings tz UTC+8</code>, or tap a button below."
        ),
        "settings_tz_offset_invalid": (
            "“{value}” is not a valid UTC offset: offsets run from UTC−12 to UTC+14, e.g. "
            "<code>/settings tz UTC+8</code>, <code>/settings tz UTC-5</code>; or use your "
            "city's zone, e.g. <code>/settings tz Europe/Berlin</code>."
        ),
        "settings_tz_offset_place": (
            "{offset} is not a whole number of hours: such a zone I can only keep by its place. "
            "Send your city's zone, e.g. <code>/settings tz {place}</code> ({offset} now). "
            "Your time zone is unchanged."
        ),
        "settings_tz_fixed": (
            "{offset} is a fixed offset: it does not change for daylight saving. Where the "
            "clocks change, use your city's zone instead, e.g. "
            "<code>/settings tz America/New_York</code>."
        ),
        "settings_quiet_saved": (
            "✅ Quiet hours: <b>{quiet}</b> ({zone}). Topic alerts due meanwhile arrive when "
            "they end, and so does a digest whose paper came late (unless your digest time is "
            "inside them)."
        ),
        "settings_quiet_off": (
            "✅ No quiet hours: topic alerts, and a digest whose paper came late, arrive as soon "
            "as they are due."
        ),
        "settings_quiet_usage": (
            "Quiet hours are now <b>{quiet}</b> ({zone}): topic alerts, and a digest whose paper "
            "came late, wait for their end. Set them with "
            "<code>/settings quiet 22:00-07:00</code> (it may wrap midnight), none with "
            "<code>/settings quiet off</code>, back to the default with "
            "<code>/settings quiet default</code>."
        ),
        "settings_quiet_reset": "✅ Quiet hours back to the default: <b>{quiet}</b> ({zone}).",
        "settings_quiet_invalid": (
            "“{value}” is not a time window. Write <code>/settings quiet 22:00-07:00</code> "
            "(it may wrap midnight), <code>/settings quiet off</code> for none, or "
            "<code>/settings quiet default</code>."
        ),
        "settings_zone_chosen": "Time zone: {zone}",
        "settings_lang_saved": "✅ This chat's daily digest will be in <b>{language}</b>.",
        "settings_lang_usage": (
            "Send <code>/settings lang zh</code> (中文) or <code>/settings lang en</code> "
            "(English) to choose the language of this group's daily digest. Now: "
            "<b>{language}</b>."
        ),
        "settings_lang_private": (
            "In a private chat the daily digest follows your Telegram language (now "
            "<b>{language}</b>): change it in Telegram's settings and the digest follows."
        ),
        "settings_group_language": (
            "This group's daily digest is in <b>{language}</b> (change it with "
            "<code>/settings lang zh</code> or <code>/settings lang en</code>)"
        ),
        "language_zh": "Chinese",
        "language_en": "English",
        "follow_usage": (
            "Usage: <code>/follow TOPIC</code>, e.g. <code>/follow 工会</code>; several, "
            "separated by commas: <code>/follow 工会, 驿站</code>. When a new edition has an "
            "article about it, I will alert you."
        ),
        "follow_added": (
            "✅ Following {terms} ({count}/{cap}). A new edition that mentions {topics:it|them} "
            "gets you an alert; during your quiet hours ({quiet}) it waits until they end."
        ),
        "follow_added_anytime": (
            "✅ Following {terms} ({count}/{cap}). A new edition that mentions {topics:it|them} "
            "gets you an alert at once."
        ),
        "follow_exists": "You already follow {terms}. /following lists your topics.",
        "follow_full": (
            "You can follow at most {cap} topics. Drop one with <code>/unfollow TOPIC</code> "
            "first."
        ),
        "follow_full_some": (
            "That makes {cap} topics, the most you can follow: {terms} not followed. Drop one "
            "with <code>/unfollow TOPIC</code> first."
        ),
        "follow_too_long": (
            "That topic is too long ({length} characters); please keep it to {limit} at most."
        ),
        "follow_invalid": (
            "There is nothing to match in that. Send a word, e.g. <code>/follow 工会</code>."
        ),
        "unfollow_usage": "Usage: <code>/unfollow TOPIC</code>. /following lists your topics.",
        "unfollowed": "No longer following {terms}.",
        "unfollow_unknown": "You do not follow {terms}. /following lists your topics.",
        "following_none": "You follow no topics yet. Try <code>/follow 工会</code>.",
        "following_list": (
            "<b>🔔 Your topics ({count}/{cap})</b>\n{terms}\n\n"
            "Stop one: <code>/unfollow TOPIC</code>"
        ),
        "alert_header": (
            "<b>🔔 Your topics are in the paper</b>\n{paper} · {date} · "
            "{count} matching {count:article|articles}"
        ),
        "alert_term": "Topic: {term}",
        "alert_more": "{count} more not listed; /today has them all.",
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
        "settings_saved": (
            "✅ Done: the digest will arrive daily at <b>{time}</b> ({zone}). Next: {next}."
        ),
        "settings_reset": "✅ Back to the default time, <b>{time}</b> ({zone}). Next: {next}.",
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
        "digest_also_in_more": "{papers} and {count} more papers",
        "digest_told_earlier": "<i>Already in today's digest: {papers}</i>",
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
        "article_sent_privately": "Sent to you in a private chat.",
        "friend": "there",
        "zone_asia_shanghai": "Beijing time",
        "zone_with_offset": "{zone} ({offset})",
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
        "admin_poll_recovered": "✅ {paper}: the inbox can be scanned again.",
        "admin_site_recovered": "✅ {paper}: the site can be read again; ingesting resumes.",
        "admin_template_error": (
            "⚠️ {paper}: the e-paper site can no longer be read as configured (redesigned? "
            "moved?); nothing is ingested until it is fixed:\n{reason}"
        ),
        "admin_articles_missing": (
            "⚠️ {paper} {date}: stored, but {count} {count:article is|articles are} missing "
            "(later polls keep trying):\n{items}"
        ),
        "admin_edition_unfetched": (
            "⚠️ {paper} {date}: not one of its {count} {count:article|articles} could be "
            "fetched, so nothing is stored (later polls keep trying):\n{items}"
        ),
        # operators: /status, /broadcast, /ingest (bot.components.admin)
        "status_title": "<b>Baozhai status</b>",
        "status_paper": "<b>{paper}</b>\n  last poll: {poll}\n  last edition: {edition}",
        "status_poll": "{when}, {outcome}",
        "status_never": "never",
        "status_no_edition": "none yet",
        "poll_new": "new edition",
        "poll_nothing_new": "nothing new",
        "poll_failed": "failed: {detail}",
        "status_edition": "{date}, {count} {count:article|articles} (stored {when})",
        "status_digest": (
            "Last digest: {paper} {date}\n"
            "  sent {sent} · pending {pending} · in doubt {in_doubt} · failed {failed}"
        ),
        "status_no_digest": "Last digest: none yet",
        "status_broadcast": (
            "Last broadcast: {when}\n"
            "  sent {sent} · pending {pending} · in doubt {in_doubt} · failed {failed}"
        ),
        "status_subscribers": "Subscribed chats: {count}",
        "status_leader": "Leader: <code>{holder}</code> (lease until {until})",
        "status_no_leader": "Leader: none (no process holds the lease)",
        "status_database": "Database: <code>{url}</code>",
        "status_version": "Version: {version}",
        "broadcast_usage": (
            "Usage: <code>/broadcast TEXT</code>. You see it first; it goes to every subscriber "
            "only once you confirm."
        ),
        "broadcast_too_long": (
            "That announcement is too long: {length} characters, at most {limit}."
        ),
        "broadcast_preview": (
            "📢 This goes to <b>{count}</b> subscribed {count:chat|chats}:\n\n{text}\n\nSend it?"
        ),
        "broadcast_button_send": "✅ Send ({count})",
        "broadcast_button_cancel": "Cancel",
        "broadcast_sending": "📢 Sending the announcement to {count} {count:chat|chats}.",
        "broadcast_done": (
            "📢 Announcement sent: delivered {sent}, in doubt {in_doubt}, failed {failed}, "
            "blocked {blocked}."
        ),
        "broadcast_cancelled": "Announcement cancelled; nothing was sent.",
        "broadcast_gone": "This announcement was already sent or cancelled.",
        "ingest_started": "Looking for new editions…",
        "operators_group_admins_only": (
            "In the operators' group, only its admins can use /status, /broadcast and /ingest."
        ),
        "ingest_done": "Done:\n{lines}",
        "ingest_line": "• {paper}: {outcome}",
        # groups and channels (bot.components.chats)
        "group_admins_only": (
            "In a group, only its admins can subscribe, unsubscribe, change settings"
            " or follow topics."
        ),
        "channel_usage": (
            "Usage: <code>/channel @name</code>. Make me an admin of the channel (allowed to "
            "post messages) and the daily digest is posted there; <code>/channel off @name</code> "
            "stops it."
        ),
        "channel_list": "Bound channels: {channels}",
        "channel_bad_name": (
            "“{name}” is not a channel username. Usage: <code>/channel @name</code>"
        ),
        "channel_not_found": (
            "Channel {name} not found: check that it is public and the username is right."
        ),
        "channel_not_a_channel": "{name} is not a channel.",
        "channel_bot_not_admin": (
            "I am not an admin of {name} yet, so I cannot post there. Add @{bot} as an admin "
            "of the channel, allowed to post messages, then try again."
        ),
        "channel_user_not_admin": "Only an admin of {name} can bind it to Baozhai.",
        "channel_anonymous": (
            "You are writing as an anonymous admin, so I cannot check that you are an admin "
            "of {name}. Turn anonymity off and send it again."
        ),
        "channel_bound": (
            "✅ The digest of {papers} will be posted to {name} in English every day at {time}."
        ),
        "channel_unbound": "{name} no longer gets the digest.",
        "channel_not_bound": "{name} was not bound from here.",
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

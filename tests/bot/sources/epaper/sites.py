"""Builders of fixture e-paper sites: article data + quirks in, ``{path: Resource}`` out.

Each template's site is written the way the real ones are (``../shared/docs/epaper.md``), and
every quirk the docs list is a switch of :class:`Quirks`, so a test turns on the one it is
about. The server (:mod:`tests.bot.sources.epaper.server`) serves the result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from html import escape

__all__ = [
    "Quirks",
    "Resource",
    "Sheet",
    "Story",
    "founder_article",
    "founder_page",
    "founder_site",
    "nbs_article",
    "nbs_page",
    "nbs_site",
    "pc_article",
    "pc_page",
    "pc_site",
]


@dataclass(frozen=True)
class Story:
    """One article as printed."""

    title: str
    paragraphs: tuple[str, ...]
    kicker: str | None = None
    subtitle: str | None = None
    byline: str | None = None
    captions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    """One page (版面): its printed number and name, its node number (Founder), its stories."""

    number: str
    name: str
    stories: tuple[Story, ...]
    node: int = 0


@dataclass(frozen=True)
class Quirks:
    """Every quirk of ``epaper.md`` as a switch; the defaults are a plain, tidy site."""

    label: str = "第{number}版：{name}"
    """How page links read: also ``{number}： {name}``, ``{number}版:{name}``."""
    menu_twice: bool = False
    """The page list appears twice: a hover menu (``A01： 头版``) before the list."""
    dot_slash: bool = False
    """The first page's href is ``./node_1.htm`` (the others ``node_2.htm``)."""
    image_map: bool = False
    """Articles also linked from ``<map name=PagePicMap>`` areas (placed before the list)."""
    div_variants: bool = False
    """Title-list links end in ``?div=-1``, map areas in ``?div=0``."""
    page_property: bool = False
    """Pages and articles carry the page's enpproperty comment (type 2, own content/title)."""
    paper_title_first: bool = False
    """Article pages hold two ``<founder-title>``s, the first being the paper's name."""
    enpcontent: bool = False
    """Body between ``<!--enpcontent-->`` markers with doubled ``<P><p>``."""
    title_br: bool = False
    """The title's first space is printed as ``<br>``."""
    byline_in_body: bool = False
    """``<founder-author>`` / ``<h4>`` empty; the byline opens the body as a paragraph."""
    editor_note: bool = False
    """pc_layout: each page lists a 本版责编 entry (also in the image map)."""
    charset: str = "utf-8"
    """The codec the bytes are written in."""
    declared: str | None = "utf-8"
    """The charset the pages declare in a meta tag (None: nothing declared)."""


@dataclass(frozen=True)
class Resource:
    """One URL of a fixture site and how the server answers it."""

    body: bytes = b""
    content_type: str = "text/html"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering."""
    fail_first: int = 0
    """Answer 503 this many times before answering properly."""
    validators: bool = True
    """Send ETag and Last-Modified, and answer 304 to a matching conditional request."""


def _meta(q: Quirks) -> str:
    return (
        f'<meta http-equiv="Content-Type" content="text/html; charset={q.declared}">'
        if q.declared
        else ""
    )


def _refresh(target: str) -> Resource:
    """A ``paperindex.htm``-style page that meta-refreshes to ``target``."""
    return Resource(f'<meta http-equiv=REFRESH content="0; URL={target}">'.encode())


def _html(q: Quirks, title: str, body: str) -> bytes:
    text = f"<html><head>{_meta(q)}<title>{escape(title)}</title></head><body>{body}</body></html>"
    return text.encode(q.charset)


def _title_html(story: Story, q: Quirks) -> str:
    title = escape(story.title)
    return title.replace(" ", "<br>", 1) if q.title_br else title


def _body_paragraphs(story: Story, q: Quirks) -> list[str]:
    lines = [story.byline] if q.byline_in_body and story.byline else []
    return [*lines, *story.paragraphs, *story.captions]


def _body_html(story: Story, q: Quirks, wrap: str = "founder-content") -> str:
    paragraphs = _body_paragraphs(story, q)
    if q.enpcontent:
        inner = "".join(f"<P><p>\u3000\u3000{escape(p)}</p></P>" for p in paragraphs)
        return f"<!--enpcontent-->{inner}<!--/enpcontent-->"
    inner = "".join(f"<P>\u3000\u3000{escape(p)}</P>" for p in paragraphs)
    return f"<{wrap}>{inner}</{wrap}>" if wrap else inner


# ---------------------------------------------------------------------------------------------
# Founder: paperindex.htm → html/YYYY-MM/DD/node_N.htm → content_N_K.htm


def _page_property(paper: str, date: dt.date, number: str) -> str:
    return (
        f"<!--enpproperty <founder-date>{date}</founder-date><founder-pagenum>{number}"
        f"</founder-pagenum><founder-papername>{paper}</founder-papername><founder-type>2"
        f"</founder-type><founder-title>{paper}</founder-title><founder-content>{paper}"
        "</founder-content>/enpproperty-->"
    )


def _founder_file(sheet: Sheet, k: int) -> str:
    return f"content_{sheet.node}_{1000 + k}.htm"


def founder_page(paper: str, date: dt.date, sheets: list[Sheet], index: int, q: Quirks) -> bytes:
    """One Founder page (版面) listing ``sheets`` and the stories of ``sheets[index]``."""
    sheet = sheets[index]

    def href(i: int) -> str:
        return ("./" if q.dot_slash and i == 0 else "") + f"node_{sheets[i].node}.htm"

    parts = [_page_property(paper, date, sheet.number) if q.page_property else ""]
    if q.menu_twice:
        menu = "".join(
            f'<a href="{href(i)}">{s.number}： {escape(s.name)}</a> ' for i, s in enumerate(sheets)
        )
        parts.append(f'<div id="menu" style="display:none">{menu}</div>')
    rows = "".join(
        f"<tr><td><a id=pageLink href={href(i)}>"
        f"{escape(q.label.format(number=s.number, name=s.name))}</a></td></tr>"
        for i, s in enumerate(sheets)
    )
    parts.append(f"<table id=pageList>{rows}</table>")
    files = [_founder_file(sheet, k) for k in range(len(sheet.stories))]
    if q.image_map:
        areas = "".join(
            f'<Area coords="0,0,9,9" shape="polygon" href={f}{"?div=0" if q.div_variants else ""}>'
            for f in reversed(files)
        )
        parts.append(f"<MAP name=PagePicMap>{areas}</MAP><img usemap=#PagePicMap src=p.jpg>")
    items = "".join(
        f"<li><a href={f}{'?div=-1' if q.div_variants else ''}><div id=mp{1000 + k}>"
        f"{escape(story.title)}</div></a></li>"
        for k, (f, story) in enumerate(zip(files, sheet.stories, strict=True))
    )
    parts.append(f"<div id=titleList><ul>{items}</ul></div>")
    if index + 1 < len(sheets):
        parts.append(f"<a href={href(index + 1)}>下一版</a>")
    parts.append(f"<a href=../../../images/{date:%Y-%m}/{date:%d}/z{index + 1:05d}.pdf>PDF</a>")
    return _html(q, paper, "".join(parts))


def founder_article(paper: str, date: dt.date, number: str, story: Story, q: Quirks) -> bytes:
    """One Founder article page."""
    parts = [_page_property(paper, date, number) if q.page_property else ""]
    parts.append(
        f"<!--enpproperty <articleid>1</articleid><date>{date}</date><author>"
        f"</author><title>{escape(story.title)}</title><introtitle>{escape(story.kicker or '')}"
        f"</introtitle><subtitle>{escape(story.subtitle or '')}</subtitle><founder-pagenum>"
        f"{number}</founder-pagenum><founder-papername>{paper}</founder-papername>"
        "<founder-type>1</founder-type>/enpproperty-->"
    )
    rows = (
        [f"<tr><td><founder-title>{paper}</founder-title></td></tr>"] if q.paper_title_first else []
    )
    rows.append(f"<tr><td class=font02>{escape(story.kicker or '')}</td></tr>")
    rows.append(
        f"<tr><td class=font01><founder-title>{_title_html(story, q)}</founder-title></td></tr>"
    )
    rows.append(f"<tr><td class=font02>{escape(story.subtitle or '')}</td></tr>")
    author = "" if q.byline_in_body else escape(story.byline or "")
    rows.append(f"<tr><td><founder-author>{author}</founder-author></td></tr>")
    rows.append(f"<tr><td><div id=ozoom>{_body_html(story, q)}</div></td></tr>")
    return _html(q, paper, "".join(parts) + f"<table>{''.join(rows)}</table>")


def founder_site(
    paper: str, date: dt.date, sheets: list[Sheet], q: Quirks | None = None, root: str = "/"
) -> dict[str, Resource]:
    """A whole Founder site: ``paperindex.htm`` and one edition."""
    q = q or Quirks()
    sheets = [s if s.node else replace(s, node=100 + 3 * i) for i, s in enumerate(sheets)]
    folder = f"{root}html/{date:%Y-%m}/{date:%d}/"
    site = {
        f"{root}paperindex.htm": _refresh(f"html/{date:%Y-%m}/{date:%d}/node_{sheets[0].node}.htm")
    }
    for i, sheet in enumerate(sheets):
        site[f"{folder}node_{sheet.node}.htm"] = Resource(founder_page(paper, date, sheets, i, q))
        for k, story in enumerate(sheet.stories):
            body = founder_article(paper, date, sheet.number, story, q)
            site[folder + _founder_file(sheet, k)] = Resource(body)
    return site


# ---------------------------------------------------------------------------------------------
# pc_layout: pc/layout/index.html → pc/layout/YYYYMM/DD/node_NN.html → pc/content/…/content_N.html


def _pc_file(sheet_index: int, k: int) -> str:
    return f"content_{30000 + 100 * sheet_index + k}.html"


def pc_page(paper: str, date: dt.date, sheets: list[Sheet], index: int, q: Quirks) -> bytes:
    """One pc_layout page."""
    slides = "".join(
        f'<div class="swiper-slide"><a id="pageLink" href="node_{i + 1:02d}.html">'
        f"{escape(q.label.format(number=s.number, name=s.name))}</a></div>"
        for i, s in enumerate(sheets)
    )
    parts = [f'<div class="swiper-container">{slides}</div>']
    if q.menu_twice:
        items = "".join(
            f'<li><a href="node_{i + 1:02d}.html">{s.number}： {escape(s.name)}</a></li>'
            for i, s in enumerate(sheets)
        )
        parts.append(f'<div id="list"><ul>{items}</ul></div>')
    content = f"../../../content/{date:%Y%m}/{date:%d}/"
    sheet = sheets[index]
    items = "".join(
        f'<li><a href="{content}{_pc_file(index, k)}">{escape(story.title)}</a></li>'
        for k, story in enumerate(sheet.stories)
    )
    note = f'<li><a href="{content}{_pc_file(index, 99)}">本版责编：张三</a></li>'
    parts.append(
        f'<div class="news"><ul class="news-list">{items}{note if q.editor_note else ""}</ul></div>'
    )
    if q.image_map:
        files = [_pc_file(index, k) for k in range(len(sheet.stories))]
        files += [_pc_file(index, 99)] if q.editor_note else []
        areas = "".join(f'<area shape="rect" href="{content}{f}">' for f in reversed(files))
        parts.append(f'<map name="PagePicMap">{areas}</map>')
    return _html(q, paper, "".join(parts))


def pc_article(paper: str, date: dt.date, story: Story, q: Quirks) -> bytes:
    """One pc_layout article page."""
    byline = "" if q.byline_in_body else escape(story.byline or "")
    box = (
        f"<h3>{escape(story.kicker or '')}</h3><h1>{_title_html(story, q)}</h1>"
        f"<h2>{escape(story.subtitle or '')}</h2>"
        f'<div class="sec"><span class="date">{date:%Y年%m月%d日}</span> {byline}</div>'
        f'<div id="ozoom">{_body_html(story, q, wrap="")}</div>'
    )
    return _html(q, paper, f'<div class="article">{box}</div>')


def pc_site(
    paper: str, date: dt.date, sheets: list[Sheet], q: Quirks | None = None, root: str = "/"
) -> dict[str, Resource]:
    """A whole pc_layout site: ``pc/layout/index.html`` and one edition."""
    q = q or Quirks()
    layout = f"{root}pc/layout/{date:%Y%m}/{date:%d}/"
    content = f"{root}pc/content/{date:%Y%m}/{date:%d}/"
    site = {f"{root}pc/layout/index.html": _refresh(f"{date:%Y%m}/{date:%d}/node_01.html")}
    for i, sheet in enumerate(sheets):
        site[f"{layout}node_{i + 1:02d}.html"] = Resource(pc_page(paper, date, sheets, i, q))
        for k, story in enumerate(sheet.stories):
            site[content + _pc_file(i, k)] = Resource(pc_article(paper, date, story, q))
        if q.editor_note:
            note = Story(title="本版责编：张三", paragraphs=())
            site[content + _pc_file(i, 99)] = Resource(pc_article(paper, date, note, q))
    return site


# ---------------------------------------------------------------------------------------------
# rmrb_nbs: paperindex.htm → html/YYYY-MM/DD/nbs.D110000renmrb_NN.htm → nw.D110000renmrb_…htm


def nbs_page_file(number: int) -> str:
    return f"nbs.D110000renmrb_{number:02d}.htm"


def nbs_article_file(date: dt.date, page: int, k: int) -> str:
    return f"nw.D110000renmrb_{date:%Y%m%d}_{k + 1}-{page:02d}.htm"


def nbs_page(date: dt.date, sheets: list[Sheet], index: int, q: Quirks) -> bytes:
    """One rmrb_nbs page, titles written by script, a video-icon link and an image map."""
    sheet = sheets[index]
    page = int(sheet.number)
    files = [nbs_article_file(date, page, k) for k in range(len(sheet.stories))]
    areas = "".join(f'<Area coords="0,0" shape="polygon" href="{f}">' for f in reversed(files))
    items = "".join(
        f'<li><a href={f}><img src="../../../tplimg/video.png"/></a>'
        f'<a href={f}><script>document.write(view("{escape(s.title)}  "))</script></a></li>'
        for f, s in zip(files, sheet.stories, strict=True)
    )
    pages = "".join(
        f"<div class=right_title-name><a id=pageLink href={'./' if i == index else ''}"
        f"{nbs_page_file(int(s.number))}>{escape(q.label.format(number=s.number, name=s.name))}"
        "</a></div>"
        for i, s in enumerate(sheets)
    )
    body = (
        f"<map name=PagePicMap>{areas}</map>"
        f'<div id="titleList"><ul>{items}</ul></div><div id="pageList"><ul>{pages}</ul></div>'
        '<input name="channelname" type=hidden value="人民日报">'
    )
    return _html(q, "人民日报-人民网", body)


def nbs_article(date: dt.date, number: str, story: Story, q: Quirks) -> bytes:
    """One rmrb_nbs article page (``div.text_c``), captions in the picture table."""
    byline = "" if q.byline_in_body else escape(story.byline or "")
    pictures = "".join(
        f"<table><tr><td><img src=a.jpg></td></tr><tr><td>{escape(c)}</td></tr></table>"
        for c in story.captions
    )
    text_story = replace(story, captions=())
    box = (
        f"<h3>{escape(story.kicker or '')}</h3><h1>{_title_html(story, q)}</h1>"
        f"<h2>{escape(story.subtitle or '')}</h2><h4>{byline}</h4>"
        f"<div class=lai><span>《 人民日报 》（ {date:%Y年%m月%d日}   {number} 版）</span></div>"
        f"<div class=text_img>{pictures}</div>"
        f'<div class="c_c" id="ozoom">{_body_html(text_story, q, wrap="")}</div>'
    )
    return _html(q, "人民日报-人民网", f'<div class="text_c">{box}</div>')


def nbs_site(
    date: dt.date, sheets: list[Sheet], q: Quirks | None = None, root: str = "/rmrb/"
) -> dict[str, Resource]:
    """A whole rmrb_nbs site: ``paperindex.htm`` and one edition."""
    q = q or Quirks()
    folder = f"{root}html/{date:%Y-%m}/{date:%d}/"
    first = nbs_page_file(int(sheets[0].number))
    site = {f"{root}paperindex.htm": _refresh(f"html/{date:%Y-%m}/{date:%d}/{first}")}
    for i, sheet in enumerate(sheets):
        page = int(sheet.number)
        site[folder + nbs_page_file(page)] = Resource(nbs_page(date, sheets, i, q))
        for k, story in enumerate(sheet.stories):
            body = nbs_article(date, sheet.number, story, q)
            site[folder + nbs_article_file(date, page, k)] = Resource(body)
    return site

"""Properties over open-ended input: templates return data or raise TemplateError, never crash;
decoding never raises; the page-label reader round-trips what it accepts; the cache's JSON
form is faithful."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import TemplateError
from bot.sources.epaper import CrawlCache, Validators, decode_document, get_template, template_names
from bot.sources.epaper.dom import page_label

TAGS = [
    "p", "P", "div", "a", "area", "map", "founder-title", "founder-content", "founder-author",
    "h1", "h2", "h3", "h4", "script", "table", "td", "br", "li", "ul", "meta",
]  # fmt: skip
ATTRS = [
    "", " href=node_2.htm", " href=./content_1_2.htm?div=-1", " id=pageLink href=node_1.htm",
    " class=text_c", " class=article", " id=ozoom", " href=nw.D110000renmrb_20171018_1-07.htm",
    ' http-equiv=REFRESH content="0; URL=html/2024-07/01/node_1.htm"', " href=javascript:void(0)",
    " href=../../../content/202412/01/content_1.html", " href=http://[::1",
]  # fmt: skip
TEXTS = st.sampled_from(
    ["第A02版：要闻", "00001版:一版要闻", "■ 本报记者 李艳玫", "新华社记者 X 摄",
     "<!--enpcontent-->", "<!--/enpcontent-->",
     "<!--enpproperty <founder-type>2</founder-type>/enpproperty-->",
     'document.write(view("标题\\u4e2d"))', "本版责编：张三", "　　", "&nbsp;", "<", "\x00"]
) | st.text(max_size=20)  # fmt: skip


@st.composite
def html_soup(draw: st.DrawFn) -> str:
    """Tag soup made of the templates' own vocabulary, unbalanced at will."""
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 2))
        tag = draw(st.sampled_from(TAGS))
        if kind == 0:
            parts.append(f"<{tag}{draw(st.sampled_from(ATTRS))}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        else:
            parts.append(draw(TEXTS))
    return "".join(parts)


URL = "http://epaper.test/html/2024-07/01/node_1.htm"


@pytest.mark.parametrize("name", template_names())
@settings(max_examples=150, deadline=None)
@given(text=html_soup() | st.text(max_size=200))
def test_templates_return_data_or_raise_template_error_on_any_html(name: str, text: str) -> None:
    template = get_template(name)
    template.parse_entry(text, URL)
    for parse in (template.parse_page, template.parse_article):
        try:
            parsed = parse(text, URL)
        except TemplateError as error:
            assert error.url == URL and error.template == name
        else:
            assert parsed.url == URL


def test_deeply_nested_markup_does_not_exhaust_the_stack() -> None:
    text = "<div>" * 5000 + "<founder-content><p>正文</p></founder-content>" + "</div>" * 5000
    article = get_template("founder").parse_article(text, URL).article
    assert article.paragraphs == ["正文"]


@settings(max_examples=200, deadline=None)
@given(
    data=st.binary(max_size=300),
    header=st.sampled_from(
        [None, "text/html", "text/html; charset=gb2312", "text/html; charset=bogus"]
    ),
)
def test_decoding_any_bytes_gives_text(data: bytes, header: str | None) -> None:
    assert isinstance(decode_document(data, header).text, str)


NUMBERS = st.from_regex(r"[A-D]?[1-9][0-9]?", fullmatch=True)
NAMES = st.text(st.characters(whitelist_categories=["Lo"]), min_size=1, max_size=12)


@given(number=NUMBERS, name=NAMES, form=st.sampled_from(["第{n}版：{m}", "{n}： {m}", "{n}版:{m}"]))
def test_page_labels_give_back_their_number_and_name(number: str, name: str, form: str) -> None:
    assert page_label(form.format(n=number, m=name)) == (number, name)


@given(
    entries=st.dictionaries(
        st.text(min_size=1, max_size=30),
        st.tuples(
            st.none() | st.text(max_size=10),
            st.none() | st.text(max_size=10),
            st.dictionaries(st.text(max_size=5), st.integers()),
        ),
        max_size=5,
    )
)
def test_the_cache_round_trips_through_json(
    entries: dict[str, tuple[str | None, str | None, dict[str, int]]],
) -> None:
    cache = CrawlCache()
    for url, (etag, modified, parsed) in entries.items():
        cache.put(url, Validators(etag, modified), parsed)
    restored = CrawlCache.from_json(json.loads(json.dumps(cache.to_json())))
    assert restored.to_json() == cache.to_json()

"""Properties over open-ended input: templates return data or raise TemplateError, never crash;
decoding never raises; the page-label reader round-trips what it accepts; the cache's JSON
form is faithful."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import TemplateError
from bot.sources.epaper import CrawlCache, Validators, decode_document, get_template, template_names
from bot.sources.epaper.dom import _JS_ESCAPE, _VIEW_CALL, _fields, _unescape, page_label
from bot.sources.epaper.listing import NOT_FOUND_WORDS, not_found_notice
from bot.sources.epaper.nesting import MAX_DEPTH

REPO = Path(__file__).resolve().parents[4]

TAGS = [
    "p", "P", "div", "a", "area", "map", "founder-title", "founder-content", "founder-author",
    "h1", "h2", "h3", "h4", "script", "table", "td", "br", "li", "ul", "meta",
    "b", "nobr", "em", "font", "button", "form", "select", "option",
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


@settings(max_examples=300, deadline=None)
@given(text=html_soup() | st.text(max_size=200))
def test_the_not_found_reading_returns_a_short_notice_or_none_on_any_html(text: str) -> None:
    notice = not_found_notice(text, URL)
    assert notice is None or (0 < len(notice) <= 80 and NOT_FOUND_WORDS.search(notice))


def test_markup_nested_up_to_the_limit_is_read() -> None:
    depth = MAX_DEPTH - 2  # (<founder-content> and <p> inside)
    text = "<div>" * depth + "<founder-content><p>正文</p></founder-content>" + "</div>" * depth
    article = get_template("founder").parse_article(text, URL).article
    assert article.paragraphs == ["正文"]


@settings(max_examples=200, deadline=None)
@given(
    data=st.binary(max_size=300),
    header=st.sampled_from(
        [None, "text/html", "text/html; charset=gb2312", "text/html; charset=bogus"]
        # Python codecs a page may name that are no charsets (they raised, not decoded):
        + [f"text/html; charset={name}" for name in ("rot13", "base64", "idna", "punycode")]
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


# The regex the linear reader of comment fields replaced: the oracle of what it finds.
_OLD_FIELD = re.compile(r"<(?P<name>[a-z][a-z0-9_-]*)>(?P<value>.*?)</(?P=name)>", re.I | re.S)
_FIELD_TEXT = st.lists(
    st.sampled_from(
        ["<title>", "</title>", "<Title>", "</TITLE>", "<a>", "</a>", "</ab>", "<ab>", "<date>",
         "</date>", "<founder-author>", "</founder-author>", "<", ">", "</", "x", "标题", " "]
    ),
    max_size=30,
).map("".join)  # fmt: skip


@settings(max_examples=500)
@given(content=_FIELD_TEXT)
def test_comment_fields_are_read_as_the_old_regex_read_them(content: str) -> None:
    found = [(m["name"], m["value"]) for m in _OLD_FIELD.finditer(content)]
    assert list(_fields(content)) == found


def _js_literal(text: str, quote: str) -> str:
    """``text`` as a JavaScript string literal in ``quote``s (escapes as a site writes them)."""
    escaped = text.replace("\\", "\\\\").replace(quote, "\\" + quote).replace("\n", "\\n")
    return quote + escaped + quote


@settings(max_examples=300)
@given(
    text=st.text(alphabet=st.sampled_from("标题中文ab \\\"'()\n"), max_size=20),
    quote=st.sampled_from("\"'"),
    before=st.sampled_from(["", "document.write(", "var t = '\\'; "]),
)
def test_a_view_calls_string_is_read_whole_whatever_it_escapes(
    text: str, quote: str, before: str
) -> None:
    script = f"{before}view({_js_literal(text, quote)}));"
    match = _VIEW_CALL.search(script)
    assert match is not None
    literal = match["d"] if match["d"] is not None else match["s"]
    assert _JS_ESCAPE.sub(_unescape, literal) == text


def test_an_unterminated_view_string_is_no_title() -> None:
    assert _VIEW_CALL.search('view("标题\\")') is None  # the quote is escaped: no end


def test_hostile_comments_and_scripts_are_read_in_bounded_time() -> None:
    # Each took seconds to hours with the old regexes (2.7x per two more backslashes; the
    # comment quadratic in its length), on the event loop. A subprocess, so a regression
    # fails by its timeout instead of hanging the test run.
    program = (
        "from bot.sources.epaper.dom import parse_html, comment_fields, script_title\n"
        "page = '<a><script>document.write(view(\"' + '\\\\' * 80 + '</script></a>'\n"
        "assert script_title(parse_html(page).css_first('a')) is None\n"
        "comment = '<body><!--enpproperty ' + '<a>' * 200_000 + '/enpproperty--></body>'\n"
        "assert comment_fields(parse_html(comment)) == [{}]\n"
        "from bot.sources.epaper.listing import title_paper\n"  # 20,000 spaces took 3 s
        "title = '<title>人民日报' + ' ' * 1_000_000 + '人民网</title>'\n"
        "assert title_paper(parse_html(title)).startswith('人民日报')\n"
    )
    subprocess.run([sys.executable, "-c", program], check=True, timeout=30, cwd=REPO)


def test_markup_nested_past_the_limit_is_refused_in_bounded_time() -> None:
    # lexbor's time grows with the nesting times the tags: <div> x 100,000 (0.5 MB) took 14 s,
    # 1 MB 139 s, and held the parse pool every paper shares. Pages of 5 MB (the response
    # limit). A subprocess, so a regression fails by its timeout instead of hanging.
    program = (
        "from bot.errors import TemplateError\n"
        "from bot.sources.epaper import get_template\n"
        "founder = get_template('founder')\n"
        "url = 'http://epaper.test/html/2024-07/01/content_1_1.htm'\n"
        "for page in (\n"
        "    '<div>' * 1_000_000,\n"
        "    '<span>' * 500_000 + '<div></div>' * 250_000,\n"
        "    '<div><b></div>x' * 350_000,\n"
        "):\n"
        "    try:\n"
        "        founder.parse_article(page, url)\n"
        "    except TemplateError as error:\n"
        "        assert 'nested' in error.reason and error.url == url, error\n"
        "    else:\n"
        "        raise AssertionError('parsed')\n"
    )
    subprocess.run([sys.executable, "-c", program], check=True, timeout=30, cwd=REPO)


def test_bytes_nested_past_the_limit_still_decode() -> None:
    # The charset is looked for in the first 4 KB, parsed: too deep there is no charset.
    data = b"<i>" * 1_400 + "中文".encode("gb18030")
    assert decode_document(data).text.endswith("中文")

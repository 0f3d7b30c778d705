"""The nesting pre-scan: how deep a parser would nest a page's elements, known in one linear
pass before lexbor (whose time grows with the nesting times the tags) parses the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from bot.errors import TemplateError
from bot.sources.epaper.dom import BUILT_DEPTH_LIMIT, check_built_depth, fragment_text, parse_html
from bot.sources.epaper.dom import built_depth as built_depth_of
from bot.sources.epaper.nesting import MAX_DEPTH, MAX_TAGS, TooManyTagsError, nesting_depth
from tests.bot.sources.epaper.test_epaper_properties import html_soup

REAL_PAGE = (
    Path(__file__).parents[4].parent / "shared/data/epaper/rmrb-2017-10-18-nbs.D110000renmrb_07.htm"
)


def built_depth(text: str) -> int:
    """How deep lexbor nests the elements of ``text`` inside ``<body>`` (the truth)."""
    body = LexborHTMLParser(text).body
    assert body is not None
    deepest, stack = 0, [(body, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter() if child.is_element_node)
    return deepest


def test_a_real_page_nests_as_lexbor_builds_it_far_below_the_limit() -> None:
    if not REAL_PAGE.is_file():
        pytest.skip(f"{REAL_PAGE} not found")
    text = REAL_PAGE.read_text(encoding="utf-8")
    assert nesting_depth(text) == built_depth(text) < MAX_DEPTH // 20


def test_unclosed_paragraphs_cells_and_list_items_nest_no_deeper() -> None:
    page = "<table>" + "<tr><td><P>第一段<P>第二段" * 2000 + "</table><ul>" + "<li>条目" * 2000
    assert nesting_depth(page) == built_depth(page) < 10


@pytest.mark.parametrize(
    "text",
    [
        # A heading closing a <p> does not reopen the <b> it closed before itself, but in it:
        # the next <h1> opens inside that <b>, not in place of the first heading.
        "<p><b><h1>第A02版：要闻<p><h1><div></p>",
        # </select> closes what is open in the select with it.
        "<p><select><p></select><p><select><div><div></p>",
        # <option> in a select closes a <p> left open there, then holds what follows.
        "<p><select><p></div><option><p><p><div><div></p>",
    ],
)
def test_soup_the_estimate_once_read_too_shallow_is_estimated_deep_enough(text: str) -> None:
    assert built_depth(text) <= nesting_depth(text) + 1


@settings(max_examples=300, deadline=None)
@given(text=html_soup())
def test_on_tag_soup_the_estimate_is_never_below_what_lexbor_builds(text: str) -> None:
    # (+1: a void or raw text element, <br> or <script>, is a leaf the estimate leaves out)
    text = text.replace("\x00", "")  # (as parse_html does first)
    assert built_depth(text) <= nesting_depth(text) + 1


@pytest.mark.parametrize(
    "markup",
    [
        "<div>" * 600,
        "<div/>" * 600,  # (no self-closing <div> in HTML)
        "<span><div></span>" * 300,  # an end tag that closes nothing past a <div>
        "<tr><dl></tr>" * 600,  # a row's end tag outside a table
        "<form><div></form>" * 600,  # </form> closes the form only
        "<div><b></div>x" * 600,  # a parser reopens the <b> at the text, inside it the next
        "<svg><title>" + "<div>" * 600,  # HTML again in an <svg>'s title
        '<x a">' + "<div>" * 600 + '">',  # a quote in an attribute's name opens no value
        "<!-- --!>" + "<div>" * 600 + "-->",  # a comment may end with --!>
        "<a><b>" * 600,  # <a> closes the last <a> and the <b> under it, reopened inside
        "<b><nobr>" * 600,
        "<a><em><s>" * 300,
        "<nobr>x<b>" * 600,
        # An end tag with a block inside its element moves the block out of it (the
        # adoption agency): the next <a> does not close what opened since.
        "<a><div></a></div><x><a>" * 600,
        "<nobr><li></nobr></li><x><nobr>" * 600,
    ],
)
def test_nesting_past_the_limit_is_counted_whatever_the_end_tags_say(markup: str) -> None:
    assert built_depth(markup) > MAX_DEPTH
    assert nesting_depth(markup) > MAX_DEPTH


def test_formatting_ended_inside_a_paragraph_adds_no_level() -> None:
    page = "<font><p>字</font></p>" * 2000  # (the <p> moves out of the <font>)
    assert nesting_depth(page) == built_depth(page) < 10


def test_a_form_inside_an_unclosed_form_adds_no_level() -> None:
    page = "<form><p>字" * 600  # a parser drops every <form> after the first
    assert built_depth(page) <= nesting_depth(page) < 10


def test_the_count_stops_past_the_limit() -> None:
    assert nesting_depth("<div>" * 100_000, limit=10) == 11


def test_a_comment_field_nested_past_the_limit_gives_no_text() -> None:
    assert fragment_text("<div>" * 600 + "标题") == ""
    assert fragment_text("<div>标题</div>") == "标题"


@pytest.mark.parametrize(
    "encoding",
    ['"text/html"', "TEXT/HTML", "'application/xhtml+xml'", "text&#x2f;html"],
)
def test_html_in_an_html_annotation_of_mathml_nests_inside_the_math(encoding: str) -> None:
    # An HTML integration point: a <div> in it does not end the <math> (which it did in the
    # estimate: 250 of these, each 250 deep, were estimated 499 and built 62,751 deep).
    markup = f"<math><annotation-xml encoding={encoding}><div>" * 200
    assert built_depth(markup) > MAX_DEPTH
    assert nesting_depth(markup) > MAX_DEPTH


def test_html_in_an_annotation_of_another_encoding_ends_the_math() -> None:
    markup = '<math><annotation-xml encoding="application/mathml+xml"><div>' * 200
    assert nesting_depth(markup) == built_depth(markup) < MAX_DEPTH  # (each <div> ends one)


def test_mathml_glyphs_in_mathml_text_stay_mathml_and_hold_markup() -> None:
    # In <mtext> (<mi>, <mo> …) all start tags are HTML but <mglyph> and <malignmark>: a
    # <style> in one is MathML's, no raw text, so the tags after it nest.
    markup = "<math><mtext><mglyph><style>" + "<mrow>" * 600
    assert built_depth(markup) > MAX_DEPTH
    assert nesting_depth(markup) > MAX_DEPTH


def test_the_page_of_deep_mathml_annotations_is_refused_before_any_selector() -> None:
    unit = "<math>" + "<mrow>" * 248 + '<annotation-xml encoding="text/html"><div>'
    url = "http://epaper.test/pc/content/202412/01/content_1.html"
    with pytest.raises(TemplateError) as refused:
        parse_html("<html><body>" + unit * 250, url, template="pc_layout")
    assert "nested" in refused.value.reason
    assert (refused.value.url, refused.value.template) == (url, "pc_layout")


FOREIGN_TAGS = [
    "math", "svg", "mrow", "mi", "mo", "mn", "ms", "mtext", "mglyph", "malignmark",
    "annotation-xml", "annotation", "foreignObject", "desc", "title", "g", "path", "div", "p",
    "b", "font", "span", "table", "td", "tr", "caption", "li", "br", "style", "textarea",
    "template",
]  # fmt: skip
# (No <select>: with SVG, MathML and blocks in one, lexbor nests deeper than the estimate
# says by a constant factor, up to 3; the check after lexbor catches those trees.)
FOREIGN_ATTRS = [
    "", ' encoding="text/html"', " encoding=TEXT/HTML", " encoding='application/xhtml+xml'",
    ' encoding="x" encoding="text/html"', ' x="encoding=text/html"', " color=red",
]  # fmt: skip


@st.composite
def foreign_soup(draw: st.DrawFn) -> str:
    """Tag soup of SVG, MathML and the HTML around them, a unit repeated (so that a rule the
    estimate misses shows as a growing shortfall)."""
    parts = []
    for _ in range(draw(st.integers(0, 20))):
        tag = draw(st.sampled_from(FOREIGN_TAGS))
        kind = draw(st.integers(0, 3))
        if kind <= 1:
            close = draw(st.sampled_from(["", "", "/"]))
            parts.append(f"<{tag}{draw(st.sampled_from(FOREIGN_ATTRS))}{close}>")
        elif kind == 2:
            parts.append(f"</{tag}>")
        else:
            parts.append("字")
    return "".join(parts) * draw(st.sampled_from([1, 3, 30]))


def depth_from_root(tree: LexborHTMLParser) -> int:
    """How deep ``tree``'s elements lie, ``<html>`` being 1 (the reference walk)."""
    assert tree.root is not None
    deepest, stack = 0, [(tree.root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter() if child.is_element_node)
    return deepest


@settings(max_examples=300, deadline=None)
@given(text=html_soup() | foreign_soup())
def test_the_built_depth_is_how_deep_the_tree_nests(text: str) -> None:
    tree = LexborHTMLParser(text)
    assert built_depth_of(tree) == depth_from_root(tree)


def test_the_built_depth_stops_counting_past_its_limit() -> None:
    assert built_depth_of(LexborHTMLParser("<div>" * 10_000), limit=10) == 11


def test_a_tree_built_deeper_than_the_limit_is_refused() -> None:
    # What parse_html checks right after lexbor, should the estimate ever fall short.
    tree = LexborHTMLParser("<div>" * (MAX_DEPTH + 2))  # (+ <html> and <body>: 514 deep)
    url = "http://epaper.test/html/2024-07/01/content_1_1.htm"
    with pytest.raises(TemplateError) as refused:
        check_built_depth(tree, url, template="founder")
    assert "nested" in refused.value.reason
    assert (refused.value.url, refused.value.template) == (url, "founder")


def test_a_tree_built_as_deep_as_the_estimate_allows_is_kept() -> None:
    # 512 deep inside <body> (the estimate's limit), and a <br> leaf it does not count.
    page = "<div>" * MAX_DEPTH + "<br>"
    assert nesting_depth(page) == MAX_DEPTH
    assert built_depth_of(parse_html(page)) == BUILT_DEPTH_LIMIT


@pytest.mark.parametrize("part", ["<td>", "<tr>", "<tbody>", "<caption>"])
def test_a_table_part_ends_a_select_in_the_table(part: str) -> None:
    markup = ("<table><select>" + part) * 100
    assert nesting_depth(markup) == built_depth(markup)


def test_tags_past_the_cap_are_refused_not_estimated() -> None:
    assert nesting_depth("<td>" * 10, max_tags=10) == 0  # (no table: no cell)
    with pytest.raises(TooManyTagsError):
        nesting_depth("<td>" * 11, max_tags=10)


def test_a_page_of_more_tags_than_any_page_has_is_refused() -> None:
    url = "http://epaper.test/html/2024-07/01/node_1.htm"
    with pytest.raises(TemplateError) as refused:
        parse_html("<br>" * (MAX_TAGS + 1), url, template="founder")
    assert "tags" in refused.value.reason
    assert (refused.value.url, refused.value.template) == (url, "founder")


@settings(max_examples=300, deadline=None)
@given(text=foreign_soup())
def test_on_svg_and_mathml_soup_the_estimate_is_never_below_what_lexbor_builds(
    text: str,
) -> None:
    assert built_depth(text) <= nesting_depth(text) + 1


def test_an_a_out_of_scope_leaves_the_stack_but_stays_the_ancestor() -> None:
    # <a> with an <a> open beyond a <select>: the parser takes that one off its stack without
    # closing it, so what is open above it stays inside it.
    markup = "<select></a><a><option>" * 600
    assert built_depth(markup) > MAX_DEPTH
    assert nesting_depth(markup) > MAX_DEPTH


def test_a_select_ends_the_open_select_past_a_paragraph_in_it() -> None:
    markup = "<select><p><select><malignmark><select><math>" * 40
    assert nesting_depth(markup) == built_depth(markup)

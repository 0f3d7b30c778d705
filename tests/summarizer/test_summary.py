"""summarize(): verbatim key sentences in document order, within k and the budget; keywords."""

from __future__ import annotations

import multiprocessing
import re
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.edition import Article, Edition, Summary
from summarizer.summary import (
    Summarizer,
    SummarizerConfig,
    is_question,
    lead_sentences,
    summarize,
    summarize_text,
    trailing_notes,
)

REPO = Path(__file__).resolve().parents[2]

PARAGRAPHS = [
    "7月7日，省委常委会召开会议，研究部署我省固体废物专项整治工作。",
    "会议指出，要深入查找思想认识差距，坚决扛起固体废物问题整改和生态环保的政治责任。",
    "会议强调，要高度重视、迅速行动，开展固废专项整治，依法严厉打击废旧家电非法拆解行为。"
    "要压实责任、形成闭环，建立再生资源回收利用体系。",
    "会议还研究了其他事项。",
]

SENTENCE_POOL = [
    "全省工会宣传思想文化工作会议6月28日在杭州召开。",
    "会议深入学习贯彻工人阶级和工会工作的重要论述。",
    "电梯有哪些常见故障？",
    "“我们将推动标准在全县落地开花。”周春雨表示。",
    "截至2023年底，党员总数为9918.5万名，比上年净增114.4万名。",
    "省总工会先后出台了《关于加强新时代浙江职工文化建设三年行动计划》。",
    "(下转第4版)",
    "■ 新华社记者",
    "以科学擘画筑牢强国基石",
    "本报海口7月7日讯（海南日报全媒体记者黎鹏）7月7日，省委常委会召开会议。",
    "好的。",
    "工会驿站达到50家左右，职工满意度持续提升。",
]


@pytest.fixture(scope="module")
def seed_edition(seed_path: Path) -> Edition:
    parser = pytest.importorskip("summarizer.parser")
    return parser.read_page(seed_path)


def test_summary_is_verbatim_in_document_order() -> None:
    summary = summarize_text(PARAGRAPHS, k=2)
    assert isinstance(summary, Summary)
    assert len(summary.sentences) == 2
    text = "\n".join(PARAGRAPHS)
    positions = [text.index(sentence) for sentence in summary.sentences]
    assert positions == sorted(positions)
    assert all(any(s in p for p in PARAGRAPHS) for s in summary.sentences)
    assert 1 <= len(summary.keywords) <= 6
    assert "固体废物" in summary.keywords or "整治" in summary.keywords


def test_article_entry_point_reads_paragraphs_only() -> None:
    article = Article(title="标题里的词不应出现", byline="本报记者 某某", paragraphs=PARAGRAPHS)
    assert summarize(article) == summarize_text(PARAGRAPHS)


def test_budget_skips_sentences_that_do_not_fit() -> None:
    full = summarize_text(PARAGRAPHS, k=3)
    budget = min(len(s) for s in full.sentences) + 1
    small = summarize_text(PARAGRAPHS, k=3, max_chars=budget)
    assert sum(len(s) for s in small.sentences) <= budget
    assert len(small.sentences) >= 1
    assert summarize_text(PARAGRAPHS, k=3, max_chars=0).sentences == ()
    assert summarize_text(PARAGRAPHS, k=0).sentences == ()


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        summarize_text(PARAGRAPHS, k=-1)
    with pytest.raises(ValueError):
        summarize_text(PARAGRAPHS, max_chars=-1)
    with pytest.raises(ValueError):
        SummarizerConfig(damping=1.0)
    with pytest.raises(ValueError):
        SummarizerConfig(direction="sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        SummarizerConfig(position_exponent=-1)


def test_empty_articles() -> None:
    assert summarize_text([]) == Summary(sentences=(), keywords=())
    assert summarize_text(["", "   "]) == Summary(sentences=(), keywords=())


def test_markers_bylines_headings_and_datelines_are_never_picked() -> None:
    paragraphs = [
        "■ 新华社记者",
        "本报海口7月7日讯（海南日报全媒体记者黎鹏）7月7日，省委常委会召开会议，研究部署固废整治。",
        "以科学擘画筑牢强国基石",
        "会议指出，固废整治要压实责任，固废整治要形成闭环。",
        "(下转第4版)",
    ]
    leads = lead_sentences(paragraphs)
    assert leads == [
        "7月7日，省委常委会召开会议，研究部署固废整治。",
        "会议指出，固废整治要压实责任，固废整治要形成闭环。",
    ]
    summary = summarize_text(paragraphs, k=5)
    assert set(summary.sentences) == set(leads)


NUMBERED_POLICY = """# 关于加强职工服务的实施意见

为深入贯彻落实党的二十大精神，现就加强职工服务工作提出如下意见。

一、加强组织领导

各级工会要把职工服务工作摆上重要议事日程，主要负责同志亲自抓，形成层层抓落实的工作格局。

二、完善服务体系

各级工会要建立健全覆盖全省的职工服务网络，推动服务阵地向基层延伸，提高服务职工的能力。
"""


def test_numbered_subheadings_are_never_part_of_a_summary_sentence() -> None:
    parser = pytest.importorskip("summarizer.parser")
    summary = summarize(parser.parse_page(NUMBERED_POLICY).articles[0], k=3)
    assert len(summary.sentences) == 3
    assert not any(s.startswith(("一、", "二、")) for s in summary.sentences)


@pytest.mark.parametrize(
    "opening",
    [
        "本报讯 本报记者 王静",
        "本报讯 记者 王 静 通讯员 李 明",
        "本报讯 特约通讯员 李明",
        "本报讯 文/王静",
    ],
)
def test_reporters_after_a_dateline_are_not_part_of_a_summary_sentence(opening: str) -> None:
    parser = pytest.importorskip("summarizer.parser")
    text = (
        f"# 我省举办电梯安装维修职业技能竞赛\n\n{opening} 6月25日至28日，由省市场监督管理局、"
        "省总工会主办的2024年浙江省电梯安装维修职业技能竞赛在海宁举办。\n\n"
        "本次竞赛对电梯安装维修工的理论知识、安全意识、实操技能等方面进行全方位综合性评比。\n"
    )
    summary = summarize(parser.parse_page(text).articles[0], k=2)
    assert [s[:6] for s in summary.sentences] == ["6月25日至", "本次竞赛对电"]


@pytest.mark.parametrize("odd", ["\x00", "\ud800"])
def test_page_text_holding_nul_or_a_lone_surrogate_is_summarized_verbatim(odd: str) -> None:
    # parse_page takes any str; NUL and lone surrogates are quoted back as they stood.
    parser = pytest.importorskip("summarizer.parser")
    paragraphs = [p.replace("，", f"，{odd}", 1) for p in PARAGRAPHS]
    article = parser.parse_page("# 标题\n\n" + "\n\n".join(paragraphs)).articles[0]
    summary = summarize(article, k=3)
    assert len(summary.sentences) == 3
    assert all(any(s in p for p in paragraphs) for s in summary.sentences)
    assert any(odd in s for s in summary.sentences)


def test_questions_are_picked_only_when_statements_run_out() -> None:
    paragraphs = [
        "电梯维保人员在安装维修电梯时需要注意哪些安全措施？电梯有哪些常见故障？",
        "全省电梯安装维修职业技能竞赛在杭州举行，电梯维保人员比拼安全措施和故障排除。",
    ]
    assert summarize_text(paragraphs, k=1).sentences == (paragraphs[1],)
    assert len(summarize_text(paragraphs, k=3).sentences) == 3
    assert is_question("他问：“这是真的吗？”") and not is_question("这是真的。")


def test_undirected_without_prior_is_plain_textrank() -> None:
    # Plain TextRank takes the most connected sentence; the backward graph and the position
    # prior move the choice to the lead, which later sentences elaborate.
    paragraphs = [
        "海南开展提取住房公积金支付物业费业务。",
        "缴存人家庭每年可申请提取一次住房公积金支付物业费，提取住房公积金额度不超过1万元。",
        "提取住房公积金支付物业费，缴存人家庭可线上申请提取住房公积金。",
        "政策明确，缴存人家庭在海南无未结清住房公积金贷款的，可申请提取住房公积金支付物业费。",
    ]
    plain = Summarizer(config=SummarizerConfig(ranker="textrank", direction="undirected"))
    prior = Summarizer(
        config=SummarizerConfig(ranker="textrank", direction="undirected", position_exponent=3.0)
    )
    assert plain.summarize_text(paragraphs, k=1).sentences != (paragraphs[0],)
    assert prior.summarize_text(paragraphs, k=1).sentences == (paragraphs[0],)
    scores = [s.score for s in plain.analyze(paragraphs).sentences]
    assert sum(scores) == pytest.approx(1.0)


def test_seed_edition(seed_edition: Edition) -> None:
    for article in seed_edition.articles:
        if not article.paragraphs:
            continue
        summary = summarize(article)
        assert 1 <= len(summary.sentences) <= 3
        assert all(any(s in p for p in article.paragraphs) for s in summary.sentences)
        assert len(summary.keywords) == 6
        assert not any(s.startswith(("本报", "新华社", "(下转", "■")) for s in summary.sentences)
    first = summarize(seed_edition.articles[0], k=1)
    assert "《求是》" in first.sentences[0]


def test_threads_get_the_same_answers(seed_edition: Edition) -> None:
    articles = [a for a in seed_edition.articles if a.paragraphs] * 4
    expected = [summarize(article) for article in articles]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(summarize, articles)) == expected


@given(
    st.lists(
        st.lists(st.sampled_from(SENTENCE_POOL), min_size=1, max_size=4).map("".join),
        max_size=6,
    ),
    st.integers(min_value=0, max_value=5),
    st.none() | st.integers(min_value=0, max_value=150),
)
@settings(max_examples=150, deadline=None)
def test_summary_properties(paragraphs: list[str], k: int, max_chars: int | None) -> None:
    summary = summarize_text(paragraphs, k=k, max_chars=max_chars)
    assert len(summary.sentences) <= k
    if max_chars is not None:
        assert sum(len(s) for s in summary.sentences) <= max_chars
    text, position = "\n".join(paragraphs), 0
    for sentence in summary.sentences:  # each inside one paragraph, in document order
        assert "\n" not in sentence and any(sentence in p for p in paragraphs)
        found = text.find(sentence, position)
        assert found >= 0, sentence
        position = found + len(sentence)
    assert len(set(summary.sentences)) == len(summary.sentences)
    assert not {"(下转第4版)", "■ 新华社记者", "以科学擘画筑牢强国基石"} & set(summary.sentences)
    assert not any(s.startswith(("(下转", "本报海口")) for s in summary.sentences)


def test_processes_get_the_same_answers(seed_edition: Edition) -> None:
    articles = [a for a in seed_edition.articles if a.paragraphs][:4]
    expected = [summarize(article) for article in articles]
    context = multiprocessing.get_context("spawn")  # a fresh interpreter loads jieba itself
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        assert list(pool.map(summarize, articles)) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "本报记者从省电力公司获悉，今年夏季全省用电负荷创下历史新高。",
        "新华社记者日前在电网调度中心看到，工作人员正紧张监测全网负荷。",
        "本报通讯员深入一线走访了多家企业，了解企业生产经营情况。",
    ],
)
def test_a_sentence_that_only_starts_like_a_dateline_stays_whole(sentence: str) -> None:
    assert lead_sentences([sentence]) == [sentence]
    assert summarize_text([sentence], k=1).sentences == (sentence,)


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "本报讯 记者阮向民报道 全省职工文化建设推进会昨天召开。",
            "全省职工文化建设推进会昨天召开。",
        ),
        (
            "新华社北京6月30日电 7月1日出版的第13期《求是》杂志将发表重要文章。",
            "7月1日出版的第13期《求是》杂志将发表重要文章。",
        ),
        (
            "（上接第1版）本报杭州7月1日讯（记者张三 通讯员李四）全省工会会议在杭州召开。",
            "全省工会会议在杭州召开。",
        ),
    ],
)
def test_a_real_opening_dateline_is_cut_off_the_sentence(paragraph: str, expected: str) -> None:
    assert lead_sentences([paragraph]) == [expected]


@pytest.mark.parametrize(
    "dateline", ["新华社北京7月8日电 ", "本报海口7月7日讯", "本报海口7月7日讯（记者黎鹏）"]
)
def test_a_sentence_with_a_dateline_inside_is_not_a_candidate(dateline: str) -> None:
    prose = (
        "全省夏季用电负荷创历史新高 "
        + dateline
        + "国家电网公司今天发布消息称，全国用电负荷创新高。"
    )
    other = "省电力公司表示，全省电网运行平稳，电力供应总体有序。"
    assert lead_sentences([prose, other]) == [other]
    assert summarize_text([prose, other], k=3).sentences == (other,)


def test_agencies_named_in_prose_are_not_datelines() -> None:
    paragraph = (
        "他接受新华社记者采访时说，本报记者站也在跟进这件事。国务院向新华社发来贺电（全文另发）。"
    )
    assert lead_sentences([paragraph]) == [
        "他接受新华社记者采访时说，本报记者站也在跟进这件事。",
        "国务院向新华社发来贺电（全文另发）。",
    ]


@pytest.mark.parametrize("note", ["（新华社电）", "（完）", "（记者 张三）", "(完)"])
def test_a_trailing_bracket_note_is_not_part_of_a_summary_sentence(note: str) -> None:
    short = "运动员们奋勇拼搏，为国家立下新功。"
    long = "这次比赛中，运动员们奋勇拼搏，为国家立下了新功，赢得全场观众热烈掌声与喝彩。"
    for sentence in (short, long):
        paragraphs = [sentence + note]
        assert lead_sentences(paragraphs) == [sentence]
        assert summarize_text(paragraphs, k=1).sentences == (sentence,)


def test_a_bracket_only_paragraph_is_never_a_candidate() -> None:
    paragraphs = [
        "（新华社北京7月7日电 记者张三 李四）",
        "会议指出，固废整治要压实责任，形成闭环。",
    ]
    assert lead_sentences(paragraphs) == [paragraphs[1]]
    assert (
        lead_sentences(["（记者 张三 李四 王五 赵六 孙七 周八 吴九 郑十 钱一 冯二 陈三 褚四）"])
        == []
    )


FIRST = "7月1日出版的第13期《求是》杂志将发表习近平总书记的重要文章。"
CUT = (
    "文章强调，全面建设社会主义现代化国家是一项伟大而艰巨的事业，前途光明，任务繁重，"
    "需要我们以更加坚定的决心和意志，团结带领全党全国各族人民"
)


def test_a_sentence_cut_off_by_a_jump_is_never_picked() -> None:
    # Page 4, where the sentence goes on, is not (yet) here: the article keeps continued_on.
    parser = pytest.importorskip("summarizer.parser")
    text = f"# 《求是》杂志发表重要文章\n\n新华社北京6月30日电 {FIRST}{CUT}\n\n(下转第4版)\n"
    article = parser.parse_page(text, page="1").articles[0]
    assert (article.continued_on, article.paragraphs) == (4, [FIRST + CUT])
    assert summarize(article, k=3).sentences == (FIRST,)


@pytest.mark.parametrize(
    "paragraphs",
    [[FIRST + CUT + "(下转第4版)"], [FIRST + CUT, "（下转第4版）"], [FIRST + CUT + "\n下转第4版"]],
)
def test_an_unfinished_sentence_before_a_forward_marker_is_never_picked(
    paragraphs: list[str],
) -> None:
    assert lead_sentences(paragraphs) == [FIRST]
    assert summarize_text(paragraphs, k=3).sentences == (FIRST,)


@pytest.mark.parametrize("marker", ["（下接第四页）", "【转A 4版】", "(下转第12版 )"])
def test_the_summarizer_knows_the_forward_markers_the_parser_knows(marker: str) -> None:
    # One grammar (summarizer.markers) for both: a spelling the parser takes as a jump
    # also tells the summarizer that the sentence before it was cut off.
    parser = pytest.importorskip("summarizer.parser")
    article = parser.parse_page(f"# 标题\n\n{FIRST}{CUT}{marker}\n", page="1").articles[0]
    assert article.continued_on in (4, 12)
    assert lead_sentences([FIRST + CUT + marker]) == [FIRST]
    assert lead_sentences([FIRST + CUT, marker]) == [FIRST]


@pytest.mark.parametrize("text", ["▲下转第4版", "上接第一页", "（续第2版）"])
def test_a_bare_or_backward_marker_is_never_a_candidate(text: str) -> None:
    assert lead_sentences([FIRST, text]) == [FIRST]


def test_an_unfinished_last_sentence_is_a_candidate_when_no_jump_cut_it() -> None:
    # A text without final punctuation, or a run-on cut at clause marks, is still quoted.
    assert lead_sentences([FIRST + CUT]) == [FIRST, CUT]
    run_on = "，".join(["全省各级工会扎实推进职工服务阵地建设和普惠服务"] * 30) + "。"
    pieces = [s.text for s in Summarizer().analyze([run_on], continued=True).sentences]
    assert len(pieces) > 1 and "".join(pieces) == run_on


@given(
    st.lists(st.sampled_from(SENTENCE_POOL), min_size=1, max_size=4).map("".join),
    st.sampled_from(
        [CUT, CUT + "，", "全省各级工会扎实推进职工服务阵地建设，推动服务阵地向基层一线延伸……"]
    ),
)
@settings(max_examples=50, deadline=None)
def test_a_continued_text_never_quotes_its_unfinished_end(before: str, tail: str) -> None:
    assert tail in lead_sentences([before, tail])  # a candidate where nothing says it was cut
    assert tail not in summarize_text([before, tail], k=5, continued=True).sentences


def test_only_the_first_sentences_are_ranked() -> None:
    paragraphs = [f"第{i}段消息称，全省电网运行平稳。" for i in range(50)]
    summarizer = Summarizer(config=SummarizerConfig(max_sentences=10))
    analysis = summarizer.analyze(paragraphs)
    assert [s.paragraph for s in analysis.sentences] == list(range(10))
    assert len(lead_sentences(paragraphs)) == 50
    with pytest.raises(ValueError):
        SummarizerConfig(max_sentences=0)


def test_keywords_read_a_bounded_number_of_terms() -> None:
    paragraphs = ["电网运行平稳。", "固废整治压实责任，固废整治形成闭环，固废整治见到成效。"]
    bounded = Summarizer(config=SummarizerConfig(max_keyword_terms=3))
    assert set(bounded.summarize_text(paragraphs).keywords) <= {"电网", "运行", "平稳"}
    assert "固废" in summarize_text(paragraphs).keywords


def test_pathological_inputs_summarize() -> None:
    # No timing here: bench/speed.py times these as its "pathological input" rows.
    sentences = (
        f"省委常委会第{i}次会议研究部署固体废物专项整治（第{i}阶段）工作，要求压实责任形成闭环。"
        for i in range(10_000)
    )
    long_article = ["".join(sentences)[:200_000]]
    tiny_paragraphs = [f"第{i}段消息称市场运行平稳。" for i in range(5000)]
    for paragraphs in (long_article, tiny_paragraphs):
        summary = summarize_text(paragraphs)
        assert len(summary.sentences) == 3 and summary.keywords
        assert all(any(s in p for p in paragraphs) for s in summary.sentences)


_OLD_TRAILING_NOTES = re.compile(r"(?:\s*[（(][^（）()]*[）)])+\s*$")
"""The regex :func:`trailing_notes` replaced (quadratic on a run of brackets): its oracle."""


@settings(max_examples=500)
@given(
    text=st.text(alphabet=st.sampled_from(list("（）()。 \n文a")), max_size=24),
    cut=st.tuples(st.integers(0, 24), st.integers(0, 24)),
)
def test_trailing_notes_are_found_where_the_old_regex_found_them(
    text: str, cut: tuple[int, int]
) -> None:
    start, end = sorted(min(c, len(text)) for c in cut)
    old = _OLD_TRAILING_NOTES.search(text, start, end)
    assert trailing_notes(text, start, end) == (old.start() if old else None)


def test_a_paragraph_of_brackets_is_summarized_in_bounded_time() -> None:
    # 100,000 "()" then "b)": seconds to minutes with the old search, from every "(" to the
    # end. A subprocess, so a regression fails by its timeout instead of hanging the run.
    program = (
        "from summarizer.edition import Article\n"
        "from summarizer.summary import default_summarizer\n"
        "text = '职工们说，这里冬暖夏凉。' + '()' * 100_000 + 'b)'\n"
        "default_summarizer().summarize(Article(title='标题', paragraphs=[text]))\n"
    )
    subprocess.run([sys.executable, "-c", program], check=True, timeout=60, cwd=REPO)

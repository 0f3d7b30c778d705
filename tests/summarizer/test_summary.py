"""summarize(): verbatim key sentences in document order, within k and the budget; keywords."""

from __future__ import annotations

import multiprocessing
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
)

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
    plain = Summarizer(config=SummarizerConfig(direction="undirected"))
    prior = Summarizer(config=SummarizerConfig(direction="undirected", position_exponent=3.0))
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
